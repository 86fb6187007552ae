"""Fused q/k/v projections: diffusers' `fuse_qkv_projections` makes each attention's three input projections (and
the joint blocks' three text-stream ones) one linear layer of three times the width, so a block makes one matmul
where it made three over the same input. The separate layers stay, unused, for the LoRA checks and the undo;
a folded LoRA writes its layer's rows of the fused weight (`fused_rows`)."""

from __future__ import annotations

import torch

from ..undo import Undo

# separate projection -> (the fused layer it became part of, its place among the three)
FUSED_PARTS = {
    "to_q": ("to_qkv", 0), "to_k": ("to_qkv", 1), "to_v": ("to_qkv", 2),
    "add_q_proj": ("to_added_qkv", 0), "add_k_proj": ("to_added_qkv", 1), "add_v_proj": ("to_added_qkv", 2),
}


def fuse_qkv(transformer: torch.nn.Module) -> Undo:
    """Fuse every attention's q/k/v projections (diffusers' own mechanism); the undo drops the fused layers."""
    transformer.fuse_qkv_projections()
    return transformer.unfuse_qkv_projections


def fused_rows(transformer: torch.nn.Module, name: str) -> tuple[torch.nn.Module, slice] | None:
    """The fused layer that computes module `name`'s output and the rows of its weight that do, or None when
    `name` is not a projection that was fused."""
    parent_name, _, leaf = name.rpartition(".")
    if leaf not in FUSED_PARTS:
        return None
    parent = transformer.get_submodule(parent_name)
    fused_name, part = FUSED_PARTS[leaf]
    layer = getattr(parent, fused_name, None) if getattr(parent, "fused_projections", False) else None
    if layer is None:
        return None
    size = layer.out_features // 3
    return layer, slice(part * size, (part + 1) * size)
