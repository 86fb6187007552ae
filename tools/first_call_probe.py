"""Where a fresh process's first image parts from its later ones: three images of one config with the same LoRA and
seed (the LoRA held in page-locked memory and given as a stack of one, as the suite's soak gives it), the latents
after every step of each kept (on the GPU unless --sync-each-step), and each step's largest difference from the third image printed as
JSON, with the dynamo graphs and CUDA graphs there were after each step of the first image. Run it in a fresh
process with an empty TORCHINDUCTOR_CACHE_DIR to see a cold compile (issue 27's first-call difference).

    python tools/first_call_probe.py --config no_fp8 --steps 4 --resolution 1024 > probe.json
"""

from __future__ import annotations

import argparse
import json
import os

import torch

from lora_fast.config import PRESETS, VARIANTS
from lora_fast.lora.slot import pinned
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.optimize import compiled_graphs, optimize
from lora_fast.pipelines import DEFAULT_PROMPT, FLUX_DEV_RANDOM, generation_defaults, load_pipeline, model_dtype
from lora_fast.speed.cudagraphs import recorded_graphs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="optimized", choices=sorted({**PRESETS, **VARIANTS}))
    parser.add_argument("--model", default=FLUX_DEV_RANDOM)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--resolution", type=int, default=1024)
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--sync-each-step", action="store_true", help="read each step's latents back at once (a host sync per step)")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    pipe = load_pipeline(args.model, device=device, dtype=model_dtype(device), draw_on=device)
    lora = pinned(make_lora(pipe.transformer, LoraSpec(rank=128 if args.model == FLUX_DEV_RANDOM else 8)))  # as the suite holds its LoRAs
    optimize(pipe, {**PRESETS, **VARIANTS}[args.config], [lora])
    settings = {**generation_defaults(args.model), "num_inference_steps": args.steps, "height": args.resolution, "width": args.resolution}
    images, steps, counts = [], [], []
    for _ in range(args.images):
        latents: list[torch.Tensor] = []

        def keep(pipe, step, timestep, outputs):
            latents.append(outputs["latents"].float().cpu() if args.sync_each_step else outputs["latents"].clone())
            counts.append((compiled_graphs(), recorded_graphs()))
            return outputs

        output = pipe(prompt=DEFAULT_PROMPT, generator=torch.Generator(device).manual_seed(0), output_type="pt",
                      callback_on_step_end=keep, **settings)
        images.append(output.images.float().cpu())
        steps.append([step.float().cpu() for step in latents])
    last = len(images) - 1
    print(json.dumps({
        "config": args.config, "sync_each_step": args.sync_each_step, "steps": args.steps, "resolution": args.resolution, "deterministic": os.environ.get("TORCHINDUCTOR_DETERMINISTIC") == "1",
        "image_vs_last": [(image - images[last]).abs().max().item() for image in images],
        "step_latents_vs_last": [[(step - steps[last][index]).abs().max().item() for index, step in enumerate(latents)] for latents in steps],
        "graphs_and_cuda_graphs_after_each_step": counts[: args.steps * 2],
    }, indent=1))


if __name__ == "__main__":
    main()
