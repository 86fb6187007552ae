"""CUDA graphs for the compiled transformer blocks (torch.compile's mode="reduce-overhead"): each block replays
as one graph instead of hundreds of kernel launches, so the host's speed no longer sets the image's."""

from __future__ import annotations

from collections.abc import Callable

import torch


def mark_step_per_call(transformer: torch.nn.Module) -> Callable[[], None]:
    """Start a new CUDA-graph step at every transformer call (one per denoising step); returns the undo.

    The blocks' graphs share one memory pool. Without a mark, torch cannot tell a new denoising step from the
    next block of the same one, and a replay overwrites outputs still in use ("accessing tensor output of
    CUDAGraphs that has been overwritten by a subsequent run")."""
    handle = transformer.register_forward_pre_hook(lambda module, args: torch.compiler.cudagraph_mark_step_begin())
    return handle.remove


def fixed_block_inputs(transformer: torch.nn.Module) -> Callable[[], None]:
    """Write what every block takes from outside the blocks, the conditioning embedding and the rotary cos and sin,
    into buffers at fixed addresses (one set per shape), so each block's CUDA graph reads them where they are. torch
    copies an input whose address may change into the graph's own memory: three copies per block, 171 a step.
    Returns the undo."""
    buffers: dict[tuple, torch.Tensor] = {}

    def fixed(key: tuple, tensor: torch.Tensor) -> torch.Tensor:
        key = (*key, tuple(tensor.shape), tensor.dtype, tensor.device)
        if key not in buffers:
            buffers[key] = torch.empty(tensor.shape, dtype=tensor.dtype, device=tensor.device)
            torch._dynamo.mark_static_address(buffers[key], guard=False)  # no guard: a new shape's buffer compiles nothing
        return buffers[key].copy_(tensor)

    def keep(module: torch.nn.Module, args: tuple, output: torch.Tensor | tuple[torch.Tensor, ...]) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if isinstance(output, tuple):
            return tuple(fixed((id(module), index), tensor) for index, tensor in enumerate(output))
        return fixed((id(module),), output)

    handles = [getattr(transformer, name).register_forward_hook(keep) for name in ("time_text_embed", "pos_embed") if hasattr(transformer, name)]

    def undo() -> None:
        for handle in handles:
            handle.remove()
        buffers.clear()

    return undo


def recorded_graphs() -> int:
    """How many CUDA graphs torch.compile has recorded on this process's current GPU (a re-record adds one); 0 without CUDA."""
    if not torch.cuda.is_available():
        return 0
    from torch._inductor.cudagraph_trees import get_manager

    manager = get_manager(torch.cuda.current_device(), create_if_none_exists=False)
    if manager is None:
        return 0
    nodes = [node for roots in manager.roots.values() for node in roots]
    count = 0
    while nodes:
        node = nodes.pop()
        count += 1
        nodes += [child for children in node.children.values() for child in children]
    return count
