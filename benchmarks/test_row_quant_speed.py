"""FP8 activation row quantization alone, at Flux.1-dev's three largest producers (1024x1024: 4096 image + 512 text
tokens), three ways: inductor's fused code (what `optimized` runs), inductor's producer then our one-pass kernel,
and our kernel applying the GELU itself. Time per call, the memory bound and the quantized values' error against
inductor's."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from lora_fast.activations import gelu_tanh
from lora_fast.measure import relative_error, synced_timer
from lora_fast.rowquant import quantize_rows, quantize_rows_one_pass

H200_BANDWIDTH = 4.8e12  # bytes/s, the H200's HBM3e as specified
SINGLE_ATTENTION, MLP, HIDDEN = 3072, 12288, 3072


def single_block_inputs(device: str) -> tuple[torch.Tensor, ...]:
    """Attention output, proj_mlp's matmul output and its bias: proj_out's input is cat(attention, GELU(mlp + bias))."""
    generator = torch.Generator(device).manual_seed(0)
    return tuple(torch.randn(shape, generator=generator, device=device, dtype=torch.bfloat16) for shape in ((4608, SINGLE_ATTENTION), (4608, MLP), (MLP,)))


def joint_ff_inputs(device: str) -> tuple[torch.Tensor, ...]:
    """The image stream's ff.net[0] matmul output and bias: ff.net[2]'s input is GELU(mlp + bias)."""
    generator = torch.Generator(device).manual_seed(1)
    return tuple(torch.randn(shape, generator=generator, device=device, dtype=torch.bfloat16) for shape in ((4096, MLP), (MLP,)))


def modulated_norm_inputs(device: str) -> tuple[torch.Tensor, ...]:
    """Hidden states, shift and scale: to_q/k/v's input is LayerNorm(x) * (1 + scale) + shift."""
    generator = torch.Generator(device).manual_seed(2)
    return tuple(torch.randn(shape, generator=generator, device=device, dtype=torch.bfloat16) for shape in ((4096, HIDDEN), (HIDDEN,), (HIDDEN,)))


def _modulated(x, shift, scale):
    return torch.nn.functional.layer_norm(x, (HIDDEN,), eps=1e-6) * (1 + scale) + shift


CASES: dict[str, tuple[Callable, dict[str, Callable]]] = {
    "single_proj_out": (single_block_inputs, {
        "inductor": lambda a, m, b: quantize_rows(torch.cat([a, gelu_tanh(m + b)], dim=-1)),
        "kernel": lambda a, m, b: quantize_rows_one_pass(torch.cat([a, gelu_tanh(m + b)], dim=-1), SINGLE_ATTENTION + MLP),
        "kernel_gelu": lambda a, m, b: quantize_rows_one_pass(torch.cat([a, m + b], dim=-1), SINGLE_ATTENTION),
    }),
    "joint_ff_out": (joint_ff_inputs, {
        "inductor": lambda m, b: quantize_rows(gelu_tanh(m + b)),
        "kernel": lambda m, b: quantize_rows_one_pass(gelu_tanh(m + b), MLP),
        "kernel_gelu": lambda m, b: quantize_rows_one_pass(m + b, 0),
    }),
    "modulated_norm": (modulated_norm_inputs, {
        "inductor": lambda x, shift, scale: quantize_rows(_modulated(x, shift, scale)),
        "kernel": lambda x, shift, scale: quantize_rows_one_pass(_modulated(x, shift, scale), HIDDEN),
    }),
}


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="the one-pass kernel is Triton on a CUDA GPU; on the CPU both paths are torch's arithmetic")
@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("way", ["inductor", "kernel", "kernel_gelu"])
@pytest.mark.parametrize("case", list(CASES))
def test_row_quantization(benchmark, case, way):
    make_inputs, ways = CASES[case]
    if way not in ways:
        pytest.skip(f"{case}'s producer is no GELU")
    inputs = make_inputs("cuda")
    function = torch.compile(ways[way], fullgraph=True)
    quantized, descale = benchmark.pedantic(function, args=inputs, rounds=10, iterations=50, warmup_rounds=2)
    expected_values, expected_descale = torch.compile(ways["inductor"], fullgraph=True)(*inputs)
    read = sum(tensor.numel() * tensor.element_size() for tensor in inputs)
    moved = read + quantized.numel() + descale.numel() * 4  # one read of every input, one e4m3 write
    seconds = benchmark.stats.stats.median if benchmark.stats else None  # None with --benchmark-disable
    benchmark.extra_info.update(
        shape=list(quantized.shape), us=seconds and seconds * 1e6, memory_bound_us=moved / H200_BANDWIDTH * 1e6,
        rel_error_vs_inductor=relative_error(quantized.float() * descale, expected_values.float() * expected_descale),
    )
