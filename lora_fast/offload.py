"""Offloading per component: each of the transformer and the text encoders stays resident on the GPU, moves
there whole when used (model offload), moves block by block with transfers overlapped on a CUDA stream (group
offload), or, for the whole pipeline only, submodule by submodule (sequential). The undo puts every component
back where it was.

Model offload chains accelerate's hooks itself: diffusers' `enable_model_cpu_offload` offloads every component of
a Flux pipeline and cannot leave the transformer resident while the text encoders move."""

from __future__ import annotations

from collections.abc import Callable

import torch
from diffusers import FluxPipeline

from .config import OptimizationConfig, Offload

TEXT_ENCODERS = ("text_encoder", "text_encoder_2")
Undo = Callable[[], None]


def placements(config: OptimizationConfig) -> dict[str, Offload]:
    """Where each component of a Flux pipeline lives under `config`, in the order the pipeline runs them. A
    model-offloaded transformer takes the small VAE into the chain, so the transformer leaves as decoding starts;
    sequential offload takes every component."""
    vae = config.offload if config.offload in (Offload.MODEL, Offload.SEQUENTIAL) else Offload.NONE
    return {"text_encoder": config.text_encoder_offload, "text_encoder_2": config.text_encoder_offload, "transformer": config.offload, "vae": vae}


def enable_offload(pipe: FluxPipeline, config: OptimizationConfig) -> Undo:
    """Offload each component as `config` says; returns the undo."""
    plan = placements(config)
    if all(placement is Offload.NONE for placement in plan.values()):
        return lambda: None
    if not torch.cuda.is_available():
        raise RuntimeError("offloading needs a CUDA GPU to offload to")
    device = pipe.transformer.device
    if Offload.SEQUENTIAL in plan.values():
        pipe.enable_sequential_cpu_offload(device=device)
        return lambda: (pipe.remove_all_hooks(), pipe.to(device))
    from accelerate import cpu_offload_with_hook
    from accelerate.hooks import remove_hook_from_module

    hooks: dict[str, object] = {}
    undo: list[Undo] = []
    for name, placement in plan.items():
        module = getattr(pipe, name)
        if placement is Offload.MODEL:
            module.to("cpu")
            previous = list(hooks.values())[-1] if hooks else None  # leaves the GPU as this one arrives
            _, hooks[name] = cpu_offload_with_hook(module, device, prev_module_hook=previous)
            undo.append(lambda module=module: (remove_hook_from_module(module, recurse=True), module.to(device)))
        elif placement is Offload.GROUP:
            undo.append(_group_offload(module, device))
    leaving = [hook for name, hook in hooks.items() if name in TEXT_ENCODERS]
    if leaving and "transformer" not in hooks:  # a resident transformer: the text encoders leave as denoising starts
        handle = pipe.transformer.register_forward_pre_hook(lambda module, args: _offload_all(leaving))
        undo.append(handle.remove)
    if hooks:  # diffusers frees its own offloading hooks as each call ends; ours join that step, so nothing stays
        free = pipe.maybe_free_model_hooks
        pipe.maybe_free_model_hooks = lambda: (free(), _offload_all(list(hooks.values())))
        undo.append(lambda: delattr(pipe, "maybe_free_model_hooks"))

    def undo_all() -> None:
        for step in reversed(undo):
            step()

    return undo_all


def _offload_all(hooks: list) -> None:
    for hook in hooks:
        hook.offload()


def _group_offload(module: torch.nn.Module, device: torch.device) -> Undo:
    """Group offloading (one block at a time, the next one's transfer on a CUDA stream); returns the undo."""
    from diffusers.hooks import apply_group_offloading
    from diffusers.hooks.group_offloading import _GROUP_OFFLOADING, _LAZY_PREFETCH_GROUP_OFFLOADING
    from diffusers.hooks.hooks import HookRegistry

    apply_group_offloading(module, onload_device=device, offload_type="block_level", num_blocks_per_group=1, use_stream=True)

    def undo() -> None:
        registry = HookRegistry.check_if_exists_or_initialize(module)
        for name in (_LAZY_PREFETCH_GROUP_OFFLOADING, _GROUP_OFFLOADING):
            registry.remove_hook(name, recurse=True)
        module.to(device)

    return undo
