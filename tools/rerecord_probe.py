"""Why a step cache over `optimized`'s kernels records CUDA graphs again at full size (0071): images of one config with
a cache, the dynamo graphs and CUDA graphs there are after each, printed as JSON lines, with Python's garbage collector
off or run after every step (the suite's cases run with it on, at its own times: pytest-benchmark's disable_gc=False). With TORCH_LOGS=+cudagraphs, torch logs each re-record's
reason (`run_h200.sh rerecord_probe` keeps those lines).

    TORCH_LOGS=+cudagraphs python tools/rerecord_probe.py --config optimized --cache taylorseer --gc off > probe.jsonl
"""

from __future__ import annotations

import argparse
import gc
import json

import torch

from lora_fast.cli import step_cache
from lora_fast.config import PRESETS, VARIANTS, cached_variant
from lora_fast.lora.slot import pinned
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.optimize import compiled_graphs, generate, optimize
from lora_fast.pipelines import DEFAULT_PROMPT, FLUX_DEV_RANDOM, generation_defaults, load_pipeline, model_dtype
from lora_fast.speed.cudagraphs import recorded_graphs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="optimized", choices=sorted({**PRESETS, **VARIANTS}))
    parser.add_argument("--cache", type=step_cache, default=step_cache("taylorseer"), help="taylorseer[:INTERVAL] or first_block[:THRESHOLD]")
    parser.add_argument("--model", default=FLUX_DEV_RANDOM)
    parser.add_argument("--steps", type=int, default=28)
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--gc", choices=("off", "collect"), default="off", help="off: never collected; collect: gc.collect() after each step")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    pipe = load_pipeline(args.model, device=device, dtype=model_dtype(device), draw_on=device)
    lora = pinned(make_lora(pipe.transformer, LoraSpec(rank=128 if args.model == FLUX_DEV_RANDOM else 8)))
    config = cached_variant({**PRESETS, **VARIANTS}[args.config], args.cache)
    optimize(pipe, config, [lora])
    settings = {**generation_defaults(args.model), "num_inference_steps": args.steps}

    def step_end(pipe, step, timestep, outputs):
        if args.gc == "collect":
            gc.collect()
        return outputs

    if args.gc == "off":
        gc.disable()
    for index in range(args.images):
        generate(pipe, prompt=DEFAULT_PROMPT, generator=torch.Generator(device).manual_seed(0), output_type="latent", callback_on_step_end=step_end, **settings)
        print(json.dumps({"config": config.name, "gc": args.gc, "image": index, "graphs": compiled_graphs(), "cuda_graphs": recorded_graphs(),
                          "blocks_skipped": pipe.lora_fast.block_runs.skipped_fraction}), flush=True)


if __name__ == "__main__":
    main()
