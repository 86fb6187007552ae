"""LoRAs folded into the weights. On every load each prepared layer's weight becomes W + B A (quantized again
for FP8 layers), written in place into the tensors the layer already has. Inference then runs at the speed of
the model without a LoRA, and since shapes, dtypes and addresses never change, compiled code and CUDA graphs
stay valid across swaps. The price: a copy of the original weights: on the GPU for the prepared layers, in
(page-locked) host memory for every other linear layer a later LoRA may touch, which such a LoRA's swap then copies in;
none for a layer streamed from its checkpoint (`lora_fast.speed.streamed`), whose original a swap reads from the files."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import torch

from ..speed.fuse import fused_rows
from ..speed.quantize import Fp8Linear, StoredWeight, dense_weight, lora_layer

Factors = Mapping[str, tuple[torch.Tensor, torch.Tensor]]  # module name -> (A: rank x in, B: out x rank)


@dataclass(frozen=True)
class Decomposed:
    """A DoRA LoRA's change of one layer at `strength`: s (m (W + B A) / |W + B A| - W), the norm taken per output row
    for a magnitude `m` of shape (out, 1), per input column for (1, in). Strength 1 is the layer as trained, 0 the
    model's own, and changes add up in a stack, as ComfyUI applies DoRA strengths."""

    down: torch.Tensor
    up: torch.Tensor
    magnitude: torch.Tensor
    strength: float = 1.0

    def change(self, weight: torch.Tensor) -> torch.Tensor:
        """The change of `weight` (float32), in float32 on its device."""
        directed = weight.addmm(self.up.to(weight), self.down.to(weight))
        magnitude = self.magnitude.to(weight).reshape(-1, 1) if self.magnitude.ndim == 1 else self.magnitude.to(weight)
        norm = torch.linalg.vector_norm(directed, dim=1 if magnitude.shape[1] == 1 else 0, keepdim=True)  # (out, 1): each row's
        return self.strength * (directed * (magnitude / norm) - weight)

    def scaled(self, scale: float) -> Decomposed:
        return dataclasses.replace(self, strength=self.strength * scale)


DecomposedChanges = Mapping[str, Sequence[Decomposed]]  # module name -> its DoRA changes, added together


@torch.no_grad()
def _write_weight(transformer: torch.nn.Module, name: str, weight: torch.Tensor) -> None:
    """Make module `name` compute with `weight`: its own layer's weight, or its rows of a fused projection."""
    layer, rows = fused_rows(transformer, name) or (lora_layer(transformer, name), slice(None))
    if isinstance(layer, Fp8Linear):
        layer.set_weight(weight, rows)
    else:
        layer.weight[rows].copy_(weight)


class FoldedLora:
    """The LoRA currently folded into a transformer's layers, and the original weights to fold the next one into."""

    def __init__(self, transformer: torch.nn.Module, modules: Iterable[str], spare: Iterable[str] = ()) -> None:
        """Keep a copy of the current weight of every layer in `modules` beside it, and of every layer in `spare` in
        host memory (a streamed layer's: where it was read from): together, the layers any later LoRA may change."""
        self.transformer = transformer
        self.base: dict[str, torch.Tensor | StoredWeight] = {}
        self.devices: dict[str, torch.device] = {}
        for name, beside in [*((name, True) for name in modules), *((name, False) for name in spare)]:
            if name not in self.base:
                layer = lora_layer(transformer, name)
                self.devices[name] = layer.weight.device
                self.base[name] = _kept_original(layer, beside)
        self.active: frozenset[str] = frozenset()

    @torch.no_grad()
    def apply(self, factors: Factors, decomposed: DecomposedChanges | None = None) -> None:
        """Make each layer in `factors` compute with W + B A (plus its DoRA changes in `decomposed`, each from the same
        W), and every layer the previous LoRA changed with W again.

        The sum is formed in float32 from the kept W, so folding never accumulates rounding across swaps."""
        decomposed = decomposed or {}
        outside = sorted((set(factors) | set(decomposed)) - set(self.base))
        if outside:
            raise KeyError(f"{outside[0]} was not prepared for folding")
        for name in sorted(self.active | set(factors) | set(decomposed)):
            kept = self.base[name]
            original = (kept.to(self.devices[name], non_blocking=True) if isinstance(kept, torch.Tensor) else kept.read(self.devices[name])).float()
            weight = original
            if name in factors:
                down, up = factors[name]
                weight = weight.addmm(up.to(weight), down.to(weight))
            for change in decomposed.get(name, ()):
                weight = weight + change.change(original)
            _write_weight(self.transformer, name, weight)
        self.active = frozenset(factors) | frozenset(decomposed)

    def remove(self) -> None:
        """Put every prepared layer's original weight back (all of them: a layer may have been replaced since)."""
        self.active = frozenset(self.base)
        self.apply({})


def _kept_original(layer: torch.nn.Module, beside: bool) -> torch.Tensor | StoredWeight:
    """What folds start `layer` from: where a streamed layer's weight lies in its files, else a copy of its weight
    beside it (on its device) or in host memory."""
    origin = getattr(layer, "origin", None)
    if origin is not None:
        return origin
    return dense_weight(layer).clone() if beside else _host_copy(dense_weight(layer))


def _host_copy(weight: torch.Tensor) -> torch.Tensor:
    """A copy of `weight` in host memory, page-locked where CUDA is (a swap then copies it back at DMA speed)."""
    copy = weight.detach().to("cpu", copy=True)
    return copy.pin_memory() if torch.cuda.is_available() else copy
