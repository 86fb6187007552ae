"""The suite's pytest plumbing (lora_fast.bench.suite), tested without a pytest session: storage per GPU, machine
info, and a save that cannot leave a half-written file behind."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from pytest_benchmark.storage.file import FileStorage

from lora_fast.bench import suite
from lora_fast.config import PRESETS


def fake_config(storage: str, **options) -> SimpleNamespace:
    values = {"--model": "flux-dev-random", "--reverse-cases": False, **options}
    return SimpleNamespace(option=SimpleNamespace(benchmark_storage=storage), getoption=values.get, stash={})


def test_storage_goes_to_a_folder_per_gpu(monkeypatch):
    monkeypatch.setattr(suite, "gpu_info", lambda: {"gpu": "NVIDIA H200"})
    config = fake_config("file://./.benchmarks")
    suite.pytest_configure(config)
    assert config.option.benchmark_storage == "file://./.benchmarks/NVIDIA-H200"
    config = fake_config("file:///elsewhere")
    suite.pytest_configure(config)
    assert config.option.benchmark_storage == "file:///elsewhere"


def test_machine_info_records_gpu_libraries_model_commit_and_cases(monkeypatch):
    monkeypatch.setattr(suite, "gpu_info", lambda: {"gpu": "NVIDIA H200", "compute_capability": "9.0"})
    config = fake_config("file://./.benchmarks", **{"--reverse-cases": True})
    config.stash[suite.CASES] = {"optimized": "selected", "rtx4090_fp8": "deselected"}
    info = {"node": "x"}
    suite.pytest_benchmark_update_machine_info(config, info)
    assert info["gpu"] == "NVIDIA H200" and info["compute_capability"] == "9.0" and info["node"] == "x"
    assert info["model"] == "flux-dev-random" and "torch" in info["libraries"] and info["case_order"] == "reversed"
    assert info["cases"]["optimized"] == "selected" and info["cases"]["rtx4090_fp8"] == "deselected"
    assert info["cases"]["no_compile"] == "not selected"  # every configuration is listed, run or not
    assert info["revision"]["from"] in ("git", "environment") and info["revision"]["commit"]


def test_a_save_that_fails_half_way_leaves_nothing_behind(tmp_path):
    """pytest-benchmark's own save opens the target first and writes into it, so a failure while writing leaves
    an empty or truncated NNNN file that breaks `compare` and the report; ours leaves the folder as it was."""
    storage = FileStorage(tmp_path, default_machine_id="m", logger=logging.getLogger("test"))
    suite.save_atomically_to(storage)
    storage.save({"benchmarks": [], "machine_info": {}}, "first")
    stored = sorted(tmp_path.rglob("*"))
    before = {path: path.read_bytes() for path in stored if path.is_file()}
    unserializable = {"benchmarks": []}
    unserializable["self"] = unserializable  # serialising fails part of the way through
    with pytest.raises(ValueError, match="Circular reference"):
        storage.save(unserializable, "second")
    assert sorted(tmp_path.rglob("*")) == stored
    assert {path: path.read_bytes() for path in stored if path.is_file()} == before
    assert json.loads(next(iter(before.values()))) == {"benchmarks": [], "machine_info": {}}


def test_attention_cases_are_the_kernel_alone_or_its_pipeline():
    """A kernel case needs only what its kernel needs (SDPA runs on a CPU); a whole-pipeline case is `no_fp8` with it."""
    def item(fixtures):
        return SimpleNamespace(callspec=SimpleNamespace(params={"attention": "sdpa"}), fixturenames=fixtures)

    kernel, pipeline = suite.case_config(item(["benchmark"])), suite.case_config(item(["benchmark", "run_case"]))
    assert kernel.name == "sdpa" and not kernel.compiled and "cpu" in suite.requirements(kernel).markers
    assert pipeline.name == "no_fp8+sdpa" and pipeline.cuda_graphs


def test_commit_record_follows_the_runner_not_a_stale_git(monkeypatch):
    """A stored file's commit_info: on the GPU machine the copied .git is stale, LORA_FAST_COMMIT is not."""
    monkeypatch.setenv("LORA_FAST_COMMIT", "0123abc")
    monkeypatch.setenv("LORA_FAST_TREE_CLEAN", "1")
    assert {"id": "0123abc", "dirty": False}.items() <= suite.pytest_benchmark_generate_commit_info(None).items()
    monkeypatch.setenv("LORA_FAST_TREE_CLEAN", "0")
    assert suite.pytest_benchmark_generate_commit_info(None)["dirty"] is True
    monkeypatch.delenv("LORA_FAST_COMMIT")
    assert suite.pytest_benchmark_generate_commit_info(None) is None  # pytest-benchmark asks git itself


