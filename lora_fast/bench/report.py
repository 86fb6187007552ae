"""Tables, charts, a regression gate and the history from stored pytest-benchmark JSON, reading nothing but those
files: `python -m lora_fast.bench.report FILES [--png P] [--readme R]`, `... --gate STORAGE FILE`, `... --history FILES`;
and the table of where a profiled image spends its GPU time."""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_atomically
from ..config import PRESETS, Arithmetic, OptimizationConfig
from ..errors import QuotingError
from ..outputs import STORED_RESULTS, OutputError, checked_output
from .profiling import CallProfile
from .provenance import Workload

README_START, README_END = "<!-- report:start -->", "<!-- report:end -->"
MAX_CV = 0.02  # a row whose rounds vary more than this is flagged, not published as a clean figure
MAX_CLOCK_DISAGREEMENT = 0.02  # between the suite's timer and CUDA events over the same images
MIN_ROUNDS = 5
GATE_ROUNDS = 10  # the regression gate compares medians of at least this many rounds
GATE_SLOWDOWN = 0.03  # a median this much slower fails the gate (rounds on the H200 vary by well under 1%)


class ReportError(QuotingError, ValueError):
    """Stored files that cannot make the table or the gate asked for; the message says which and why."""


@dataclass(frozen=True)
class Row:
    """One configuration's stored whole-pipeline result, as the file describes it."""

    name: str
    config: dict
    workload: str  # Workload.key of the stored workload
    median_s: float
    cv: float  # standard deviation over mean of the rounds
    rounds: int
    clock_agreement: float | None  # median of the suite's timer over median of CUDA events, minus 1
    first_call_s: float | None
    first_call_cache: str | None
    peak_mem_GiB: float | None
    peak_host_rss_GiB: float | None  # the process's peak resident memory during the case
    ssim: float | None
    lora_error: float | None  # lora_error of the latents (see similarity.lora_error)
    lora_error_limit: float | None
    within_limits: dict
    recompiles: int | None
    planted_slowdown: float
    gpu: str
    source: str  # the file it came from
    revision: dict | None  # the commit and tree state the run recorded
    flags: tuple[str, ...] = field(default=())  # why the figure is not a clean one
    gpu_memory_cap_GiB: float | None = None  # the cap the case ran under, standing in for a smaller card
    not_finite: tuple[str, ...] = ()  # fields holding NaN or inf: flagged in the table, a failure at the gate
    skipped_fraction: float | None = None  # with a step cache: the share of block calls it skipped while timed
    held_to: str = "unrecorded"  # the limit its case was held to: exact, quantized (FP8's own error) or approximate (none)
    quantized_limit: float | None = None  # the LoRA error limit of quantized cases in its run, when one ran

    @property
    def held_limit(self) -> float | None:
        """The LoRA error limit this row was held to (the exact one for runs that did not record it), None for none."""
        return {"quantized": self.quantized_limit, "approximate": None}.get(self.held_to, self.lora_error_limit)


def _flags(cv: float, rounds: int, agreement: float | None, planted: float) -> tuple[str, ...]:
    flags = []
    if rounds < MIN_ROUNDS:
        flags.append(f"{rounds} rounds < {MIN_ROUNDS}")
    if cv > MAX_CV:
        flags.append(f"CV {100 * cv:.1f}% > {100 * MAX_CV:.0f}%")
    if agreement is None:
        flags.append("no independent clock")
    elif abs(agreement) > MAX_CLOCK_DISAGREEMENT:
        flags.append(f"clocks differ by {100 * agreement:+.1f}%")
    if planted:
        flags.append(f"planted {100 * planted:.0f}% slowdown")
    return tuple(flags)


def _failed_checks(info: dict) -> tuple[str, ...]:
    """The case's own stored checks that said no (its test failed on them): a figure timed while compiling or recording."""
    counts = {"recompiles": "recompiles while timing", "cuda_graph_rerecords": "CUDA graphs re-recorded while timing"}
    return tuple(f"{info[key]} {label}" for key, label in counts.items() if isinstance(info.get(key), int) and info[key] > 0)


def _squeezed(info: dict) -> tuple[str, ...]:
    """A case whose images did not fit the allocator's cache while timed: each retry freed the cache, synchronized the
    GPU and allocated again, so its time holds memory management (a cap standing in for a smaller card shows it)."""
    retries = info.get("cuda_alloc_retries")
    return (f"{retries} allocator retries while timing",) if isinstance(retries, int) and not isinstance(retries, bool) and retries > 0 else ()


