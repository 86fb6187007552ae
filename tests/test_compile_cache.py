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
    with pytest.raises(CompileCacheError, match="not a compile cache lora-fast warm signed"):
        load_compile_cache(garbage)
    with pytest.raises(CompileCacheError, match="not a compile cache this torch can read"):
        load_compile_cache(garbage, trust=True)  # trusted, but malformed: still one clear line


class RunsCode:
    """Unpickled, it creates a file: what a hostile compile-cache item can do (a shell command, in the real attack)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def torch_artifacts(key: str, content: bytes) -> bytes:
    """Bytes in torch's compile-cache format holding one inductor item."""
    from torch.utils._appending_byte_serializer import _ENCODING_VERSION, BytesWriter

    writer = BytesWriter()
    writer.write_uint64(_ENCODING_VERSION)
    writer.write_str("inductor")
    writer.write_uint64(1)
    writer.write_str(key)
    writer.write_bytes(content)
    return writer.to_bytes()


def test_a_compile_cache_is_trusted_only_when_this_user_signed_it(tmp_path, monkeypatch):
    """Loading a compile cache runs the code in it: an unsigned file, one signed with another key, or a signed file
    changed since is refused before torch reads a byte; trusted explicitly, an item keyed outside the cache folder is
    still refused. The planted item would run code if anything unpickled it (the control)."""
    import hmac
    import pickle

    from lora_fast.speed import compile_cache

    marker = tmp_path / "ran"
    hostile = torch_artifacts("fxgraph-abc", pickle.dumps(RunsCode(marker)))
    loads = []
    monkeypatch.setattr(compile_cache.torch.compiler, "load_cache_artifacts", lambda data: loads.append(data))
    unsigned = tmp_path / "shipped.bin"
    unsigned.write_bytes(hostile)
    with pytest.raises(CompileCacheError, match="runs the code in it: pass --trust-compile-cache"):
        load_compile_cache(unsigned)
    other_key = hmac.new(b"someone else's key", hostile, "sha256").digest()
    (tmp_path / "other.bin").write_bytes(compile_cache.SIGNED + other_key + hostile)
    with pytest.raises(CompileCacheError, match="another user's key or changed since"):
        load_compile_cache(tmp_path / "other.bin")
    for key in ("/etc/cron.d/job", "../../outside", "inductor/../../../outside"):
        (tmp_path / "escape.bin").write_bytes(torch_artifacts(key, b"x"))
        with pytest.raises(CompileCacheError, match="outside the cache folder"):
            load_compile_cache(tmp_path / "escape.bin", trust=True)
    assert loads == [] and not marker.exists()  # torch never saw the bytes, nothing ran
    own_key = compile_cache._user_key()
    signed = tmp_path / "signed.bin"
    signed.write_bytes(compile_cache.SIGNED + hmac.new(own_key, hostile, "sha256").digest() + hostile)
    with pytest.raises(CompileCacheError, match="this torch can read"):  # the stand-in torch returned None: it reached torch
        load_compile_cache(signed)
    assert loads == [hostile]
    tampered = bytearray(signed.read_bytes())
    tampered[-1] ^= 1
    signed.write_bytes(bytes(tampered))
    with pytest.raises(CompileCacheError, match="changed since"):
        load_compile_cache(signed)
    pickle.loads(pickle.dumps(RunsCode(marker)))
    assert marker.exists()  # the control: the planted item does run code when unpickled


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