def test_racing_saves_keep_every_result(tmp_path):
    """Processes saving at the same instant, behind a barrier, into one storage: every result is stored, each under a
    number of its own (the last session's saver lost 24 of 300 and raised 27 times)."""
    import subprocess
    import sys
    import time

    storage, count, start = tmp_path / "store", 40, time.time() + 3
    root = Path(__file__).parent.parent
    racers = [
        subprocess.Popen([sys.executable, str(root / "tests" / "race_saves.py"), str(storage), name, str(count), str(start)], cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
        for name in ("a", "b", "c")
    ]
    assert [racer.wait(timeout=120) for racer in racers] == [0, 0, 0]
    stored = sorted(storage.glob("*.json"))
    numbers = [path.name.split("_", 1)[0] for path in stored]
    assert len(stored) == 3 * count and len(set(numbers)) == len(numbers), "a result was lost or two share a number"
    assert {(data["name"], data["index"]) for data in map(lambda path: json.loads(path.read_text()), stored)} == {(name, index) for name in "abc" for index in range(count)}
    assert not list(storage.glob(".*partial"))


def collect_in_process(*options: str) -> tuple[int, pytest.Config, list[str]]:
    """The benchmark suite collected in this process (its hooks run here, where mutation testing sees them): the
    exit status, the session's config and the collected case ids."""
    seen = {}

    class Recorder:
        def pytest_collection_finish(self, session):
            seen["config"], seen["items"] = session.config, [item.nodeid for item in session.items]

    target = options[0] if options and options[0].startswith("benchmarks/") else "benchmarks/test_presets.py::test_preset"
    options = options[1:] if options and options[0] == target else options
    code = pytest.main([target, "--collect-only", "-q", "-p", "no:cacheprovider", *options], plugins=[Recorder()])
    return code, seen.get("config"), seen.get("items", [])


def test_the_suite_parses_its_options_and_lists_every_case(capsys):
    from lora_fast.bench.suite import CASES

    code, config, items = collect_in_process("benchmarks/test_presets.py::test_hotswap_sequence", "-k", "optimized")
    assert code == 0 and items and "deselected" not in config.stash[CASES].values()  # the sequence's cases are not the table's
    code, config, items = collect_in_process("-k", "baseline or optimized")
    assert code == 0
    assert {name: config.getoption(name) for name in ("--rounds", "--soak-rounds", "--plant-slowdown", "--steps", "--compile-cache")} == {
        "--rounds": 10, "--soak-rounds": 20, "--plant-slowdown": 0.0, "--steps": None, "--compile-cache": []}
    cases = config.stash[CASES]
    assert cases["baseline"] == "selected" and cases["optimized"].startswith("skipped: ") and cases["no_fp8"] == "deselected"
    assert any(item.endswith("test_preset[baseline]") for item in items)
    code, config, items = collect_in_process("-k", "baseline", "--steps", "2", "--resolution", "64", "--plant-slowdown", "0.25",
                                             "--reverse-cases", "--compile-cache", "a.bin", "--compile-cache", "b.bin")
    assert code == pytest.ExitCode.USAGE_ERROR  # the compile caches do not exist: refused at start, after the options parsed
    assert "a.bin" in capsys.readouterr().err
    code, config, items = collect_in_process("-k", "baseline or compile", "--steps", "2", "--resolution", "64", "--plant-slowdown", "0.25", "--reverse-cases",
                                             "--rounds", "3", "--soak-rounds", "4", "--lora-rank", "5", "--lora-strength", "0.5", "--gpu-memory-gb", "24")
    assert code == 0
    assert [config.getoption(name) for name in ("--steps", "--resolution", "--plant-slowdown", "--rounds", "--soak-rounds", "--lora-rank", "--lora-strength", "--gpu-memory-gb")] == [
        2, 64, 0.25, 3, 4, 5, 0.5, 24.0]
    presets = [item.rsplit("[", 1)[1].rstrip("]") for item in items if "test_preset[" in item]
    assert presets == sorted(presets, key=list(PRESETS).index, reverse=True)  # --reverse-cases: the cases in reverse order


def test_the_next_free_number_reads_every_stored_name(tmp_path):
    for name in ("0003_run.json", "0012_nightly_run_2.json", "notes.json", "x_1.json", "0007_a.txt"):
        (tmp_path / name).write_text("{}")
    assert suite._highest_number(tmp_path) == 12 and suite._highest_number(tmp_path / "empty") == 0


def test_a_taken_number_moves_a_save_to_the_next_free_one(tmp_path, monkeypatch):
    """Saving under a number another file has: the result goes to the highest stored number plus one, nothing is replaced."""
    storage = FileStorage(tmp_path, default_machine_id="m", logger=logging.getLogger("test"))
    suite.save_atomically_to(storage)
    first = storage.save({"benchmarks": [1]}, "run")
    (first.parent / "0005_other.json").write_text("{}")
    monkeypatch.setattr(FileStorage, "_next_num", property(lambda self: first.name.split("_", 1)[0]))  # a stale listing: the number is taken
    second = storage.save({"benchmarks": [2]}, "run")
    assert second.name == "0006_run.json" and json.loads(first.read_text()) == {"benchmarks": [1]}


def test_a_quantized_case_past_fp8s_own_limit_fails(tmp_path):
    """The CPU twin of the FP8 limit: with our FP8 layer broken on purpose (tests/plant_fp8_error.py), the tiny
    pipeline's FP8 cases fail naming the limit, read whole or streamed from a saved folder (unbroken, the same cases
    pass in every benchmark run). The session removes the folder it saved for the streamed case."""
    import subprocess

    root, cases = Path(__file__).parent.parent, ("no_fa3-graphs", "no_fa3-graphs+streamed")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *(f"benchmarks/test_presets.py::test_variant[{case}]" for case in cases), "-p", "tests.plant_fp8_error", "--benchmark-disable",
         "-q", "-p", "no:warnings", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "session")],
        cwd=root, capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert result.returncode == 1 and all(f"{case} errs more than FP8 arithmetic allows" in result.stdout for case in cases), result.stdout[-3000:]
    assert "2 failed" in result.stdout and not list((tmp_path / "session").glob("saved_pipeline*/*")), result.stdout[-3000:]