def read_json(path: Path) -> dict:
    """A stored run, once its outline is a pytest-benchmark file's: an object whose `benchmarks` is a list of
    objects, each with `stats` and `extra_info` objects. Anything else is a ReportError naming the file and field."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ReportError(f"{path} is not a readable pytest-benchmark JSON file ({error.__class__.__name__}: {error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks", []), list) or not isinstance(data.get("machine_info", {}), dict):
        raise ReportError(f"{path} is not a pytest-benchmark results file: it needs an object with a list of benchmarks")
    for index, bench in enumerate(data.get("benchmarks", [])):
        if not isinstance(bench, dict) or not isinstance(bench.get("stats"), dict) or not isinstance(bench.get("extra_info", {}), dict):
            raise ReportError(f"{path}: benchmarks[{index}] needs a stats object and an extra_info object")
    return data


def _timing(path: Path, bench: dict, field: str, positive: bool = True) -> float:
    """`stats[field]` of a stored case, once it is a finite number (and above zero when `positive`): a NaN or a
    zero median would make every comparison with it pass."""
    value = bench["stats"].get(field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (value <= 0 if positive else value < 0):
        raise ReportError(f"{path}: case {bench.get('name', '?')!r} has stats.{field} = {value!r}; a stored time is a finite number above zero: the file is broken")
    return float(value)


# A stored case's optional numbers and what each must be besides a number (NaN and inf are flagged, not refused).
OPTIONAL_NUMBERS = {
    "first_call_s": "above zero", "peak_mem_GiB": "above zero", "peak_host_rss_GiB": "above zero", "gpu_memory_cap_GiB": "above zero",
    "lora_error_latents": "at least zero", "ssim": "any number",
}


def _optional_number(path: Path, bench: dict, where: dict, field: str, label: str, rule: str) -> float | None:
    """`where[field]`: absent (None), or a number that keeps `rule` (NaN and inf are returned, to be flagged);
    anything else is a ReportError naming the file, case and field."""
    value = where.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (value <= 0 if rule == "above zero" else value < 0 if rule == "at least zero" else False):
        raise ReportError(f"{path}: case {bench.get('name', '?')!r} has {label} = {value!r}; it is a number{'' if rule == 'any number' else ' ' + rule} or absent: the file is broken")
    return float(value)


def _checked_extras(path: Path, bench: dict, info: dict) -> tuple[dict, int | None, dict, str | None]:
    """A case's optional numbers (OPTIONAL_NUMBERS and the calibrated LoRA error limit), its recompile count, its
    within-limits verdicts and the compile-cache state its first call met, each checked for its type."""
    name = bench.get("name", "?")
    numbers = {field: _optional_number(path, bench, info, field, f"extra_info.{field}", rule) for field, rule in OPTIONAL_NUMBERS.items()}
    numbers["lora_error_limit"] = _optional_number(path, bench, info["calibration"]["limits"], "lora_error_latents", "calibration.limits.lora_error_latents", "at least zero")
    quantized = info["calibration"].get("quantized_limits") or {}
    numbers["quantized_limit"] = _optional_number(path, bench, quantized, "lora_error_latents", "calibration.quantized_limits.lora_error_latents", "at least zero")
    recompiles = info.get("recompiles")
    if recompiles is not None and (isinstance(recompiles, bool) or not isinstance(recompiles, int) or recompiles < 0):
        raise ReportError(f"{path}: case {name!r} has extra_info.recompiles = {recompiles!r}; a count of recompiles is a whole number of at least zero or absent")
    within = {} if info.get("within_limits") is None else info["within_limits"]
    if not isinstance(within, dict) or not all(isinstance(ok, bool) for ok in within.values()):
        raise ReportError(f"{path}: case {name!r} has extra_info.within_limits = {within!r}; it maps each similarity metric to true or false")
    cache = {} if info.get("first_call_cache") is None else info["first_call_cache"]
    if not isinstance(cache, dict) or not isinstance(cache.get("state", ""), str):
        raise ReportError(f"{path}: case {name!r} has extra_info.first_call_cache = {cache!r}; it is an object whose state is a word")
    return numbers, recompiles, within, cache.get("state")


def _held_to(path: Path, bench: dict, info: dict) -> str:
    """`extra_info.held_to`: exact, quantized or approximate; `unrecorded` for runs made before it was stored."""
    held = info.get("held_to", "unrecorded")
    if held not in {arithmetic.value for arithmetic in Arithmetic} | {"unrecorded"}:
        raise ReportError(f"{path}: case {bench.get('name', '?')!r} has extra_info.held_to = {held!r}; it is exact, quantized or approximate")
    return held


def _skipped_fraction(path: Path, bench: dict, info: dict) -> float | None:
    """`extra_info.step_cache_runs.skipped_fraction`: absent, or a share from 0 to 1."""
    runs = info.get("step_cache_runs")
    if runs is None:
        return None
    value = runs.get("skipped_fraction") if isinstance(runs, dict) else "not an object"
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1):
        raise ReportError(f"{path}: case {bench.get('name', '?')!r} has extra_info.step_cache_runs.skipped_fraction = {value!r}; it is a share from 0 to 1 or absent")
    return None if value is None else float(value)


def file_rows(path: Path, data: dict | None = None) -> list[Row]:
    """The whole-pipeline results of one stored file (cases that carry a config and a similarity calibration)."""
    data = read_json(path) if data is None else data
    gpu = str(data.get("machine_info", {}).get("gpu", "?"))
    rows = []
    for bench in data.get("benchmarks", []):
        info = bench.get("extra_info", {})
        if "config" not in info or "calibration" not in info:
            continue
        if not isinstance(info["config"], dict) or not isinstance(info["config"].get("name"), str):
            raise ReportError(f"{path}: case {bench.get('name', '?')!r} has no config object with a name: the file is broken")
        if not isinstance(info["calibration"], dict) or not isinstance(info["calibration"].get("limits"), dict):
            raise ReportError(f"{path}: case {bench.get('name', '?')!r} has no calibration object with its limits: the file is broken")
        median, mean, stddev = (_timing(path, bench, field, positive=field != "stddev") for field in ("median", "mean", "stddev"))
        rounds_done = bench["stats"].get("rounds")
        if isinstance(rounds_done, bool) or not isinstance(rounds_done, int) or rounds_done < 1:
            raise ReportError(f"{path}: case {bench.get('name', '?')!r} has stats.rounds = {rounds_done!r}; a count of rounds is a whole number above zero")
        rounds = info.get("rounds", {}) if isinstance(info.get("rounds"), dict) else {}
        cv = stddev / mean
        agreement = rounds.get("clock_agreement")
        agreement = agreement if isinstance(agreement, (int, float)) and math.isfinite(agreement) else None
        planted = info.get("planted_slowdown") or 0.0
        numbers, recompiles, within, cache_state = _checked_extras(path, bench, info)
        not_finite = tuple(field for field, value in numbers.items() if value is not None and not math.isfinite(value))
        rows.append(Row(
            name=info["config"]["name"], config=info["config"], workload=Workload.key(info.get("workload")), median_s=median, cv=cv,
            rounds=rounds_done, clock_agreement=agreement, first_call_s=numbers["first_call_s"],
            first_call_cache=cache_state, peak_mem_GiB=numbers["peak_mem_GiB"],
            peak_host_rss_GiB=numbers["peak_host_rss_GiB"], ssim=numbers["ssim"], lora_error=numbers["lora_error_latents"],
            lora_error_limit=numbers["lora_error_limit"], within_limits=within, recompiles=recompiles, planted_slowdown=planted, gpu=gpu,
            source=str(path), revision=info.get("revision"), gpu_memory_cap_GiB=numbers["gpu_memory_cap_GiB"], not_finite=not_finite,
            skipped_fraction=_skipped_fraction(path, bench, info), held_to=_held_to(path, bench, info), quantized_limit=numbers["quantized_limit"],
            flags=_flags(cv, rounds_done, agreement, planted) + tuple(f"{field} = {numbers[field]}" for field in not_finite) + _failed_checks(info) + _squeezed(info),
        ))
    return rows


def read_rows(paths: list[Path]) -> list[Row]:
    """Every file's whole-pipeline rows, later files replacing earlier ones for the same configuration, in the
    order the configurations first appear. Files of different workloads or GPUs are refused: one table, one workload."""
    rows: dict[str, Row] = {}
    for path in paths:
        for row in file_rows(path):
            rows[row.name] = row
    kinds = sorted({(row.gpu, row.workload) for row in rows.values()})
    if len(kinds) > 1:
        described = "; ".join(f"{gpu}: {workload}" for gpu, workload in kinds)
        raise ReportError(f"the files hold {len(kinds)} GPU/workload combinations ({described}); a table compares one: pass the files of one run")
    return list(rows.values())


def missing_cases(paths: list[Path], rows: list[Row]) -> dict[str, str]:
    """Configurations the runs' own case lists name but that have no row: each with why (skipped, deselected, or
    selected and ended without a result)."""
    listed: dict[str, str] = {}
    for path in paths:
        listed.update(read_json(path).get("machine_info", {}).get("cases", {}))
    present = {row.name for row in rows}
    no_result = "selected, no result: the case failed or was stopped (see the run's log)"
    return {name: no_result if status == "selected" else status for name, status in listed.items() if name not in present}


def only_presets(rows: list[Row], missing: dict[str, str]) -> tuple[list[Row], dict[str, str]]:
    """The rows and missing cases that are presets (variants left out)."""
    return [row for row in rows if row.name in PRESETS], {name: why for name, why in missing.items() if name in PRESETS}


def _number(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _revision_text(revision: dict | None) -> str:
    if not revision or not revision.get("commit"):
        return "unrecorded"
    state = {True: "clean tree", False: "uncommitted changes", None: "tree state unknown"}[revision.get("clean")]
    return f"{revision['commit'][:10]} ({state}, from {revision.get('from', '?')})"


def markdown(rows: list[Row], baseline: str = "baseline", missing: dict[str, str] | None = None) -> str:
    """The table: median time and CV, the CUDA-event clock's agreement, speedup over `baseline` timed in the same
    process (the same file), first call and the cache it met, peak GPU and host memory, similarity, recompiles, flags; then the
    code each file ran. A flagged row is marked, not published clean.

    LoRA error: the share of the LoRA's effect on the latents the option gets wrong; its limit is calibrated per run."""
    references = {row.source: row.median_s for row in rows if row.name == baseline}
    for path in {row.source for row in rows} - set(references):
        reference = next((row for row in file_rows(Path(path)) if row.name == baseline), None)
        if reference is not None:
            references[path] = reference.median_s
    cached = any(row.skipped_fraction is not None for row in rows)  # step caches: the share of blocks they skipped
    lines = [
        "| Option | Median (s) | CV | Clocks | Speedup | First call (s) | Peak GiB | Host GiB | SSIM | LoRA error (limit) | "
        + ("Blocks skipped | " if cached else "") + "Recompiles | Notes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if cached else ""),
    ]
    for row in rows:
        speedup = f"{references[row.source] / row.median_s:.2f}×" if row.source in references else "–"
        clocks = "–" if row.clock_agreement is None else f"{100 * row.clock_agreement:+.2f}%"
        first = _number(row.first_call_s, 1) + (f" ({row.first_call_cache})" if row.first_call_cache not in (None, "none") else "")
        lora_error = _number(row.lora_error, 3) + (f" ({row.held_limit:.3f})" if row.held_limit is not None else "")
        skipped = ("–" if row.skipped_fraction is None else f"{100 * row.skipped_fraction:.0f}%") + " | " if cached else ""
        notes = "; ".join(f"⚠ {flag}" for flag in row.flags) or row.config.get("notes", "")
        lines.append(
            f"| {row.name} | {row.median_s:.3f} | {100 * row.cv:.2f}% | {clocks} | {speedup} | {first} | {_number(row.peak_mem_GiB, 1)} | {_number(row.peak_host_rss_GiB, 1)} | "
            f"{_number(row.ssim, 4)} | {lora_error} | {skipped}{'–' if row.recompiles is None else row.recompiles} | {notes} |"
        )
    sources = sorted({row.source for row in rows})
    lines += ["", "Code: " + "; ".join(f"`{Path(path).name}` {_revision_text(next(row.revision for row in rows if row.source == path))}" for path in sources) + "."]
    if missing:
        by_status: dict[str, list[str]] = {}
        for name, status in missing.items():
            by_status.setdefault(status, []).append(f"`{name}`")
        lines += ["", "Not in these runs:"] + [f"- {', '.join(names)}: {status}" for status, names in by_status.items()]
    return "\n".join(lines)


