"""nox sessions: tests, CPU benchmark, GPU benchmarks per card, compare and report (`nox -s rtx4090`)."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests"]
FULL_SIZE = ["--model", "flux-dev-random", "--resolution", "1024", "--steps", "28", "--lora-rank", "128"]


def install(session: nox.Session, gpu: bool = False) -> None:
    """The pinned set (and the GPU kernels), unless the session runs in the current environment (`nox --no-venv`,
    as the GPU workflow does after installing the CUDA build of torch itself)."""
    if session.venv_backend == "none":
        return
    session.install("-r", "requirements.txt")
    if gpu:
        session.install("--no-deps", "-r", "requirements-gpu.txt")


@nox.session
def tests(session: nox.Session) -> None:
    """Correctness tests on the CPU with the embedded tiny pipeline."""
    install(session)
    session.run("pytest", "tests", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Every CPU-capable preset on the tiny pipeline, stored under .benchmarks/cpu."""
    install(session)
    session.run("pytest", "benchmarks", "-m", "cpu", "--benchmark-autosave", *session.posargs)


@nox.session
def h100(session: nox.Session) -> None:
    """Hopper presets (FA3, FP8) on the full-size architecture; results under .benchmarks/<GPU name>."""
    install(session, gpu=True)
    session.run("pytest", "benchmarks", "-m", "h100 or cpu", *FULL_SIZE, "--benchmark-autosave", "-rs", *session.posargs)


@nox.session
def rtx4090(session: nox.Session) -> None:
    """Presets that fit a 24 GB card, each case capped at 24 GB of GPU memory."""
    install(session, gpu=True)
    session.run("pytest", "benchmarks", "-m", "rtx4090", *FULL_SIZE, "--gpu-memory-gb", "24", "--benchmark-autosave", *session.posargs)


@nox.session
def multigpu(session: nox.Session) -> None:
    """Every visible GPU: `optimized` on one GPU against each context-parallel config of that many ranks, in one
    torchrun job (rank 0 times and stores, under .benchmarks/<GPU>-x<N>), then the server with one replica per GPU."""
    install(session, gpu=True)
    import torch

    from lora_fast.config import PRESETS, VARIANTS

    gpus = torch.cuda.device_count()
    cases = ["benchmarks/test_presets.py::test_preset[optimized]"]
    for name, config in {**PRESETS, **VARIANTS}.items():
        if config.context_parallel == gpus:
            kind = "test_preset" if name in PRESETS else "test_variant"
            cases += [f"benchmarks/test_presets.py::{kind}[{name}]", f"benchmarks/test_presets.py::test_hotswap_sequence[{name}]"]
    if len(cases) == 1:
        session.error(f"no context-parallel config splits an image over {gpus} GPUs (lora_fast.config has 2, 4 and 8)")
    session.run("torchrun", "--nproc-per-node", str(gpus), "-m", "pytest", *cases, *FULL_SIZE, "--benchmark-autosave", "-rs", *session.posargs)
    session.run("pytest", "benchmarks/test_serving.py::test_served_stream[optimized]", *FULL_SIZE, "--benchmark-autosave", "-rs", *session.posargs)


@nox.session
def compare(session: nox.Session) -> None:
    """Regression gate: run the suite (10 rounds; extra arguments pick the cases, e.g. `-m h100 --model
    flux-dev-random`), then compare each configuration with its last stored run of this GPU and workload under
    .benchmarks/: on a GPU a median 3% slower fails; on a CPU, where time is noise, recompiles and similarity."""
    install(session)
    run = Path(session.create_tmp()) / "compare.json"
    run.unlink(missing_ok=True)  # the suite never overwrites a results file
    session.run("pytest", "benchmarks", "--rounds", "10", "--benchmark-json", str(run), *session.posargs)
    session.run("python", "-m", "lora_fast.bench.report", str(run), "--gate", ".benchmarks")


