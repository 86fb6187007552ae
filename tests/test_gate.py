"""The report and the regression gate on synthetic stored runs, and what each stored case records about itself
(independent clock, host counters, compile-cache state, commit)."""

from __future__ import annotations

import copy
import json
import random
import statistics
from pathlib import Path

import pytest
import torch
from depth import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lora_fast.bench import provenance, report
from lora_fast.bench.timing import PhaseClock, RoundClock, cpu_steal_s, slowed_down

WORKLOAD = {"model": "flux-dev-random", "height": 1024, "width": 1024, "steps": 28, "lora_rank": 128}
CALIBRATION = {"exact": {}, "broken": {}, "limits": {"lora_error_latents": 0.147}, "margins": {}, "lora_effect": 0.126}


def case(name: str, median: float, *, rounds: int = 10, spread: float = 0.002, seed: int = 0, recompiles: int = 0, within: bool = True,
         agreement: float = 0.0005, planted: float = 0.0, peak: float = 20.0, workload: dict = WORKLOAD) -> dict:
    """One stored whole-pipeline case as the suite writes it, rounds drawn around `median`."""
    generator = random.Random(seed)
    data = sorted(median * (1 + spread * generator.gauss(0, 1)) for _ in range(rounds))
    mean = statistics.fmean(data)
    return {
        "name": f"test_preset[{name}]",
        "stats": {"median": statistics.median(data), "mean": mean, "stddev": statistics.stdev(data), "rounds": rounds, "min": data[0], "max": data[-1]},
        "extra_info": {
            "config": {"name": name, "notes": f"{name} notes"}, "workload": workload, "calibration": CALIBRATION, "planted_slowdown": planted,
            "rounds": {"clock_agreement": agreement}, "recompiles": recompiles, "within_limits": {"lora_error_latents": within},
            "lora_error_latents": 0.03, "peak_mem_GiB": peak, "first_call_s": 30.0, "first_call_cache": {"state": "cold"},
            "revision": {"commit": "abc", "clean": True},
        },
    }


def stored_run(folder: Path, number: int, cases: list[dict], gpu: str = "NVIDIA H200", listed: dict | None = None, name: str = "run") -> Path:
    path = folder / f"{number:04d}_{name}.json"
    made = f"2026-11-29T00:{number // 60 % 60:02d}:{number % 60:02d}"
    path.write_text(json.dumps({"machine_info": {"gpu": gpu, "cases": listed or {}}, "datetime": made, "benchmarks": cases}))
    return path


@pytest.fixture
def storage(tmp_path) -> Path:
    """Two earlier stored runs of the H200: the gate compares with the last one."""
    folder = tmp_path / "NVIDIA-H200" / "Linux-CPython-3.12-64bit"
    folder.mkdir(parents=True)
    stored_run(folder, 1, [case("baseline", 5.9), case("optimized", 3.0)])
    stored_run(folder, 2, [case("baseline", 5.6, seed=1), case("optimized", 2.5, seed=1)])
    return tmp_path / "NVIDIA-H200"


def test_gate_passes_an_unchanged_rerun(storage, tmp_path):
    rerun = stored_run(tmp_path, 3, [case("baseline", 5.6, seed=7), case("optimized", 2.5, seed=7)])
    result = report.gate(rerun, storage)
    assert result.passed and result.references == ["0002_run.json"], result


def test_gate_fails_a_planted_five_percent_slowdown(storage, tmp_path):
    slower = stored_run(tmp_path, 3, [case("baseline", 5.6, seed=7), case("optimized", 2.5 * 1.05, seed=7)])
    result = report.gate(slower, storage)
    assert not result.passed and len(result.failures) == 1 and result.failures[0].startswith("optimized: median")
    assert report.main([str(slower), "--gate", str(storage)]) == 1


