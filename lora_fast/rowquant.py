"""Row quantization of FP8 linears' activations: torch's arithmetic, and the same in one pass per row as a Triton
kernel of ours, optionally applying Flux's MLP GELU to a row's tail on the way.

Inductor fuses the row quantization into the op before it (GELU, concatenation, modulation) but emits a looped
reduction that reads each row twice and recomputes its producer; those kernels ran at two to five times their
memory bound on the H200 (profile of `0023`). Ours holds the row in registers: one read, one e4m3 write."""

from __future__ import annotations

import torch

from .activations import TWO_SQRT_2_OVER_PI, gelu_tanh

try:
    import triton
    import triton.language as tl
except ImportError:  # torch's CPU build ships without Triton: the torch arithmetic runs instead
    triton = None

E4M3_MAX = torch.finfo(torch.float8_e4m3fn).max


def quantize_rows(tensor: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """e4m3 values and float32 descales (rows, 1) of a 2-D tensor, each row scaled to the e4m3 range."""
    amax = tensor.abs().amax(dim=-1, keepdim=True).float().clamp(min=1e-12)
    descale = amax / E4M3_MAX
    return (tensor.float() / descale).clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn), descale


def gelu_tail(rows: torch.Tensor, gelu_from: int) -> torch.Tensor:
    """`rows` with Flux's GELU (tanh form, rounded to the rows' dtype) applied to columns `gelu_from` onwards."""
    if gelu_from >= rows.shape[-1]:
        return rows
    return torch.cat([rows[:, :gelu_from], gelu_tanh(rows[:, gelu_from:])], dim=-1)


def quantize_rows_one_pass(rows: torch.Tensor, gelu_from: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`quantize_rows(gelu_tail(rows, gelu_from))` by our Triton kernel on CUDA (torch's arithmetic elsewhere)."""
    if rows.device.type != "cuda":
        return quantize_rows(gelu_tail(rows, gelu_from))
    return torch.ops.lora_fast.quantize_rows_one_pass(rows, gelu_from)


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

    @torch.library.triton_op("lora_fast::quantize_rows_one_pass", mutates_args=())
    def _quantize_rows_one_pass(rows: torch.Tensor, gelu_from: int) -> tuple[torch.Tensor, torch.Tensor]:
        rows = rows.contiguous()
        count, columns = rows.shape
        quantized = torch.empty((count, columns), dtype=torch.float8_e4m3fn, device=rows.device)
        descale = torch.empty((count, 1), dtype=torch.float32, device=rows.device)
        block = triton.next_power_of_2(columns)
        torch.library.wrap_triton(_quantize_rows_kernel)[(count,)](
            rows, quantized, descale, columns, rows.stride(0), gelu_from, BLOCK=block, num_warps=min(32, max(4, block // 512))
        )
        return quantized, descale
