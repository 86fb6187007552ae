"""Command line (`lora-fast`, or `python -m lora_fast`): `generate`, `profile`, `warm`, `serve`, `save` and `presets`."""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .atomic import write_atomically
from .bench.memory import GpuMemoryError
from .config import (
    PRESETS, Attention, CacheMethod, ConfigError, OptimizationConfig, RequestSizes, StepCache, attention_variant, cached_variant, check_runnable,
    get_preset, requirements, unmet_requirements,
)
from .errors import printable
from .lora.files import LoraError, check_source
from .outputs import STORED_RESULTS, OutputError, checked_output, checked_output_folder
from .pipelines import DEFAULT_PROMPT, TINY, PipelineError
from .serve.requests import MAX_SEED, ServeError
from .speed.compile_cache import CompileCacheError, first_call_notice, load_compile_cache
from .speed.parallel import ParallelError

if TYPE_CHECKING:
    from diffusers import FluxPipeline


class UsageError(ValueError):
    """A command-line argument that cannot work; the message names it and what to pass instead."""


class GenerationError(RuntimeError):
    """An image that came out wrong (NaN or inf values); nothing is saved."""


class Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (`error: ...`) and exit status 2."""

    def error(self, message: str) -> None:
        print(f"error: {self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


def lora_with_strength(text: str) -> tuple[str, float]:
    """An argparse type: `FILE[:STRENGTH]` (a file or hub id, and how strongly to apply it; 1 by default)."""
    source, _, strength = text.rpartition(":")
    if not source or Path(text).exists():
        return text, 1.0
    try:
        value = float(strength)
    except ValueError:
        return text, 1.0  # no number after the last colon: it is part of the name
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"strength {strength!r} of {source} is not a finite number")
    return source, value


def step_cache(text: str) -> StepCache:
    """An argparse type: `taylorseer[:INTERVAL]`, `first_block[:THRESHOLD]` or `none` (lora_fast.speed.step_cache)."""
    method, _, value = text.partition(":")
    try:
        method = CacheMethod(method)
        if not value:
            return StepCache(method)
        if method is CacheMethod.TAYLORSEER:
            return StepCache(method, interval=int(value))
        if method is CacheMethod.FIRST_BLOCK:
            return StepCache(method, threshold=float(value))
    except ValueError as error:  # ConfigError too: the settings' own message
        raise argparse.ArgumentTypeError(str(error) if isinstance(error, ConfigError) else f"{text!r}: give taylorseer[:INTERVAL], first_block[:THRESHOLD] or none") from None
    raise argparse.ArgumentTypeError(f"{text!r}: the method none takes no value")


def whole_number(low: int, high: int | None = None, multiple: int = 1):
    """An argparse type: an integer in [low, high] and a multiple of `multiple`, or a one-line error saying so."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high) or value % multiple:
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value} must be {bounds}" + (f" and a multiple of {multiple}" if multiple > 1 else ""))
        return value

    return parse


