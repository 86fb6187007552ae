"""One benchmark case per preset: one whole image (text encoding, denoising, VAE decode) per round, timed with
CUDA synchronised at both edges. The first call (compilation included) is timed apart and never mixed in."""

from __future__ import annotations

import dataclasses
import gc

import pytest
import torch

from lora_fast.config import PRESETS, Attention, OptimizationConfig, attention_variant
from lora_fast.measure import (
    GpuMemoryError, distances, gpu_memory_cap, library_versions, peak_memory_gib, profile_call, reset_peak_memory, similarity, synced_timer,
)
from lora_fast.optimize import compiled_graphs, optimized, recompile_guard
from lora_fast.report import kernel_summary


def clean_slate() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


@pytest.fixture
def run_case(benchmark, request, base_pipe, loras, max_rank, render, reference, without_lora, calibration):
    """run_case(config): optimize the session's pipeline for `config`, time its images, record extra_info, restore."""

    def run(config: OptimizationConfig) -> None:
        config = dataclasses.replace(config, max_rank=max_rank)
        cap = request.config.getoption("--gpu-memory-gb")
        clean_slate()
        try:
            with optimized(base_pipe, config, loras[0]) as pipe, gpu_memory_cap(cap, config.name):
                start = synced_timer()
                render(pipe)
                first_call_s = synced_timer() - start
                graphs = compiled_graphs()
                reset_peak_memory()
                with recompile_guard(config):
                    output = benchmark.pedantic(render, args=(pipe,), rounds=request.config.getoption("--rounds"), warmup_rounds=0, iterations=1).cpu()
                recompiles = compiled_graphs() - graphs
                peak = peak_memory_gib()
                if request.config.getoption("--profile-kernels") and torch.cuda.is_available():
                    with recompile_guard(config):
                        benchmark.extra_info["kernels"] = kernel_summary(profile_call(render, pipe))
        except GpuMemoryError as error:
            clean_slate()
            pytest.fail(str(error), pytrace=False)
        clean_slate()
        measured = distances(output, reference, without_lora)
        within = calibration.judge(measured)
        benchmark.extra_info.update(
            config=config.to_dict(), gpu_memory_cap_GiB=cap, first_call_s=first_call_s, peak_mem_GiB=peak, recompiles=recompiles,
            **similarity(output.image, reference.image), **measured, within_limits=within, calibration=calibration.to_dict(),
            libraries=library_versions(),
        )
        if not config.lossy:
            assert all(within.values()), f"{config.name} is exact arithmetic but strays from the baseline: {measured}, limits {calibration.limits}"

    return run


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("preset", list(PRESETS))
def test_preset(run_case, preset):
    run_case(PRESETS[preset])


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("attention", [Attention.SDPA_FLASH, Attention.SDPA_CUDNN, Attention.SAGE, Attention.FA3_FP8])
def test_attention_pipeline(run_case, attention):
    """The whole pipeline of `no_fp8` with each other attention backend. Not repeated here: FA3 (`test_preset[no_fp8]`),
    SDPA (`test_preset[no_fa3_fp8]`) and SDPA math (the calibration's exact variant, too slow to time)."""
    run_case(attention_variant(attention))


HOTSWAP_PRESETS = [name for name, config in PRESETS.items() if config.hotswap and config.compiled]


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("preset", HOTSWAP_PRESETS)
def test_hotswap_sequence(benchmark, preset, base_pipe, loras, max_rank, render):
    """Serve the LoRAs one after another on the compiled pipeline: swap latency, steady time after each swap,
    and recompiles (must stay 0; any recompile raises). The benchmark's rounds are the images after the swaps."""
    config = dataclasses.replace(PRESETS[preset], max_rank=max_rank)
    clean_slate()
    with optimized(base_pipe, config, loras[0]) as pipe:
        render(pipe)  # compile
        graphs = compiled_graphs()
        swap_s: list[float] = []
        order = iter(loras[1:] + loras[:1])

        def swap():
            start = synced_timer()
            pipe.lora_fast.lora.load(next(order))
            swap_s.append(synced_timer() - start)
            return (pipe,), {}

        with recompile_guard(config):
            benchmark.pedantic(render, setup=swap, rounds=len(loras), warmup_rounds=0, iterations=1)
        benchmark.extra_info.update(
            config=config.to_dict(), swap_s=swap_s, image_s_after_each_swap=list(benchmark.stats.stats.data) if benchmark.stats else [],  # None when disabled
            recompiles=compiled_graphs() - graphs, loras=len(loras),
        )
        assert compiled_graphs() == graphs
    clean_slate()
