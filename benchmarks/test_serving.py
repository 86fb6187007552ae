"""A mixed-LoRA stream through the server (issue 33): the same requests made directly through `generate` on this
process's pipeline, then over HTTP to the Ray Serve application (one replica per GPU, or one CPU replica) at
concurrency 1, 4 and 16. Stored: each way's per-image times, images per second and latency percentiles, and the
serving overhead at concurrency 1 against the direct path. On several GPUs this is the multi-GPU throughput run."""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from safetensors.torch import save_file

from lora_fast.bench.timing import synced_timer
from lora_fast.config import PRESETS, VARIANTS, RequestSizes
from lora_fast.optimize import optimized
from lora_fast.serve.replica import ServeSettings, direct_images, read_set
from lora_fast.serve.requests import catalog, parse_request

pytestmark = pytest.mark.xdist_group("ray")  # one local Ray at a time: its tests share a worker under -n 2 --dist loadgroup

SERVING_CASES = {name: {**PRESETS, **VARIANTS}[name] for name in ("optimized", "no_fa3", "no_fa3_fp8-graphs")}
REQUESTS = 16
CONCURRENCY = (1, 4, 16)
WARM_STEPS = 2  # the warm-up requests' (each set swapped in once on each side; the graphs were recorded by optimize's own warm-up)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@pytest.mark.benchmark(disable_gc=True)
@pytest.mark.parametrize("serving_case", list(SERVING_CASES))
def test_served_stream(benchmark, request, serving_case, base_pipe, device, loras, settings, model, workload, revision, tmp_path):
    """Direct first (this process's pipeline, then restored), then served; the benchmark's rounds are the served
    requests at concurrency 1. Both swap from sets read once and held in host memory: the direct pass once re-read
    the LoRA files at each swap, which the server does not, and came out 12% slower than the server."""
    pytest.importorskip("ray.serve", reason="serving needs Ray Serve: pip install 'lora-fast[serve]'")
    from lora_fast.serve import app

    config, side = SERVING_CASES[serving_case], settings["height"]
    for index, lora in enumerate(loras):
        save_file({key: tensor.contiguous() for key, tensor in lora.items()}, tmp_path / f"lora{index}.safetensors")
    gpus = torch.cuda.device_count() if device == "cuda" else 0
    served = ServeSettings(config=config, loras=catalog(tmp_path), model=model, sizes=RequestSizes(min_side=side, max_side=side, max_batch=1, static=((side, side),)),
                           replicas=max(gpus, 1), gpus_per_replica=1.0 if gpus else 0.0, sets_per_replica=4, max_queued=64, max_steps=settings["num_inference_steps"])
    limits, rng = served.limits(), random.Random(0)
    sets = [[("lora0", 1.0)], [("lora1", 1.0)], [("lora0", 0.8), ("lora2", 1.0)], [("lora3", 0.5)]]
    bodies = [{"prompt": settings["prompt"], "loras": [{"name": name, "strength": strength} for name, strength in sets[rng.randrange(len(sets))]],
               "size": f"{side}x{side}", "steps": settings["num_inference_steps"], "seed": index, "response_format": "png"} for index in range(REQUESTS)]
    requests = [parse_request(body, limits) for body in bodies]

    direct_s: list[float] = []
    with optimized(base_pipe, config, device=device, sizes=served.sizes) as pipe:
        first_of_each_set = list({made.lora_set: made for made in requests}.values())
        held = {made.lora_set: read_set(made.lora_set, served.loras) for made in first_of_each_set}  # as each replica holds them (sets_per_replica)
        for warm in (True, False):  # the first pass compiles
            holding = None
            for made in first_of_each_set if warm else requests:
                start = synced_timer()
                if made.lora_set != holding:
                    pipe.lora_fast.lora.load(list(held[made.lora_set].parts))
                    holding = made.lora_set
                direct_images(pipe, dataclasses.replace(made, steps=WARM_STEPS) if warm else made, served)
                if not warm:
                    direct_s.append(synced_timer() - start)
    if device == "cuda":
        torch.cuda.empty_cache()

    url = app.start(served, port=8766)
    try:
        def post(body: dict) -> float:
            start = time.perf_counter()
            call = urllib.request.Request(url + "/v1/images/generations", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(call, timeout=600) as response:
                    assert response.status == 200 and response.read()
            except urllib.error.HTTPError as refused:  # the server's own words (it names the replica's error), not urllib's
                pytest.fail(f"HTTP {refused.code} at {body['loras']}: {refused.read().decode(errors='replace')}", pytrace=False)
            return time.perf_counter() - start

        one_body_per_set = list({made.lora_set: body for made, body in zip(requests, bodies)}.values())
        for body in one_body_per_set * served.replicas:  # every set read and each replica warmed on it, as the direct pass was
            post({**body, "steps": WARM_STEPS})
        by_concurrency = {}
        for concurrency in CONCURRENCY:
            start = time.perf_counter()
            if concurrency == 1:
                latencies: list[float] = []
                benchmark.pedantic(lambda: latencies.append(post(bodies[len(latencies) % REQUESTS])), rounds=REQUESTS, warmup_rounds=0, iterations=1)
            else:
                with ThreadPoolExecutor(concurrency) as client:
                    latencies = list(client.map(post, bodies))
            wall = time.perf_counter() - start
            by_concurrency[concurrency] = {"images_per_s": len(latencies) / wall, "p50_s": percentile(latencies, 0.5), "p95_s": percentile(latencies, 0.95), "latency_s": latencies}
    finally:
        app.stop()
    served_c1 = statistics.mean(by_concurrency[1]["latency_s"])
    benchmark.extra_info.update(
        config=config.to_dict(), workload=workload.to_dict(), revision=revision, replicas=served.replicas, requests=REQUESTS, sets=list(dict.fromkeys(made.lora_set for made in requests)),
        direct_s=direct_s, direct_images_per_s=len(direct_s) / sum(direct_s), served=by_concurrency,
        overhead_pct_c1=100 * (served_c1 / statistics.mean(direct_s) - 1),
    )
