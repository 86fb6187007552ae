"""Throughput mode on every visible GPU: one `optimized` pipeline per GPU serving a stream of requests that mixes
the session's LoRAs (swaps included), against the same stream on one GPU in the same run. Context parallelism
is the `context_parallel` preset in test_presets.py, run inside a torchrun job (`nox -s multigpu`)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from lora_fast.config import PRESETS, job_ranks
from lora_fast.optimize import optimize, restore
from lora_fast.pipelines import load_pipeline
from lora_fast.serve.throughput import Request, ThroughputServer

GPUS = torch.cuda.device_count()
REQUESTS_PER_GPU = 8


@pytest.mark.multigpu
@pytest.mark.skipif(GPUS < 2, reason=f"the throughput mode spreads requests over GPUs; this machine has {GPUS}")
@pytest.mark.skipif(job_ranks() > 1, reason="one process drives every GPU: run it outside torchrun")
@pytest.mark.benchmark(disable_gc=True)
def test_throughput(benchmark, model, settings, loras, max_rank, workload, revision):
    config = dataclasses.replace(PRESETS["optimized"], max_rank=max_rank)
    pipes = [load_pipeline(model, device=f"cuda:{index}") for index in range(GPUS)]
    named = {f"lora{index}": lora for index, lora in enumerate(loras)}
    stream = [Request(settings["prompt"], f"lora{index % len(loras)}", seed=index) for index in range(REQUESTS_PER_GPU * GPUS)]
    call = {key: value for key, value in settings.items() if key != "prompt"}
    for pipe in pipes:
        optimize(pipe, config, loras[0])  # the first LoRA touches every module the others do: the swaps stay inside the prepared set
    try:
        everywhere, alone = ThroughputServer(pipes, named, **call), ThroughputServer(pipes[:1], named, **call)
        everywhere.serve([Request(settings["prompt"], name) for name in named for _ in pipes])  # compile and record on every GPU
        _, one_gpu = alone.serve(stream)
        runs = []
        benchmark.pedantic(lambda: runs.append(everywhere.serve(stream)[1]), rounds=3, warmup_rounds=0, iterations=1)
    finally:
        for pipe in pipes:
            restore(pipe)
    best = max(runs, key=lambda stats: stats.images_per_s)
    benchmark.extra_info.update(
        config=config.to_dict(), workload=workload.to_dict(), revision=revision, gpus=GPUS, requests=len(stream),
        images_per_s_one_gpu=one_gpu.images_per_s, images_per_s=[stats.images_per_s for stats in runs],
        scaling=best.images_per_s / one_gpu.images_per_s, swaps=[stats.swaps for stats in runs], swaps_one_gpu=one_gpu.swaps,
    )