@dataclass(frozen=True)
class GateResult:
    """What the regression gate found: the stored runs it compared with, failures, and what it noted."""

    references: list[str]
    failures: list[str]
    notes: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def _stored_runs(storage: Path) -> list[Path]:
    """Stored files in the order pytest-benchmark numbered them (NNNN_name.json), oldest first."""
    def number(path: Path) -> tuple[int, str]:
        match = re.match(r"(\d+)_", path.name)
        return (int(match[1]) if match else -1, path.name)

    return sorted(Path(storage).rglob("*.json"), key=number)


def _settings(config: dict) -> dict:
    """What a stored config makes the code do: its notes left out, and the fields a file predates at their defaults."""
    return {**OptimizationConfig().to_dict(), **config, "notes": None}


def gate(current: Path, storage: Path, slowdown: float = GATE_SLOWDOWN, min_rounds: int = GATE_ROUNDS) -> GateResult:
    """Compare each configuration of the run in `current` with its last stored run under `storage` of the same
    GPU, workload and config (stored before `current` when `current` is itself stored there; planted runs never count).

    On a GPU: its median must not be more than `slowdown` slower (both medians over at least `min_rounds`
    rounds). Everywhere: no new recompiles, no similarity metric newly out of its limit, and on a GPU peak memory
    up by at most 5%. On a CPU time is noise and is not gated."""
    if isinstance(slowdown, bool) or not isinstance(slowdown, (int, float)) or not math.isfinite(slowdown) or slowdown <= 0:
        raise ReportError(f"the allowed slowdown is {slowdown!r}; it is a finite fraction above zero, such as 0.03")
    if not Path(storage).is_dir():
        raise ReportError(f"stored runs {storage}: {'not a folder' if Path(storage).exists() else 'no such folder'}; give the folder the runs are stored in (.benchmarks or .benchmarks/<GPU>)")
    rows = read_rows([current])
    if not rows:
        raise ReportError(f"{current} holds no whole-pipeline results to gate")
    stored = _stored_runs(storage)
    resolved = [path.resolve() for path in stored]
    if Path(current).resolve() in resolved:
        stored = stored[: resolved.index(Path(current).resolve())]
    made = read_json(current).get("datetime")  # a copy of this run stored under another name (--benchmark-autosave) is not its reference
    runs = [(path, data) for path, data in ((path, read_json(path)) for path in stored) if made is None or data.get("datetime") != made]
    history: dict[str, tuple[Path, Row]] = {}  # configuration -> its last stored run
    for path, data in runs:
        for row in file_rows(path, data):
            if (row.gpu, row.workload) == (rows[0].gpu, rows[0].workload) and not row.planted_slowdown:
                history[row.name] = (path, row)
    failures, notes, references = [], [], set()
    timed = rows[0].gpu != "cpu"
    if not timed:
        notes.append("CPU: times are noise here and are not gated; recompiles and similarity are")
    for row in rows:
        if row.not_finite:
            failures.append(f"{row.name}: {', '.join(row.not_finite)} not finite in {Path(current).name}: the run is broken")
        path, old = history.get(row.name, (None, None))
        if old is None or _settings(old.config) != _settings(row.config):
            notes.append(f"{row.name}: no stored run of {row.gpu} with this workload and config under {storage}; nothing to compare")
            continue
        references.add(path.name)
        if old.not_finite:
            failures.append(f"{row.name}: {', '.join(old.not_finite)} not finite in {path.name}: that stored run is broken, compare with another")
        if (row.recompiles or 0) > (old.recompiles or 0):
            failures.append(f"{row.name}: {row.recompiles} recompiles (was {old.recompiles} in {path.name})")
        newly_out = sorted(metric for metric, ok in row.within_limits.items() if not ok and old.within_limits.get(metric, False))
        if newly_out:
            failures.append(f"{row.name}: now outside the similarity limit on {', '.join(newly_out)} (within in {path.name})")
        if not timed:
            continue
        if min(row.rounds, old.rounds) < min_rounds:
            failures.append(f"{row.name}: {min(row.rounds, old.rounds)} rounds, the gate needs {min_rounds} in both runs; rerun with --rounds {min_rounds}")
            continue
        change = row.median_s / old.median_s - 1
        line = f"{row.name}: median {row.median_s:.3f} s against {old.median_s:.3f} s in {path.name} ({100 * change:+.1f}%)"
        (failures if change > slowdown else notes).append(line + (f" > {100 * slowdown:.0f}%" if change > slowdown else ""))
        if row.peak_mem_GiB is not None and old.peak_mem_GiB is not None and row.peak_mem_GiB > 1.05 * old.peak_mem_GiB:
            failures.append(f"{row.name}: peak memory {row.peak_mem_GiB:.1f} GiB against {old.peak_mem_GiB:.1f} GiB in {path.name}")
    return GateResult(sorted(references), failures, notes)


