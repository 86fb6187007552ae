"""A compile cache saved by `lora-fast warm` makes a fresh process's first compiled call find warm caches, and
the suite records that; a bad file is a clear error. Each process gets an empty inductor cache folder of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lora_fast.compile_cache import CompileCacheError, load_compile_cache

ROOT = Path(__file__).parent.parent
CASE = "benchmarks/test_presets.py::test_preset[baseline_compile]"


def run(arguments: list[str], cache_dir: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": str(cache_dir)}
    return subprocess.run([sys.executable, *arguments], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)


def first_call_cache(results: Path) -> tuple[str, object]:
    data = json.loads(results.read_text())
    return data["benchmarks"][0]["extra_info"]["first_call_cache"]["state"], data["machine_info"]["compile_cache_loaded"]


def test_a_saved_compile_cache_warms_a_fresh_process(tmp_path):
    artifact = tmp_path / "cache.bin"
    warm = run(["-m", "lora_fast", "warm", "--model", "tiny", "--preset", "baseline_compile", "--out", str(artifact)], tmp_path / "inductor-a")
    assert warm.returncode == 0 and artifact.stat().st_size > 0, warm.stderr
    suite = ["-m", "pytest", CASE, "-q", "-p", "no:cacheprovider", "--rounds", "1"]
    loaded = run([*suite, "--compile-cache", str(artifact), "--benchmark-json", str(tmp_path / "loaded.json")], tmp_path / "inductor-b")
    cold = run([*suite, "--benchmark-json", str(tmp_path / "cold.json")], tmp_path / "inductor-c")
    assert loaded.returncode == 0 and cold.returncode == 0, loaded.stdout + cold.stdout
    state, source = first_call_cache(tmp_path / "loaded.json")
    assert state == "warm" and [entry["file"] for entry in source] == [str(artifact)] and source[0]["artifacts"] > 0
    assert first_call_cache(tmp_path / "cold.json") == ("cold", None)  # the control: an empty cache compiles from scratch


def test_a_bad_compile_cache_is_a_clear_error(tmp_path):
    with pytest.raises(CompileCacheError, match="not found"):
        load_compile_cache(tmp_path / "absent.bin")
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"not a cache")
    with pytest.raises(CompileCacheError, match="not a compile cache"):
        load_compile_cache(garbage)


def test_saving_before_anything_compiled_is_refused(tmp_path):
    script = "from lora_fast.compile_cache import save_compile_cache; save_compile_cache(r'%s')" % (tmp_path / "x.bin")
    result = run(["-c", script], tmp_path / "inductor")
    assert result.returncode != 0 and "nothing was compiled" in result.stderr and not (tmp_path / "x.bin").exists()
