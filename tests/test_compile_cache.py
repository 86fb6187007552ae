"""A compile cache saved by `lora-fast warm` makes a fresh process's first compiled call find warm caches, and
the suite records that; a bad file is a clear error. Each process gets an empty inductor cache folder of its own."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from lora_fast import cli
from lora_fast.config import PRESETS
from lora_fast.speed.compile_cache import CompileCacheError, first_call_notice, load_compile_cache

ROOT = Path(__file__).parent.parent
CASE = "benchmarks/test_presets.py::test_preset[baseline_compile]"


def start(arguments: list[str], cache_dir: Path) -> subprocess.Popen:
    environment = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": str(cache_dir)}
    return subprocess.Popen([sys.executable, *arguments], cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    stdout, stderr = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run(arguments: list[str], cache_dir: Path) -> subprocess.CompletedProcess:
    return finish(start(arguments, cache_dir))


def first_call_cache(results: Path) -> tuple[str, object]:
    data = json.loads(results.read_text())
    return data["benchmarks"][0]["extra_info"]["first_call_cache"]["state"], data["machine_info"]["compile_cache_loaded"]


def test_a_saved_compile_cache_warms_a_fresh_process(tmp_path):
    artifact = tmp_path / "cache.bin"
    warm = run(["-m", "lora_fast", "warm", "--model", "tiny", "--preset", "baseline_compile", "--out", str(artifact)], tmp_path / "inductor-a")
    assert warm.returncode == 0 and artifact.stat().st_size > 0, warm.stderr
    suite = ["-m", "pytest", CASE, "-q", "-p", "no:cacheprovider", "--rounds", "1"]
    # the two fresh processes at once, each with its own inductor cache folder: nothing they compile is shared
    loaded = start([*suite, "--compile-cache", str(artifact), "--benchmark-json", str(tmp_path / "loaded.json")], tmp_path / "inductor-b")
    cold = start([*suite, "--benchmark-json", str(tmp_path / "cold.json")], tmp_path / "inductor-c")
    loaded, cold = finish(loaded), finish(cold)
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
    script = "from lora_fast.speed.compile_cache import save_compile_cache; save_compile_cache(r'%s')" % (tmp_path / "x.bin")
    result = run(["-c", script], tmp_path / "inductor")
    assert result.returncode != 0 and "nothing was compiled" in result.stderr and not (tmp_path / "x.bin").exists()


def test_a_compiled_preset_says_it_is_compiling_before_its_first_image(monkeypatch, capsys):
    """The first image of a compiled preset sits on its first step for a minute or more: the CLI says why, how long
    it usually takes and what shortens it, after `optimize` and before the image; a preset that compiles nothing is quiet."""
    assert first_call_notice(PRESETS["baseline"], tiny=False) is None
    assert "60-290 s at full size on an H200 with FP8 layers" in first_call_notice(PRESETS["optimized"], tiny=False)
    assert "25-60 s at full size on an H200 with cold" in first_call_notice(PRESETS["no_fp8"], tiny=False)
    assert "lora-fast warm" in first_call_notice(PRESETS["baseline_compile"], tiny=True)
    steps = []
    monkeypatch.setattr(sys.modules["lora_fast.optimize"], "optimize", lambda *args, **kwargs: steps.append("optimize"))
    args = argparse.Namespace(lora=None, lora_rank=None, allow_pickle=False, model="tiny")
    for preset in ("baseline_compile", "baseline"):
        cli._optimized(args, types.SimpleNamespace(), PRESETS[preset], "cpu")
    assert steps == ["optimize", "optimize"]
    said = capsys.readouterr().err
    assert said.count("compiling") == 1 and "compiling baseline_compile: the first image usually takes 20-60 s" in said