@dataclass(frozen=True)
class HistoryPoint:
    """One stored run of one configuration, for the history."""

    when: str  # when the run was made (pytest-benchmark's datetime)
    commit: str
    median_s: float
    cv: float
    lora_error: float | None
    source: str


def history(paths: list[Path]) -> dict[tuple[str, str, str], list[HistoryPoint]]:
    """Per (configuration, GPU, workload): its stored runs in the order they were made."""
    series: dict[tuple[str, str, str], list[HistoryPoint]] = {}
    for path in paths:
        data = read_json(path)
        for row in file_rows(path, data):
            commit = (row.revision or {}).get("commit") or data.get("commit_info", {}).get("id") or "?"
            point = HistoryPoint(str(data.get("datetime", "")), str(commit)[:10], row.median_s, row.cv, row.lora_error, Path(path).name)
            series.setdefault((row.name, row.gpu, row.workload), []).append(point)
    return {key: sorted(points, key=lambda point: point.when) for key, points in series.items()}


def steps(points: list[HistoryPoint], window: int = 3, min_change: float = 0.02, sigmas: float = 3.0) -> dict[int, float]:
    """Where a series changes level for good, in the spirit of asv's step detection: index -> relative change.

    At each run the `window` runs from it on are compared with the `window` runs before it. A change of the
    median level larger than `min_change` and than `sigmas` times the runs' own noise (their CVs) makes a
    candidate: a single outlier cannot move a median of three. Of the candidates within a window, the one with
    the largest change of the mean level wins: the run where the new level starts."""
    def change(index: int, level) -> float:
        before, after = points[max(0, index - window):index], points[index:index + window]
        return level([run.median_s for run in after]) / level([run.median_s for run in before]) - 1

    def noise(index: int) -> float:
        runs = (points[max(0, index - window):index], points[index:index + window])
        return math.sqrt(sum(sum(run.cv**2 for run in side) / len(side) ** 2 for side in runs))

    candidates = {
        index: change(index, lambda values: sum(values) / len(values)) for index in range(1, len(points))
        if abs(change(index, statistics.median)) > max(min_change, sigmas * noise(index))
    }
    return {
        index: shift for index, shift in candidates.items()
        if all(abs(shift) >= abs(other) for near, other in candidates.items() if abs(near - index) < window and near != index)
    }