@nox.session
def report(session: nox.Session) -> None:
    """The README's results tables and a bar chart from stored runs (default: the H200 runs the README shows), and the
    results page (docs/results.html) with its time-against-LoRA-error chart (docs/tradeoff.svg) from every stored run."""
    install(session)
    stored = ".benchmarks/NVIDIA-H200/Linux-CPython-3.12-64bit"
    files = session.posargs or [f"{stored}/0019_rest.json", f"{stored}/0016_headline.json", f"{stored}/0023_levers_kept.json"]
    session.run("python", "-m", "lora_fast.bench.report", *files, "--presets-only", "--png", "results.png", "--readme", "README.md")
    levers = {"levers": "0020_variants", "levers_first_batch": "0022_levers_first_batch", "levers_kept": "0023_levers_kept"}
    for section, run in levers.items():
        session.run("python", "-m", "lora_fast.bench.report", f"{stored}/{run}.json", "--baseline", "optimized", "--readme", "README.md", "--section", section)
    session.run("python", "-m", "lora_fast.bench.report", f"{stored}/0021_remaining_ci_h100.json", "--readme", "README.md", "--section", "recipe")
    session.run("python", "-m", "lora_fast.bench.report", f"{stored}/0034_versus_reference_one_process.json", "--readme", "README.md", "--section", "versus")
    capped = [f"{stored}/{run}.json" for run in ("0025_rtx4090_capped_24gb", "0028_rtx4090_group_offload_capped_24gb", "0030_rtx4090_offload_capped_24gb")]
    session.run("python", "-m", "lora_fast.bench.report", *capped, "--baseline", "rtx4090_baseline", "--readme", "README.md", "--section", "rtx4090")
    for run, baseline, section in (("0032_fused_qkv", "optimized", "fused"), ("0035_unscaled_attention", "optimized", "unscaled"), ("0037_autotune_gemm_bf16", "no_fp8", "autotune")):
        session.run("python", "-m", "lora_fast.bench.report", f"{stored}/{run}.json", "--baseline", baseline, "--readme", "README.md", "--section", section)
    for run, baseline, section in (("0057_multiplied_scales_static_against_optimized_profiled", "optimized", "static_scales_multiplied"),
                                   ("0059_rtx4090_levers_folded_capped_24gb", "rtx4090_optimized", "rtx4090_levers_folded")):
        session.run("python", "-m", "lora_fast.bench.report", f"{stored}/{run}.json", "--baseline", baseline, "--readme", "README.md", "--section", section)
    h100 = ".benchmarks/NVIDIA-H100-80GB-HBM3/Linux-CPython-3.12-64bit"
    for run, baseline, section in (("0049_step_cache_presets_and_swap", "optimized", "step_cache"), ("0050_step_cache_sweep", "optimized", "step_cache_sweep"),
                                   ("0054_rtx4090_streamed_against_baseline_capped_24gb", "rtx4090_baseline", "rtx4090_streamed"),
                                   ("0053_rtx4090_levers_capped_24gb", "rtx4090_optimized", "rtx4090_levers"),
                                   ("0055_rtx4090_streamed_and_t5_fp8_capped_24gb", "rtx4090_streamed", "rtx4090_streamed_t5"),
                                   ("0056_static_scales_fixed_attention_against_optimized_profiled", "optimized", "static_scales"),
                                   ("0062_norm_rope_8_rows_and_static_scales_against_optimized_profiled", "optimized", "norm_rope"),
                                   ("0063_gelu_fp8_and_static_scales_norm_rope_gelu_fp8_against_optimized_profiled", "optimized", "gelu_fp8"),
                                   ("0065_no_fp8_norm_rope_against_no_fp8_profiled", "no_fp8", "norm_rope_bf16"),
                                   ("0067_norm_fp8_against_optimized_profiled", "optimized", "norm_fp8")):
        session.run("python", "-m", "lora_fast.bench.report", f"{h100}/{run}.json", "--baseline", baseline, "--readme", "README.md", "--section", section)
    for run, section in (("0066_optimized_with_both_kernels_against_baseline_profiled", "promoted"),
                         ("0068_optimized_with_three_kernels_against_baseline_profiled", "promoted_norm"),
                         ("0070_compile_t5_against_optimized_and_baseline_profiled", "t5_compile"),
                         ("0071_step_cache_presets_with_three_kernels_rerecording", "cached_kernels"),
                         ("0072_step_cache_presets_on_optimized_kernels_at_head", "cached_head")):
        session.run("python", "-m", "lora_fast.bench.report", f"{h100}/{run}.json", "--readme", "README.md", "--section", section)
    every_run = sorted(str(path) for path in Path(".benchmarks").glob("*/*/*.json"))
    session.run("python", "-m", "lora_fast.bench.page", *every_run, "--out", "docs/results.html", "--svg", "docs/tradeoff.svg")


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the core modules (tools/mutants.py: mutmut on a seeded sample per module, about half an
    hour on two cores); the score per module is stored in .mutants/scores.json."""
    install(session)
    session.install("mutmut==3.8.1")
    session.run("python", "tools/mutants.py", *session.posargs)
