"""Which linear layers of the Flux transformer a LoRA may target, and their full module names."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from ..speed.quantize import lora_layer

# Linear layers of the Flux transformer a LoRA may target, by their name inside a block.
DOUBLE_BLOCK_TARGETS = (
    "attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0",
    "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out",
    "ff.net.0.proj", "ff.net.2", "ff_context.net.0.proj", "ff_context.net.2",
)
SINGLE_BLOCK_TARGETS = ("attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp", "proj_out")
ALL_TARGETS = tuple(dict.fromkeys(DOUBLE_BLOCK_TARGETS + SINGLE_BLOCK_TARGETS))
# What the benchmarks' rank-128 workload targets: attention q/k/v/out, proj_mlp and proj_out of every block.
DEFAULT_TARGETS = ("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0", "proj_mlp", "proj_out")


def target_modules(transformer: torch.nn.Module, targets: Iterable[str] = DEFAULT_TARGETS, blocks: Iterable[int] | None = None) -> list[str]:
    """Full names of the transformer's linear layers matching `targets` in the chosen `blocks`, in model order."""
    targets, blocks = set(targets), None if blocks is None else set(blocks)
    names = []
    for prefix, allowed in (("transformer_blocks", DOUBLE_BLOCK_TARGETS), ("single_transformer_blocks", SINGLE_BLOCK_TARGETS)):
        for index in range(len(getattr(transformer, prefix))):
            if blocks is None or index in blocks:
                names += [f"{prefix}.{index}.{target}" for target in allowed if target in targets]
    return names


def linear_layers(transformer: torch.nn.Module) -> tuple[str, ...]:
    """Full names of every linear layer of `transformer` a LoRA may change (modulation and embedders too), in model order."""
    return tuple(name for name, _ in transformer.named_modules() if name and lora_layer(transformer, name) is not None)