def test_a_stored_copy_of_the_run_is_not_its_reference(storage, tmp_path):
    """--benchmark-autosave stores the run under .benchmarks as well: gated against that copy, any slowdown would pass."""
    slower = stored_run(tmp_path, 3, [case("baseline", 5.6, seed=7), case("optimized", 2.5 * 1.05, seed=7)])
    copy = next(storage.iterdir()) / "0003_autosaved.json"
    copy.write_text(slower.read_text())
    result = report.gate(slower, storage)
    assert result.references == ["0002_run.json"] and not result.passed, result


def test_gate_sees_through_reworded_notes_and_fields_a_file_predates(storage, tmp_path):
    """Notes are prose and a field added later takes its default in older files: neither makes a config new."""
    rerun = case("optimized", 2.5 * 1.05, seed=7)
    rerun["extra_info"]["config"] = {"name": "optimized", "notes": "reworded", "text_encoder_offload": "none"}
    result = report.gate(stored_run(tmp_path, 3, [rerun]), storage)
    assert result.references == ["0002_run.json"] and not result.passed, result
    rerun["extra_info"]["config"]["cuda_graphs"] = True  # a real change of settings has no reference
    assert report.gate(stored_run(tmp_path, 4, [rerun]), storage).passed


def test_pure_noise_never_fails_the_gate(storage, tmp_path):
    """Ten reruns with the H200's noise (CV 0.2%) and no change: none of them fails."""
    for seed in range(10):
        rerun = stored_run(tmp_path, 10 + seed, [case("optimized", 2.5, seed=100 + seed)])
        assert report.gate(rerun, storage).passed


def test_gate_compares_each_config_with_its_own_last_run_stored_before(storage, tmp_path):
    folder = next(storage.iterdir())
    stored_run(folder, 3, [case("other", 1.0)])  # the newest file holds another configuration only
    slower = stored_run(folder, 4, [case("optimized", 2.5 * 1.05, seed=5)])  # gated from inside the storage
    stored_run(folder, 5, [case("optimized", 2.6)])  # stored after it: not a reference
    result = report.gate(slower, storage)
    assert result.references == ["0002_run.json"] and not result.passed


def test_gate_needs_ten_rounds_on_a_gpu(storage, tmp_path):
    short = stored_run(tmp_path, 3, [case("optimized", 2.5, rounds=5)])
    assert "the gate needs 10" in report.gate(short, storage).failures[0]


def test_gate_skips_planted_runs_and_other_workloads_as_references(storage, tmp_path):
    folder = next(storage.iterdir())
    stored_run(folder, 3, [case("optimized", 2.0, planted=0.05)])  # never a reference
    stored_run(folder, 4, [case("optimized", 2.0, workload={**WORKLOAD, "steps": 4})])  # another workload
    rerun = stored_run(tmp_path, 5, [case("optimized", 2.5, seed=3)])
    result = report.gate(rerun, storage)
    assert result.passed and result.references == ["0002_run.json"]


def test_gate_on_cpu_ignores_time_but_not_recompiles_or_similarity(tmp_path):
    storage = tmp_path / "cpu"
    storage.mkdir()
    stored_run(storage, 1, [case("baseline", 0.02), case("compiled", 0.02)], gpu="cpu")
    slower = stored_run(tmp_path, 2, [case("baseline", 0.04, seed=1), case("compiled", 0.02, seed=1)], gpu="cpu")
    assert report.gate(slower, storage).passed  # twice as slow: noise on a CPU, not gated
    broken = stored_run(tmp_path, 3, [case("baseline", 0.02, within=False), case("compiled", 0.02, recompiles=2)], gpu="cpu")
    failures = report.gate(broken, storage).failures
    assert any("similarity" in line for line in failures) and any("recompiles" in line for line in failures)


def test_gate_with_nothing_stored_says_so(tmp_path):
    run = stored_run(tmp_path, 1, [case("optimized", 2.5)])
    (tmp_path / "empty").mkdir()
    result = report.gate(run, tmp_path / "empty")
    assert result.passed and result.references == [] and "nothing to compare" in result.notes[0]


