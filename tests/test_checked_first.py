"""Everything is checked before the work starts (issue 32, goal 5): every option value and output path of the CLI,
the report, the page and the suite is refused in one line before any pipeline is built or file read, and an
interrupted run says so in one line and leaves nothing partial."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest
from test_bad_input import one_line_error

from lora_fast.bench import page, report, suite
from lora_fast.cli import main

ROOT = Path(__file__).parent.parent


@pytest.fixture
def no_work(monkeypatch):
    """Building a pipeline fails the test: what is checked must be checked before it."""
    import lora_fast.speed.streamed

    monkeypatch.setattr(lora_fast.speed.streamed, "load_for", lambda *a, **k: pytest.fail("a pipeline was built before the input was checked"))


def test_every_lora_is_checked_before_any_pipeline_is_built(tmp_path, capsys, no_work):
    folder = tmp_path / "loras"
    folder.mkdir()
    (tmp_path / "old.bin").write_bytes(b"pickle")
    good = tmp_path / "good.safetensors"
    good.write_bytes(b"not read")
    cases = {
        str(tmp_path / "absent.safetensors"): "not found", str(folder): "is a folder", str(tmp_path / "old.bin"): "pickle file",
        "not-a-hub-id": "neither an existing file nor a hub id",
    }
    for command in ("generate", "warm"):
        for source, words in cases.items():
            argv = [command, "--lora", str(good), "--lora", f"{source}:0.5", "--out", str(tmp_path / f"out.{'png' if command == 'generate' else 'bin'}")]
            assert words in one_line_error(capsys, argv + (["--prompt", "x"] if command == "generate" else ["--preset", "baseline_compile"]))


def test_the_compile_cache_out_of_warm_is_checked_before_compiling(tmp_path, capsys, no_work):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file, not a folder")
    for out, words in ((tmp_path, "is a folder"), (a_file / "cache.bin", "cannot write into"), (a_file, "already exists")):
        assert words in one_line_error(capsys, ["warm", "--preset", "baseline_compile", "--out", str(out)])


def test_an_interrupted_generate_says_so_in_one_line_and_saves_nothing(tmp_path, capsys, monkeypatch):
    import lora_fast.speed.streamed

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(lora_fast.speed.streamed, "load_for", interrupted)  # what the command line loads with
    assert main(["generate", "--prompt", "x", "--out", str(tmp_path / "image.png")]) == 130
    assert capsys.readouterr().err.strip() == "interrupted: nothing was saved"
    assert not list(tmp_path.iterdir())


def test_an_image_is_written_whole_or_not_at_all(tmp_path, capsys, monkeypatch):
    """The image goes through a temporary file: a write that fails midway leaves no file and no partial one."""
    import lora_fast.atomic

    def fail_midway(file, data):
        file.write(data[: len(data) // 2])
        raise KeyboardInterrupt

    class HalfWriter:
        def __init__(self, handle, mode):
            self.file = open(handle, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, data):
            fail_midway(self.file, data)

    monkeypatch.setattr(lora_fast.atomic.os, "fdopen", HalfWriter)
    assert main(["generate", "--prompt", "x", "--steps", "1", "--height", "32", "--width", "32", "--out", str(tmp_path / "image.png")]) == 130
    assert not list(tmp_path.iterdir())


def broken_run(folder: Path) -> Path:
    path = folder / "0001_broken.json"
    path.write_text("{ not json")
    return path


def test_the_report_and_the_page_check_their_outputs_before_reading_anything(tmp_path, capsys, monkeypatch):
    """Outputs come first: with a broken stored run given, the error is about the output. An output naming a stored
    run or a file under .benchmarks is refused and the run is untouched."""
    monkeypatch.chdir(tmp_path)
    stored = tmp_path / ".benchmarks" / "NVIDIA-H200"
    stored.mkdir(parents=True)
    run = stored / "0001_run.json"
    run.write_text('{"benchmarks": []}')
    broken = broken_run(tmp_path)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file")
    report_cases = [
        (["--png", str(run)], "which this run reads"), (["--png", str(stored / "chart.png")], "which this run reads"),
        (["--png", str(a_file / "chart.png")], "cannot write into"), (["--png", "chart.svg"], "not a .png file name"),
        (["--readme", "absent.md"], "does not exist"), (["--readme", str(run)], "which this run reads"),
    ]
    for options, words in report_cases:
        assert report.main([str(broken), *options]) == 2
        assert words in capsys.readouterr().err
    for options, words in ((["--out", str(run)], "which this run reads"), (["--out", "page.txt"], "not an .html file name"),
                           (["--out", "page.html", "--svg", str(a_file / "x.svg")], "cannot write into")):
        assert page.main([str(broken), *options]) == 2
        assert words in capsys.readouterr().err
    assert run.read_text() == '{"benchmarks": []}' and not (tmp_path / "page.html").exists()


class Options:
    """A pytest config's options as `suite.check_options` reads them."""

    def __init__(self, **values):
        defaults = {"--steps": None, "--resolution": None, "--lora-rank": None, "--lora-strength": None, "--rounds": 10, "--soak-rounds": 20,
                    "--plant-slowdown": 0.0, "--gpu-memory-gb": None, "--lora": [], "--image-dir": None}
        self.values = {**defaults, **values}
        self.option = Namespace(benchmark_json=None, benchmark_storage="file://./.benchmarks", benchmark_autosave=False, benchmark_save=None)

    def getoption(self, name):
        return self.values[name]


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--steps", 0, "at least 1"), ("--resolution", 100, "multiple of 16"), ("--resolution", 0, "multiple of 16"), ("--lora-rank", 0, "at least 1"),
    ("--lora-strength", float("nan"), "finite number above 0"), ("--lora-strength", 0.0, "above 0"), ("--rounds", 0, "at least 1"),
    ("--soak-rounds", -3, "at least 1"), ("--plant-slowdown", -0.1, "at least 0"), ("--plant-slowdown", float("inf"), "finite"),
    ("--gpu-memory-gb", 0.0, "above 0"), ("--lora", ["absent.safetensors"], "not found"),
])
def test_the_suite_refuses_each_odd_option_value_before_any_work(option, value, words):
    suite.check_options(Options())  # the defaults pass
    with pytest.raises(pytest.UsageError, match=f"{words}") as error:
        suite.check_options(Options(**{option: value}))
    assert option in str(error.value) or option == "--lora"


