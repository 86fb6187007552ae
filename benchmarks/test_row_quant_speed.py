"""FP8 activation row quantization alone, at Flux.1-dev's three largest producers (1024x1024: 4096 image + 512 text
tokens), four ways: inductor's fused code (what `optimized` runs), inductor's producer then a one-pass Triton
kernel, that kernel applying the GELU itself, and torchao's rowwise arithmetic compiled by inductor (what the
reference's recipe runs: in `0034` its single blocks' quantization was one kernel of 175 us a call where ours
was two, 230 us). Time per call, the memory bound and the quantized values' error
against inductor's. "us" is the wall time of back-to-back calls, which is the host's cost of a compiled call
where the GPU's work is smaller; "gpu_us" is the GPU's kernel time per call alone (profiled).

The question it answers (issue 12): inductor's fused row quantizations read each row twice and ran at two to five
times their memory bound in the `0023` profile; would a kernel that holds the row in registers pay for itself?
On the H200 (`0024`) it did not, so the kernel lives here, not in the library."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from lora_fast.bench.profiling import H200_BYTES_PER_S, profile_call
from lora_fast.bench.similarity import relative_error
from lora_fast.bench.timing import synced_timer
from lora_fast.speed.activations import TWO_SQRT_2_OVER_PI, gelu_tanh
from lora_fast.speed.quantize import E4M3_MAX, quantize_rows

try:
    import triton
    import triton.language as tl
except ImportError:  # torch's CPU build ships without Triton; every case here skips on the CPU
    triton = None

SINGLE_ATTENTION, MLP, HIDDEN = 3072, 12288, 3072


if triton is not None:
    _E4M3_MAX = tl.constexpr(E4M3_MAX)  # a Triton kernel reads module constants only as constexpr
    _TWO_SQRT_2_OVER_PI = tl.constexpr(TWO_SQRT_2_OVER_PI)

    @triton.jit
    def _quantize_rows_kernel(rows_ptr, out_ptr, descale_ptr, columns, row_stride, gelu_from, BLOCK: tl.constexpr):
        row = tl.program_id(0).to(tl.int64)
        offsets = tl.arange(0, BLOCK)
        inside = offsets < columns
        raw = tl.load(rows_ptr + row * row_stride + offsets, mask=inside, other=0.0)
        value = raw.to(tl.float32)
        gelu = value / (1 + tl.exp(-_TWO_SQRT_2_OVER_PI * (value + 0.044715 * value * value * value)))  # x sigmoid(2u)
        value = tl.where(offsets >= gelu_from, gelu.to(raw.dtype).to(tl.float32), value)  # rounded as torch's GELU output is
        descale = tl.maximum(tl.max(tl.abs(value), axis=0), 1e-12) / _E4M3_MAX
        quantized = tl.clamp(value / descale, -_E4M3_MAX, _E4M3_MAX)
        tl.store(out_ptr + row * columns + offsets, quantized.to(tl.float8e4nv), mask=inside)
        tl.store(descale_ptr + row, descale)

    @torch.library.triton_op("lora_fast_bench::quantize_rows_one_pass", mutates_args=())
    def quantize_rows_one_pass(rows: torch.Tensor, gelu_from: int) -> tuple[torch.Tensor, torch.Tensor]:
        """`quantize_rows` of `rows` with Flux's GELU applied to columns `gelu_from` onwards, one pass per row."""
        rows = rows.contiguous()
        count, columns = rows.shape
        quantized = torch.empty((count, columns), dtype=torch.float8_e4m3fn, device=rows.device)
        descale = torch.empty((count, 1), dtype=torch.float32, device=rows.device)
        block = triton.next_power_of_2(columns)
        torch.library.wrap_triton(_quantize_rows_kernel)[(count,)](
            rows, quantized, descale, columns, rows.stride(0), gelu_from, BLOCK=block, num_warps=min(32, max(4, block // 512))
        )
        return quantized, descale


def torchao_rows(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """torchao's dynamic rowwise float8 of a 2-D tensor (amax and scale in the input's dtype, no lower bound)."""
    from torchao.quantization.quant_primitives import _choose_scale_float8, _quantize_affine_float8

    descale = _choose_scale_float8(rows, block_size=[1, rows.shape[-1]])
    return _quantize_affine_float8(rows, descale), descale


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
        "torchao": lambda a, m, b: torchao_rows(torch.cat([a, gelu_tanh(m + b)], dim=-1)),
    }),
    "joint_ff_out": (joint_ff_inputs, {
        "inductor": lambda m, b: quantize_rows(gelu_tanh(m + b)),
        "kernel": lambda m, b: quantize_rows_one_pass(gelu_tanh(m + b), MLP),
        "kernel_gelu": lambda m, b: quantize_rows_one_pass(m + b, 0),
        "torchao": lambda m, b: torchao_rows(gelu_tanh(m + b)),
    }),
    "modulated_norm": (modulated_norm_inputs, {
        "inductor": lambda x, shift, scale: quantize_rows(_modulated(x, shift, scale)),
        "kernel": lambda x, shift, scale: quantize_rows_one_pass(_modulated(x, shift, scale), HIDDEN),
        "torchao": lambda x, shift, scale: torchao_rows(_modulated(x, shift, scale)),
    }),
}


@pytest.mark.gpu
@pytest.mark.skipif(triton is None or not torch.cuda.is_available(), reason="the one-pass kernel is Triton on a CUDA GPU")
@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("way", ["inductor", "kernel", "kernel_gelu", "torchao"])
@pytest.mark.parametrize("case", list(CASES))
def test_row_quantization(benchmark, case, way):
    make_inputs, ways = CASES[case]
    if way not in ways:
        pytest.skip(f"{case}'s producer is no GELU")
    if way == "torchao":
        pytest.importorskip("torchao", reason="torchao's rowwise float8 needs torchao (pip install torchao)")
    inputs = make_inputs("cuda")
    function = torch.compile(ways[way], fullgraph=True)
    quantized, descale = benchmark.pedantic(function, args=inputs, rounds=10, iterations=50, warmup_rounds=2)
    expected_values, expected_descale = torch.compile(ways["inductor"], fullgraph=True)(*inputs)
    read = sum(tensor.numel() * tensor.element_size() for tensor in inputs)
    moved = read + quantized.numel() + descale.numel() * 4  # one read of every input, one e4m3 write
    seconds = benchmark.stats.stats.median if benchmark.stats else None  # None with --benchmark-disable
    calls = 20
    profile = profile_call(lambda: [function(*inputs) for _ in range(calls)])
    benchmark.extra_info.update(
        shape=list(quantized.shape), us=seconds and seconds * 1e6, gpu_us=profile.gpu_busy_s / calls * 1e6,
        memory_bound_us=moved / H200_BYTES_PER_S * 1e6,
        rel_error_vs_inductor=relative_error(quantized.float() * descale, expected_values.float() * expected_descale),
    )
