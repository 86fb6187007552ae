"""Synthetic LoRAs: a seeded factory with a chosen strength, in diffusers or kohya keys, and saving a LoRA file."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import save

from ..atomic import write_atomically
from ..speed.quantize import dense_weight, lora_layer
from .files import KOHYA_DOUBLE, KOHYA_SINGLE, LoraError, StateDict
from .targets import ALL_TARGETS, DEFAULT_TARGETS, linear_layers, target_modules


@dataclass(frozen=True)
class LoraSpec:
    """Recipe of a synthetic LoRA. `strength` is |delta W| / |W| (Frobenius) of every targeted layer at scale 1.

    1.0 by default, chosen by effect rather than by weight norm: a trained LoRA visibly changes a real model's
    image, while random weights respond weakly. At 0.3 the full-size random pipeline's latents moved so little
    that two exact attention kernels differed by 12% of the LoRA's effect; at 1.0 by 3.5%, with a half-scale
    LoRA at 62% (H200, measured by the benchmark calibration), which lets a similarity check tell them apart.
    """

    rank: int = 16
    alpha: float | None = None
    targets: tuple[str, ...] = DEFAULT_TARGETS
    blocks: tuple[int, ...] | None = None  # indices of double and single blocks to target; None for all
    strength: float = 1.0
    seed: int = 0
    key_format: str = "diffusers"  # or "kohya"
    every_layer: bool = False  # every linear layer of the transformer (modulation and embedders too) instead of `targets` and `blocks`

    def __post_init__(self) -> None:
        if self.rank < 1:
            raise LoraError(f"rank={self.rank} must be at least 1")
        unknown = sorted(set(self.targets) - set(ALL_TARGETS))
        if unknown or not self.targets:
            raise LoraError(f"unknown LoRA targets {unknown or '(none given)'}; choose from {', '.join(ALL_TARGETS)}")
        if self.every_layer and self.key_format == "kohya":
            raise LoraError("every_layer=True is made in diffusers keys only; use key_format='diffusers'")
        if self.key_format not in ("diffusers", "kohya"):
            raise LoraError(f"key_format={self.key_format!r}: use 'diffusers' or 'kohya'")

    @property
    def scale(self) -> float:
        return (self.alpha if self.alpha is not None else self.rank) / self.rank


def make_lora(transformer: torch.nn.Module, spec: LoraSpec = LoraSpec()) -> StateDict:
    """A seeded random LoRA for `transformer`, with shapes read from the model, in the key format `spec` asks for.

    A ~ N(0, 1/fan_in), B scaled so that |alpha/r * B A| = strength * |W|. Generated on the CPU in float32,
    so a seed gives the same LoRA on any device.
    """
    generator = torch.Generator().manual_seed(spec.seed)
    factors: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    shared_downs: dict[str, torch.Tensor] = {}
    for name in linear_layers(transformer) if spec.every_layer else target_modules(transformer, spec.targets, spec.blocks):
        weight = dense_weight(lora_layer(transformer, name))  # an FP8 layer's (a streamed transformer's) as it computes
        fan_out, fan_in = weight.shape
        if _kohya_group(name) not in shared_downs:  # layers kohya fuses share A, so both key formats hold one LoRA
            shared_downs[_kohya_group(name)] = torch.randn(spec.rank, fan_in, generator=generator) / math.sqrt(fan_in)
        down = shared_downs[_kohya_group(name)]
        up = torch.randn(fan_out, spec.rank, generator=generator)
        target_norm = spec.strength * weight.detach().float().norm().item()
        product_norm = ((up.T @ up) * (down @ down.T)).sum().sqrt().item()  # |B A|_F without forming B A
        up *= target_norm / (spec.scale * product_norm)
        factors[name] = (down, up)
    if spec.key_format == "kohya":
        return _to_kohya(factors, spec)
    return {
        f"transformer.{name}.{kind}.weight": tensor.contiguous()
        for name, (down, up) in factors.items()
        for kind, tensor in (("lora_A", down.clone()), ("lora_B", up * spec.scale))  # alpha folded into B
    }


def _kohya_group(name: str) -> str:
    """`transformer_blocks.3.attn.to_k` -> `double_blocks_3_img_attn_qkv`: the kohya layer holding a module (a
    module outside the blocks is its own)."""
    if not name.startswith("transformer_blocks.") and not name.startswith("single_transformer_blocks."):
        return name
    kind, index, target = name.split(".", 2)
    groups, kohya_kind = (KOHYA_DOUBLE, "double_blocks") if kind == "transformer_blocks" else (KOHYA_SINGLE, "single_blocks")
    group = next(group for group, members in groups.items() if target in members)
    return f"{kohya_kind}_{index}_{group}"


def _to_kohya(factors: dict[str, tuple[torch.Tensor, torch.Tensor]], spec: LoraSpec) -> StateDict:
    """kohya keys: grouped layers share one down matrix and stack their up matrices; alpha is stored per layer."""
    groups: dict[str, list[str]] = {}
    for name in factors:
        groups.setdefault(_kohya_group(name), []).append(name)
    state: StateDict = {}
    for group, names in groups.items():
        members = (KOHYA_DOUBLE | KOHYA_SINGLE)[group.split("_", 3)[3]]
        if len(names) != len(members):
            raise LoraError(f"kohya format stores {', '.join(members)} as one layer; target all of them or none")
        key = f"lora_unet_{group}"
        state[f"{key}.lora_down.weight"] = factors[names[0]][0].contiguous()
        state[f"{key}.lora_up.weight"] = torch.cat([factors[name][1] for name in names]).contiguous()
        state[f"{key}.alpha"] = torch.tensor(float(spec.alpha if spec.alpha is not None else spec.rank))
    return state


def save_lora(state_dict: Mapping[str, torch.Tensor], path: str | Path, *, spec: LoraSpec | None = None, overwrite: bool = False) -> Path:
    """Write a LoRA as .safetensors (with the spec as metadata); refuses to replace an existing file unless `overwrite`."""
    path = Path(path)
    if path.suffix != ".safetensors":
        raise LoraError(f"{path}: LoRAs are saved as .safetensors only; change the suffix")
    if path.exists() and not overwrite:
        raise LoraError(f"{path} already exists; pick another name or pass overwrite=True")
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"lora_fast_spec": json.dumps(asdict(spec))} if spec else None
    return write_atomically(path, save({key: value.contiguous() for key, value in state_dict.items()}, metadata=metadata))
