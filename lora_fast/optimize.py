"""`optimize(pipe, config)`: apply each optimization step in the order that works, each one switchable alone,
and `restore(pipe)` to undo them all so the same pipeline can serve the next configuration."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import torch
from diffusers import FluxPipeline

from .config import Attention, Compile, ConfigError, OptimizationConfig, Quantization, RequestSizes, check_runnable
from .lora.files import LoraSource
from .lora.slot import LoraSlot, LoraStack
from .pipelines import DEFAULT_PROMPT
from .speed.activation_scales import calibrate
from .speed.activations import use_sigmoid_gelu
from .speed.attention import set_attention
from .speed.cudagraphs import fixed_block_inputs, mark_step_per_call
from .speed.fuse import fuse_qkv
from .speed.gelu_fp8 import use_fused_gelu_fp8
from .speed.norm_fp8 import use_fused_norm_fp8
from .speed.offload import enable_offload
from .speed.parallel import enable_context_parallel
from .speed.quantize import quantize
from .speed.shapes import BLOCK_DIMS, block_key, check_requests, compile_for_sizes, decoder_key, static_block_shapes, static_decoder_shapes, warm_up
from .speed.step_cache import BlockRuns, enable_step_cache, reset_step_cache
from .undo import Undo


@dataclass
class Optimized:
    """What `optimize` did to a pipeline: its config, its LoRA slot, and how to undo each step."""

    config: OptimizationConfig
    lora: LoraSlot
    undo: list[Undo] = field(default_factory=list)
    restorable: bool = True  # False after optimize(..., keep_originals=False) freed what only the undo needs
    sizes: RequestSizes | None = None  # the requests it was prepared for, when declared
    block_runs: BlockRuns | None = None  # with a step cache: how many blocks ran in each transformer call

    def add_quantization(self, undo: Undo | None) -> None:
        """Keep a quantization step's undo; None (its originals freed) makes the pipeline not restorable."""
        if undo is None:
            self.restorable = False
        else:
            self.undo.append(undo)


def state(pipe: FluxPipeline) -> Optimized:
    """The optimization state `optimize` attached to `pipe`."""
    optimized = getattr(pipe, "lora_fast", None)
    if optimized is None:
        raise RuntimeError("this pipeline was not passed through lora_fast.optimize; call optimize(pipe, config) first")
    return optimized


def compile_transformer(transformer: torch.nn.Module, config: OptimizationConfig, sizes: RequestSizes | None = None, latent_scale: int = 8) -> Undo:
    """torch.compile the repeated blocks (regional) or the whole transformer, as CUDA graphs when asked; with
    declared `sizes`, each block in a static and a dynamic version (`lora_fast.speed.shapes`).

    The undo drops what this compiled and nothing else: the compiled calls, dynamo's cache for the compiled
    classes' forward code, and, with CUDA graphs, torch's graph trees (process-wide: torch has no finer handle)."""
    # mode="reduce-overhead" is the inductor option triton.cudagraphs; torch.compile takes a mode or options, not both
    inductor = {**shared_inductor_options(config), **dict(config.inductor_options), **({"triton.cudagraphs": True} if config.cuda_graphs else {})}
    options = dict(fullgraph=config.fullgraph, options=inductor or None)
    hookable = config.step_cache.enabled  # each block's forward compiled, so the cache's hooks can wrap it (lora_fast.speed.step_cache)
    regional = config.compile is Compile.REGIONAL
    modules = [module for module in transformer.modules() if module.__class__.__name__ in set(transformer._repeated_blocks)] if regional else [transformer]
    forwards = [vars(module).get("forward") for module in modules]  # a block's own forward (lora_fast.speed.gelu_fp8), put back by the undo
    if regional:
        if sizes is not None:  # diffusers' compile_repeated_blocks compiles one version per block
            compile_for_sizes(modules, options=inductor, fullgraph=config.fullgraph, dims=BLOCK_DIMS, key=block_key,
                              static_shapes=static_block_shapes(sizes, latent_scale), hookable=hookable)
        elif hookable:
            for module in modules:
                module.forward = torch.compile(module.forward, **options)
        else:
            transformer.compile_repeated_blocks(**options)
    else:
        transformer.compile(**options)
    unmark = mark_step_per_call(transformer) if config.cuda_graphs else None
    # not under a step cache: its hooks may keep a step's inputs, which the next step would overwrite in place; not with
    # declared sizes: it keeps a buffer set per shape, and the sizes' dynamic graphs, which take most shapes, have no CUDA graphs
    unfix = fixed_block_inputs(transformer) if config.cuda_graphs and not config.step_cache.enabled and sizes is None else None

    def undo() -> None:
        if unfix is not None:
            unfix()
        if unmark is not None:
            unmark()
            from torch._inductor.cudagraph_trees import reset_cudagraph_trees

            reset_cudagraph_trees()
        _drop_compiled(modules, forwards)

    return undo


