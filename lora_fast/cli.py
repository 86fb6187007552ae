"""Command line: `python -m lora_fast generate ...` and `python -m lora_fast presets`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import PRESETS, ConfigError, check_runnable, get_preset, requirements, unmet_requirements
from .loras import LoraError
from .pipelines import TINY, PipelineError


def _presets(_: argparse.Namespace) -> int:
    for name, config in PRESETS.items():
        needs = requirements(config)
        machine = "CUDA" if needs.cuda else "CPU or GPU"
        if needs.min_capability:
            machine += f" sm_{needs.min_capability[0]}{needs.min_capability[1]}+"
        packages = f", needs {', '.join(needs.packages)}" if needs.packages else ""
        here = "runs here" if not unmet_requirements(config) else "not here"
        print(f"{name:24} {machine}{packages} [{here}]\n{'':24} {config.notes}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    import torch

    from .optimize import optimize, recompile_guard
    from .pipelines import generation_defaults, load_pipeline

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise ConfigError(f"{out} already exists; pick another --out or pass --overwrite")
    config = get_preset(args.preset)
    check_runnable(config)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    pipe = load_pipeline(args.model, device=device, seed=args.seed)
    pipe.set_progress_bar_config(disable=False)
    optimize(pipe, config, args.lora)
    settings = generation_defaults(args.model)
    settings.update({key: value for key, value in (("height", args.height), ("width", args.width), ("num_inference_steps", args.steps)) if value})
    generator = torch.Generator(device="cpu").manual_seed(args.seed)
    with recompile_guard(config):
        image = pipe(prompt=args.prompt, generator=generator, **settings).images[0]
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    print(f"saved {out} ({image.width}x{image.height}, preset {config.name}, model {args.model})")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m lora_fast`."""
    root = argparse.ArgumentParser(prog="python -m lora_fast", description="Fast LoRA inference with Flux.")
    commands = root.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="make one image")
    generate.add_argument("--model", default=TINY, help="'tiny' (embedded), 'flux-dev-random', a hub id or a local folder")
    generate.add_argument("--lora", help=".safetensors file or hub id")
    generate.add_argument("--prompt", required=True)
    generate.add_argument("--preset", default="baseline", help=f"one of: {', '.join(PRESETS)}")
    generate.add_argument("--out", required=True, help="PNG file to write; an existing file is kept unless --overwrite")
    generate.add_argument("--overwrite", action="store_true")
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--steps", type=int)
    generate.add_argument("--height", type=int)
    generate.add_argument("--width", type=int)
    generate.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    generate.set_defaults(run=_generate)
    presets = commands.add_parser("presets", help="list presets and what each needs")
    presets.set_defaults(run=_presets)
    return root


def main(argv: list[str] | None = None) -> int:
    """Entry point; known errors print one line and exit 2 instead of a traceback."""
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (ConfigError, LoraError, PipelineError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