def _workload_text(key: str) -> str:
    if key == "unrecorded":
        return "workload unrecorded"
    workload = json.loads(key)
    lora = f"LoRA rank {workload['lora_rank']}" if workload.get("lora_rank") else f"{workload.get('lora_count')} LoRA files"
    return f"{workload['model']} {workload['width']}x{workload['height']}, {workload['steps']} steps, {lora}"


def history_markdown(series: dict[tuple[str, str, str], list[HistoryPoint]]) -> str:
    """One table per configuration and workload: each run's median, CV and LoRA error, and the steps."""
    sections = []
    for (name, gpu, workload), points in series.items():
        found = steps(points)
        lines = [f"### {name} on {gpu}, {_workload_text(workload)}", "", "| run | file | commit | median (s) | CV | LoRA error | step |", "|---|---|---|---|---|---|---|"]
        lines += [
            f"| {point.when[:19]} | {point.source} | {point.commit} | {point.median_s:.3f} | {100 * point.cv:.2f}% | {_number(point.lora_error, 3)} | "
            f"{f'⚠ {100 * found[index]:+.1f}%' if index in found else ''} |"
            for index, point in enumerate(points)
        ]
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def history_chart(series: dict[tuple[str, str, str], list[HistoryPoint]], path: Path) -> Path:
    """Median seconds per image against run, one line per configuration and workload, steps marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5))
    for (name, gpu, _), points in series.items():
        line = axes.plot(range(len(points)), [point.median_s for point in points], marker="o", label=f"{name} ({gpu})")[0]
        for index in steps(points):
            axes.annotate("step", (index, points[index].median_s), color=line.get_color(), textcoords="offset points", xytext=(0, 8))
    axes.set_xlabel("stored run, in the order made")
    axes.set_ylabel("median seconds per image")
    axes.legend(fontsize="small")
    figure.tight_layout()
    return _save_png(figure, path)


# Kernel families, first match wins: our own Triton kernels first (lora_fast.speed.norm_rope and gelu_fp8; "cat" in
# one's name would file it under copies), attention before "triton" (SageAttention's kernels are Triton kernels too),
# and inductor's kernels before matmul: inductor names a kernel after the ops it fuses, and the pointwise epilogue of
# an FP8 matmul (bias, row scales, the next layer's quantization) is named "..._scaled_mm_...".
KERNEL_FAMILIES = (
    ("ours", ("_norm_rope_kernel", "_gelu_cat_fp8_kernel", "_modulated_norm_fp8_kernel")),
    ("attention", ("flash", "fmha", "sdpa", "attn", "attention")),
    ("fused by inductor", ("triton_",)),
    ("matmul", ("gemm", "cutlass", "nvjet", "xmma", "cublas")),
    ("copies", ("copy", "memcpy", "memset", "cat")),
)


def kernel_family(name: str) -> str:
    """Which kind of work a GPU kernel does, from its name: ours, attention, matmul, fused by inductor, copies or other."""
    lowered = name.lower()
    return next((family for family, words in KERNEL_FAMILIES if any(word in lowered for word in words)), "other")


def kernel_summary(profile: CallProfile, top: int = 40) -> dict:
    """JSON-ready: wall and GPU-busy seconds, seconds per kernel family (longest first), the `top` longest kernels
    and the `top` longest groups of the GPU's idle gaps."""
    kernels = profile.kernels
    families: dict[str, float] = {}
    for kernel in kernels:
        families[kernel_family(kernel.name)] = families.get(kernel_family(kernel.name), 0.0) + kernel.seconds
    return {
        "wall_s": profile.wall_s,
        "gpu_busy_s": profile.gpu_busy_s,
        "families_s": dict(sorted(families.items(), key=lambda item: -item[1])),
        "top": [[kernel.name, kernel.calls, kernel.seconds] for kernel in kernels[:top]],
        "idle_top": [[gap.name, gap.calls, gap.seconds] for gap in profile.idle[:top]],
    }


