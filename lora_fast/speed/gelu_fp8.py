"""Flux's single block on its way into `proj_out`, in one Triton kernel of ours: the MLP branch's bias and GELU, the
concatenation with attention's output, and the FP8 quantization of each row (its amax and scale, or the calibrated
scale), written as the e4m3 rows the matmul reads. Inductor makes this two kernels with per-row scales (an amax pass,
then the quantization, each reading the whole row: 105 and 112 us a call on an H200, `tools/block_probe.py`) and one
with a calibrated scale (113 us), against about 44 us of memory traffic. Ours reads each row once from memory (the
amax pass and the writing pass both read it; the second from the cache). On a CPU the same path runs as torch ops.

Diffusers has no hook between the single block's MLP activation and `proj_out`, so `use_fused_gelu_fp8` gives each
single block a forward of ours: diffusers' steps, with this kernel where `act_mlp`, the concatenation and `proj_out`'s
quantization were. Inference only: the op has no autograd formula (pipelines run under no_grad)."""

from __future__ import annotations

from typing import Any

import torch
from diffusers.models.transformers.transformer_flux import FluxSingleTransformerBlock

from ..undo import Undo
from .activations import TWO_SQRT_2_OVER_PI, SigmoidGelu, gelu_tanh
from .quantize import E4M3_MAX, Fp8Linear, quantize_rows, saturated_e4m3, unwatched_fp8

try:
    import triton
    import triton.language as tl
except ImportError:  # torch's CPU build ships without Triton; the CPU path is plain torch
    triton = None

COLUMNS_PER_STEP = 1024  # values of a row each step of the kernel's loops takes
WARPS = 4  # warps per program (one program a row)


