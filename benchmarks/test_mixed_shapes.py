"""Requests as users send them (issue 31): a pipeline prepared for a range of sizes (`RequestSizes`) takes a fixed,
seeded, shuffled sequence of sizes, aspect ratios and batches without compiling, each size's first call within 2x of
its warm time; its static size is timed as a preset is, to be set beside `test_preset` of the same config in the same
process (the price of being general), and the sequence stores how time grows with pixels and batch."""

from __future__ import annotations

import random

import pytest
import torch

from lora_fast.bench.floors import step_work
from lora_fast.bench.memory import clean_slate
from lora_fast.bench.timing import RoundClock, synced_timer
from lora_fast.config import PRESETS, VARIANTS, Quantization, RequestSizes
from lora_fast.optimize import compiled_graphs, generate, optimized, recompile_guard
from lora_fast.speed.cudagraphs import recorded_graphs

SIZES_CASES = {name: {**PRESETS, **VARIANTS}[name] for name in ("optimized", "no_fp8", "no_fa3_fp8-graphs")}


def side(pixels: float) -> int:
    """`pixels` rounded to a multiple of 16 (Flux takes sides in 16-pixel steps)."""
    return max(16, round(pixels / 16) * 16)


def request_sequence(resolution: int, text_tokens: int, seed: int = 0) -> tuple[RequestSizes, list[tuple[int, int, int]]]:
    """The declared sizes (half to twice the workload's side, 1 to 4 images, the workload's square static) and a
    shuffled sequence of at least 30 requests over 8 sizes: each size at batch 1 twice (a first call, then a warm
    one), and the three smallest squares at batches 2, 3 and 4 twice each."""
    square = (resolution, resolution)
    shapes = [square, (side(resolution / 2),) * 2, (side(0.75 * resolution),) * 2, (side(0.75 * resolution), side(1.3125 * resolution)),
              (side(1.3125 * resolution), side(0.75 * resolution)), (resolution, side(1.5 * resolution)), (side(1.5 * resolution),) * 2,
              (2 * resolution, 2 * resolution)]
    requests = [(height, width, 1) for height, width in shapes for _ in range(2)]
    requests += [(height, width, batch) for height, width in shapes[:3] for batch in (2, 3, 4) for _ in range(2)]
    random.Random(seed).shuffle(requests)
    return RequestSizes(min_side=side(resolution / 2), max_side=2 * resolution, max_batch=4, static=(square,), text_tokens=text_tokens), requests


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("sizes_case", list(SIZES_CASES))
def test_mixed_shapes(benchmark, request, sizes_case, base_pipe, device, loras, settings, workload, revision):
    """optimize(..., sizes=...) prepares every size up front; then the sequence runs with 0 new graphs (a recompile
    raises) and 0 CUDA graphs recorded again at --sequence-steps, and the static size is timed for --rounds rounds at the workload's steps. On a GPU
    each size's first call must be within 2x of its warm time. Stored: each request's time, the worst first call over
    its size's warm time, peak memory reserved, per-image time of each batch at the smallest square, and at batch 1
    each size's time beside its step's work and floor (`lora_fast.bench.floors`)."""
    config = SIZES_CASES[sizes_case]
    resolution = settings["height"]
    sizes, requests = request_sequence(resolution, settings["max_sequence_length"])
    call = {key: value for key, value in settings.items() if key not in ("height", "width")}
    sequence_call = {**call, "num_inference_steps": request.config.getoption("--sequence-steps") or call["num_inference_steps"]}
    clean_slate()
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    start = synced_timer()
    with optimized(base_pipe, config, loras[0], device=device, sizes=sizes) as pipe:
        prepare_s = synced_timer() - start
        graphs, cuda_graphs = compiled_graphs(), recorded_graphs()
        timed = []
        with recompile_guard(config):
            for height, width, batch in requests:
                start = synced_timer()
                generate(pipe, height=height, width=width, num_images_per_prompt=batch, output_type="pt", generator=torch.Generator().manual_seed(0), **sequence_call)
                timed.append({"height": height, "width": width, "batch": batch, "s": synced_timer() - start})
            clock = RoundClock()
            benchmark.pedantic(clock.wrap(lambda: generate(pipe, height=resolution, width=resolution, output_type="pt", generator=torch.Generator().manual_seed(0), **call)),
                               rounds=request.config.getoption("--rounds"), warmup_rounds=0, iterations=1)
        recompiles, rerecords = compiled_graphs() - graphs, recorded_graphs() - cuda_graphs
        peak_reserved = torch.cuda.max_memory_reserved() / 2**30 if torch.cuda.is_available() else None
    clean_slate()
    by_shape: dict[tuple[int, int, int], list[float]] = {}
    for entry in timed:
        by_shape.setdefault((entry["height"], entry["width"], entry["batch"]), []).append(entry["s"])
    first_ratios = {f"{h}x{w}x{b}": times[0] / min(times[1:]) for (h, w, b), times in by_shape.items()}
    smallest = side(resolution / 2)
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    patch = 2 * base_pipe.vae_scale_factor  # pixels per image token a side
    benchmark.extra_info.update(
        config=config.to_dict(), workload=workload.to_dict(), revision=revision, sizes=sizes.to_dict(), prepare_s=prepare_s, recompiles=recompiles, cuda_graph_rerecords=rerecords,
        sequence_steps=sequence_call["num_inference_steps"], requests=timed, first_request_ratio=first_ratios, worst_first_request_ratio=max(first_ratios.values()), peak_reserved_gib=peak_reserved,
        per_image_s_by_batch={batch: min(by_shape[(smallest, smallest, batch)]) / batch for batch in (1, 2, 3, 4)},
        cost_by_size=[{"height": h, "width": w, "megapixels": h * w / 1e6, "s": min(times), "steps": sequence_call["num_inference_steps"],
                       "step_work": step_work(base_pipe.transformer, (h // patch) * (w // patch), call["max_sequence_length"], gpu, config.quantization is not Quantization.NONE).to_dict()}
                      for (h, w, b), times in sorted(by_shape.items()) if b == 1],
        rounds=clock.to_dict(list(benchmark.stats.stats.data) if benchmark.stats else []),
    )
    assert recompiles == 0, f"{sizes_case}: {recompiles} graphs compiled after the sizes were prepared"
    assert rerecords == 0, f"{sizes_case}: {rerecords} CUDA graphs recorded after the sizes were prepared"
    if torch.cuda.is_available():  # a tiny CPU image takes milliseconds, which a first call's one-off Python and oneDNN set-up doubles
        assert benchmark.extra_info["worst_first_request_ratio"] <= 2, f"{sizes_case}: a size's first call took {first_ratios}"