def kernel_table(summary: dict) -> str:
    """Markdown of a `kernel_summary`: GPU time per kernel family against the wall time, then the longest kernels."""
    wall, busy = summary["wall_s"], summary["gpu_busy_s"]
    lines = [f"wall {wall * 1e3:.1f} ms, GPU busy {busy * 1e3:.1f} ms ({100 * busy / wall:.0f}%)", "", "| family | ms | share |", "|---|---|---|"]
    lines += [f"| {family} | {seconds * 1e3:.1f} | {100 * seconds / busy:.1f}% |" for family, seconds in summary["families_s"].items()]
    lines += ["", "| kernel | family | calls | ms | share |", "|---|---|---|---|---|"]
    lines += [f"| {name[:100]} | {kernel_family(name)} | {calls} | {seconds * 1e3:.1f} | {100 * seconds / busy:.1f}% |" for name, calls, seconds in summary["top"]]
    idle = summary["idle_top"]
    lines += ["", f"GPU idle between kernels (gaps of 20 µs or more): {sum(gap[2] for gap in idle) * 1e3:.1f} ms in the groups below"]
    lines += ["", "| before -> after | gaps | ms |", "|---|---|---|"]
    lines += [f"| {name} | {calls} | {seconds * 1e3:.2f} |" for name, calls, seconds in idle]
    return "\n".join(lines)


