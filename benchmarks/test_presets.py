"""One benchmark case per preset: one whole image (text encoding, denoising, VAE decode) per round, timed with
CUDA synchronised at both edges and, independently, with CUDA events. The first call (compilation included) is
timed apart and never mixed in; what the compile caches held for it is stored beside it."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator

import pytest
import torch
from diffusers import DiffusionPipeline

from lora_fast.bench.memory import (
    GpuMemoryError, allocator_retries, clean_slate, gpu_memory_cap, host_memory_gib, peak_host_memory_gib, peak_memory_gib, pinned_host_memory_gib,
    reset_peak_host_memory, reset_peak_memory,
)
from lora_fast.bench.parking import parked
from lora_fast.bench.pictures import case_pictures, save_png
from lora_fast.bench.profiling import profile_call
from lora_fast.bench.provenance import compile_cache_probe
from lora_fast.bench.report import kernel_summary
from lora_fast.bench.similarity import distances, max_abs_difference, similarity
from lora_fast.bench.suite import say
from lora_fast.bench.timing import PhaseClock, RoundClock, slowed_down, synced_timer
from lora_fast.config import CACHE_SWEEP, PRESETS, VARIANTS, Arithmetic, Attention, OptimizationConfig, attention_variant
from lora_fast.optimize import compiled_graphs, optimized, recompile_guard
from lora_fast.pipelines import TINY
from lora_fast.speed.activation_scales import clipped_shares
from lora_fast.speed.compile_cache import first_call_notice
from lora_fast.speed.cudagraphs import recorded_graphs
from lora_fast.speed.streamed import load_for


@pytest.fixture
def run_case(benchmark, request, device, loras, max_rank, render, reference, without_lora, calibration, workload, revision):
    """run_case(config): optimize the session's pipeline for `config`, time its images, record extra_info, restore."""

    def run(config: OptimizationConfig) -> None:
        config = dataclasses.replace(config, max_rank=max_rank)
        cap, planted = request.config.getoption("--gpu-memory-gb"), request.config.getoption("--plant-slowdown")
        clock, phases = RoundClock(), PhaseClock()
        timed = clock.wrap(slowed_down(render, planted) if planted else render)
        try:
            with case_source(request, config, device) as source, gpu_memory_cap(cap, config.name):
                clean_slate()
                host_window, host_at_start, pinned_at_start = reset_peak_host_memory(), host_memory_gib(), pinned_host_memory_gib()
                reset_peak_memory()
                with optimized(source(), config, loras[0], device=device) as pipe:
                    notice = first_call_notice(config, tiny=request.config.getoption("--model") == TINY)
                    if notice:
                        say(request.config, f"\n{notice}")
                    with compile_cache_probe() as cache:
                        start = synced_timer()
                        first_image = render(pipe).image.cpu()
                        first_call_s = synced_timer() - start
                    warmup_images = 1
                    if config.step_cache.adaptive and config.cuda_graphs:  # a graph is recorded at a block's second run: blocks run once, then skipped, by the first image
                        render(pipe)
                        warmup_images = 2
                    graphs, cuda_graphs = compiled_graphs(), recorded_graphs()
                    peak_to_first_call = peak_memory_gib()
                    reset_peak_memory()
                    block_runs = pipe.lora_fast.block_runs
                    if block_runs is not None:
                        block_runs.clear()  # the timed images' own
                    retries = allocator_retries()
                    with recompile_guard(config), phases.watching(pipe):
                        output = benchmark.pedantic(timed, args=(pipe,), rounds=request.config.getoption("--rounds"), warmup_rounds=0, iterations=1).cpu()
                    recompiles, rerecords = compiled_graphs() - graphs, recorded_graphs() - cuda_graphs
                    retries = None if retries is None else allocator_retries() - retries
                    peak, host_peak, pinned = peak_memory_gib(), peak_host_memory_gib(), pinned_host_memory_gib()
                    cache_runs = {} if block_runs is None else {"step_cache_runs": block_runs.to_dict()}
                    if config.static_activation_scales:  # one more image per LoRA, eager over the compiled code: what saturated
                        by_lora = static_scale_saturation(pipe, loras, render)
                        benchmark.extra_info.update(activation_clipped_share_max=by_lora[0], activation_clipped_share_by_lora=by_lora)
                    if request.config.getoption("--profile-kernels") and torch.cuda.is_available():
                        with recompile_guard(config):
                            benchmark.extra_info["kernels"] = kernel_summary(profile_call(render, pipe))
        except GpuMemoryError as error:
            clean_slate()
            pytest.fail(str(error), pytrace=False)
        clean_slate()
        measured = distances(output, reference, without_lora)
        first_vs_last = max_abs_difference(first_image, output.image)
        if config.arithmetic is Arithmetic.QUANTIZED:  # held to FP8's own error; a step cache's error is reported, not held
            held = calibration.with_quantized(request.getfixturevalue("quantized_reference"), reference, without_lora)
            within = held.judge_quantized(measured)
        else:
            held = calibration
            within = calibration.judge(measured) if config.arithmetic is Arithmetic.EXACT else {}
        if request.config.getoption("--image-dir"):
            save_png(output.image, request.config.getoption("--image-dir") / f"{config.name}.png")
        benchmark.extra_info.update(
            config=config.to_dict(), workload=workload.to_dict(), revision=revision, planted_slowdown=planted,
            rounds=clock.to_dict(list(benchmark.stats.stats.data) if benchmark.stats else []), phases=phases.to_dict(),
            first_call_s=first_call_s, first_call_cache=cache, first_call_vs_last_image=first_vs_last, gpu_memory_cap_GiB=cap, peak_mem_GiB=peak, peak_mem_to_first_call_GiB=peak_to_first_call,
            recompiles=recompiles, warmup_images=warmup_images, cuda_alloc_retries=retries,
            peak_host_rss_GiB=host_peak, peak_host_rss_window="this case" if host_window else "the process so far", host_rss_at_start_GiB=host_at_start,
            pinned_host_GiB=pinned, pinned_host_at_start_GiB=pinned_at_start,
            cuda_graphs_recorded=cuda_graphs, cuda_graph_rerecords=rerecords,
            **similarity(output.image, reference.image), **measured, within_limits=within, held_to=config.arithmetic.value, calibration=held.to_dict(),
            pictures=case_pictures(output.image, reference.image, without_lora.image),
            **cache_runs,
        )
        assert rerecords == 0, f"{config.name}: {rerecords} CUDA graphs were recorded again while timing"
        if promises_first_image(config, device):
            assert first_vs_last == 0, f"{config.name}: the first image differs from the last by {first_vs_last:.3g} (same LoRA, same seed)"
        if config.arithmetic is Arithmetic.EXACT:
            assert all(within.values()), f"{config.name} is exact arithmetic but strays from the baseline: {measured}, limits {held.limits}"
        if config.arithmetic is Arithmetic.QUANTIZED:
            assert all(within.values()), f"{config.name} errs more than FP8 arithmetic allows: {measured}, FP8's own {held.quantized}, limits {held.quantized_limits}"

    return run


