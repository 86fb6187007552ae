"""LoRAs folded into the weights. On every load each prepared layer's weight becomes W + B A (quantized again
for FP8 layers), written in place into the tensors the layer already has. Inference then runs at the speed of
the model without a LoRA, and since shapes, dtypes and addresses never change, compiled code and CUDA graphs
stay valid across swaps. The price: a copy of the original weights: on the GPU for the prepared layers, in
(page-locked) host memory for every other linear layer a later LoRA may touch, which such a LoRA's swap then copies in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch

from ..speed.fuse import fused_rows
from ..speed.quantize import Fp8Linear, dense_weight, lora_layer

Factors = Mapping[str, tuple[torch.Tensor, torch.Tensor]]  # module name -> (A: rank x in, B: out x rank)


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
        host memory: together, the layers any later LoRA may change."""
        self.transformer = transformer
        self.base = {name: dense_weight(lora_layer(transformer, name)).clone() for name in modules}
        self.devices = {name: weight.device for name, weight in self.base.items()}
        for name in spare:
            if name not in self.base:
                weight = dense_weight(lora_layer(transformer, name))
                self.devices[name] = weight.device
                self.base[name] = _host_copy(weight)
        self.active: frozenset[str] = frozenset()

    @torch.no_grad()
    def apply(self, factors: Factors) -> None:
        """Make each layer in `factors` compute with W + B A, and every layer the previous LoRA changed with W again.

        The sum is formed in float32 from the kept W, so folding never accumulates rounding across swaps."""
        outside = sorted(set(factors) - set(self.base))
        if outside:
            raise KeyError(f"{outside[0]} was not prepared for folding")
        for name in sorted(self.active | set(factors)):
            weight = self.base[name].to(self.devices[name], non_blocking=True).float()
            if name in factors:
                down, up = factors[name]
                weight = weight.addmm(up.to(weight), down.to(weight))
            _write_weight(self.transformer, name, weight)
        self.active = frozenset(factors)

    def remove(self) -> None:
        """Put every prepared layer's original weight back (all of them: a layer may have been replaced since)."""
        self.active = frozenset(self.base)
        self.apply({})


def _host_copy(weight: torch.Tensor) -> torch.Tensor:
    """A copy of `weight` in host memory, page-locked where CUDA is (a swap then copies it back at DMA speed)."""
    copy = weight.detach().to("cpu", copy=True)
    return copy.pin_memory() if torch.cuda.is_available() else copy
