"""LoRAs as a server meets them, on a compiled preset that folds: a soak of swaps between single LoRAs, stacks and
strengths (swap time, image time, GPU memory, recompiles and CUDA-graph re-records over every round; every image
bit-identical to its set's first one, the first call and the LoRA given to `optimize` included), and a stacked pair
timed like a preset, with its LoRA error against the eager reference of the same stack; and what readiness for a
LoRA on any layer costs."""

from __future__ import annotations

import statistics

import pytest
import torch

from lora_fast.bench.memory import clean_slate, peak_host_memory_gib, peak_memory_gib, reset_peak_host_memory, reset_peak_memory
from lora_fast.bench.similarity import lora_error, max_abs_difference
from lora_fast.bench.timing import RoundClock, synced_timer
from lora_fast.config import PRESETS, VARIANTS
from lora_fast.lora.slot import pinned
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.lora.targets import target_modules
from lora_fast.optimize import compiled_graphs, optimize, optimized, recompile_guard, restore
from lora_fast.speed.cudagraphs import recorded_graphs

# Each case optimizes the session's pipeline; a streamed config's own load and swaps are test_presets' (case_source).
SERVING_CASES = {name: config for name, config in {**PRESETS, **VARIANTS}.items()
                 if config.fold_lora and config.compiled and config.context_parallel == 1 and not config.streamed_load}


def lora_sets(loras: list) -> list:
    """What a server is asked for, in turn: the suite's LoRAs alone, two stacks with strengths, one at half strength."""
    return [*([lora] for lora in loras), [(loras[0], 0.8), (loras[2], 1.0)], [loras[3], (loras[4], 0.5)], [(loras[0], 0.5)]]


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("hotswap_case", list(SERVING_CASES))
def test_lora_soak(benchmark, request, hotswap_case, base_pipe, device, loras, render, workload, revision):
    """--soak-rounds swap-and-image rounds over the LoRA sets; the benchmark's rounds are the images."""
    sets = lora_sets(loras)
    config = SERVING_CASES[hotswap_case]  # folded: any rank, any stack
    clean_slate()
    reset_peak_memory()
    with optimized(base_pipe, config, sets[0], device=device) as pipe:
        first_call = render(pipe).image.cpu()  # compiles; the LoRA given to optimize
        second_call = render(pipe).image.cpu()
        graphs, cuda_graphs = compiled_graphs(), recorded_graphs()
        firsts: dict[int, torch.Tensor] = {0: second_call}
        series = {"set": [], "swap_s": [], "max_abs_vs_set_first": [], "allocated_GiB": []}
        order = iter(range(1, 10**9))

        def swap():
            index = next(order) % len(sets)
            start = synced_timer()
            pipe.lora_fast.lora.load(sets[index])
            series["swap_s"].append(synced_timer() - start)
            series["set"].append(index)
            return (pipe,), {}

        def image(pipe):
            output = render(pipe).image.cpu()
            index = series["set"][-1]
            series["max_abs_vs_set_first"].append(max_abs_difference(output, firsts.setdefault(index, output)))
            series["allocated_GiB"].append(torch.cuda.memory_allocated() / 2**30 if torch.cuda.is_available() else 0.0)
            return output

        with recompile_guard(config):
            benchmark.pedantic(image, setup=swap, rounds=request.config.getoption("--soak-rounds"), warmup_rounds=0, iterations=1)
        recompiles, rerecords = compiled_graphs() - graphs, recorded_graphs() - cuda_graphs
        back = [value for index, value in zip(series["set"], series["max_abs_vs_set_first"]) if index == 0]
        reproducible = {  # None: not seen in this run (fewer rounds than sets, as under --benchmark-disable)
            "first_call_vs_second": max_abs_difference(first_call, second_call),
            "loaded_by_optimize_vs_swapped_back": max(back, default=None),
            "any_set_vs_its_first_image": max(series["max_abs_vs_set_first"], default=None),
        }
        swaps = {"single": [s for index, s in zip(series["set"], series["swap_s"]) if index < len(loras)],
                 "stack": [s for index, s in zip(series["set"], series["swap_s"]) if index >= len(loras)]}
        benchmark.extra_info.update(
            config=config.to_dict(), workload=workload.to_dict(), revision=revision, sets=len(sets), recompiles=recompiles, cuda_graph_rerecords=rerecords,
            image_s=list(benchmark.stats.stats.data) if benchmark.stats else [], series=series, reproducible=reproducible,
            swap_median_s={kind: statistics.median(values) if values else None for kind, values in swaps.items()}, peak_mem_GiB=peak_memory_gib(),
            swap_median_by_set_s=[statistics.median(times) if times else None for times in
                                  ([s for index, s in zip(series["set"], series["swap_s"]) if index == wanted] for wanted in range(len(sets)))],
        )
    clean_slate()
    assert recompiles == 0 and rerecords == 0, f"{hotswap_case}: {recompiles} recompiles, {rerecords} CUDA-graph re-records over the soak"
    assert all(value in (0, None) for value in reproducible.values()), f"{hotswap_case}: the same LoRAs and seed gave different images: {reproducible}"


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("hotswap_case", list(SERVING_CASES))
def test_stacked_pair(benchmark, request, hotswap_case, base_pipe, device, loras, render, reference_config, without_lora, workload, revision):
    """Two LoRAs at once, timed as a preset is (folded: as fast as one LoRA), with its LoRA error against the
    eager reference of the same stack."""
    stack = [(loras[0], 0.8), (loras[2], 1.0)]
    config = SERVING_CASES[hotswap_case]  # folded: any rank, any stack
    with optimized(base_pipe, reference_config, stack, device=device):
        reference = render(base_pipe).cpu()
    clean_slate()
    with optimized(base_pipe, config, stack, device=device) as pipe:
        start = synced_timer()
        render(pipe)
        first_call_s = synced_timer() - start
        graphs, clock = compiled_graphs(), RoundClock()
        with recompile_guard(config):
            output = benchmark.pedantic(clock.wrap(render), args=(pipe,), rounds=request.config.getoption("--rounds"), warmup_rounds=0, iterations=1).cpu()
        recompiles = compiled_graphs() - graphs
    clean_slate()
    benchmark.extra_info.update(
        config=config.to_dict(), workload=workload.to_dict(), revision=revision, stack="loras[0] at 0.8 + loras[2] at 1.0", first_call_s=first_call_s, recompiles=recompiles,
        rounds=clock.to_dict(list(benchmark.stats.stats.data) if benchmark.stats else []),
        lora_error_latents_vs_stack_reference=lora_error(output.latents, reference.latents, without_lora.latents),
    )