def gelu_cat_fp8(attention: torch.Tensor, mlp: torch.Tensor, bias: torch.Tensor | None, scale: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """The e4m3 rows of [attention, GELU(mlp + bias)] (rows, attention width + MLP width) and their float32 descales
    (rows, 1): each row scaled to e4m3's range by its amax, or by the calibrated `scale` (a tensor of one value),
    whose reciprocal is then every row's descale. `attention` and `mlp` are (rows, width) in the model's dtype."""
    if mlp.device.type != "cuda":
        return reference(attention, mlp, bias, scale)
    return torch.ops.lora_fast.gelu_cat_fp8(attention, mlp, bias, scale)


def reference(attention: torch.Tensor, mlp: torch.Tensor, bias: torch.Tensor | None, scale: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """`gelu_cat_fp8` as the block computes it without the kernel: our FP8 linear's bias, `gelu_tanh`, the
    concatenation, and `Fp8Linear.quantized`'s arithmetic, each a torch op."""
    activated = gelu_tanh(mlp if bias is None else mlp + bias.to(mlp.dtype))
    joined = torch.cat([attention, activated], dim=-1)
    if scale is None:
        return quantize_rows(joined)
    return saturated_e4m3(joined.float() * scale), scale.reciprocal().reshape(1, 1).expand(joined.shape[0], 1)


def fusable(block: torch.nn.Module) -> bool:
    """Whether `block`'s MLP activation and `proj_out`'s input can be our kernel: both linears our FP8 ones that no
    hook watches (calibration's hooks must see `proj_out`'s input), and the activation `gelu_tanh` (GELU as a sigmoid)."""
    return unwatched_fp8(block.proj_mlp) and unwatched_fp8(block.proj_out) and isinstance(block.act_mlp, SigmoidGelu)


def fused_forward(
    block: FluxSingleTransformerBlock, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor, temb: torch.Tensor,
    image_rotary_emb: tuple[torch.Tensor, torch.Tensor] | None = None, joint_attention_kwargs: dict[str, Any] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`FluxSingleTransformerBlock.forward` with `proj_out`'s e4m3 input made by our kernel from the MLP branch's
    output before its bias and attention's output; diffusers' own forward where the block is not `fusable`."""
    if not fusable(block):
        return FluxSingleTransformerBlock.forward(block, hidden_states, encoder_hidden_states, temb, image_rotary_emb, joint_attention_kwargs)
    text_tokens = encoder_hidden_states.shape[1]
    hidden_states = torch.cat([encoder_hidden_states, hidden_states], dim=1)
    residual = hidden_states
    norm_hidden_states, gate = block.norm(hidden_states, emb=temb)
    mlp = block.proj_mlp.product(norm_hidden_states)
    attention = block.attn(hidden_states=norm_hidden_states, image_rotary_emb=image_rotary_emb, **(joint_attention_kwargs or {}))
    out: Fp8Linear = block.proj_out
    static = out.static_input
    rows, row_descale = gelu_cat_fp8(attention.flatten(0, 1), mlp.flatten(0, 1), block.proj_mlp.bias, out.input_scale if static else None)
    row_descale, weight_descale = out.static_scales(rows.shape[0]) if static else (row_descale, out.weight_scale)
    projected = out.matmul(rows, row_descale, weight_descale, hidden_states.dtype).unflatten(0, hidden_states.shape[:2])
    if out.bias is not None:
        projected = projected + out.bias.to(projected.dtype)
    hidden_states = residual + gate.unsqueeze(1) * projected
    if hidden_states.dtype == torch.float16:  # as diffusers' forward
        hidden_states = hidden_states.clip(-65504, 65504)
    return hidden_states[:, :text_tokens], hidden_states[:, text_tokens:]


def use_fused_gelu_fp8(transformer: torch.nn.Module) -> Undo:
    """Give every single block of `transformer` `fused_forward` (an instance attribute; the class's forward stays).
    Returns the undo."""
    blocks = [module for module in transformer.modules() if isinstance(module, FluxSingleTransformerBlock)]
    for block in blocks:
        block.forward = fused_forward.__get__(block)

    def undo() -> None:
        for block in blocks:
            del block.forward

    return undo


if triton is not None:
    _E4M3_MAX = tl.constexpr(E4M3_MAX)  # a Triton kernel reads module constants only as constexpr
    _TWO_SQRT_2_OVER_PI = tl.constexpr(TWO_SQRT_2_OVER_PI)

    @triton.jit
    def _activated(mlp_row, bias_ptr, column, inside, HAS_BIAS: tl.constexpr):
        """`gelu_tanh(mlp + bias)` at `column` of one row, rounded to the model's dtype where eager torch rounds."""
        x = tl.load(mlp_row + column, mask=inside, other=0.0)
        if HAS_BIAS:
            x = (x.to(tl.float32) + tl.load(bias_ptr + column, mask=inside, other=0.0).to(tl.float32)).to(x.dtype)
        value = x.to(tl.float32)
        return (value * tl.sigmoid(_TWO_SQRT_2_OVER_PI * (value + 0.044715 * value * value * value))).to(x.dtype).to(tl.float32)

    @triton.jit
    def _gelu_cat_fp8_kernel(attention_ptr, mlp_ptr, bias_ptr, scale_ptr, out_ptr, descale_ptr,
                             ATTENTION: tl.constexpr, MLP: tl.constexpr, HAS_BIAS: tl.constexpr, STATIC: tl.constexpr, STEP: tl.constexpr):
        """One row: its amax over both parts (unless STATIC), then its e4m3 values and descale."""
        row = tl.program_id(0).to(tl.int64)
        attention_row, mlp_row, out_row = attention_ptr + row * ATTENTION, mlp_ptr + row * MLP, out_ptr + row * (ATTENTION + MLP)
        offsets = tl.arange(0, STEP)
        if STATIC:
            scale = tl.load(scale_ptr)
        else:
            amax = tl.zeros((STEP,), dtype=tl.float32)
            for start in range(0, ATTENTION, STEP):
                column = start + offsets
                amax = tl.maximum(amax, tl.abs(tl.load(attention_row + column, mask=column < ATTENTION, other=0.0).to(tl.float32)))
            for start in range(0, MLP, STEP):
                column = start + offsets
                amax = tl.maximum(amax, tl.abs(_activated(mlp_row, bias_ptr, column, column < MLP, HAS_BIAS)))
            scale = tl.div_rn(_E4M3_MAX, tl.maximum(tl.max(amax, axis=0), 1e-12))  # correctly rounded, as torch divides
        tl.store(descale_ptr + row, tl.div_rn(1.0, scale))
        for start in range(0, ATTENTION, STEP):
            column = start + offsets
            value = tl.load(attention_row + column, mask=column < ATTENTION, other=0.0).to(tl.float32) * scale
            tl.store(out_row + column, tl.clamp(value, -_E4M3_MAX, _E4M3_MAX).to(out_ptr.dtype.element_ty), mask=column < ATTENTION)
        for start in range(0, MLP, STEP):
            column = start + offsets
            value = _activated(mlp_row, bias_ptr, column, column < MLP, HAS_BIAS) * scale
            tl.store(out_row + ATTENTION + column, tl.clamp(value, -_E4M3_MAX, _E4M3_MAX).to(out_ptr.dtype.element_ty), mask=column < MLP)

    def launch(out: torch.Tensor, descale: torch.Tensor, attention: torch.Tensor, mlp: torch.Tensor, bias: torch.Tensor | None, scale: torch.Tensor | None) -> None:
        """Write `out` (rows, attention width + MLP width) and `descale` (rows, 1) from contiguous inputs."""
        torch.library.wrap_triton(_gelu_cat_fp8_kernel)[(mlp.shape[0],)](
            attention, mlp, mlp if bias is None else bias, descale if scale is None else scale, out, descale,
            ATTENTION=attention.shape[1], MLP=mlp.shape[1], HAS_BIAS=bias is not None, STATIC=scale is not None, STEP=COLUMNS_PER_STEP, num_warps=WARPS,
        )

    @torch.library.triton_op("lora_fast::gelu_cat_fp8", mutates_args=())
    def _gelu_cat_fp8_op(attention: torch.Tensor, mlp: torch.Tensor, bias: torch.Tensor | None, scale: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """`gelu_cat_fp8` on a GPU: one program a row."""
        rows = mlp.shape[0]
        out = torch.empty(rows, attention.shape[1] + mlp.shape[1], dtype=torch.float8_e4m3fn, device=mlp.device)
        descale = torch.empty(rows, 1, dtype=torch.float32, device=mlp.device)
        launch(out, descale, attention.contiguous(), mlp.contiguous(), bias, scale)
        return out, descale
