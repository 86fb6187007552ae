"""Rowwise FP8 arithmetic written from its definition, for the calibration: the error FP8 makes by itself, which the
quantized configurations are held to. Written apart from `lora_fast.speed.quantize.Fp8Linear` on purpose: a
reference that shared its code would move with any break in it (one scale per tensor instead of per row, say),
and the limit with it."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import torch

from ..speed.quantize import base_linears
from ..undo import swap_forwards


def rounded_rows(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` (2-D) in float32 after rounding each row to e4m3 at its own scale, the row's largest magnitude at e4m3's largest value."""
    values = tensor.float()
    scale = values.abs().amax(dim=-1, keepdim=True).clamp(min=1e-12) / torch.finfo(torch.float8_e4m3fn).max
    return (values / scale).to(torch.float8_e4m3fn).float() * scale


def _fp8_forward(layer: torch.nn.Linear, input: torch.Tensor) -> torch.Tensor:
    output = rounded_rows(input.reshape(-1, layer.in_features)) @ rounded_rows(layer.weight).t()
    if layer.bias is not None:
        output = output + layer.bias.float()
    return output.to(input.dtype).reshape(*input.shape[:-1], layer.out_features)


@contextlib.contextmanager
def emulated_fp8(transformer: torch.nn.Module) -> Iterator[None]:
    """For the length of the block, the layers FP8 applies to (`base_linears`, a LoRA's own factors excepted)
    compute as rowwise FP8 does: every activation row and weight row rounded to e4m3, the product in float32."""
    layers = [transformer.get_submodule(name) for name in base_linears(transformer)]
    undo = swap_forwards((layer, functools.partial(_fp8_forward, layer)) for layer in layers)
    try:
        yield
    finally:
        undo()
