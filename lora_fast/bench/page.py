"""The results page (`python -m lora_fast.bench.page FILES --out results.html [--svg chart.svg]`): one self-contained HTML file (inline SVG charts, embedded thumbnails, no network at view time)
made from stored pytest-benchmark runs alone: per GPU and workload the table, the reference's H100 column beside
it, time against LoRA error, each preset's picture beside `baseline`'s with the difference and the LoRA's effect,
and each configuration's history across commits with the steps the gate's detector finds."""

from __future__ import annotations

import argparse
import functools
import html
import json
import statistics
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomically
from ..outputs import STORED_RESULTS, OutputError, checked_output
from .report import ReportError, Row, _number, _workload_text, file_rows, history, read_json, steps

# The reference's own table (huggingface/lora-fast README: H100, FLUX.1-dev with real weights, 1024x1024, 28 steps,
# two real LoRAs), seconds per image. Published figures, not a stored run: shown beside ours, never mixed into them.
REFERENCE_H100_S = {
    "baseline": 7.891, "optimized": 3.546, "no_fp8": 4.352, "no_fa3": 4.302, "baseline_compile": 5.092,
    "no_fa3_fp8": 5.085, "no_compile_fp8": 7.519, "no_compile": 10.434,
}
REFERENCE_WORKLOAD = {"height": 1024, "width": 1024, "steps": 28}
RANDOM_MODELS = ("tiny", "flux-dev-random")
SERVING_OVERHEAD_GOAL_PCT = 3.0  # what serving may add to an image at concurrency 1 (issue 33)
COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd")


@dataclass(frozen=True)
class Group:
    """One GPU, workload and memory cap: the row shown for each configuration, and its newest stored pictures."""

    gpu: str
    workload: str  # Workload.key
    cap_GiB: float | None  # a GPU memory cap standing in for a smaller card, or None
    rows: list[Row]
    pictures: dict[str, dict]  # configuration -> its newest stored pictures (runs before the page had none)

    @property
    def title(self) -> str:
        cap = f", capped at {self.cap_GiB:g} GiB" if self.cap_GiB else ""
        return f"{self.gpu}{cap}: {_workload_text(self.workload)}"

    @property
    def random_weights(self) -> bool:
        return self.workload == "unrecorded" or json.loads(self.workload).get("model") in RANDOM_MODELS

    @property
    def like_the_reference(self) -> bool:
        return self.workload != "unrecorded" and all(json.loads(self.workload).get(key) == value for key, value in REFERENCE_WORKLOAD.items())


def groups(paths: Iterable[Path]) -> list[Group]:
    """Rows grouped by GPU, workload and memory cap. A configuration shows its newest clean run (no flag), or its
    newest run when none is clean; its pictures come from its newest run that stored some. Largest groups first."""
    shown: dict[tuple[str, str, float | None], dict[str, tuple[tuple[bool, str], Row]]] = {}
    pictures: dict[tuple[str, str, float | None], dict[str, tuple[str, dict]]] = {}
    for path in paths:
        data = _stored(str(path))
        when = str(data.get("datetime", ""))
        stored_pictures = {bench["extra_info"]["config"]["name"]: bench["extra_info"]["pictures"] for bench in data.get("benchmarks", [])
                           if "pictures" in bench.get("extra_info", {})}
        for row in file_rows(path, data):
            key, rank = (row.gpu, row.workload, row.gpu_memory_cap_GiB), (not row.flags, when)
            current = shown.setdefault(key, {}).get(row.name)
            if current is None or rank >= current[0]:
                shown[key][row.name] = (rank, row)
            if row.name in stored_pictures and when >= pictures.setdefault(key, {}).get(row.name, ("", {}))[0]:
                pictures[key][row.name] = (when, stored_pictures[row.name])
    found = [
        Group(*key, [row for _, row in rows.values()], {name: stored for name, (_, stored) in pictures.get(key, {}).items()})
        for key, rows in shown.items()
    ]
    return sorted(found, key=lambda group: (-len(group.rows), group.gpu, group.workload, group.cap_GiB or 0))


