"""The benchmark suite's pytest plumbing, loaded by `benchmarks/conftest.py`: options, a storage folder per GPU,
stored results that are never overwritten or half-written, machine info (GPU, libraries, commit), skip markers
from `requirements()`, and the list of every case with what happened to it, so no preset goes missing silently."""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
from pathlib import Path

import pytest
import torch
from pytest_benchmark.utils import safe_dumps

from ..atomic import write_atomically
from ..config import CACHE_SWEEP, PRESETS, VARIANTS, Attention, OptimizationConfig, attention_variant, job_ranks, requirements, unmet_requirements
from ..lora.files import LoraError, check_source
from ..outputs import OutputError, checked_output, checked_output_folder, writable_folder
from ..pipelines import TINY
from ..speed.compile_cache import CompileCacheError, load_compile_cache
from ..speed.parallel import init_distributed
from .machine import gpu_info, library_versions, storage_folder_name
from .provenance import source_revision

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
CASES = pytest.StashKey[dict]()  # configuration name -> "selected", "skipped: <reason>" or "deselected"
PARTIAL = pytest.StashKey[dict]()  # the .partial file a --benchmark-json run keeps: its machine info and how many cases it holds
COMPILE_CACHE = pytest.StashKey[list]()  # the compile-cache files loaded at start, and how many artifacts each held


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lora-fast")
    group.addoption("--model", default=TINY, help="tiny (default), flux-dev-random, a hub id or a folder")
    group.addoption("--steps", type=int, help="denoising steps (default: the model's)")
    group.addoption("--resolution", type=int, help="image height and width (default: the model's)")
    group.addoption("--lora-rank", type=int, default=None, help="rank of the synthetic LoRA (default 128 full size, 8 tiny)")
    group.addoption("--lora", action="append", default=[], help="real LoRA file or hub id (repeat for the hot-swap sequence)")
    group.addoption("--lora-strength", type=float, default=None, help="|delta W|/|W| of the synthetic LoRAs (default: LoraSpec's)")
    group.addoption("--rounds", type=int, default=10, help="timed images per case (the regression gate needs 10)")
    group.addoption("--sequence-steps", type=int, help="denoising steps of test_mixed_shapes' request sequence (default: --steps; its static size is timed at --steps)")
    group.addoption("--soak-rounds", type=int, default=20, help="swap-and-image rounds of the LoRA soak (test_lora_soak)")
    group.addoption("--profile-kernels", action="store_true", help="profile one more image per case and store its GPU time per kernel family")
    group.addoption("--gpu-memory-gb", type=float, help="stand in for a card of this many GiB: the session's pipeline stays in host memory and each case's GPU memory is capped from its optimize on (the reference images run uncapped, model-offloaded)")
    group.addoption("--reverse-cases", action="store_true", help="run the cases in reverse order (to show the order moves no figure)")
    group.addoption("--plant-slowdown", type=float, default=0.0, help="make every timed image this fraction slower (to show the gate catches it)")
    group.addoption("--image-dir", type=Path, help="save each case's image here at full size as <case>.png (a new or empty folder); thumbnails go into the results either way")
    group.addoption("--compile-cache", type=Path, action="append", default=[], help="load this compile-cache file before the first case (lora-fast warm makes one; repeat for several)")
    group.addoption("--trust-compile-cache", action="store_true", help="load --compile-cache files this user's lora-fast warm did not sign (they run code: only from a source you trust)")


def pytest_configure(config: pytest.Config) -> None:
    # Under torchrun every rank runs the suite, so context-parallel cases find their job; only rank 0 stores.
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.distributed.is_initialized():
        init_distributed()
        if torch.distributed.get_rank() > 0:
            config.option.benchmark_json, config.option.benchmark_autosave, config.option.benchmark_save = None, False, None
    # Each GPU (or the CPU), and each size of job, stores its results in its own folder unless --benchmark-storage says otherwise.
    if getattr(config.option, "benchmark_storage", None) == "file://./.benchmarks":
        ranks = f"-x{job_ranks()}" if job_ranks() > 1 else ""
        config.option.benchmark_storage = f"file://./.benchmarks/{storage_folder_name(gpu_info())}{ranks}"
    config.stash[CASES] = {}


# The suite's numeric options: what each must be, and whether a value passes.
NUMBER_RULES = {
    "--steps": ("a whole number of at least 1", lambda value: value >= 1),
    "--resolution": ("a multiple of 16 of at least 16 (Flux works on 16-pixel patches)", lambda value: value >= 16 and value % 16 == 0),
    "--lora-rank": ("a whole number of at least 1", lambda value: value >= 1),
    "--lora-strength": ("a finite number above 0", lambda value: math.isfinite(value) and value > 0),
    "--rounds": ("a whole number of at least 1", lambda value: value >= 1),
    "--soak-rounds": ("a whole number of at least 1", lambda value: value >= 1),
    "--plant-slowdown": ("a finite fraction of at least 0", lambda value: math.isfinite(value) and value >= 0),
    "--gpu-memory-gb": ("a finite number above 0", lambda value: math.isfinite(value) and value > 0),
}