@contextlib.contextmanager
def case_source(request, config: OptimizationConfig, device: str) -> Iterator[Callable[[], DiffusionPipeline]]:
    """What a case optimizes, as a function its memory windows call: the session's pipeline, or for a `streamed_load`
    config one read from the session's pipeline saved as a folder (`saved_pipeline`), its transformer streamed onto
    `device` in FP8 as a user's checkpoint is read, and freed when the case ends. Meanwhile the session's pipeline is
    parked on disk (read back from that folder after), so the case's host and GPU peaks are its own."""
    base = request.getfixturevalue("base_pipe")
    if not config.streamed_load:
        yield lambda: base
        return
    folder = request.getfixturevalue("saved_pipeline")
    with parked(base, folder):
        yield lambda: load_for(config, str(folder), device)


def static_scale_saturation(pipe, loras: list, render) -> list[float]:
    """The largest share of any FP8 layer's inputs past its static scale, over one image with each LoRA swapped in
    (the scales were calibrated with the first): whether a swap moves activations past the calibration."""
    shares = []
    for lora in loras:
        pipe.lora_fast.lora.load(lora)
        shares.append(max(clipped_shares(pipe.transformer, lambda: render(pipe)).values(), default=0.0))
    return shares


def promises_first_image(config: OptimizationConfig, device: str) -> bool:
    """Whether a case's first image must equal its last, bit for bit: on a CPU always; on a GPU with
    `deterministic_kernels` (inductor's deterministic mode), which picks kernel configurations without timing them
    (otherwise reduction kernels are timed on the GPU as the first image runs, and that image may differ, from a
    cold compile cache or a warm one: issue 27)."""
    return device == "cpu" or config.deterministic_kernels


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("preset", list(PRESETS))
def test_preset(run_case, preset):
    run_case(PRESETS[preset])


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_variant(run_case, variant):
    """A preset with one lever changed (unfused LoRA, no CUDA graphs), timed beside it to measure that lever."""
    run_case(VARIANTS[variant])


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("attention", [Attention.SDPA_FLASH, Attention.SDPA_CUDNN, Attention.SAGE, Attention.FA3_FP8])
def test_attention_pipeline(run_case, attention):
    """The whole pipeline of `no_fp8` with each other attention backend. Not repeated here: FA3 (`test_preset[no_fp8]`),
    SDPA (`test_preset[no_fa3_fp8]`) and SDPA math (the calibration's exact variant, too slow to time)."""
    run_case(attention_variant(attention))


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("cache_case", list(CACHE_SWEEP))
def test_cache_sweep(run_case, cache_case):
    """One step-cache setting (TaylorSeer's interval, the first-block cache's threshold) on its base preset: a point
    of the time against LoRA error curve, with the share of blocks it skipped (`step_cache_runs`)."""
    run_case(CACHE_SWEEP[cache_case])