def _baseline_of(row: Row) -> float | None:
    """`baseline`'s median from the same file as `row` (one process), if that file timed it."""
    return next((other.median_s for other in file_rows(Path(row.source), _stored(row.source)) if other.name == "baseline"), None)


def table(group: Group) -> str:
    """The group's table as HTML, with the reference's H100 seconds where the workload matches its own."""
    reference = group.like_the_reference
    head = ["Configuration", "Median (s)", "CV", "Clocks", "Speedup (same run)", "First call (s)", "Peak GPU GiB", "Host GiB", "SSIM",
            "LoRA error (limit)", "Recompiles", "Run"] + (["Reference H100 (s)"] if reference else []) + ["Flags"]
    lines = ["<table class='results'>", "<tr>" + "".join(f"<th>{html.escape(cell)}</th>" for cell in head) + "</tr>"]
    for row in group.rows:
        baseline = _baseline_of(row)
        clocks = "–" if row.clock_agreement is None else f"{100 * row.clock_agreement:+.2f}%"
        first = _number(row.first_call_s, 1) + (f" ({row.first_call_cache})" if row.first_call_cache not in (None, "none") else "")
        error = _number(row.lora_error, 3) + (f" ({row.held_limit:.3f})" if row.held_limit is not None else "")
        commit = ((row.revision or {}).get("commit") or "?")[:10]
        cells = [
            row.name, f"{row.median_s:.3f}", f"{100 * row.cv:.2f}%", clocks, f"{baseline / row.median_s:.2f}×" if baseline else "–", first,
            _number(row.peak_mem_GiB, 1), _number(row.peak_host_rss_GiB, 1), _number(row.ssim, 4), error,
            "–" if row.recompiles is None else str(row.recompiles), f"{Path(row.source).name} @ {commit}",
        ] + ([_number(REFERENCE_H100_S.get(row.name), 3)] if reference else []) + ["; ".join(row.flags)]
        css = " class='flagged'" if row.flags else ""
        run_column = head.index("Run")
        lines.append(f"<tr{css}>" + "".join(f"<td{' class=run' if index == run_column else ''}>{html.escape(cell)}</td>" for index, cell in enumerate(cells)) + "</tr>")
    return "\n".join(lines + ["</table>"])


def _axis_ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = (high - low) / count if high > low else 1.0
    return [low + step * index for index in range(count + 1)]


def bars_svg(rows: list[Row]) -> str:
    """Median seconds per image, one bar per configuration (red: flagged), the CV as a whisker."""
    width, bar, left = 720, 22, 190
    longest = max(row.median_s * (1 + row.cv) for row in rows) or 1.0
    scale = (width - left - 70) / longest
    parts = [f"<svg class='chart bars' xmlns='http://www.w3.org/2000/svg' width='{width}' height='{bar * len(rows) + 40}' role='img'>",
             "<title>Median seconds per image</title>"]
    for index, row in enumerate(rows):
        y = 10 + index * bar
        length, whisker = row.median_s * scale, row.cv * row.median_s * scale
        color = "#c44e52" if row.flags else "#4c72b0"
        parts += [
            f"<text x='{left - 6}' y='{y + 15}' text-anchor='end'>{html.escape(row.name)}</text>",
            f"<rect x='{left}' y='{y + 3}' width='{length:.1f}' height='{bar - 6}' fill='{color}'><title>{html.escape(row.name)}: {row.median_s:.3f} s</title></rect>",
            f"<line x1='{left + length - whisker:.1f}' x2='{left + length + whisker:.1f}' y1='{y + bar / 2}' y2='{y + bar / 2}' stroke='black'/>",
            f"<text x='{left + length + whisker + 4:.1f}' y='{y + 15}'>{row.median_s:.3f} s</text>",
        ]
    parts.append(f"<text x='{left}' y='{bar * len(rows) + 32}'>median seconds per image (lower is better; red: flagged)</text></svg>")
    return "\n".join(parts)


