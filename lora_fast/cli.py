"""Command line: `python -m lora_fast generate ...`, `python -m lora_fast profile ...` and `python -m lora_fast presets`."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from .config import PRESETS, Attention, ConfigError, attention_variant, check_runnable, get_preset, requirements, unmet_requirements
from .loras import LoraError
from .pipelines import DEFAULT_PROMPT, TINY, PipelineError


def _presets(_: argparse.Namespace) -> int:
    for name, config in PRESETS.items():
        needs = requirements(config)
        machine = "CUDA" if needs.cuda else "CPU or GPU"
        if needs.min_capability:
            machine += f" sm_{needs.min_capability[0]}{needs.min_capability[1]}+"
        packages = f", needs {', '.join(' or '.join(group) for group in needs.packages)}" if needs.packages else ""
        here = "runs here" if not unmet_requirements(config) else "not here"
        print(f"{name:24} {machine}{packages} [{here}]\n{'':24} {config.notes}")
    return 0


def _config(args: argparse.Namespace):
    """The preset named by --preset, with --attention swapped in when given."""
    config = get_preset(args.preset)
    if args.attention:
        config = attention_variant(args.attention, config)
    check_runnable(config)
    return config


def _settings(args: argparse.Namespace) -> dict:
    """Generation keyword arguments: the model's defaults, overridden by --height, --width and --steps."""
    from .pipelines import generation_defaults

    settings = generation_defaults(args.model)
    settings.update({key: value for key, value in (("height", args.height), ("width", args.width), ("num_inference_steps", args.steps)) if value})
    return settings


def _generate(args: argparse.Namespace) -> int:
    import torch

    from .optimize import optimize
    from .pipelines import load_pipeline

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise ConfigError(f"{out} already exists; pick another --out or pass --overwrite")
    config = _config(args)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    pipe = load_pipeline(args.model, device=device, seed=args.seed)
    pipe.set_progress_bar_config(disable=False)
    optimize(pipe, config, args.lora)
    generator = torch.Generator(device="cpu").manual_seed(args.seed)
    # One image, so no recompile guard: a compiled preset's first call may compile a few graph variants.
    image = pipe(prompt=args.prompt, generator=generator, **_settings(args)).images[0]
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    print(f"saved {out} ({image.width}x{image.height}, preset {config.name}, model {args.model})")
    return 0


def _profile(args: argparse.Namespace) -> int:
    import torch

    from .loras import LoraSpec, make_lora
    from .measure import profile_call, synced_timer
    from .optimize import generate, optimize, recompile_guard
    from .pipelines import load_pipeline
    from .report import kernel_summary, kernel_table

    if not torch.cuda.is_available():
        raise ConfigError("profile times GPU kernels and needs a CUDA GPU; on the CPU run pytest benchmarks instead")
    config = _config(args)
    pipe = load_pipeline(args.model, device="cuda", seed=args.seed)
    optimize(pipe, config, args.lora or make_lora(pipe.transformer, LoraSpec(rank=args.lora_rank)))
    call = dict(prompt=args.prompt, generator=torch.Generator("cpu").manual_seed(args.seed), **_settings(args))
    seconds = []
    for round_ in range(args.rounds + 1):  # the first call compiles (more than one graph may be needed), the rest must not
        with recompile_guard(config) if round_ else contextlib.nullcontext():
            start = synced_timer()
            generate(pipe, **call)
            seconds.append(synced_timer() - start)
    with recompile_guard(config):
        profile = profile_call(generate, pipe, with_cpu=True, **call)
    print(f"# {config.name} on {torch.cuda.get_device_name(0)}, model {args.model}: {config.to_dict()}")
    print(f"first call {seconds[0]:.1f} s; then s/image {', '.join(f'{value:.3f}' for value in seconds[1:])}; profiled image below\n")
    print(kernel_table(kernel_summary(profile, args.top)))
    print("\n| CPU op (own time, profiler overhead included) | calls | ms | µs per call |\n|---|---|---|---|")
    print("\n".join(f"| {op.name[:100]} | {op.calls} | {op.seconds * 1e3:.1f} | {op.seconds / op.calls * 1e6:.1f} |" for op in profile.cpu_ops[: args.top]))
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m lora_fast`."""
    root = argparse.ArgumentParser(prog="python -m lora_fast", description="Fast LoRA inference with Flux.")
    commands = root.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="make one image")
    generate.add_argument("--lora", help=".safetensors file or hub id")
    generate.add_argument("--prompt", required=True)
    generate.add_argument("--out", required=True, help="PNG file to write; an existing file is kept unless --overwrite")
    generate.add_argument("--overwrite", action="store_true")
    generate.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    generate.set_defaults(run=_generate)
    profile = commands.add_parser("profile", help="time a preset on the GPU and show which kernels the time goes to")
    profile.add_argument("--lora", help=".safetensors file or hub id (default: a synthetic LoRA of --lora-rank)")
    profile.add_argument("--lora-rank", type=int, default=128)
    profile.add_argument("--prompt", default=DEFAULT_PROMPT)
    profile.add_argument("--rounds", type=int, default=3, help="timed images after the first call")
    profile.add_argument("--top", type=int, default=25, help="kernels listed")
    profile.set_defaults(run=_profile)
    for command in (generate, profile):
        command.add_argument("--model", default=TINY, help="'tiny' (embedded), 'flux-dev-random', a hub id or a local folder")
        command.add_argument("--preset", default="baseline", help=f"one of: {', '.join(PRESETS)}")
        command.add_argument("--attention", choices=[member.value for member in Attention], help="replace the preset's attention kernel")
        command.add_argument("--seed", type=int, default=0)
        command.add_argument("--steps", type=int)
        command.add_argument("--height", type=int)
        command.add_argument("--width", type=int)
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
