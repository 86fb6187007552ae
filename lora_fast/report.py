"""Tables and a chart from stored pytest-benchmark JSON: `python -m lora_fast.report FILES [--png P] [--readme R]`;
and the table of where a profiled image spends its GPU time."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import PRESETS, attention_variant
from .measure import CallProfile

README_START, README_END = "<!-- report:start -->", "<!-- report:end -->"


@dataclass(frozen=True)
class Row:
    """One preset's stored result."""

    preset: str
    mean_s: float
    stddev_s: float
    rounds: int
    first_call_s: float | None
    peak_mem_GiB: float | None
    ssim: float | None
    psnr_db: float | None
    lora_error: float | None  # lora_error of the latents (see measure.lora_error)
    lora_error_limit: float | None
    recompiles: int | None
    gpu: str


# Whole-pipeline cases and the configuration name each reports: a preset, or `attention_variant`'s name.
CASES: dict[str, Callable[[str], str]] = {
    r"test_preset\[(.+)\]": lambda preset: preset,
    r"test_attention_pipeline\[(.+)\]": lambda attention: attention_variant(attention).name,
}


def _case_name(test_name: str) -> str | None:
    for pattern, config_name in CASES.items():
        match = re.fullmatch(pattern, test_name)
        if match:
            return config_name(match[1])
    return None


def read_rows(paths: list[Path]) -> list[Row]:
    """The whole-pipeline results (`test_preset`, `test_attention_pipeline`) of every file, later files replacing
    earlier ones for the same configuration."""
    rows: dict[str, Row] = {}
    for path in paths:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise SystemExit(f"error: {path} is not a readable pytest-benchmark JSON file ({error})") from None
        gpu = str(data.get("machine_info", {}).get("gpu", "?"))
        for bench in data.get("benchmarks", []):
            name = _case_name(bench["name"])
            if name is None:
                continue
            info, stats = bench.get("extra_info", {}), bench["stats"]
            limits = info.get("calibration", {}).get("limits", {})
            rows[name] = Row(
                name, stats["mean"], stats["stddev"], stats["rounds"], info.get("first_call_s"), info.get("peak_mem_GiB"),
                info.get("ssim"), info.get("psnr_db"), info.get("lora_error_latents"), limits.get("lora_error_latents"),
                info.get("recompiles"), gpu,
            )
    order = list(PRESETS)
    # Known presets in table order, then any others by time (never one number mixing positions and seconds).
    return sorted(rows.values(), key=lambda row: (row.preset not in order, order.index(row.preset) if row.preset in order else row.mean_s))


