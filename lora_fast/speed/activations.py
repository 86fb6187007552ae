"""Flux's GELU (tanh approximation) computed as x * sigmoid(2u), the same function as 0.5 x (1 + tanh(u)) with
u = sqrt(2/pi) (x + 0.044715 x^3). Inductor lowers tanh to libdevice's, and the kernels that apply Flux's MLP
activation (with the FP8 row quantization fused in) ran at three to five times their memory bound; sigmoid
lowers to one exponential and one division."""

from __future__ import annotations

import math

import torch
from diffusers.models.activations import GELU as DiffusersGelu

from ..undo import Undo

TWO_SQRT_2_OVER_PI = 2 * math.sqrt(2 / math.pi)


def gelu_tanh(tensor: torch.Tensor) -> torch.Tensor:
    """GELU with the tanh approximation, in float32 and rounded once to `tensor`'s dtype, as torch's own is."""
    value = tensor.float()
    return (value * torch.sigmoid(TWO_SQRT_2_OVER_PI * (value + 0.044715 * value * value * value))).to(tensor.dtype)


class SigmoidGelu(torch.nn.Module):
    """Drop-in for torch.nn.GELU(approximate="tanh") that computes `gelu_tanh`."""

    def forward(self, tensor: torch.Tensor) -> torch.Tensor:
        return gelu_tanh(tensor)


def use_sigmoid_gelu(transformer: torch.nn.Module) -> Undo:
    """Make every tanh-approximated GELU of `transformer` compute `gelu_tanh`: torch's GELU modules are replaced,
    diffusers' (a linear layer and its activation) get their activation method shadowed. Returns the undo."""
    replaced = {name: module for name, module in transformer.named_modules() if isinstance(module, torch.nn.GELU) and module.approximate == "tanh"}
    shadowed = [module for module in transformer.modules() if isinstance(module, DiffusersGelu) and module.approximate == "tanh"]
    for name in replaced:
        transformer.set_submodule(name, SigmoidGelu())
    for module in shadowed:
        module.gelu = gelu_tanh

    def undo() -> None:
        for name, module in replaced.items():
            transformer.set_submodule(name, module)
        for module in shadowed:
            del module.gelu

    return undo
