"""Offloading per component: each of the transformer and the text encoders stays resident on the GPU, moves
there whole when used (model offload), moves block by block with transfers overlapped on a CUDA stream (group
offload), or, for the whole pipeline only, submodule by submodule (sequential). A pipeline may start in host
memory (a 24 GB card cannot hold Flux's bf16 pipeline whole): what stays resident moves to the GPU here. The
undo puts every component back where it was.

Model offload chains accelerate's hooks itself: diffusers' `enable_model_cpu_offload` offloads every component of
a Flux pipeline and cannot leave the transformer resident while the text encoders move."""

from __future__ import annotations

import itertools

import torch
from diffusers import FluxPipeline

from ..config import Offload, OptimizationConfig
from ..undo import Undo

TEXT_ENCODERS = ("text_encoder", "text_encoder_2")


def placements(config: OptimizationConfig) -> dict[str, Offload]:
    """Where each component of a Flux pipeline lives under `config`, in the order the pipeline runs them. A
    model-offloaded transformer takes the small VAE into the chain, so the transformer leaves as decoding starts;
    sequential offload takes every component."""
    vae = config.offload if config.offload in (Offload.MODEL, Offload.SEQUENTIAL) else Offload.NONE
    return {"text_encoder": config.text_encoder_offload, "text_encoder_2": config.text_encoder_offload, "transformer": config.offload, "vae": vae}


def loading_device(config: OptimizationConfig, device: str | torch.device) -> torch.device:
    """Where to load a pipeline that will run `config` on `device`: host memory when the config offloads any
    component or puts T5 in FP8 (the card it is meant for may not hold the whole bf16 pipeline, nor T5's bf16
    weights beside the FP8 transformer; `optimize(..., device=device)` moves there what stays resident, T5's FP8
    layers built there one at a time), `device` otherwise."""
    return torch.device("cpu") if config.offloaded or config.text_encoder_fp8 else torch.device(device)


def enable_offload(pipe: FluxPipeline, config: OptimizationConfig, device: str | torch.device | None = None) -> Undo:
    """Place each component on `device` (default: the transformer's) as `config` says: resident components move
    there, offloaded ones get the hooks that bring them there when used. The undo puts every component back on
    the device it came from."""
    plan = placements(config)
    device = torch.device(device) if device is not None else pipe.transformer.device
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    origins = {name: next(getattr(pipe, name).parameters()).device for name in plan}
    undo: list[Undo] = [lambda: _place(pipe, origins)]
    if not config.offloaded:
        moved = _place(pipe, dict.fromkeys(plan, device))
        return undo[0] if moved else lambda: None
    if device.type != "cuda":
        where = "; the pipeline is in host memory: pass optimize(..., device='cuda')" if torch.cuda.is_available() else ""
        raise RuntimeError(f"offloading needs a CUDA GPU to offload to{where}")
    if Offload.SEQUENTIAL in plan.values():
        pipe.enable_sequential_cpu_offload(device=device)
        return lambda: (pipe.remove_all_hooks(), _place(pipe, origins))
    from accelerate import cpu_offload_with_hook
    from accelerate.hooks import remove_hook_from_module

    hooks: dict[str, object] = {}
    for name, placement in plan.items():
        module = getattr(pipe, name)
        if placement is Offload.NONE:
            module.to(device)
        elif placement is Offload.MODEL:
            module.to("cpu")
            previous = list(hooks.values())[-1] if hooks else None  # leaves the GPU as this one arrives
            _, hooks[name] = cpu_offload_with_hook(module, device, prev_module_hook=previous)
            undo.append(lambda module=module: remove_hook_from_module(module, recurse=True))
        else:
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


def _place(pipe: FluxPipeline, devices: dict[str, torch.device]) -> bool:
    """Move each named component wholly to its device; whether any part had to move."""
    moved = False
    for name, device in devices.items():
        module = getattr(pipe, name)
        if any(parameter.device != device for parameter in module.parameters()):
            module.to(device)
            moved = True
    return moved


def _offload_all(hooks: list) -> None:
    for hook in hooks:
        hook.offload()


def _group_offload(module: torch.nn.Module, device: torch.device) -> Undo:
    """Group offloading (one block at a time, the next one's transfer on a CUDA stream); the undo removes its
    hooks and leaves the module on the CPU."""
    from diffusers.hooks import apply_group_offloading
    from diffusers.hooks.group_offloading import _GROUP_OFFLOADING, _LAYER_EXECUTION_TRACKER, _LAZY_PREFETCH_GROUP_OFFLOADING
    from diffusers.hooks.hooks import HookRegistry

    # layer by layer where the blocks sit lower: diffusers' nested block groups (block_modules) clash on CUDA streams
    level = {"offload_type": "leaf_level"} if blocks_below_children(module) else {"offload_type": "block_level", "num_blocks_per_group": 1}
    if device.type == "cuda":
        pin_in_place(module)
    apply_group_offloading(module, onload_device=device, use_stream=device.type == "cuda", **level)

    def undo() -> None:  # a layer the first streamed pass never ran keeps its execution tracker: a second offload would clash with it
        registry = HookRegistry.check_if_exists_or_initialize(module)
        for name in (_LAYER_EXECUTION_TRACKER, _LAZY_PREFETCH_GROUP_OFFLOADING, _GROUP_OFFLOADING):
            registry.remove_hook(name, recurse=True)
        drop_class_forwards(module)

    return undo


def drop_class_forwards(module: torch.nn.Module) -> None:
    """Take off the instance `forward` that diffusers' hook registry leaves on each module it hooked once its hooks
    are removed (the class's own forward, bound), so a later step sees the module as it was; a forward of ours stays."""
    for each in module.modules():
        if getattr(vars(each).get("forward"), "__func__", None) is type(each).forward:
            del each.forward


def pin_in_place(module: torch.nn.Module) -> None:
    """Page-lock each of `module`'s host tensors where it lies, one tensor at a time. Diffusers' group offloading on
    streams pins a copy of each beside the original and keeps both until the first pass (T5: 9 GiB twice); a
    tensor already pinned it keeps as it is (`pin_memory` of a pinned tensor is that tensor)."""
    for tensor in itertools.chain(module.parameters(), module.buffers()):
        if tensor.device.type == "cpu" and not tensor.is_pinned():
            tensor.data = tensor.data.pin_memory()


def blocks_below_children(module: torch.nn.Module) -> bool:
    """Whether `module` keeps its lists of blocks below its own children (transformers' T5 in `encoder.block`, CLIP in
    `encoder.layers`): diffusers' block-level offloading groups a module's own lists and moves everything else whole,
    so it would move such a model to the GPU in one piece (T5: 9.5 GB). A model that names its blocks itself
    (`_group_offload_block_modules`) is grouped by diffusers as it says."""
    lists = (torch.nn.ModuleList, torch.nn.Sequential)
    if getattr(module, "_group_offload_block_modules", None) or any(isinstance(child, lists) for child in module.children()):
        return False
    return any(isinstance(inner, lists) for inner in module.modules())
