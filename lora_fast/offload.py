"""CPU offloading through diffusers' hooks, with an undo that puts every component back where it was."""

from __future__ import annotations

from collections.abc import Callable

import torch
from diffusers import FluxPipeline

from .config import Offload


def enable_offload(pipe: FluxPipeline, offload: Offload) -> Callable[[], None]:
    """Keep weights on the CPU and move them to the GPU only while used; returns the undo."""
    if offload is Offload.NONE:
        return lambda: None
    if not torch.cuda.is_available():
        raise RuntimeError(f"offload={offload.value} needs a CUDA GPU to offload to")
    device = pipe.transformer.device
    if offload is Offload.MODEL:
        pipe.enable_model_cpu_offload()
    else:
        pipe.enable_sequential_cpu_offload()

    def undo() -> None:
        pipe.remove_all_hooks()
        pipe.to(device)

    return undo
