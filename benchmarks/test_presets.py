"""One benchmark case per preset: one whole image (text encoding, denoising, VAE decode) per round, timed with
CUDA synchronised at both edges. The first call (compilation included) is timed apart and never mixed in."""

from __future__ import annotations

import dataclasses
import gc
import time

import pytest
import torch

from lora_fast.config import PRESETS
from lora_fast.measure import library_versions, peak_memory_gib, reset_peak_memory, similarity, synced_timer
from lora_fast.optimize import compiled_graphs, optimized, recompile_guard


def clean_slate() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("preset", list(PRESETS))
def test_preset(benchmark, request, preset, base_pipe, loras, max_rank, render, baseline_image):
    config = dataclasses.replace(PRESETS[preset], max_rank=max_rank)
    clean_slate()
    with optimized(base_pipe, config, loras[0]) as pipe:
        start = synced_timer()
        render(pipe)
        first_call_s = synced_timer() - start
        graphs = compiled_graphs()
        reset_peak_memory()
        with recompile_guard(config):
            image = benchmark.pedantic(render, args=(pipe,), rounds=request.config.getoption("--rounds"), warmup_rounds=0, iterations=1)
        benchmark.extra_info.update(
            config=config.to_dict(),
            first_call_s=first_call_s,
            peak_mem_GiB=peak_memory_gib(),
            recompiles=compiled_graphs() - graphs,
            **similarity(image, baseline_image),
            libraries=library_versions(),
        )
    clean_slate()


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