def test_report_flags_noisy_rows_and_disagreeing_clocks(tmp_path):
    run = stored_run(tmp_path, 1, [case("baseline", 5.6), case("noisy", 3.0, spread=0.05), case("clocks", 3.0, agreement=0.05)],
                     listed={"baseline": "selected", "noisy": "selected", "clocks": "selected", "rtx4090_fp8": "deselected", "stopped": "selected"})
    rows = report.read_rows([run])
    assert [row.name for row in rows] == ["baseline", "noisy", "clocks"]
    assert rows[0].flags == () and any(flag.startswith("CV") for flag in rows[1].flags) and any(flag.startswith("clocks differ") for flag in rows[2].flags)
    table = report.markdown(rows, missing=report.missing_cases([run], rows))
    assert "| baseline | 5.59" in table and "⚠ CV" in table and "⚠ clocks differ by +5.0%" in table
    assert "`rtx4090_fp8`: deselected" in table
    assert "`stopped`: selected, no result: the case failed or was stopped" in table  # a run cut short says so


def test_report_refuses_two_workloads_in_one_table(tmp_path):
    first = stored_run(tmp_path, 1, [case("baseline", 5.6)])
    other = stored_run(tmp_path, 2, [case("optimized", 2.5, workload={**WORKLOAD, "steps": 4})])
    with pytest.raises(report.ReportError, match="2 GPU/workload combinations"):
        report.read_rows([first, other])
    assert report.main([str(first), str(other)]) == 2


def test_round_clock_records_every_call():
    clock = RoundClock()
    timed = clock.wrap(lambda x: sum(range(x)))
    assert timed(100_000) == sum(range(100_000))
    timed(10)
    assert len(clock.process_cpu_s) == len(clock.gc_s) == 2 and all(seconds >= 0 for seconds in clock.process_cpu_s)
    assert len(clock.steal_s) == (2 if cpu_steal_s() is not None else 0)
    assert clock.cuda_event_s == [] or torch.cuda.is_available()
    clock.cuda_event_s = [1.0, 2.0, 3.0]  # as on a GPU: the two clocks' medians compared
    assert clock.to_dict([1.01, 2.02, 3.03])["clock_agreement"] == pytest.approx(0.01)


def test_phase_clock_splits_each_image_into_text_denoise_and_decode(pipe, generate):
    """Each phase gets the time its own part took (sleeps of 30, 60 and 20 ms around the real tiny pipeline's), and
    the pipeline's own methods come back when the watch ends."""
    import time

    def slower(function, seconds):
        def slow(*args, **kwargs):
            time.sleep(seconds)
            return function(*args, **kwargs)
        return slow

    pipe.encode_prompt, pipe.vae.decode = slower(pipe.encode_prompt, 0.03), slower(pipe.vae.decode, 0.02)
    on_step = {"callback_on_step_end": lambda *_: (time.sleep(0.06 / 2), {})[1]}  # 2 steps
    try:
        clock, wall = PhaseClock(), []
        with clock.watching(pipe):
            for seed in (0, 1):
                start = time.perf_counter()
                generate(pipe, seed=seed, output_type="pt", num_inference_steps=2, **on_step)
                wall.append(time.perf_counter() - start)
        phases = clock.to_dict()
        assert all(len(seconds) == 2 for seconds in phases.values())
        assert all(seconds >= 0.03 for seconds in phases["text_s"]) and all(seconds >= 0.06 for seconds in phases["denoise_s"])
        assert all(seconds >= 0.02 for seconds in phases["decode_s"])
        assert all(sum(parts) <= whole for *parts, whole in zip(*phases.values(), wall))  # no time counted twice
    finally:
        del pipe.encode_prompt, pipe.vae.decode
    with PhaseClock().watching(pipe):
        pass
    assert "encode_prompt" not in vars(pipe) and "decode" not in vars(pipe.vae)