def calibration_image(pipe: FluxPipeline, sizes: RequestSizes | None = None, steps: int = 4) -> None:
    """One short image at the first declared static size (or the pipeline's default): what activation scales are calibrated on."""
    height, width = sizes.static[0] if sizes is not None and sizes.static else (None, None)
    pipe(prompt=DEFAULT_PROMPT, height=height, width=width, num_inference_steps=steps, output_type="latent", generator=torch.Generator().manual_seed(0))


def shared_inductor_options(config: OptimizationConfig) -> dict:
    """The inductor options of everything `config` compiles: the blocks (which add `inductor_options`), the VAE decoder and T5."""
    return {"deterministic": True} if config.deterministic_kernels else {}


def compile_decoder(vae: torch.nn.Module, config: OptimizationConfig, sizes: RequestSizes | None = None, latent_scale: int = 8) -> Undo:
    """torch.compile the VAE's decoder (inductor fuses its group norms and activations); for declared `sizes` only at
    their static sizes, the others eager (`lora_fast.speed.shapes`). The undo drops it."""
    options = shared_inductor_options(config)
    if sizes is None:
        vae.decoder.compile(fullgraph=True, options=options or None)
    else:
        compile_for_sizes([vae.decoder], options=options, fullgraph=True, dims=None, key=decoder_key, static_shapes=static_decoder_shapes(sizes, latent_scale))
    return lambda: _drop_compiled([vae.decoder])


def compile_t5(t5: torch.nn.Module, config: OptimizationConfig) -> Undo:
    """torch.compile each of T5's encoder blocks (one graph for the first, which makes the position bias, one for the
    rest). The undo drops them."""
    blocks = list(t5.encoder.block)
    options = shared_inductor_options(config)
    for block in blocks:
        block.compile(fullgraph=True, options=options or None)
    return lambda: _drop_compiled(blocks)


def _drop_compiled(modules: list[torch.nn.Module], forwards: list[Callable | None] | None = None) -> None:
    """Undo `Module.compile` (or a compiled `forward`) on `modules`: their compiled calls, the instance `forwards` they
    had before (None: none, the class's; a step before compile may give a block its own) and dynamo's cache for the
    forward code they run."""
    forwards = forwards or [None] * len(modules)
    for module, forward in zip(modules, forwards):
        module._compiled_call_impl = None
        module.__dict__.pop("forward", None)
        if forward is not None:
            module.forward = forward
    for code in {getattr(forward, "__code__", None) or type(module).forward.__code__ for module, forward in zip(modules, forwards)}:
        torch._dynamo.reset_code(code)