def cache_curves(rows: list[Row]) -> list[list[Row]]:
    """The step-cache settings of one method on one base configuration (all other settings equal), fastest first:
    each a curve of time against LoRA error. Single points make no curve."""
    curves: dict[str, list[Row]] = {}
    for row in rows:
        cache = row.config.get("step_cache") or {}
        if cache.get("method", "none") != "none" and row.lora_error is not None:
            key = json.dumps({**row.config, "name": None, "notes": None, "step_cache": cache["method"]}, sort_keys=True)
            curves.setdefault(key, []).append(row)
    return [sorted(curve, key=lambda row: row.median_s) for curve in curves.values() if len(curve) > 1]


def chart_group(found: list[Group]) -> Group:
    """The group whose time-against-LoRA-error chart says most: the most step-cache curves, then the most rows."""
    return max(found, key=lambda group: (len(cache_curves(group.rows)), len(group.rows)))


def tradeoff_svg(rows: list[Row], title: str = "Time against LoRA error") -> str:
    """Each configuration as a point: seconds per image across, LoRA error up, the calibrated limits (exact, and FP8's
    where quantized cases ran) as dashed lines.
    Exact configurations (the limit's reference points) are circles, lossy ones squares; the settings of one step
    cache on one base are joined by a line, and each cached point names the share of blocks it skipped."""
    points = [row for row in rows if row.lora_error is not None]
    width, height, pad = 620, 420, 60
    if not points:
        return ""
    xs, ys = [row.median_s for row in points], [row.lora_error for row in points]
    limit = max((row.lora_error_limit for row in points if row.lora_error_limit is not None), default=None)
    quantized_limit = max((row.quantized_limit for row in points if row.quantized_limit is not None), default=None)
    x_low, x_high = min(xs) * 0.9, max(xs) * 1.1
    y_high = max(ys + [value for value in (limit, quantized_limit) if value]) * 1.15 or 1.0

    def at(x: float, y: float) -> tuple[float, float]:
        return pad + (x - x_low) / (x_high - x_low) * (width - 2 * pad), height - pad - y / y_high * (height - 2 * pad)

    def label(index: int, row: Row) -> str:
        skipped = "" if row.skipped_fraction is None else f", skips {100 * row.skipped_fraction:.0f}% of blocks"
        flagged = f" ⚠ {'; '.join(row.flags)}" if row.flags else ""
        return f"{index + 1} {row.name}: {row.median_s:.3f} s, LoRA error {row.lora_error:.3f}{skipped}{flagged}"

    labels = [label(index, row) for index, row in enumerate(points)]
    legend = max(330, 20 + round(6.5 * max(map(len, labels))))  # about 6.5 px a character at 12 px
    parts = [f"<svg class='chart tradeoff' xmlns='http://www.w3.org/2000/svg' width='{width + legend}' height='{max(height, pad + 15 * len(points))}' role='img'>",
             f"<title>{html.escape(title)}</title>", "<style>text{font:12px sans-serif}</style>",
             f"<rect width='{width + legend}' height='{max(height, pad + 15 * len(points))}' fill='white'/>",
             f"<line x1='{pad}' y1='{height - pad}' x2='{width - pad}' y2='{height - pad}' stroke='black'/>",
             f"<line x1='{pad}' y1='{pad}' x2='{pad}' y2='{height - pad}' stroke='black'/>"]
    for tick in _axis_ticks(x_low, x_high):
        x, _ = at(tick, 0)
        parts.append(f"<text x='{x:.1f}' y='{height - pad + 16}' text-anchor='middle'>{tick:.1f}</text>")
    for tick in _axis_ticks(0, y_high):
        _, y = at(0, tick)
        parts.append(f"<text x='{pad - 6}' y='{y + 4:.1f}' text-anchor='end'>{tick:.2f}</text>")
    for value, name in ((limit, "exact"), (quantized_limit, "FP8")):
        if value:
            _, y = at(0, value)
            parts.append(f"<line x1='{pad}' x2='{width - pad}' y1='{y:.1f}' y2='{y:.1f}' stroke='#c44e52' stroke-dasharray='6 4'/>"
                         f"<text x='{width - pad}' y='{y - 4:.1f}' text-anchor='end' fill='#c44e52'>{name} limit {value:.3f}</text>")
    for curve in cache_curves(points):
        corners = " ".join("{:.1f},{:.1f}".format(*at(row.median_s, row.lora_error)) for row in curve)
        parts.append(f"<polyline points='{corners}' fill='none' stroke='#8c8c8c' stroke-width='1.5'/>")
    for index, row in enumerate(points):  # numbered points, named in a legend: labels of close points never collide
        x, y = at(row.median_s, row.lora_error)
        color = COLORS[index % len(COLORS)]
        lossy = row.lora_error > (limit or 0)
        marker = f"<rect x='{x - 5:.1f}' y='{y - 5:.1f}' width='10' height='10' fill='{color}'>" if lossy else f"<circle cx='{x:.1f}' cy='{y:.1f}' r='6' fill='{color}'>"
        parts += [f"{marker}<title>{html.escape(labels[index])}</title>{'</rect>' if lossy else '</circle>'}",
                  f"<text x='{x:.1f}' y='{y - 8:.1f}' text-anchor='middle' font-size='10'>{index + 1}</text>",
                  f"<text x='{width + 10}' y='{pad + 15 * index}' fill='{color}'>{html.escape(labels[index])}</text>"]
    parts += [f"<text x='{width / 2}' y='{height - 16}' text-anchor='middle'>median seconds per image</text>",
              f"<text x='16' y='{height / 2}' transform='rotate(-90 16 {height / 2})' text-anchor='middle'>LoRA error (share of the LoRA's effect)</text>",
              "</svg>"]
    return "\n".join(parts)


