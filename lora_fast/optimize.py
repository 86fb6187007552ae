"""`optimize(pipe, config)`: apply each optimization step in the order that works, each one switchable alone,
and `restore(pipe)` to undo them all so the same pipeline can serve the next configuration."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import torch
from diffusers import FluxPipeline

from .attention import set_attention
from .config import Attention, Compile, OptimizationConfig, Quantization, check_runnable
from .loras import LoraSlot, LoraSource
from .offload import enable_offload

Undo = Callable[[], None]


@dataclass
class Optimized:
    """What `optimize` did to a pipeline: its config, its LoRA slot, and how to undo each step."""

    config: OptimizationConfig
    lora: LoraSlot
    undo: list[Undo] = field(default_factory=list)


def state(pipe: FluxPipeline) -> Optimized:
    """The optimization state `optimize` attached to `pipe`."""
    optimized = getattr(pipe, "lora_fast", None)
    if optimized is None:
        raise RuntimeError("this pipeline was not passed through lora_fast.optimize; call optimize(pipe, config) first")
    return optimized


def quantize(transformer: torch.nn.Module, quantization: Quantization) -> Undo:
    """torchao float8 on the transformer's base linear layers (LoRA factors stay bf16 so hot-swap can copy into them).

    The bf16 weights are parked on the CPU and put back by the returned undo."""
    from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, PerRow, PerTensor, quantize_

    granularity = PerRow() if quantization is Quantization.FP8_ROWWISE else PerTensor()
    names = [name for name, module in transformer.named_modules() if _is_base_linear(name, module)]
    originals = {name: transformer.get_submodule(name).weight for name in names}
    parked = {name: weight.detach().to("cpu") for name, weight in originals.items()}
    quantize_(transformer, Float8DynamicActivationFloat8WeightConfig(granularity=granularity), filter_fn=lambda module, name: name in originals)

    def undo() -> None:
        for name, weight in parked.items():
            module = transformer.get_submodule(name)
            module.weight = torch.nn.Parameter(weight.to(module.weight.device), requires_grad=False)
            module.__dict__.pop("extra_repr", None)  # torchao sets a per-instance repr

    return undo


def _is_base_linear(name: str, module: torch.nn.Module) -> bool:
    lora_factor = ".lora_A." in f".{name}." or ".lora_B." in f".{name}."
    return isinstance(module, torch.nn.Linear) and not lora_factor and module.in_features % 16 == 0 and module.out_features % 16 == 0


def compile_transformer(transformer: torch.nn.Module, config: OptimizationConfig) -> Undo:
    """torch.compile the repeated blocks (regional) or the whole transformer; the undo drops the compiled code."""
    modules = [transformer]
    if config.compile is Compile.REGIONAL:
        names = set(transformer._repeated_blocks)
        modules = [module for module in transformer.modules() if module.__class__.__name__ in names]
        transformer.compile_repeated_blocks(fullgraph=config.fullgraph)
    else:
        transformer.compile(fullgraph=config.fullgraph)

    def undo() -> None:
        for module in modules:
            module._compiled_call_impl = None
        torch.compiler.reset()

    return undo


def optimize(
    pipe: FluxPipeline, config: OptimizationConfig, lora: LoraSource | None = None, *, lora_targets: Iterable[str] | None = None
) -> FluxPipeline:
    """Apply `config` to `pipe` in place and return it. Order: hot-swap preparation, first LoRA, quantization,
    attention kernel, offloading, compile. `lora_targets` names every module later LoRAs may touch.

    Raises ConfigError before touching the pipeline when this machine cannot run `config`."""
    check_runnable(config)
    if getattr(pipe, "lora_fast", None) is not None:
        raise RuntimeError("pipeline is already optimized; call restore(pipe) before optimizing it again")
    slot = LoraSlot(pipe, hotswap=config.hotswap, max_rank=config.max_rank, targets=lora_targets)
    optimized = Optimized(config, slot, undo=[slot.unload])
    pipe.lora_fast = optimized
    try:
        slot.prepare()
        if lora is not None:
            slot.load(lora)
        if config.quantization is not Quantization.NONE:
            optimized.undo.append(quantize(pipe.transformer, config.quantization))
        if config.attention is not Attention.SDPA:
            optimized.undo.append(set_attention(pipe.transformer, config.attention))
        optimized.undo.append(enable_offload(pipe, config.offload))
        if config.compiled:
            optimized.undo.append(compile_transformer(pipe.transformer, config))
    except BaseException:
        restore(pipe)
        raise
    return pipe


def restore(pipe: FluxPipeline) -> FluxPipeline:
    """Undo every step of `optimize` (latest first): LoRAs removed, weights, kernels and devices as before."""
    optimized = getattr(pipe, "lora_fast", None)
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
    waits for this image to finish: each image is made with one LoRA, never half of two."""
    with state(pipe).lora.lock:
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