def check_options(config: pytest.Config) -> None:
    """Every option value and output path of the suite, before any pipeline is built: a pytest.UsageError naming
    the option and what it must be."""
    for option, (rule, passes) in NUMBER_RULES.items():
        value = config.getoption(option)
        if value is not None and not passes(value):
            raise pytest.UsageError(f"{option} {value}: it must be {rule}")
    try:
        for source in config.getoption("--lora"):
            check_source(source)
        json_path = getattr(config.option, "benchmark_json", None)
        if json_path is not None and not hasattr(json_path, "write"):
            checked_output(Path(json_path), "--benchmark-json", overwrite=True, suffixes=(".json",), kind="a .json file name")  # an empty one may stay
            if Path(json_path).is_file() and Path(json_path).stat().st_size:
                raise pytest.UsageError(f"--benchmark-json {json_path} already exists; stored results are never overwritten, pick a new name")
        image_dir = config.getoption("--image-dir")
        if image_dir is not None:
            checked_output_folder(image_dir, "--image-dir")
        storage = str(getattr(config.option, "benchmark_storage", "") or "")
        if storage.startswith("file://") and (config.option.benchmark_autosave or config.option.benchmark_save):
            writable_folder(Path(storage.removeprefix("file://")), f"--benchmark-storage {storage}")
    except (LoraError, OutputError) as error:
        raise pytest.UsageError(str(error)) from None


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    """An interrupted run stores nothing (pytest-benchmark would save the cases done so far as if they were the
    run), and says so in one line."""
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        option = session.config.option
        option.benchmark_json, option.benchmark_autosave, option.benchmark_save = None, False, None
        benchmark_session = getattr(session.config, "_benchmarksession", None)
        if benchmark_session is not None:
            benchmark_session.json, benchmark_session.autosave, benchmark_session.save = None, False, None
        print("\ninterrupted: no results were stored", file=sys.stderr)
    yield


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stored results are never overwritten or left half-written (runs after pytest-benchmark's own set-up); every
    option is checked before any work (`check_options`)."""
    config = session.config
    check_options(config)
    json_path = getattr(config.option, "benchmark_json", None)
    if hasattr(json_path, "write"):
        raise pytest.UsageError(
            f"this pytest-benchmark opens --benchmark-json {json_path.name} at start-up, emptying an existing file; "
            "install pytest-benchmark>=5 (requirements.txt pins it), which writes it only at the end"
        )
    benchmark_session = getattr(config, "_benchmarksession", None)
    if benchmark_session is not None and hasattr(benchmark_session.storage, "save"):
        save_atomically_to(benchmark_session.storage)
    if benchmark_session is not None and json_path is not None:
        benchmark_session.save_json = functools.partial(save_json_atomically, benchmark_session)
    try:
        trust = config.getoption("--trust-compile-cache")
        loaded = [{"file": str(path), "artifacts": load_compile_cache(path, trust=trust)} for path in config.getoption("--compile-cache")]
    except CompileCacheError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[COMPILE_CACHE] = loaded or None


def partial_path(json_path: str | os.PathLike) -> Path:
    """Where a run that writes `json_path` keeps the cases it has finished while it runs."""
    path = Path(json_path)
    return path.with_name(f"{path.stem}.partial{path.suffix}")


@pytest.hookimpl(trylast=True)  # after the case's fixtures are torn down: its benchmark is in the session's list by then
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """With --benchmark-json, every finished case so far in its `.partial` file (marked `partial` in machine_info), so a
    run stopped by a time limit keeps what it finished; the complete file removes it."""
    config = item.config
    session = getattr(config, "_benchmarksession", None)
    written = config.stash.get(PARTIAL, {"cases": 0})
    if session is None or not session.json or len(session.benchmarks) == written["cases"] or not _is_benchmark(item):
        return  # nothing new since the last write (a skipped or failed case adds none)
    if "machine_info" not in written:  # asked once: machine info takes a second and does not change
        written["machine_info"] = {**session.get_machine_info(), "partial": True}
    written["cases"] = len(session.benchmarks)
    config.stash[PARTIAL] = written
    commit_info = config.hook.pytest_benchmark_generate_commit_info(config=config)
    output = config.hook.pytest_benchmark_generate_json(config=config, benchmarks=session.benchmarks, include_data=True,
                                                       machine_info=written["machine_info"], commit_info=commit_info)
    config.hook.pytest_benchmark_update_json(config=config, benchmarks=session.benchmarks, output_json=output)
    write_atomically(partial_path(session.json), safe_dumps(output, ensure_ascii=True, indent=4).encode())


def save_atomically_to(storage) -> None:
    """Make pytest-benchmark's file storage save through `save_atomically`."""
    storage.save = functools.partial(save_atomically, storage)


def save_json_atomically(benchmark_session, output_json: dict) -> None:
    """pytest-benchmark's --benchmark-json writer, but whole or not at all (its own opens the file and writes in
    place); a file another process wrote there during the run is kept, and this run's goes beside it."""
    path = Path(benchmark_session.json)
    if path.exists() and path.stat().st_size:
        path = path.with_name(f"{path.stem}.{os.getpid()}{path.suffix}")
        print(f"--benchmark-json {benchmark_session.json} was written by another process during this run; this run's results: {path}", file=sys.stderr)
    write_atomically(path, safe_dumps(output_json, ensure_ascii=True, indent=4).encode())
    partial_path(benchmark_session.json).unlink(missing_ok=True)


def save_atomically(storage, output_json: dict, save: str) -> Path:
    """pytest-benchmark's FileStorage.save, but through a temporary file (its own writes in place, so an interrupted
    write would leave a truncated file that breaks `compare` and the report), and published under a number no other
    file has: when another process takes the same number at the same instant, this one takes the next free one."""
    data = safe_dumps(output_json, ensure_ascii=True, indent=4).encode()  # pytest-benchmark's own format
    folder = Path(storage.get(f"0000_{save}.json")).parent  # `get` makes the folder
    number = storage._next_num
    for _ in range(10_000):
        try:
            return write_atomically(folder / f"{number}_{save}.json", data, exclusive=True)
        except FileExistsError:
            number = f"{max(int(number), _highest_number(folder)) + 1:04d}"
    raise FileExistsError(f"no free result number under {folder}; stored results are never overwritten")


def _highest_number(folder: Path) -> int:
    """The highest NNNN of the NNNN_*.json files in `folder` (0 for none)."""
    numbers = [int(path.name.split("_", 1)[0]) for path in folder.glob("*_*.json") if path.name.split("_", 1)[0].isdigit()]
    return max(numbers, default=0)


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    machine_info.update(gpu_info())
    machine_info["libraries"] = library_versions()
    machine_info["model"] = config.getoption("--model")
    machine_info["revision"] = source_revision()
    machine_info["case_order"] = "reversed" if config.getoption("--reverse-cases") else "as declared"
    # Every configuration the suite defines, so a report can name the ones this run left out.
    machine_info["cases"] = {**{name: "not selected" for name in {**PRESETS, **VARIANTS}}, **config.stash.get(CASES, {})}
    machine_info["compile_cache_loaded"] = config.stash.get(COMPILE_CACHE, None)
    machine_info["ranks"] = job_ranks()


def pytest_benchmark_generate_commit_info(config: pytest.Config) -> dict | None:
    """The `commit_info` of each stored file from the runner's LORA_FAST_COMMIT when it sets one (a copied tree's .git
    may be stale, as on the GPU machine); None lets pytest-benchmark ask git. (Autosave's file name still comes from
    git: pytest-benchmark makes it before any hook runs.)"""
    revision = source_revision()
    if revision["from"] != "environment":
        return None
    dirty = revision["clean"] is False
    return {"id": revision["commit"], "time": None, "author_time": None, "dirty": dirty, "project": "lora-fast", "branch": "(LORA_FAST_COMMIT)"}


def case_config(item: pytest.Item) -> OptimizationConfig | None:
    """The configuration a parametrized case runs: its `preset`, `variant`, `cache_case` or `hotswap_case`; for an `attention`
    parameter, `no_fp8` with that kernel in a whole-pipeline case, the kernel alone in a kernel case."""
    params = getattr(item, "callspec", None) and item.callspec.params or {}
    if "preset" in params:
        return PRESETS[params["preset"]]
    for name in ("variant", "hotswap_case", "sizes_case", "serving_case", "cache_case"):
        if name in params:
            return {**PRESETS, **VARIANTS, **CACHE_SWEEP}[params[name]]
    if "attention" in params:
        attention = Attention(params["attention"])
        return attention_variant(attention) if "run_case" in item.fixturenames else OptimizationConfig(name=attention.value, attention=attention)
    return None


def _is_benchmark(item: pytest.Item) -> bool:
    return BENCHMARKS in item.path.parents  # hooks of a conftest see every collected test, tests/ included


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cases = config.stash[CASES]
    for item in items:
        case = case_config(item) if _is_benchmark(item) else None
        if case is None:
            continue
        for marker in requirements(case).markers:
            item.add_marker(marker)
        reasons = unmet_requirements(case)
        if case.context_parallel == 1 and job_ranks() > 1 and torch.distributed.get_rank() > 0:
            reasons.append(f"rank {torch.distributed.get_rank()} of a torchrun job: one-GPU cases are timed on rank 0 alone")
        if reasons:
            item.add_marker(pytest.mark.skip(reason="; ".join(reasons)))
        if "run_case" in item.fixturenames:  # whole-pipeline cases: what the report's table is made of
            cases[case.name] = f"skipped: {'; '.join(reasons)}" if reasons else "selected"
    if config.getoption("--reverse-cases"):
        benchmarks = [item for item in items if _is_benchmark(item)]
        items[:] = [item for item in items if not _is_benchmark(item)] + benchmarks[::-1]


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        case = case_config(item) if _is_benchmark(item) else None
        if case is not None and "run_case" in item.fixturenames:
            item.config.stash[CASES][case.name] = "deselected"


def say(config: pytest.Config, line: str) -> None:
    """Print `line` on pytest's terminal at once, past output capture (nothing under xdist's workers, which have none)."""
    reporter, capture = config.pluginmanager.get_plugin("terminalreporter"), config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter.write_line(line)