def test_the_suite_checks_its_output_paths_before_any_work(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file")
    for where, words in ((tmp_path, "is a folder"), (tmp_path / "results.txt", "not a .json file name"), (a_file / "r.json", "cannot write into")):
        options = Options()
        options.option.benchmark_json = where
        with pytest.raises(pytest.UsageError, match=words):
            suite.check_options(options)
    for folder in (a_file / "images",):
        with pytest.raises(pytest.UsageError, match="cannot write into"):
            suite.check_options(Options(**{"--image-dir": folder}))
    for taken in (a_file, tmp_path):  # a file, a folder with a file in it: images are never written over
        with pytest.raises(pytest.UsageError, match="already exists; give a new or empty folder"):
            suite.check_options(Options(**{"--image-dir": taken}))
    options = Options()
    options.option.benchmark_storage, options.option.benchmark_autosave = f"file://{a_file}/runs", True
    with pytest.raises(pytest.UsageError, match="--benchmark-storage .* cannot write into"):
        suite.check_options(options)


def test_an_interrupted_suite_stores_nothing_and_says_so(tmp_path):
    """Interrupted after its first case was timed, the run stores no JSON (pytest-benchmark would write the cases done so
    far as if they were the run) and says so in one line; stopping before any case, the same."""
    plugin = tmp_path / "interrupt_second.py"
    plugin.write_text(
        "import pytest\nseen = []\n\n"
        "@pytest.hookimpl(tryfirst=True)\ndef pytest_runtest_setup(item):\n    seen.append(item)\n    if len(seen) == 2:\n        raise KeyboardInterrupt\n"
    )
    results = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "benchmarks/test_presets.py", "-k", "test_preset and (baseline or compile)", "--rounds", "1", "-p", "interrupt_second",
         "--benchmark-json", str(results), "--benchmark-storage", f"file://{tmp_path / 'storage'}", "--benchmark-autosave"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=300,
    )
    assert run.returncode == 2, run.stdout[-2000:] + run.stderr[-2000:]
    assert "interrupted: no results were stored" in run.stderr
    assert not results.exists() and not list((tmp_path / "storage").rglob("*.json"))
    assert "1 passed" in run.stdout  # the first case did run: there was something to store


def test_a_json_written_by_another_process_during_the_run_is_kept(tmp_path, capsys):
    results = tmp_path / "results.json"
    results.write_text('{"another": "run"}')
    suite.save_json_atomically(Namespace(json=str(results)), {"benchmarks": [1]})
    beside = [path for path in tmp_path.iterdir() if path != results]
    assert results.read_text() == '{"another": "run"}' and len(beside) == 1 and json.loads(beside[0].read_text()) == {"benchmarks": [1]}
    assert "written by another process" in capsys.readouterr().err


def test_the_suite_checks_its_options_at_start(tmp_path):
    run = subprocess.run([sys.executable, "-m", "pytest", "benchmarks", "--rounds", "0", "--benchmark-json", str(tmp_path / "r.json")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR and "--rounds 0: it must be a whole number of at least 1" in run.stderr
    assert "passed" not in run.stdout and not (tmp_path / "r.json").exists()
