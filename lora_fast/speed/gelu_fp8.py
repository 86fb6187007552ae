"""Flux's GELU on its way into the next FP8 linear, in one Triton kernel of ours: the MLP's bias and GELU (and, in
a single block, the concatenation with attention's output), then the FP8 quantization of each row (its amax and
scale, or the calibrated scale), written as the e4m3 rows the matmul reads. For the single block's `proj_out`
inductor makes this two kernels with per-row scales (an amax pass, then the quantization, each reading the whole row:
105 and 112 us a call on an H200, `tools/block_probe.py`) and one with a calibrated scale (113 us), against about 44
us of memory traffic; for the joint block's feed-forward, one looped kernel at about four times its traffic (127 us).
Ours reads each row once from memory: in steps, the amax pass and the writing pass both read it (the second from the
cache); whole (`WHOLE_ROW`), the row stays in registers between them.
On a CPU the same path runs as torch ops.

Diffusers has no hook between an activation and the linear after it, so `use_fused_gelu_fp8` gives each single block
and each feed-forward a forward of ours: diffusers' steps, with this kernel where the activation, the concatenation
and the quantization were. Inference only: the op has no autograd formula (pipelines run under no_grad)."""

from __future__ import annotations

from typing import Any

import torch
from diffusers.models.activations import GELU as DiffusersGelu
from diffusers.models.attention import FeedForward
from diffusers.models.transformers.transformer_flux import FluxSingleTransformerBlock

from ..undo import Undo, swap_forwards
from .activations import TWO_SQRT_2_OVER_PI, SigmoidGelu, gelu_tanh
from .quantize import E4M3_MAX, Fp8Linear, quantize_rows, saturated_e4m3, unwatched_fp8

try:
    import triton
    import triton.language as tl
except ImportError:  # torch's CPU build ships without Triton; the CPU path is plain torch
    triton = None

# Each row read once into registers (`WHOLE_ROW`; a single block's in blocks of 4096 and 16384 columns, 160 values a
# thread at 4 warps), or in steps of COLUMNS_PER_STEP with a second pass from L2. `tools/gelu_fp8_probe.py` on an H100
# at fd6005a, a single block's rows: per-row scales whole at 4 warps 85 us, in steps at 8 warps 119 us (memory bound
# 63 us); a calibrated scale (a variant's) in steps 71 us, whole 83 us. `optimized` scales per row: whole rows, 4 warps.
COLUMNS_PER_STEP = 2048  # values of a row each step of the kernel's loops takes
WARPS = 4  # warps per program (one program a row)
WHOLE_ROW = True