def _number(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(rows: list[Row]) -> str:
    """The reference-style table: time, speedup over `baseline`, first call, peak memory, similarity, notes.

    LoRA error: the share of the LoRA's effect on the latents the option gets wrong; its limit is calibrated per run."""
    baseline = next((row.mean_s for row in rows if row.preset == "baseline"), None)
    lines = [
        "| Option | Time (s) | Speedup | First call (s) | Peak GiB | SSIM | PSNR (dB) | LoRA error (limit) | Recompiles | Notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        speedup = f"{baseline / row.mean_s:.2f}×" if baseline else "–"
        notes = PRESETS[row.preset].notes if row.preset in PRESETS else ""
        lora_error = _number(row.lora_error, 3) + (f" ({row.lora_error_limit:.3f})" if row.lora_error_limit is not None else "")
        lines.append(
            f"| {row.preset} | {row.mean_s:.3f} ± {row.stddev_s:.3f} | {speedup} | {_number(row.first_call_s, 1)} | "
            f"{_number(row.peak_mem_GiB, 1)} | {_number(row.ssim, 4)} | {_number(row.psnr_db, 1)} | {lora_error} | "
            f"{'–' if row.recompiles is None else row.recompiles} | {notes} |"
        )
    return "\n".join(lines)


# Kernel families, first match wins: attention before "triton" (SageAttention's kernels are Triton kernels too).
KERNEL_FAMILIES = (
    ("attention", ("flash", "fmha", "sdpa", "attn", "attention")),
    ("matmul", ("gemm", "scaled_mm", "cutlass", "nvjet", "xmma", "cublas")),
    ("fused by inductor", ("triton_",)),
    ("copies", ("copy", "memcpy", "memset", "cat")),
)


def kernel_family(name: str) -> str:
    """Which kind of work a GPU kernel does, from its name: attention, matmul, fused by inductor, copies or other."""
    lowered = name.lower()
    return next((family for family, words in KERNEL_FAMILIES if any(word in lowered for word in words)), "other")


def kernel_summary(profile: CallProfile, top: int = 10) -> dict:
    """JSON-ready: wall and GPU-busy seconds, seconds per kernel family (longest first), the `top` longest kernels."""
    kernels = profile.kernels
    families: dict[str, float] = {}
    for kernel in kernels:
        families[kernel_family(kernel.name)] = families.get(kernel_family(kernel.name), 0.0) + kernel.seconds
    return {
        "wall_s": profile.wall_s,
        "gpu_busy_s": sum(kernel.seconds for kernel in kernels),
        "families_s": dict(sorted(families.items(), key=lambda item: -item[1])),
        "top": [[kernel.name, kernel.calls, kernel.seconds] for kernel in kernels[:top]],
    }


def kernel_table(summary: dict) -> str:
    """Markdown of a `kernel_summary`: GPU time per kernel family against the wall time, then the longest kernels."""
    wall, busy = summary["wall_s"], summary["gpu_busy_s"]
    lines = [f"wall {wall * 1e3:.1f} ms, GPU busy {busy * 1e3:.1f} ms ({100 * busy / wall:.0f}%)", "", "| family | ms | share |", "|---|---|---|"]
    lines += [f"| {family} | {seconds * 1e3:.1f} | {100 * seconds / busy:.1f}% |" for family, seconds in summary["families_s"].items()]
    lines += ["", "| kernel | family | calls | ms | share |", "|---|---|---|---|---|"]
    lines += [f"| {name[:100]} | {kernel_family(name)} | {calls} | {seconds * 1e3:.1f} | {100 * seconds / busy:.1f}% |" for name, calls, seconds in summary["top"]]
    return "\n".join(lines)


def bar_chart(rows: list[Row], path: Path) -> Path:
    """Horizontal bars of seconds per image, one per preset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 0.45 * len(rows) + 1))
    axes.barh([row.preset for row in rows], [row.mean_s for row in rows], xerr=[row.stddev_s for row in rows], color="#4c72b0")
    axes.invert_yaxis()
    axes.set_xlabel("seconds per image (lower is better)")
    axes.set_title(f"lora-fast presets on {rows[0].gpu}" if rows else "lora-fast presets")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def replace_readme_section(readme: Path, table: str) -> None:
    """Put `table` between the report markers of `readme`; the rest of the file is left as it was."""
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        raise SystemExit(f"error: {readme} has no {README_START} ... {README_END} section to fill")
    head, rest = text.split(README_START, 1)
    tail = rest.split(README_END, 1)[1]
    partial = readme.with_name(f".{readme.name}.partial")  # an interrupted write must not truncate the README
    partial.write_text(f"{head}{README_START}\n{table}\n{README_END}{tail}")
    partial.replace(readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lora_fast.report", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, help="pytest-benchmark JSON files (later ones win per preset)")
    parser.add_argument("--png", type=Path, help="also draw a bar chart here")
    parser.add_argument("--readme", type=Path, help="write the table into this file's report section")
    args = parser.parse_args(argv)
    rows = read_rows(args.files)
    if not rows:
        print("error: no test_preset results in the given files", file=sys.stderr)
        return 2
    table = markdown(rows)
    print(table)
    if args.png:
        bar_chart(rows, args.png)
    if args.readme:
        replace_readme_section(args.readme, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