def history_svg(points: list, found: dict[int, float], name: str) -> str:
    """One configuration's medians across its stored runs, in the order made; a step the detector found is marked."""
    width, height, pad = 360, 160, 40
    values = [point.median_s for point in points]
    low, high = min(values) * 0.95, max(values) * 1.05

    def at(index: int, value: float) -> tuple[float, float]:
        x = pad + index / max(1, len(points) - 1) * (width - 2 * pad)
        return x, height - pad - (value - low) / (high - low or 1.0) * (height - 2 * pad)

    coordinates = [at(index, value) for index, value in enumerate(values)]
    parts = [f"<svg class='chart history' xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>",
             f"<title>{html.escape(name)} across runs</title>",
             "<polyline fill='none' stroke='#4c72b0' points='" + " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates) + "'/>"]
    for index, ((x, y), point) in enumerate(zip(coordinates, points)):
        parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='#4c72b0'><title>{html.escape(point.source)} @ {point.commit}: {point.median_s:.3f} s</title></circle>")
        if index in found:
            parts.append(f"<text x='{x:.1f}' y='{y - 8:.1f}' text-anchor='middle' fill='#c44e52'>step {100 * found[index]:+.1f}%</text>")
    parts += [f"<text x='{pad}' y='{height - 8}'>{low:.2f}-{high:.2f} s, {len(points)} runs</text>", "</svg>"]
    return "\n".join(parts)


def cost_svg(sizes: list[dict], title: str) -> str:
    """Seconds per image against megapixels (batch 1, one stored mixed-shapes case), beside the floor of the same
    work at the GPU's measured rates: linear layers and attention apart, stacked (their sum is the floor)."""
    points = sorted(sizes, key=lambda size: size["megapixels"])
    floors = [(size["step_work"]["floor_s"] or 0.0) * size["steps"] for size in points]
    width, height, pad = 620, 360, 60
    x_high = max(size["megapixels"] for size in points) * 1.05 or 1.0
    y_high = max(size["s"] for size in points) * 1.1 or 1.0

    def at(x: float, y: float) -> tuple[float, float]:
        return pad + x / x_high * (width - 2 * pad), height - pad - y / y_high * (height - 2 * pad)

    def line(values: list[float], color: str, dash: str = "") -> str:
        return (f"<polyline fill='none' stroke='{color}' stroke-width='2' {dash} points='"
                + " ".join("{:.1f},{:.1f}".format(*at(size["megapixels"], value)) for size, value in zip(points, values)) + "'/>")

    parts = [f"<svg class='chart cost' xmlns='http://www.w3.org/2000/svg' width='{width + 220}' height='{height}' role='img'>", f"<title>{html.escape(title)}</title>",
             f"<line x1='{pad}' y1='{height - pad}' x2='{width - pad}' y2='{height - pad}' stroke='black'/>",
             f"<line x1='{pad}' y1='{pad}' x2='{pad}' y2='{height - pad}' stroke='black'/>", line([size["s"] for size in points], "#4c72b0")]
    for size in points:
        x, y = at(size["megapixels"], size["s"])
        parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='4' fill='#4c72b0'><title>{size['height']}x{size['width']}: {size['s']:.3f} s</title></circle>")
    if any(floors):
        gemm = [work["step_work"]["linear_tflop"] / (work["step_work"]["linear_tflop"] + work["step_work"]["attention_tflop"]) * floor for work, floor in zip(points, floors)]
        parts += [line(floors, "#c44e52", "stroke-dasharray='6 4'"), line(gemm, "#dd8452", "stroke-dasharray='2 3'"),
                  f"<text x='{width - 40}' y='{pad + 30}' fill='#c44e52'>floor: GEMM + attention at measured rates</text>",
                  f"<text x='{width - 40}' y='{pad + 46}' fill='#dd8452'>of which GEMM</text>"]
    for tick in _axis_ticks(0, x_high):
        x, _ = at(tick, 0)
        parts.append(f"<text x='{x:.1f}' y='{height - pad + 16}' text-anchor='middle'>{tick:.2f}</text>")
    for tick in _axis_ticks(0, y_high):
        _, y = at(0, tick)
        parts.append(f"<text x='{pad - 6}' y='{y + 4:.1f}' text-anchor='end'>{tick:.2f}</text>")
    parts += [f"<text x='{width - 40}' y='{pad + 14}' fill='#4c72b0'>measured, s per image</text>",
              f"<text x='{width / 2}' y='{height - 16}' text-anchor='middle'>megapixels per image ({points[0]['steps']} steps, batch 1)</text>", "</svg>"]
    return "\n".join(parts)


def cost_charts(paths: list[Path]) -> str:
    """A cost chart and a batch table for every stored mixed-shapes case (cases that store `cost_by_size`)."""
    parts = []
    for path, data, bench, info in _cases_storing(paths, "cost_by_size"):
        if not info["cost_by_size"]:
            continue
        title = f"{bench['name']} on {data.get('machine_info', {}).get('gpu', '?')} ({path.name})"
        batches = "".join(f"<td>{_number(seconds, 3)}</td>" for seconds in info["per_image_s_by_batch"].values())
        parts += [f"<h3>{html.escape(title)}</h3>",
                  f"<p>{info['recompiles']} graphs compiled after preparing ({_number(info['prepare_s'], 1)} s); worst first request "
                  f"{_number(info['worst_first_request_ratio'], 2)}x its warm time; peak reserved {_number(info['peak_reserved_gib'], 1)} GiB.</p>",
                  "<table><tr><th>images per call</th>" + "".join(f"<th>{batch}</th>" for batch in info["per_image_s_by_batch"]) + "</tr>"
                  f"<tr><td>s per image, smallest square</td>{batches}</tr></table>", cost_svg(info["cost_by_size"], title)]
    return "\n".join(parts)


def pictures_html(group: Group) -> str:
    """Each configuration's picture beside `baseline`'s, their difference and the LoRA's effect at the same gain."""
    stored = [(row, group.pictures[row.name]) for row in group.rows if row.name in group.pictures]
    if not stored:
        return ""
    note = ("These weights are random, so the images are noise: what matters is how dark each difference is next to the "
            "LoRA's effect. On a real checkpoint the pictures themselves are the point.") if group.random_weights else ""
    lines = [f"<p class='note'>{note}</p>" if note else "", "<table class='pictures'>",
             "<tr><th>Configuration</th><th>Its image</th><th>baseline</th><th>|difference| × gain</th><th>LoRA's effect × gain</th></tr>"]
    for row, pictures in stored:
        cells = "".join(
            f"<td><img alt='{html.escape(row.name)}: {kind}' src='data:image/{pictures['format']};base64,{pictures[kind]}'></td>"
            for kind in ("image", "baseline", "difference", "lora_effect")
        )
        lines.append(f"<tr><td>{html.escape(row.name)}<br><small>gain {pictures['gain']:.3g}</small></td>{cells}</tr>")
    return "\n".join(lines + ["</table>"])


@functools.lru_cache(maxsize=None)
def _stored(path: str) -> dict:
    return read_json(Path(path))


def soak_table(paths: list[Path]) -> str:
    """Every stored LoRA soak (cases that store a swap series): swaps, image time and memory at the start and the
    end, recompiles and re-records, and whether the same LoRAs gave the same image (max abs pixel difference)."""
    head = ["Run", "Case", "GPU", "Workload", "Rounds", "Swap median single / stack (s)", "Image s first 10 / last 10", "Allocated GiB first / last",
            "Recompiles", "Re-records", "First call vs second", "Loaded by optimize vs swapped back", "Any set vs its first image"]
    lines = []
    for path, data, bench, info in _cases_storing(paths, "series"):
        images, memory, swaps, same = info["image_s"], info["series"]["allocated_GiB"], info["swap_median_s"], info["reproducible"]
        cells = [
            *_case_cells(path, data, bench, info), str(len(images)), f"{_number(swaps['single'], 3)} / {_number(swaps['stack'], 3)}",
            f"{_median(images[:10])} / {_median(images[-10:])}", f"{_number(memory[0] if memory else None, 2)} / {_number(memory[-1] if memory else None, 2)}",
            str(info["recompiles"]), str(info["cuda_graph_rerecords"]), *(_number(same[key], 4) for key in ("first_call_vs_second", "loaded_by_optimize_vs_swapped_back", "any_set_vs_its_first_image")),
        ]
        lines.append(_table_row(cells, flagged=any(same[key] for key in same) or info["recompiles"] or info["cuda_graph_rerecords"]))
    return _table("soak", head, lines)


def serving_table(paths: list[Path]) -> str:
    """Every stored served stream (cases that store `overhead_pct_c1`): the same requests made directly and through
    the HTTP server at each concurrency, images per second and latency percentiles, and the server's overhead at
    concurrency 1 (a row is red past SERVING_OVERHEAD_GOAL_PCT)."""
    streams = list(_cases_storing(paths, "overhead_pct_c1"))
    levels = sorted({level for *_, info in streams for level in info["served"]}, key=int)
    lines = []
    for path, data, bench, info in streams:
        cells = [*_case_cells(path, data, bench, info), str(info["replicas"]), str(info["requests"]), _number(info["direct_images_per_s"], 3)]
        for level in levels:
            at = info["served"].get(level)
            cells.append("-" if at is None else f"{_number(at['images_per_s'], 3)} / {_number(at['p50_s'], 3)} / {_number(at['p95_s'], 3)}")
        cells.append(f"{info['overhead_pct_c1']:+.2f}%")
        lines.append(_table_row(cells, flagged=info["overhead_pct_c1"] > SERVING_OVERHEAD_GOAL_PCT))
    head = ["Run", "Case", "GPU", "Workload", "Replicas", "Requests", "Direct images/s",
            *(f"Served at {level}: images/s / p50 s / p95 s" for level in levels), "Overhead at 1"]
    return _table("serving", head, lines)


def phases_table(paths: list[Path]) -> str:
    """Every stored case that timed its images' phases (`phases`): the median seconds of text encoding, denoising and
    VAE decode, and what is left of the median image outside them (preparing latents, moving the image off the GPU)."""
    lines = []
    for path, data, bench, info in _cases_storing(paths, "phases"):
        phases, image = info["phases"], bench.get("stats", {}).get("median")
        medians = [_median_value(phases.get(key, [])) for key in ("text_s", "denoise_s", "decode_s")]
        rest = image - sum(medians) if isinstance(image, (int, float)) and None not in medians else None
        lines.append(_table_row([*_case_cells(path, data, bench, info), *(_number(value, 3) for value in (*medians, rest, image))], flagged=False))
    return _table("phases", ["Run", "Case", "GPU", "Workload", "Text encoding (s)", "Denoising (s)", "VAE decode (s)", "Rest (s)", "Image (s)"], lines)


def _median_value(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _cases_storing(paths: list[Path], key: str) -> Iterator[tuple[Path, dict, dict, dict]]:
    """(file, its data, case, extra_info) of every stored case whose extra_info holds `key`."""
    for path in paths:
        data = _stored(str(path))
        for bench in data.get("benchmarks", []):
            info = bench.get("extra_info", {})
            if key in info:
                yield Path(path), data, bench, info


def _case_cells(path: Path, data: dict, bench: dict, info: dict) -> list[str]:
    """A case's first cells: its file, name, GPU and workload."""
    return [path.name, bench["name"], str(data.get("machine_info", {}).get("gpu", "?")), _workload_text(json.dumps(info["workload"], sort_keys=True))]


def _table_row(cells: list[str], flagged: bool) -> str:
    return f"<tr{' class=flagged' if flagged else ''}>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>"


def _table(kind: str, head: list[str], lines: list[str]) -> str:
    """An HTML table of class `kind`, or nothing without rows."""
    if not lines:
        return ""
    return "\n".join([f"<table class='{kind}'>", "<tr>" + "".join(f"<th>{html.escape(cell)}</th>" for cell in head) + "</tr>", *lines, "</table>"])


def _median(values: list[float]) -> str:
    return _number(_median_value(values), 3)


STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1500px;color:#222}
h1{font-size:1.6em} h2{margin-top:2em;border-bottom:1px solid #ccc} table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ddd;padding:3px 7px;text-align:right} td:first-child,th:first-child{text-align:left}
tr.flagged{background:#fdecea} td.run{font-size:11px;min-width:210px} .pictures img{width:160px;image-rendering:pixelated} .note{color:#555}
svg text{font:12px sans-serif} .history-grid{display:flex;flex-wrap:wrap;gap:12px}
"""


def page(paths: list[Path]) -> str:
    """The whole page from `paths` (stored pytest-benchmark JSON); the same files always give the same page."""
    paths = sorted(set(paths), key=lambda path: (str(path.parent), path.name))
    found = groups(paths)
    body = [
        "<h1>lora-fast results</h1>",
        f"<p>Made by <code>nox -s report</code> from {len(paths)} stored runs (<code>.benchmarks/</code>) and nothing else. "
        "Speedups are against <code>baseline</code> timed in the same process; a flagged row (red) had a CV or a clock "
        "disagreement above 2% or too few rounds. LoRA error is the share of the LoRA's effect on the latents a configuration "
        "gets wrong; its limit is calibrated in each run from exact kernels against a dropped and a half-scale LoRA.</p>",
    ]
    for index, group in enumerate(found):
        body += [f"<h2 id='group-{index}'>{html.escape(group.title)}</h2>", table(group), bars_svg(group.rows), tradeoff_svg(group.rows)]
        body.append(pictures_html(group))
    soaks = soak_table(paths)
    if soaks:
        body += ["<h2 id='soak'>LoRA soaks</h2><p>Swaps between single LoRAs, stacks and strengths on one compiled pipeline, an image after "
                 "each; a row is red when a recompile, a CUDA-graph re-record or a different image for the same LoRAs and seed happened.</p>", soaks]
    costs = cost_charts(paths)
    if costs:
        body += ["<h2 id='sizes'>Requests of any size</h2><p>A pipeline prepared for a range of sizes, given a shuffled sequence of sizes "
                 "and batches: time per image against megapixels beside the floor of the same work, and what batching pays.</p>", costs]
    phased = phases_table(paths)
    if phased:
        body += ["<h2 id='phases'>Where an image's time goes</h2><p>Each timed image's text encoding, denoising and VAE decode, from "
                 "CUDA events recorded as each starts and ends (medians over the rounds).</p>", phased]
    served = serving_table(paths)
    if served:
        body += [f"<h2 id='serving'>Served over HTTP</h2><p>A stream of requests over several LoRA sets made directly through "
                 f"<code>generate</code> and then through <code>lora-fast serve</code> on the same GPU; a row is red when serving "
                 f"adds more than {SERVING_OVERHEAD_GOAL_PCT:g}% to an image at concurrency 1.</p>", served]
    series = {key: points for key, points in history(paths).items() if len(points) >= 3}
    body.append("<h2 id='history'>History across commits</h2><p>Each configuration's median in every stored run of one GPU and "
                "workload, in the order the runs were made; a step is a lasting change of level the detector found (the gate's).</p>")
    body.append("<div class='history-grid'>")
    for (name, gpu, workload), points in series.items():
        body.append(f"<figure><figcaption>{html.escape(name)} on {html.escape(gpu)}<br><small>{html.escape(_workload_text(workload))}</small>"
                    f"</figcaption>{history_svg(points, steps(points), name)}</figure>")
    body.append("</div>")
    script = "window.addEventListener('error',e=>{document.body.dataset.errors=(+(document.body.dataset.errors||0)+1)});"
    return ("<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>lora-fast results</title>"
            f"<style>{STYLE}</style><script>{script}</script></head>\n<body>\n" + "\n".join(part for part in body if part) + "\n</body></html>\n")


def main(argv: list[str] | None = None) -> int:
    """Write the page (and, with --svg, one group's time-against-LoRA-error chart alone: `chart_group`); exit 2 on unusable files."""
    parser = argparse.ArgumentParser(prog="python -m lora_fast.bench.page", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, help="stored pytest-benchmark JSON files (any GPUs and workloads)")
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    parser.add_argument("--svg", type=Path, help="also write the time-against-LoRA-error chart of the group with the most step-cache curves here")
    args = parser.parse_args(argv)
    try:
        read = [*args.files, STORED_RESULTS]
        checked_output(args.out, "--out", overwrite=True, inputs=read, suffixes=(".html", ".htm"), kind="an .html file name")
        if args.svg:
            checked_output(args.svg, "--svg", overwrite=True, inputs=read, suffixes=(".svg",), kind="an .svg file name")
        text = page(args.files)
        found = groups(args.files)
    except (ReportError, OutputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_atomically(args.out, text.encode())
    if args.svg and found:
        shown = chart_group(found)
        write_atomically(args.svg, tradeoff_svg(shown.rows, shown.title).encode())
    print(f"wrote {args.out} from {len(args.files)} stored runs ({len(found)} GPU and workload groups)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