HOTSWAP_CASES = {name: config for name, config in {**PRESETS, **VARIANTS}.items() if config.hotswap and config.compiled}


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("hotswap_case", list(HOTSWAP_CASES))
def test_hotswap_sequence(benchmark, request, hotswap_case, device, loras, max_rank, render, workload, revision):
    """Serve the LoRAs one after another on the compiled pipeline: swap latency, steady time after each swap,
    recompiles and CUDA-graph re-records (both must stay 0; a recompile raises), peak GPU memory over the whole
    sequence from optimize on (under --gpu-memory-gb when given). The benchmark's rounds are the images after the swaps."""
    config = dataclasses.replace(HOTSWAP_CASES[hotswap_case], max_rank=max_rank)
    cap = request.config.getoption("--gpu-memory-gb")
    with case_source(request, config, device) as source, gpu_memory_cap(cap, config.name):
        clean_slate()
        reset_peak_memory()
        with optimized(source(), config, loras[0], device=device) as pipe:
            render(pipe)  # compile
            graphs, cuda_graphs = compiled_graphs(), recorded_graphs()
            swap_s: list[float] = []
            order = iter(loras[1:] + loras[:1])

            def swap():
                start = synced_timer()
                pipe.lora_fast.lora.load(next(order))
                swap_s.append(synced_timer() - start)
                return (pipe,), {}

            with recompile_guard(config):
                benchmark.pedantic(render, setup=swap, rounds=len(loras), warmup_rounds=0, iterations=1)
            recompiles, rerecords = compiled_graphs() - graphs, recorded_graphs() - cuda_graphs
            benchmark.extra_info.update(
                config=config.to_dict(), workload=workload.to_dict(), revision=revision, swap_s=swap_s,
                image_s_after_each_swap=list(benchmark.stats.stats.data) if benchmark.stats else [],  # None when disabled
                recompiles=recompiles, cuda_graph_rerecords=rerecords, loras=len(loras), gpu_memory_cap_GiB=cap, peak_mem_GiB=peak_memory_gib(),
            )
            assert recompiles == 0 and rerecords == 0, f"{hotswap_case}: {recompiles} recompiles, {rerecords} CUDA-graph re-records over the swaps"
    clean_slate()