def gelu_cat_fp8(attention: torch.Tensor | None, mlp: torch.Tensor, bias: torch.Tensor | None, scale: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """The e4m3 rows of [attention, GELU(mlp + bias)] (rows, attention width + MLP width; no attention columns where
    it is None) and their float32 descales (rows, 1): each row scaled to e4m3's range by its amax, or by the calibrated
    `scale` (a tensor of one value), whose reciprocal is then every row's descale. `attention` and `mlp` are (rows,
    width) in the model's dtype."""
    if mlp.device.type != "cuda":
        return reference(attention, mlp, bias, scale)
    return torch.ops.lora_fast.gelu_cat_fp8(attention, mlp, bias, scale)


def reference(attention: torch.Tensor | None, mlp: torch.Tensor, bias: torch.Tensor | None, scale: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """`gelu_cat_fp8` as the model computes it without the kernel: our FP8 linear's bias, `gelu_tanh`, the
    concatenation, and `Fp8Linear.quantized`'s arithmetic, each a torch op."""
    activated = gelu_tanh(mlp if bias is None else mlp + bias.to(mlp.dtype))
    joined = activated if attention is None else torch.cat([attention, activated], dim=-1)
    if scale is None:
        return quantize_rows(joined)
    return saturated_e4m3(joined.float() * scale), scale.reciprocal().reshape(1, 1).expand(joined.shape[0], 1)


def fusable_single_block(block: torch.nn.Module) -> bool:
    """Whether `block`'s MLP activation and `proj_out`'s input can be our kernel: both linears our FP8 ones that no
    hook watches (calibration's hooks must see `proj_out`'s input), and the activation `gelu_tanh` (GELU as a sigmoid)."""
    return unwatched_fp8(block.proj_mlp) and unwatched_fp8(block.proj_out) and isinstance(block.act_mlp, SigmoidGelu)


def fusable_feed_forward(feed_forward: FeedForward) -> bool:
    """Whether `feed_forward` is diffusers' GELU (tanh as `gelu_tanh`), a dropout that drops nothing, and a linear,
    both linears our FP8 ones that no hook watches."""
    if len(feed_forward.net) != 3:
        return False
    activation, dropout, out = feed_forward.net
    return (isinstance(activation, DiffusersGelu) and vars(activation).get("gelu") is gelu_tanh and unwatched_fp8(activation.proj)
            and isinstance(dropout, torch.nn.Dropout) and (dropout.p == 0 or not feed_forward.training) and unwatched_fp8(out))


def fused_projection(out: Fp8Linear, attention: torch.Tensor | None, mlp: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """`out` applied to [attention, GELU(mlp + bias)] (no attention where None), its input made by our kernel at
    `out`'s scaling: (..., out's width) with its bias."""
    static = out.static_input
    flat = None if attention is None else attention.reshape(-1, attention.shape[-1])
    rows, row_descale = gelu_cat_fp8(flat, mlp.reshape(-1, mlp.shape[-1]), bias, out.input_scale if static else None)
    row_descale, weight_descale = out.static_scales(rows.shape[0]) if static else (row_descale, out.weight_scale)
    projected = out.matmul(rows, row_descale, weight_descale, mlp.dtype).reshape(*mlp.shape[:-1], out.out_features)
    return projected if out.bias is None else projected + out.bias.to(projected.dtype)


def fused_feed_forward(feed_forward: FeedForward, hidden_states: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`FeedForward.forward` with the second linear's e4m3 input made by our kernel from the first's output before its
    bias; diffusers' own forward where the feed-forward is not `fusable_feed_forward`."""
    if not fusable_feed_forward(feed_forward):
        return FeedForward.forward(feed_forward, hidden_states, *args, **kwargs)
    activation, _, out = feed_forward.net
    return fused_projection(out, None, activation.proj.product(hidden_states), activation.proj.bias)


def fused_single_block_forward(
    block: FluxSingleTransformerBlock, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor, temb: torch.Tensor,
    image_rotary_emb: tuple[torch.Tensor, torch.Tensor] | None = None, joint_attention_kwargs: dict[str, Any] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`FluxSingleTransformerBlock.forward` with `proj_out`'s e4m3 input made by our kernel from the MLP branch's
    output before its bias and attention's output; diffusers' own forward where the block is not
    `fusable_single_block`."""
    if not fusable_single_block(block):
        return FluxSingleTransformerBlock.forward(block, hidden_states, encoder_hidden_states, temb, image_rotary_emb, joint_attention_kwargs)
    text_tokens = encoder_hidden_states.shape[1]
    hidden_states = torch.cat([encoder_hidden_states, hidden_states], dim=1)
    residual = hidden_states
    norm_hidden_states, gate = block.norm(hidden_states, emb=temb)
    mlp = block.proj_mlp.product(norm_hidden_states)
    attention = block.attn(hidden_states=norm_hidden_states, image_rotary_emb=image_rotary_emb, **(joint_attention_kwargs or {}))
    projected = fused_projection(block.proj_out, attention, mlp, block.proj_mlp.bias)
    hidden_states = residual + gate.unsqueeze(1) * projected
    if hidden_states.dtype == torch.float16:  # as diffusers' forward
        hidden_states = hidden_states.clip(-65504, 65504)
    return hidden_states[:, :text_tokens], hidden_states[:, text_tokens:]


def use_fused_gelu_fp8(transformer: torch.nn.Module) -> Undo:
    """Give every single block of `transformer` `fused_single_block_forward` and every feed-forward
    `fused_feed_forward` (instance attributes; the classes' forward stays). Returns the undo."""
    forwards = {FluxSingleTransformerBlock: fused_single_block_forward, FeedForward: fused_feed_forward}
    return swap_forwards((module, forwards[type(module)].__get__(module)) for module in transformer.modules() if type(module) in forwards)


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
                             ATTENTION: tl.constexpr, MLP: tl.constexpr, HAS_BIAS: tl.constexpr, STATIC: tl.constexpr, STEP: tl.constexpr,
                             WHOLE: tl.constexpr, ATTENTION_BLOCK: tl.constexpr, MLP_BLOCK: tl.constexpr):
        """One row: its amax over both parts (unless STATIC), then its e4m3 values and descale; read once into
        registers (WHOLE: blocks of the parts' widths rounded up to powers of two), or in steps of STEP columns."""
        row = tl.program_id(0).to(tl.int64)
        attention_row, mlp_row, out_row = attention_ptr + row * ATTENTION, mlp_ptr + row * MLP, out_ptr + row * (ATTENTION + MLP)
        if STATIC:
            scale = tl.load(scale_ptr)
        if WHOLE:
            attention_columns, mlp_columns = tl.arange(0, ATTENTION_BLOCK), tl.arange(0, MLP_BLOCK)
            attention = tl.load(attention_row + attention_columns, mask=attention_columns < ATTENTION, other=0.0).to(tl.float32)
            mlp = _activated(mlp_row, bias_ptr, mlp_columns, mlp_columns < MLP, HAS_BIAS)
            if not STATIC:
                scale = e4m3_row_scale(tl.maximum(tl.max(tl.abs(attention), axis=0), tl.max(tl.abs(mlp), axis=0)))
            tl.store(descale_ptr + row, tl.div_rn(1.0, scale))
            store_e4m3(out_row + attention_columns, attention * scale, attention_columns < ATTENTION)
            store_e4m3(out_row + ATTENTION + mlp_columns, mlp * scale, mlp_columns < MLP)
        else:
            offsets = tl.arange(0, STEP)
            if not STATIC:
                amax = tl.zeros((STEP,), dtype=tl.float32)
                for start in range(0, ATTENTION, STEP):
                    column = start + offsets
                    amax = tl.maximum(amax, tl.abs(tl.load(attention_row + column, mask=column < ATTENTION, other=0.0).to(tl.float32)))
                for start in range(0, MLP, STEP):
                    column = start + offsets
                    amax = tl.maximum(amax, tl.abs(_activated(mlp_row, bias_ptr, column, column < MLP, HAS_BIAS)))
                scale = e4m3_row_scale(tl.max(amax, axis=0))
            tl.store(descale_ptr + row, tl.div_rn(1.0, scale))
            for start in range(0, ATTENTION, STEP):
                column = start + offsets
                store_e4m3(out_row + column, tl.load(attention_row + column, mask=column < ATTENTION, other=0.0).to(tl.float32) * scale, column < ATTENTION)
            for start in range(0, MLP, STEP):
                column = start + offsets
                store_e4m3(out_row + ATTENTION + column, _activated(mlp_row, bias_ptr, column, column < MLP, HAS_BIAS) * scale, column < MLP)

    @triton.jit
    def e4m3_row_scale(amax):
        """e4m3's largest value over the row's amax, correctly rounded, as torch divides."""
        return tl.div_rn(_E4M3_MAX, tl.maximum(amax, 1e-12))

    @triton.jit
    def store_e4m3(pointer, value, inside):
        """`value` (float32, already scaled) saturated to e4m3's range and stored as e4m3 where `inside`."""
        tl.store(pointer, tl.clamp(value, -_E4M3_MAX, _E4M3_MAX).to(pointer.dtype.element_ty), mask=inside)

    def launch(out: torch.Tensor, descale: torch.Tensor, attention: torch.Tensor | None, mlp: torch.Tensor, bias: torch.Tensor | None,
               scale: torch.Tensor | None) -> None:
        """Write `out` (rows, attention width + MLP width) and `descale` (rows, 1) from contiguous inputs."""
        attention_width = 0 if attention is None else attention.shape[1]
        torch.library.wrap_triton(_gelu_cat_fp8_kernel)[(mlp.shape[0],)](
            mlp if attention is None else attention, mlp, mlp if bias is None else bias, descale if scale is None else scale, out, descale,
            ATTENTION=attention_width, MLP=mlp.shape[1], HAS_BIAS=bias is not None, STATIC=scale is not None, STEP=COLUMNS_PER_STEP,
            WHOLE=WHOLE_ROW, ATTENTION_BLOCK=triton.next_power_of_2(max(attention_width, 1)), MLP_BLOCK=triton.next_power_of_2(mlp.shape[1]),
            num_warps=WARPS,
        )

    @torch.library.triton_op("lora_fast::gelu_cat_fp8", mutates_args=())
    def _gelu_cat_fp8_op(attention: torch.Tensor | None, mlp: torch.Tensor, bias: torch.Tensor | None, scale: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """`gelu_cat_fp8` on a GPU: one program a row."""
        rows = mlp.shape[0]
        out = torch.empty(rows, (0 if attention is None else attention.shape[1]) + mlp.shape[1], dtype=torch.float8_e4m3fn, device=mlp.device)
        descale = torch.empty(rows, 1, dtype=torch.float32, device=mlp.device)
        launch(out, descale, None if attention is None else attention.contiguous(), mlp.contiguous(), bias, scale)
        return out, descale