def test_a_run_stopped_by_its_time_limit_keeps_the_cases_it_finished(tmp_path):
    """With --benchmark-json, each finished case is kept in the .partial file (marked partial) while the run goes on:
    SIGTERM during the second case (what `timeout` sends) leaves the first one stored and no complete file."""
    import signal
    import subprocess
    import time

    root, out = Path(__file__).parent.parent, tmp_path / "run.json"
    cases = ["benchmarks/test_presets.py::test_preset[baseline]", "benchmarks/test_presets.py::test_preset[no_fa3_fp8]"]  # the second compiles: 20 s or more
    run = subprocess.Popen([sys.executable, "-m", "pytest", *cases, "--rounds", "2", "--benchmark-json", str(out), "-q", "-p", "no:warnings", "-p", "no:cacheprovider"],
                           cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(root)})
    partial = suite.partial_path(out)
    deadline = time.monotonic() + 300
    while not partial.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=60)
    stored = json.loads(partial.read_text())
    assert [bench["name"] for bench in stored["benchmarks"]] == ["test_preset[baseline]"]
    assert stored["machine_info"]["partial"] is True and stored["benchmarks"][0]["extra_info"]["workload"]
    assert not out.exists()


def test_the_complete_file_replaces_the_partial_one(tmp_path):
    out = tmp_path / "run.json"
    suite.partial_path(out).write_text("{}")
    suite.save_json_atomically(SimpleNamespace(json=out), {"benchmarks": []})
    assert json.loads(out.read_text()) == {"benchmarks": []} and not suite.partial_path(out).exists()