def height_by_width(text: str) -> tuple[int, int]:
    """An argparse type: "HxW", two whole numbers of pixels, or a one-line error saying so."""
    height, _, width = text.lower().partition("x")
    if not (height.isdigit() and width.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1024x768 (height x width, pixels)")
    return int(height), int(width)


def positive_number(text: str) -> float:
    """An argparse type: a number above 0, or a one-line error saying so."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be above 0")
    return value


def read_by(args: argparse.Namespace) -> tuple[Path, ...]:
    """The files and folders a command reads: its LoRA files, a model folder, a compile cache, the stored results beside it."""
    paths = [Path(source) for source, _ in args.lora] + [Path(args.model), STORED_RESULTS] + ([Path(args.compile_cache)] if args.compile_cache else [])
    return tuple(path for path in paths if path.exists())


def image_output(args: argparse.Namespace) -> Path:
    """--out of `generate`, checked before any work (see outputs.checked_output): an image format PIL writes."""
    from PIL import Image

    return checked_output(Path(args.out), "--out", overwrite=args.overwrite, inputs=read_by(args), suffixes=Image.registered_extensions(),
                          kind="an image format; use .png, .jpg or .webp")


def checked_device(name: str | None) -> str:
    """`name`, or the default device, once this machine is known to have it."""
    import torch

    if name is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UsageError(f"--device {name!r} is not a device name; use cpu, cuda or cuda:N") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= count:
            raise UsageError(f"--device {name}: this machine has {count} CUDA GPU{'s' if count != 1 else ''}; use cpu" + (f" or cuda:0 to cuda:{count - 1}" if count else ""))
    elif device.type != "cpu":
        raise UsageError(f"--device {name}: lora-fast runs on cpu or cuda")
    return name


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
    """The preset named by --preset, with --attention and --step-cache swapped in when given, once it runs here and every --lora can
    be read (checked before any pipeline is built)."""
    for source, _ in args.lora:
        check_source(source, allow_pickle=args.allow_pickle)
    config = get_preset(args.preset)
    if args.attention:
        config = attention_variant(args.attention, config)
    if args.step_cache is not None:
        config = cached_variant(config, args.step_cache)
    check_runnable(config)
    return config


def _settings(args: argparse.Namespace) -> dict:
    """Generation keyword arguments: the model's defaults, overridden by --height, --width and --steps."""
    from .pipelines import generation_defaults

    settings = generation_defaults(args.model)
    given = (("height", args.height), ("width", args.width), ("num_inference_steps", args.steps))
    settings.update({key: value for key, value in given if value is not None})
    return settings


def _generate(args: argparse.Namespace) -> int:
    import torch
    from PIL import Image

    from .bench.memory import gpu_memory_cap, peak_memory_gib, reset_peak_memory

    out = image_output(args)
    config = _config(args)
    device = checked_device(args.device)
    if args.gpu_memory_gb and not device.startswith("cuda"):
        raise UsageError("--gpu-memory-gb caps a GPU's memory and this run is on the CPU; drop it, or pass --device cuda on a machine with a GPU")
    pipe = _loaded(args, config, device)
    pipe.set_progress_bar_config(disable=False)
    reset_peak_memory()  # what the card needs: random weights are drawn on the GPU whole (Flux's transformer: 22.2 GiB)
    with gpu_memory_cap(args.gpu_memory_gb, f"preset {config.name}"):
        _optimized(args, pipe, config, device)
        generator = torch.Generator(device="cpu").manual_seed(args.seed)
        # One image, so no recompile guard: a compiled preset's first call may compile a few graph variants.
        pixels = pipe(prompt=args.prompt, generator=generator, output_type="pt", **_settings(args)).images
    if not torch.isfinite(pixels).all():
        raise GenerationError(f"the image came out with NaN or inf values (preset {config.name}, model {args.model}): the weights or the LoRA overflow; nothing was saved")
    image = pipe.image_processor.pt_to_numpy(pixels.float().cpu())
    image = pipe.image_processor.numpy_to_pil(image)[0]
    out.parent.mkdir(parents=True, exist_ok=True)
    encoded = io.BytesIO()
    image.save(encoded, format=Image.registered_extensions()[out.suffix.lower()])
    write_atomically(out, encoded.getvalue())  # whole or not at all, even when interrupted
    peak = peak_memory_gib()
    print(f"saved {out} ({image.width}x{image.height}, preset {config.name}, model {args.model}" + (f"; peak GPU memory {peak:.2f} GiB from optimize on)" if peak else ")"))
    return 0


def _loaded(args: argparse.Namespace, config: OptimizationConfig, device: str) -> FluxPipeline:
    """The pipeline of --model for `config` (`lora_fast.speed.streamed.load_for`): in host memory when it offloads,
    its transformer read onto `device` layer by layer in FP8 with `streamed_load`."""
    from .speed.streamed import load_for

    return load_for(config, args.model, device, args.seed)


def _save(args: argparse.Namespace) -> int:
    """Save --model as a pipeline folder (safetensors shards), as a user's checkpoint is stored: what a streamed load reads."""
    from .pipelines import load_pipeline, model_dtype

    out = checked_output_folder(Path(args.out), "--out", inputs=read_by(args))
    device = checked_device(args.device)
    pipe = load_pipeline(args.model, device="cpu", dtype=model_dtype(device), seed=args.seed, draw_on=device)
    pipe.save_pretrained(out, safe_serialization=True, max_shard_size="5GB")
    print(f"saved {out}: {args.model} in {model_dtype(device)}; use it with --model {out}")
    return 0


def _optimized(args: argparse.Namespace, pipe: FluxPipeline, config: OptimizationConfig, device: str, sizes: RequestSizes | None = None) -> None:
    """`optimize` for a process that serves one configuration, with the --lora files at their strengths (stacked
    when several) or else a synthetic LoRA of --lora-rank (none when neither is given), prepared for `sizes`."""
    from .lora.synthetic import LoraSpec, make_lora
    from .optimize import optimize

    lora = args.lora or (make_lora(pipe.transformer, LoraSpec(rank=args.lora_rank)) if args.lora_rank else None)
    optimize(pipe, config, lora, allow_pickle=args.allow_pickle, keep_originals=False, device=device, sizes=sizes)
    notice = first_call_notice(config, tiny=args.model == TINY)
    if notice:
        print(notice, file=sys.stderr, flush=True)


def _warm(args: argparse.Namespace) -> int:
    """Compile a preset with one image, or every size of --min-side to --max-side, and save the compile cache a
    server can ship (`--compile-cache` loads it)."""
    import torch

    from .speed.compile_cache import save_compile_cache

    out = checked_output(Path(args.out), "--out", overwrite=args.overwrite, inputs=read_by(args))
    config = _config(args)
    if not config.compiled:
        raise UsageError(f"preset {config.name} compiles nothing, so there is no compile cache to save; pick a compiled preset")
    sizes = _sizes(args)
    device = checked_device(args.device)
    pipe = _loaded(args, config, device)
    _optimized(args, pipe, config, device, sizes)  # with sizes, its warm-up compiles every one of them
    if sizes is None:
        pipe(prompt=args.prompt, generator=torch.Generator("cpu").manual_seed(args.seed), **_settings(args))
    size = save_compile_cache(out, overwrite=args.overwrite)
    print(f"saved {out} ({size / 2**20:.1f} MiB): the compile cache of {config.name} on {args.model}; load it with --compile-cache {out}")
    return 0


def _sizes(args: argparse.Namespace) -> RequestSizes | None:
    """The request sizes --min-side, --max-side, --max-batch and --static declare, or None when none is given."""
    if args.max_side is None and args.min_side is None and not args.static:
        return None
    defaults = RequestSizes()
    return RequestSizes(min_side=args.min_side or defaults.min_side, max_side=args.max_side or defaults.max_side, max_batch=args.max_batch,
                        static=tuple(args.static) or defaults.static)


def _serve(args: argparse.Namespace) -> int:
    """Serve --loras over HTTP on Ray Serve until interrupted: one replica per GPU (or --replicas CPU replicas),
    each optimized with --preset and prepared for the declared sizes (default: half to twice the model's size)."""
    import time

    import torch

    from .pipelines import generation_defaults
    from .serve.replica import ServeSettings
    from .serve.requests import lora_table

    config = _config(args)
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    default = generation_defaults(args.model)["height"]
    sizes = _sizes(args) or RequestSizes(min_side=max(16, default // 32 * 16), max_side=2 * default, max_batch=args.max_batch, static=((default, default),))
    settings = ServeSettings(
        config=config, loras=lora_table(Path(args.loras) if args.loras else None, args.hub), model=args.model, sizes=sizes, replicas=args.replicas or max(gpus, 1), gpus_per_replica=1.0 if gpus else 0.0,
        sets_per_replica=args.sets_per_replica, waiting_per_replica=args.waiting_per_replica, max_queued=args.max_queued, deadline_s=args.deadline_s,
        max_steps=args.max_steps, seed=args.seed,
    )
    try:
        from .serve import app
    except ImportError as missing:
        raise UsageError(f"serving needs Ray Serve ({missing.name} is not installed): pip install 'lora-fast[serve]'") from None
    url = app.start(settings, address=args.address, host=args.host, port=args.port)
    print(f"serving {len(settings.loras)} LoRAs with {settings.replicas} replica(s) of {config.name} on {args.model} at {url}/v1/images/generations (Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping the server", file=sys.stderr)
    finally:
        app.stop()
    return 0


def _profile(args: argparse.Namespace) -> int:
    import torch

    from .bench.profiling import profile_call
    from .bench.report import kernel_summary, kernel_table
    from .bench.timing import synced_timer
    from .optimize import generate, recompile_guard

    if not torch.cuda.is_available():
        raise ConfigError("profile times GPU kernels and needs a CUDA GPU; on the CPU run pytest benchmarks instead")
    config = _config(args)
    pipe = _loaded(args, config, "cuda")
    _optimized(args, pipe, config, "cuda")
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


LORA_OPTION = dict(type=lora_with_strength, action="append", default=[], metavar="FILE[:STRENGTH]")


def parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m lora_fast`."""
    root = Parser(prog="python -m lora_fast", description="Fast LoRA inference with Flux.")
    commands = root.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="make one image")
    generate.add_argument("--lora", **LORA_OPTION, help="FILE[:STRENGTH]: a .safetensors file or hub id, at a strength (default 1); repeat to stack LoRAs")
    generate.add_argument("--lora-rank", type=whole_number(1), help="without --lora: a synthetic LoRA of this rank (to try a preset)")
    generate.add_argument("--prompt", required=True)
    generate.add_argument("--out", required=True, help="PNG file to write; an existing file is kept unless --overwrite")
    generate.add_argument("--overwrite", action="store_true")
    generate.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    generate.add_argument("--gpu-memory-gb", type=positive_number, help="cap GPU memory at this many GiB, to try a smaller card's budget on a larger one")
    generate.set_defaults(run=_generate)
    profile = commands.add_parser("profile", help="time a preset on the GPU and show which kernels the time goes to")
    profile.add_argument("--lora", **LORA_OPTION, help="FILE[:STRENGTH], repeatable (default: a synthetic LoRA of --lora-rank)")
    profile.add_argument("--lora-rank", type=whole_number(1), default=128)
    profile.add_argument("--prompt", default=DEFAULT_PROMPT)
    profile.add_argument("--rounds", type=whole_number(1), default=3, help="timed images after the first call")
    profile.add_argument("--top", type=whole_number(1), default=25, help="kernels listed")
    profile.set_defaults(run=_profile)
    warm = commands.add_parser("warm", help="compile a preset once and save its compile cache, for servers to load at start")
    warm.add_argument("--out", required=True, help="compile-cache file to write")
    warm.add_argument("--overwrite", action="store_true")
    warm.add_argument("--lora", **LORA_OPTION, help="FILE[:STRENGTH], repeatable (default: a synthetic LoRA of --lora-rank)")
    warm.add_argument("--lora-rank", type=whole_number(1), default=8)
    warm.add_argument("--prompt", default=DEFAULT_PROMPT)
    warm.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    warm.set_defaults(run=_warm)
    serve = commands.add_parser("serve", help="serve images with LoRAs over HTTP on Ray Serve (pip install 'lora-fast[serve]')")
    serve.add_argument("--loras", help="folder of the .safetensors LoRAs to serve; a request names them by file name without .safetensors")
    serve.add_argument("--hub", action="append", default=[], metavar="NAME=ORG/REPO[/FILE]", help="a hub LoRA to serve under NAME (repeatable)")
    serve.add_argument("--address", help="a Ray cluster to join (auto, or HEAD:6379; default: start Ray in this process)")
    serve.add_argument("--host", default="127.0.0.1", help="address the HTTP API listens on (0.0.0.0 for every interface)")
    serve.add_argument("--port", type=whole_number(1, 65535), default=8000)
    serve.add_argument("--replicas", type=whole_number(1), help="pipelines serving at once (default: one per GPU, or one on a CPU machine)")
    serve.add_argument("--sets-per-replica", type=whole_number(1), default=4, help="LoRA sets a replica keeps read in host memory")
    serve.add_argument("--waiting-per-replica", type=whole_number(1), default=16, help="requests a replica holds at once; it takes those for its loaded set first")
    serve.add_argument("--max-queued", type=whole_number(1), default=32, help="requests queued for the replicas before the server answers 503")
    serve.add_argument("--deadline-s", type=positive_number, default=300.0, help="a request not answered in this time gets 504")
    serve.add_argument("--max-steps", type=whole_number(1), default=60)
    serve.set_defaults(run=_serve, lora=[], allow_pickle=False, compile_cache=None)
    for command in (warm, serve):
        command.add_argument("--min-side", type=whole_number(16, multiple=16), help="with --max-side: prepare every request from this side (pixels)")
        command.add_argument("--max-side", type=whole_number(16, multiple=16), help="... to this one, any aspect ratio")
        command.add_argument("--max-batch", type=whole_number(1), default=RequestSizes.max_batch, help="images per request, at most")
        command.add_argument("--static", type=height_by_width, action="append", default=[], metavar="HxW",
                             help="a size compiled alone, the fastest (repeatable; default 1024x1024)")
    for command in (generate, profile, warm, serve):
        command.add_argument("--model", default=TINY, help="'tiny' (embedded), 'flux-dev-random', a hub id or a local folder")
        command.add_argument("--preset", default="baseline", help=f"one of: {', '.join(PRESETS)}")
        command.add_argument("--attention", choices=[member.value for member in Attention], help="replace the preset's attention kernel")
        command.add_argument("--step-cache", type=step_cache, metavar="METHOD[:VALUE]",
                             help="replace the preset's step cache: taylorseer[:INTERVAL], first_block[:THRESHOLD] or none (approximate: skips blocks on some steps)")
        command.add_argument("--seed", type=whole_number(0, MAX_SEED), default=0, help="of the image (serve: of the built model's random weights)")
    for command in (generate, profile, warm):
        command.add_argument("--steps", type=whole_number(1))
        command.add_argument("--height", type=whole_number(16, multiple=16), help="pixels, a multiple of 16 (Flux works on 16-pixel patches)")
        command.add_argument("--width", type=whole_number(16, multiple=16), help="pixels, a multiple of 16")
        command.add_argument("--allow-pickle", action="store_true", help="read a pickle (.bin, .pt) LoRA: only for files you trust, pickle can run code")
        command.add_argument("--compile-cache", help="a compile-cache file (lora-fast warm) to load first: the first image compiles from a warm cache")
        command.add_argument("--trust-compile-cache", action="store_true", help="load a --compile-cache this user's lora-fast warm did not sign: it runs the code in it, so only for a source you trust")
    save = commands.add_parser("save", help="save a model (the built random ones too) as a pipeline folder with safetensors shards")
    save.add_argument("--model", default=TINY, help="'tiny' (embedded), 'flux-dev-random', a hub id or a local folder")
    save.add_argument("--out", required=True, help="folder to write: new or empty")
    save.add_argument("--device", help="where random weights are drawn, and whose dtype is saved: cpu (float32) or cuda (bfloat16)")
    save.add_argument("--seed", type=whole_number(0), default=0, help="of the built model's random weights")
    save.set_defaults(run=_save, lora=[], compile_cache=None)
    presets = commands.add_parser("presets", help="list presets and what each needs")
    presets.set_defaults(run=_presets)
    return root


def main(argv: list[str] | None = None) -> int:
    """Entry point; known errors print one line and exit 2 instead of a traceback, an interrupt one line and 130."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as stop:  # --help, or an argument refused in one line by Parser.error
        return stop.code
    try:
        if getattr(args, "compile_cache", None):
            load_compile_cache(args.compile_cache, trust=args.trust_compile_cache)
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted: nothing was saved", file=sys.stderr)
        return 130
    except (ConfigError, LoraError, PipelineError, GpuMemoryError, UsageError, GenerationError, CompileCacheError, ParallelError, OutputError, ServeError) as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return 2