def _readiness(pipe, start: float) -> dict:
    """What `optimize` took and keeps for the folded LoRA: seconds, GPU memory allocated, and the originals kept in host memory."""
    kept = pipe.lora_fast.lora.folded.base.values()
    return {"optimize_s": synced_timer() - start, "gpu_allocated_GiB": torch.cuda.memory_allocated() / 2**30 if torch.cuda.is_available() else 0.0,
            "originals_on_host_GiB": sum(weight.numel() * weight.element_size() for weight in kept if weight.device.type == "cpu") / 2**30,
            "originals_on_gpu_GiB": sum(weight.numel() * weight.element_size() for weight in kept if weight.device.type != "cpu") / 2**30}


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("hotswap_case", list(SERVING_CASES))
def test_every_layer_ready(benchmark, request, hotswap_case, base_pipe, device, loras, render, workload, revision):
    """Folded with no layers named, every linear layer is ready for a later LoRA (its original kept in page-locked host
    memory): that against naming the first LoRA's layers (optimize time, GPU and host memory), then the images and a
    swap to a LoRA on every linear layer (modulation and embedders too) and back, with 0 recompiles. The benchmark's
    rounds are the images, each after a swap between the two."""
    config = SERVING_CASES[hotswap_case]
    rank = max(value.shape[0] for key, value in loras[0].items() if "lora_A" in key)
    every_layer = pinned(make_lora(base_pipe.transformer, LoraSpec(rank=rank, seed=9, every_layer=True)))
    clean_slate()
    start = synced_timer()
    optimize(base_pipe, config, loras[0], lora_targets=target_modules(base_pipe.transformer), device=device)
    named = _readiness(base_pipe, start)
    restore(base_pipe)
    clean_slate()
    host_window = reset_peak_host_memory()
    start = synced_timer()
    with optimized(base_pipe, config, loras[0], device=device) as pipe:
        ready = _readiness(pipe, start)
        first = render(pipe).image.cpu()  # compiles
        graphs = compiled_graphs()
        series = {"swap_s": [], "to": []}
        order = iter(range(10**9))

        def swap():
            index = next(order) % 2
            start = synced_timer()
            pipe.lora_fast.lora.load([every_layer, loras[0]][index])
            series["swap_s"].append(synced_timer() - start)
            series["to"].append(["every_layer", "first"][index])
            return (pipe,), {}

        with recompile_guard(config):
            output = benchmark.pedantic(lambda pipe: render(pipe).image.cpu(), setup=swap, rounds=request.config.getoption("--rounds"), warmup_rounds=0, iterations=1)
        recompiles = compiled_graphs() - graphs
        host_peak = peak_host_memory_gib()
    clean_slate()
    swaps = {kind: [s for to, s in zip(series["to"], series["swap_s"]) if to == kind] for kind in ("every_layer", "first")}
    benchmark.extra_info.update(
        config=config.to_dict(), workload=workload.to_dict(), revision=revision, recompiles=recompiles, named_first_lora_layers=named, every_layer_ready=ready,
        peak_host_rss_GiB=host_peak, peak_host_rss_window="this case" if host_window else "the process so far", swap_s=series,
        swap_median_s={kind: statistics.median(values) if values else None for kind, values in swaps.items()},
        back_to_first_vs_first_image=max_abs_difference(output, first) if series["to"] and series["to"][-1] == "first" else None,
    )
    assert recompiles == 0, f"{hotswap_case}: {recompiles} recompiles swapping to and from a LoRA on every layer"
    assert benchmark.extra_info["back_to_first_vs_first_image"] in (0, None), f"{hotswap_case}: the first LoRA swapped back gave another image"