def test_planted_slowdown_slows_by_its_fraction():
    import time

    slow = slowed_down(lambda: time.sleep(0.05), 0.5)
    start = time.perf_counter()
    slow()
    assert 0.07 < time.perf_counter() - start < 0.2


def test_compile_cache_state_cold_then_warm(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor"))
    function = lambda x: torch.cos(x) * 3 + 1  # noqa: E731
    states = []
    for _ in range(2):
        torch._dynamo.reset()
        with provenance.compile_cache_probe() as cache:
            torch.compile(function, fullgraph=True)(torch.ones(4))
        states.append(cache["state"])
    with provenance.compile_cache_probe() as eager:
        function(torch.ones(4))
    assert states == ["cold", "warm"] and eager["state"] == "none" and cache["cache_dir"] == str(tmp_path / "inductor")


def test_revision_from_git_or_from_the_runner(monkeypatch, tmp_path):
    monkeypatch.delenv("LORA_FAST_COMMIT", raising=False)
    revision = provenance.source_revision()
    assert revision["from"] == "git" and len(revision["commit"]) == 40 and revision["clean"] == (not revision.get("changed"))
    monkeypatch.setenv("LORA_FAST_COMMIT", "f" * 40)  # the runner knows better than a copied tree's .git
    monkeypatch.setenv("LORA_FAST_TREE_CLEAN", "1")
    assert provenance.source_revision() == {"commit": "f" * 40, "clean": True, "from": "environment"}
    monkeypatch.delenv("LORA_FAST_COMMIT")
    monkeypatch.setattr(provenance, "ROOT", tmp_path)  # no git repository at all
    assert provenance.source_revision() == {"commit": None, "clean": None, "from": "unknown"}


def test_speedups_come_from_the_baseline_of_the_same_process(tmp_path):
    first = stored_run(tmp_path, 1, [case("baseline", 6.0), case("optimized", 3.0)])
    second = stored_run(tmp_path, 2, [case("baseline", 5.0, seed=1), case("slow", 5.0, seed=1)])
    third = stored_run(tmp_path, 3, [case("alone", 4.0)])
    table = report.markdown(report.read_rows([first, second, third]))
    assert "| optimized | 2.99" in table and "| 2.00× |" in table  # 6.0 / 3.0, not 5.0 / 3.0
    assert "| slow |" in table and table.count("| 1.00× |") == 2  # baseline (file 2) and slow against it
    assert next(line for line in table.splitlines() if line.startswith("| alone |")).split(" | ")[4] == "–"  # no baseline in its process


def series_of_runs(tmp_path, medians: list[float], spread: float = 0.003) -> list[Path]:
    paths = []
    for index, median in enumerate(medians):
        path = stored_run(tmp_path, index + 1, [case("optimized", median, seed=index, spread=spread)])
        data = json.loads(path.read_text())
        data["datetime"] = f"2026-11-{index + 1:02d}T00:00:00"
        data["benchmarks"][0]["extra_info"]["revision"]["commit"] = f"{index:040x}"
        path.write_text(json.dumps(data))
        paths.append(path)
    return paths


def test_report_flags_a_case_whose_own_check_failed(tmp_path):
    """A case timed while it recompiled or re-recorded CUDA graphs failed its test; its stored row says why, never clean."""
    rerecorded = case("fbcache", 0.5)
    rerecorded["extra_info"]["cuda_graph_rerecords"] = 56
    rows = report.read_rows([stored_run(tmp_path, 1, [case("baseline", 5.6), case("recompiled", 3.0, recompiles=2), rerecorded])])
    assert [row.flags for row in rows] == [(), ("2 recompiles while timing",), ("56 CUDA graphs re-recorded while timing",)]
    squeezed = case("capped", 11.0)
    squeezed["extra_info"]["cuda_alloc_retries"] = 84  # the allocator freed its cache and retried while timing
    assert [row.flags for row in report.read_rows([stored_run(tmp_path, 2, [squeezed])])] == [("84 allocator retries while timing",)]


def test_the_table_shows_what_a_step_cache_skipped_and_only_then_the_column(tmp_path):
    cached = case("optimized_taylorseer", 0.9)
    cached["extra_info"]["step_cache_runs"] = {"skipped_fraction": 0.714}
    plain = report.markdown(report.read_rows([stored_run(tmp_path, 1, [case("optimized", 2.7)])]), baseline="optimized")
    table = report.markdown(report.read_rows([stored_run(tmp_path, 2, [case("optimized", 2.7), cached])]), baseline="optimized")
    assert "Blocks skipped" not in plain and "| Blocks skipped | Recompiles |" in table
    assert "| – | 0 |" in table and "| 71% | 0 |" in table


def test_history_flags_a_planted_step_at_its_commit(tmp_path):
    generator = random.Random(1)
    medians = [2.5 * (1 + 0.002 * generator.gauss(0, 1)) for _ in range(12)]
    medians = medians[:7] + [median * 1.10 for median in medians[7:]]  # 10% slower from the 8th run on
    series = report.history(series_of_runs(tmp_path, medians))
    (points,) = series.values()
    assert list(report.steps(points)) == [7] and report.steps(points)[7] == pytest.approx(0.10, abs=0.01)
    assert points[7].commit == f"{7:040x}"[:10]
    table = report.history_markdown(series)
    assert table.count("⚠") == 1 and f"{7:040x}"[:10] + " | 2.7" in table
    assert report.history_chart(series, tmp_path / "history.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("seed", range(5))
def test_history_of_pure_noise_flags_nothing(tmp_path, seed):
    generator = random.Random(seed)
    medians = [2.5 * (1 + 0.004 * generator.gauss(0, 1)) for _ in range(15)]  # H200-like noise, twice its CV
    (points,) = report.history(series_of_runs(tmp_path, medians)).values()
    assert report.steps(points) == {}


def test_history_ignores_a_single_outlier(tmp_path):
    medians = [2.5] * 6 + [2.5 * 1.08] + [2.5] * 6  # one slow run (a busy host), then back
    (points,) = report.history(series_of_runs(tmp_path, medians)).values()
    assert report.steps(points) == {}


def test_peak_host_memory_window():
    from lora_fast.bench.memory import peak_host_memory_gib, reset_peak_host_memory

    if not reset_peak_host_memory():
        pytest.skip("this kernel cannot reset the peak resident memory (/proc/self/clear_refs)")
    before = peak_host_memory_gib()
    block = bytearray(512 * 2**20)  # touch 512 MiB
    block[::4096] = b"x" * len(block[::4096])
    assert peak_host_memory_gib() >= before + 0.45
    del block
    reset_peak_host_memory()
    assert peak_host_memory_gib() < before + 0.45


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="page-locked host memory needs a CUDA GPU")
def test_pinned_host_memory_counts_blocks_rounded_up_and_kept():
    """What `pinned_host_GiB` stores: pinned tensors take blocks rounded up to a power of two (1.25 GiB takes 2 GiB;
    T5's 80 MiB feed-forward weights take 128 MiB each), and a block stays with the allocator after its tensor is
    freed. The size is one no earlier test leaves a free block of."""
    from lora_fast.bench.memory import pinned_host_memory_gib

    torch.cuda.init()
    before = pinned_host_memory_gib()
    tensor = torch.empty(1280 * 2**20, dtype=torch.uint8).pin_memory()
    assert pinned_host_memory_gib() - before == pytest.approx(2.0)
    del tensor
    assert pinned_host_memory_gib() - before == pytest.approx(2.0)


BROKEN_VALUES = [float("nan"), float("inf"), -float("inf"), 0.0, -1.0, "2.5", None, True, [], {}]
BROKEN_FIELDS = [
    ("stats", "median"), ("stats", "mean"), ("stats", "stddev"), ("stats", "rounds"), ("extra_info", "config"), ("extra_info", "calibration"),
    ("extra_info", "recompiles"), ("extra_info", "within_limits"), ("extra_info", "peak_mem_GiB"), ("extra_info", "first_call_s"),
    ("extra_info", "lora_error_latents"), ("extra_info", "first_call_cache"),
]
# Values a real run can hold in a field: the verdict must be the one on sound data (all rounds equal; a figure not taken).
HARMLESS = {(("stats", "stddev"), 0.0)} | {(("extra_info", field), value) for field in ("recompiles", "within_limits", "peak_mem_GiB", "first_call_s",
                                                                                      "lora_error_latents", "first_call_cache") for value in (None,)}
HARMLESS |= {(("extra_info", "within_limits"), "{}"), (("extra_info", "first_call_cache"), "{}"), (("extra_info", "lora_error_latents"), 0.0)}


@settings(max_examples=examples(quick=25, deep=150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.sampled_from(BROKEN_VALUES), field=st.sampled_from(BROKEN_FIELDS), which=st.sampled_from(["new run", "stored run"]),
       case_index=st.integers(0, 1), slower=st.booleans())
def test_the_gate_and_the_report_never_pass_on_broken_data(tmp_path_factory, value, field, which, case_index, slower):
    """A malformed value in the new run or in a stored one is a ReportError naming the file, a failure naming the
    field (NaN or inf in a figure), or (where the value is one a real run can hold, such as a zero spread) the same
    verdict as on sound data: never a pass on broken data."""
    folder = tmp_path_factory.mktemp("gate")
    storage = folder / "NVIDIA-H200"
    (storage / "runs").mkdir(parents=True)
    sound_cases = [case("baseline", 5.6, seed=1), case("optimized", 2.5, seed=1)]
    new_cases = [case("baseline", 5.6, seed=7), case("optimized", 2.5 * (1.05 if slower else 1.0), seed=7)]
    broken = copy.deepcopy(new_cases if which == "new run" else sound_cases)
    broken[case_index][field[0]][field[1]] = value
    stored = stored_run(storage / "runs", 2, broken if which == "stored run" else sound_cases)
    new = stored_run(folder, 3, broken if which == "new run" else new_cases)
    try:
        result = report.gate(new, storage)
    except report.ReportError as error:
        assert (new.name if which == "new run" else stored.name) in str(error)
        return
    if (field, value if not isinstance(value, (dict, list)) else json.dumps(value)) in HARMLESS:
        assert result.passed == (not slower)  # the verdict on sound data: a 5% slowdown fails, an unchanged run passes
    else:
        assert not result.passed and any(field[1] in failure for failure in result.failures), f"{field} = {value!r} in the {which}: {result}"


def test_the_report_flags_every_non_finite_figure(tmp_path):
    """NaN and inf in a stored case's figures: each one flagged on its row of the table and the page, the row not clean."""
    from lora_fast.bench import page

    broken = case("optimized", 2.5)
    fields = {"peak_mem_GiB": float("nan"), "first_call_s": float("inf"), "lora_error_latents": float("nan"), "ssim": -float("inf"), "peak_host_rss_GiB": float("nan")}
    broken["extra_info"].update(fields)
    stored = stored_run(tmp_path, 1, [case("baseline", 5.6), broken])
    table = report.markdown(report.read_rows([stored]))
    line = next(line for line in table.splitlines() if line.startswith("| optimized"))
    for field, value in fields.items():
        assert f"⚠ {field} = {value}" in line
    assert not next(line for line in table.splitlines() if line.startswith("| baseline")).count("⚠")
    html = page.page([stored])
    assert all(f"{field} = {value}" in html for field, value in fields.items())


def test_each_mistyped_part_of_a_stored_case_is_named(tmp_path):
    """A case whose extra_info is not an object, one without a name, and a calibrated limit that is not a number:
    each a ReportError naming the file, the case (or '?') and the field."""
    no_extras, unnamed, limit = case("optimized", 2.5), case("optimized", 2.5), case("optimized", 2.5)
    no_extras["extra_info"] = ["not", "an", "object"]
    del unnamed["name"]
    unnamed["stats"]["median"] = float("nan")
    limit["extra_info"]["calibration"] = {**CALIBRATION, "limits": {"lora_error_latents": "0.1"}}
    for number, (broken, words) in enumerate([(no_extras, r"benchmarks\[1\] needs a stats object and an extra_info object"),
                                              (unnamed, r"case '\?' has stats\.median = nan"),
                                              (limit, r"case 'test_preset\[optimized\]' has calibration\.limits\.lora_error_latents = '0\.1'")]):
        path = stored_run(tmp_path, number + 1, [case("baseline", 5.6), broken])
        with pytest.raises(report.ReportError, match=f"{path.name}.*{words}"):
            report.read_rows([path])


def test_a_clock_agreement_that_is_not_finite_counts_as_no_independent_clock(tmp_path):
    broken = case("optimized", 2.5)
    broken["extra_info"]["rounds"]["clock_agreement"] = float("nan")
    row = next(row for row in report.read_rows([stored_run(tmp_path, 1, [broken])]) if row.name == "optimized")
    assert row.clock_agreement is None and "no independent clock" in row.flags


@pytest.mark.parametrize("rounds", [0, -1, 2.5, "10", True, None])
def test_a_count_of_rounds_is_a_whole_number_above_zero(tmp_path, rounds):
    broken = case("optimized", 2.5)
    broken["stats"]["rounds"] = rounds
    with pytest.raises(report.ReportError, match=f"has stats.rounds = {rounds!r}; a count of rounds is a whole number above zero"):
        report.read_rows([stored_run(tmp_path, 1, [broken])])


def test_one_round_and_no_recompile_count_are_sound(tmp_path, capsys):
    single = case("optimized", 2.5, rounds=2)
    single["stats"]["rounds"] = 1
    del single["extra_info"]["recompiles"]
    path = stored_run(tmp_path, 1, [case("baseline", 5.6), single])
    row = next(row for row in report.read_rows([path]) if row.name == "optimized")
    assert row.rounds == 1 and row.recompiles is None
    line = next(line for line in report.markdown([row]).splitlines() if line.startswith("| optimized"))
    assert line.split(" | ")[-2] == "–"  # the recompiles column: not recorded
    assert report.main([str(path)]) == 0 and "| optimized |" in capsys.readouterr().out


def test_the_gate_compares_one_run(tmp_path, capsys):
    runs = [stored_run(tmp_path, number, [case("baseline", 5.6)]) for number in (1, 2)]
    assert report.main([*map(str, runs), "--gate", str(tmp_path)]) == 2
    assert "--gate compares one run: give exactly one file" in capsys.readouterr().err


@pytest.mark.parametrize("slowdown", ["nan", "inf", "0", "-0.1", "x"])
def test_the_allowed_slowdown_is_a_finite_fraction_above_zero(storage, tmp_path, slowdown, capsys):
    rerun = stored_run(tmp_path, 3, [case("baseline", 5.6, seed=7), case("optimized", 2.5 * 1.5, seed=7)])
    with pytest.raises(SystemExit):
        report.main([str(rerun), "--gate", str(storage), "--max-slowdown", slowdown])
    with pytest.raises(report.ReportError, match="finite fraction above zero"):
        report.gate(rerun, storage, float(slowdown) if slowdown != "x" else "x")


def test_a_missing_or_misspelled_storage_is_an_error_not_a_pass(storage, tmp_path):
    slower = stored_run(tmp_path, 3, [case("baseline", 5.6, seed=7), case("optimized", 2.5 * 1.5, seed=7)])
    for wrong, words in ((tmp_path / "NVIDIA-H2OO", "no such folder"), (slower, "not a folder")):  # misspelled; a file given as the storage
        with pytest.raises(report.ReportError, match=words):
            report.gate(slower, wrong)
        assert report.main([str(slower), "--gate", str(wrong)]) == 2
