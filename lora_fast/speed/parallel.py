"""Context parallelism: one image split over the ranks of a torchrun job. diffusers' ContextParallelConfig splits
the image and text tokens over the ranks; attention gathers what it needs with an all-to-all over heads
(Ulysses) or by passing key/value chunks around a ring. Every rank holds the whole model and runs the same
program: a LoRA loaded on every rank (as each rank's copy of the script does) is live on every rank.

Launch: `torchrun --nproc-per-node 2 your_script.py`, with `init_distributed()` first in the script."""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from ..config import OptimizationConfig
from ..quiet import quiet_logger
from ..undo import Undo


class ParallelError(RuntimeError):
    """A model whose shape does not fit the config's degrees; the message names the fix."""


def init_distributed() -> torch.device:
    """Join the torchrun job this process was started in (NCCL on GPUs, gloo on CPUs) and return this rank's
    device. Without torchrun's environment this is a one-rank job on cuda:0 or the CPU."""
    if "RANK" not in os.environ:
        return torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
        return device
    dist.init_process_group("gloo")
    return torch.device("cpu")


def enable_context_parallel(transformer: torch.nn.Module, config: OptimizationConfig) -> Undo:
    """Split each image of `transformer` over `config.ulysses_degree` x `config.ring_degree` ranks (the job's, which
    `check_runnable` has checked); returns the undo."""
    if config.context_parallel == 1:
        return lambda: None
    heads = transformer.config.num_attention_heads
    if heads % config.ulysses_degree:
        raise ParallelError(f"Ulysses splits the {heads} attention heads over ranks: ulysses_degree={config.ulysses_degree} must divide {heads}")
    from diffusers import ContextParallelConfig
    from diffusers.hooks.context_parallel import remove_context_parallel

    processors = transformer.attn_processors
    with quiet_logger("diffusers.models.modeling_utils"):  # "an experimental feature": nothing for the user to act on
        transformer.enable_parallelism(config=ContextParallelConfig(ring_degree=config.ring_degree, ulysses_degree=config.ulysses_degree))

    def undo() -> None:
        remove_context_parallel(transformer, transformer._cp_plan)
        for processor in processors.values():
            if hasattr(processor, "_parallel_config"):
                processor._parallel_config = None
        transformer._parallel_config = None

    return undo