def bar_chart(rows: list[Row], path: Path) -> Path:
    """Horizontal bars of the median seconds per image, one per configuration, with the rounds' spread."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 0.45 * len(rows) + 1))
    colors = ["#c44e52" if row.flags else "#4c72b0" for row in rows]
    axes.barh([row.name for row in rows], [row.median_s for row in rows], xerr=[row.cv * row.median_s for row in rows], color=colors)
    axes.invert_yaxis()
    axes.set_xlabel("median seconds per image (lower is better; red: flagged)")
    axes.set_title(f"lora-fast on {rows[0].gpu}" if rows else "lora-fast")
    figure.tight_layout()
    return _save_png(figure, path)


def _save_png(figure, path: Path) -> Path:
    """Write a matplotlib figure to `path` whole or not at all, and close it."""
    import matplotlib.pyplot as plt

    encoded = io.BytesIO()
    figure.savefig(encoded, format="png", dpi=120)
    plt.close(figure)
    return write_atomically(Path(path), encoded.getvalue())


def replace_readme_section(readme: Path, table: str, section: str = "") -> None:
    """Put `table` between the report markers of `readme` (`<!-- report:start -->`, or `<!-- report:NAME:start -->`
    for a named section); the rest of the file is left as it was."""
    start, end = (README_START, README_END) if not section else (f"<!-- report:{section}:start -->", f"<!-- report:{section}:end -->")
    text = readme.read_text()
    if start not in text or end not in text:
        raise ReportError(f"{readme} has no {start} ... {end} section to fill")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    write_atomically(readme, f"{head}{start}\n{table}\n{end}{tail}".encode())  # an interrupted write must not truncate the README


def _fraction(text: str) -> float:
    """An argparse type: a finite number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be a finite fraction above zero, such as 0.03")
    return value