def optimize(
    pipe: FluxPipeline, config: OptimizationConfig, lora: LoraSource | LoraStack | None = None, *, lora_targets: Iterable[str] | None = None,
    allow_pickle: bool = False, keep_originals: bool = True, device: str | torch.device | None = None, sizes: RequestSizes | None = None,
) -> FluxPipeline:
    """Apply `config` to `pipe` in place and return it. Order: hot-swap preparation, first LoRA (folded into the
    bf16 weights when `fold_lora`), fused q/k/v projections, quantization (of T5 too, when asked), attention kernel, GELU
    as a sigmoid (and each GELU with the next FP8 linear's quantization in one kernel, each modulated norm with the next
    linears' in another), context parallelism over the job's ranks, offloading, static activation scales (calibrated on
    one image), compile (with CUDA graphs), the step cache, the VAE decoder's compile, T5's compile.
    `lora` is one LoRA or several at once with strengths (`LoraSlot.load`); `lora_targets` names every module later LoRAs may touch; `allow_pickle` lets `lora` be a pickle file you trust.
    `keep_originals=False` is for a process that serves one configuration (a server, the CLI): what only
    `restore` needs is freed (with FP8, the original linear layers: 22 GiB of host memory for Flux), and
    `restore` then raises. `device` is where the pipeline runs (default: where its transformer is); a pipeline
    loaded in host memory for an offloading config (`offload.loading_device`) reaches it in the offload step,
    its FP8 layers already in quantization. `sizes` declares the requests the pipeline will get (`RequestSizes`): each
    is prepared (compiled, CUDA graphs recorded) by a warm-up at the end, so none compiles later, and a request outside
    them is refused.

    Raises ConfigError before touching the pipeline when this machine cannot run `config`."""
    check_runnable(config)
    if sizes is not None and config.compiled and config.compile is not Compile.REGIONAL:
        raise ConfigError(f"declared sizes need compile=regional (each block in a static and a dynamic version); {config.name!r} compiles {config.compile.value}")
    device = torch.device(device) if device is not None else pipe.transformer.device
    if getattr(pipe, "lora_fast", None) is not None:
        raise RuntimeError("pipeline is already optimized; call restore(pipe) before optimizing it again")
    slot = LoraSlot(pipe, hotswap=config.hotswap, max_rank=config.max_rank, targets=lora_targets, fold=config.fold_lora)
    optimized = Optimized(config, slot, undo=[slot.unload], sizes=sizes)
    pipe.lora_fast = optimized
    try:
        slot.prepare()
        if lora is not None:
            slot.load(lora, allow_pickle=allow_pickle)
        if config.fuse_qkv:
            optimized.undo.append(fuse_qkv(pipe.transformer))
        if config.quantization is not Quantization.NONE:
            optimized.add_quantization(quantize(pipe.transformer, config.quantization, config.text_stream_fp8, keep_originals, device))
        if config.text_encoder_fp8:
            optimized.add_quantization(quantize(pipe.text_encoder_2, Quantization.FP8_ROWWISE, keep_originals=keep_originals, device=device))
        if config.fuse_qkv or config.quantization is not Quantization.NONE:
            slot.refold()  # a LoRA folded above goes into the final weights the way every later swap writes it
        if config.attention is not Attention.SDPA:
            optimized.undo.append(set_attention(pipe.transformer, config.attention, config.fused_norm_rope))
        if config.sigmoid_gelu:
            optimized.undo.append(use_sigmoid_gelu(pipe.transformer))
        if config.fused_gelu_fp8:
            optimized.undo.append(use_fused_gelu_fp8(pipe.transformer))
        if config.fused_norm_fp8:
            optimized.undo.append(use_fused_norm_fp8(pipe.transformer))
        optimized.undo.append(enable_context_parallel(pipe.transformer, config))
        optimized.undo.append(enable_offload(pipe, config, device))
        if config.static_activation_scales:
            optimized.undo.append(calibrate(pipe.transformer, lambda: calibration_image(pipe, sizes)))
        if config.compiled:
            optimized.undo.append(compile_transformer(pipe.transformer, config, sizes, pipe.vae_scale_factor))
        if config.step_cache.enabled:
            undo, optimized.block_runs = enable_step_cache(pipe.transformer, config.step_cache)
            optimized.undo.append(undo)
        if config.compile_vae:
            optimized.undo.append(compile_decoder(pipe.vae, config, sizes, pipe.vae_scale_factor))
        if config.compile_t5:
            optimized.undo.append(compile_t5(pipe.text_encoder_2, config))
        if sizes is not None:
            optimized.undo.append(check_requests(pipe.transformer, sizes, pipe.vae_scale_factor))
            warm_up(pipe, sizes)
    except BaseException:
        if optimized.restorable:  # otherwise the pipeline is half optimized and must be loaded again
            restore(pipe)
        raise
    return pipe


def restore(pipe: FluxPipeline) -> FluxPipeline:
    """Undo every step of `optimize` (latest first): LoRAs removed, weights, kernels and devices as before."""
    optimized = getattr(pipe, "lora_fast", None)
    if optimized is not None and not optimized.restorable:
        raise RuntimeError("this pipeline was optimized with keep_originals=False, which freed its original weights; load it again instead of restoring it")
    if optimized is not None:
        for undo in reversed(optimized.undo):
            undo()
        pipe.lora_fast = None
    return pipe


@contextlib.contextmanager
def optimized(pipe: FluxPipeline, config: OptimizationConfig, lora: LoraSource | None = None, **kwargs) -> Iterator[FluxPipeline]:
    """`optimize` for the length of a with-block, then `restore`."""
    try:
        yield optimize(pipe, config, lora, **kwargs)
    finally:
        restore(pipe)


def generate(pipe: FluxPipeline, **call_kwargs):
    """Run an optimized pipeline with its LoRA slot locked, so a swap asked for meanwhile (from another thread)
    waits for this image to finish: each image is made with one LoRA, never half of two, and a step cache starts
    empty. A pipeline prepared for declared sizes refuses a request outside them first (RequestSizeError)."""
    optimized = state(pipe)
    if optimized.sizes is not None:
        defaults = pipe.default_sample_size * pipe.vae_scale_factor
        optimized.sizes.check(call_kwargs.get("height") or defaults, call_kwargs.get("width") or defaults, call_kwargs.get("num_images_per_prompt") or 1)
    with optimized.lora.lock:
        reset_step_cache(pipe.transformer)  # nothing from an image stopped halfway
        return pipe(**call_kwargs)


@contextlib.contextmanager
def recompile_guard(config: OptimizationConfig) -> Iterator[None]:
    """Make any recompilation an error while generating with a config that promises none (scoped, not global)."""
    if config.compiled and config.recompile_is_error:
        with torch._dynamo.config.patch(error_on_recompile=True):
            yield
    else:
        yield


def compiled_graphs() -> int:
    """How many graphs dynamo has compiled in this process so far (a recompile adds one)."""
    return torch._dynamo.utils.counters["stats"]["unique_graphs"]