def main(argv: list[str] | None = None) -> int:
    """Print the table (and write the chart and README section), or run the gate; exit 1 when the gate fails,
    2 with one line on unusable input."""
    parser = argparse.ArgumentParser(prog="python -m lora_fast.bench.report", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, help="pytest-benchmark JSON files of one workload (later ones win per configuration)")
    parser.add_argument("--png", type=Path, help="also draw a bar chart here")
    parser.add_argument("--readme", type=Path, help="write the table into this file's report section")
    parser.add_argument("--section", default="", help="name of the README section (<!-- report:NAME:start -->); default: the unnamed one")
    parser.add_argument("--presets-only", action="store_true", help="leave out the variants (rows not named after a preset)")
    parser.add_argument("--baseline", default="baseline", help="configuration the speedups are relative to")
    parser.add_argument("--gate", type=Path, metavar="STORAGE", help="compare the one given file with the last run stored under STORAGE")
    parser.add_argument("--history", action="store_true", help="each configuration's median and LoRA error across the files, with steps flagged")
    parser.add_argument("--max-slowdown", type=_fraction, default=GATE_SLOWDOWN, help="fraction a median may grow before the gate fails (finite, above zero)")
    args = parser.parse_args(argv)
    try:
        read = [*args.files, STORED_RESULTS]
        if args.png:
            checked_output(args.png, "--png", overwrite=True, inputs=read, suffixes=(".png",), kind="a .png file name")
        if args.readme:
            checked_output(args.readme, "--readme", overwrite=True, inputs=read, suffixes=(".md",), kind="a Markdown (.md) file")
            if not args.readme.is_file():
                raise ReportError(f"--readme {args.readme} does not exist; give the README whose report section the table replaces")
        if args.gate:
            if len(args.files) != 1:
                raise ReportError("--gate compares one run: give exactly one file")
            result = gate(args.files[0], args.gate, args.max_slowdown)
            print(f"regression gate: {args.files[0]} against {', '.join(result.references) or 'nothing stored'}")
            print("\n".join([*(f"FAIL {line}" for line in result.failures), *(f"  ok {line}" for line in result.notes)]))
            return 0 if result.passed else 1
        if args.history:
            series = history(args.files)
            print(history_markdown(series))
            if args.png:
                history_chart(series, args.png)
            return 0
        rows = read_rows(args.files)
        if not rows:
            raise ReportError("no whole-pipeline results in the given files")
        missing = missing_cases(args.files, rows)
        if args.presets_only:
            rows, missing = only_presets(rows, missing)
        table = markdown(rows, args.baseline, missing)
        print(table)
        if args.png:
            bar_chart(rows, args.png)
        if args.readme:
            replace_readme_section(args.readme, table, args.section)
    except (ReportError, OutputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
