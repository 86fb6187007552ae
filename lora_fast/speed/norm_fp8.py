"""The single block's modulated layer norm on its way into its four FP8 linears (`proj_mlp`, `to_q`, `to_k`, `to_v`),
in one Triton kernel of ours: LayerNorm without weights, the conditioning's (1 + scale) and shift, and each row's FP8
quantization (its amax and scale), written once as the e4m3 rows all four matmuls read. Inductor makes this path one
looped reduction kernel that reads each row several times: 63 us a call for a single block at 1024x1024 on an H100
(`0066`'s profile of `optimized`, 1064 calls an image), against about 13 us of memory traffic. Ours holds a row in
registers. On a CPU the same path runs as torch ops. Per-row scales only: with calibrated ones each layer has a
scale of its own, and the block keeps `fused_single_block_forward`. Inference only (no autograd formula)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from diffusers.models.normalization import AdaLayerNormZeroSingle
from diffusers.models.transformers.transformer_flux import FluxSingleTransformerBlock

from ..undo import Undo
from .attention import NormRopeFp8FluxAttnProcessor, norm_bounds, norm_rope_applies
from .gelu_fp8 import fusable_single_block, fused_projection, fused_single_block_forward
from .norm_rope import Stream
from .quantize import E4M3_MAX, Fp8Linear, quantize_rows, unwatched_fp8

try:
    import triton
    import triton.language as tl
except ImportError:  # torch's CPU build ships without Triton; the CPU path is plain torch
    triton = None

WARPS = 4  # warps per program (one program a row: 24 values a thread for Flux's 3072), not yet timed


def modulated_norm_fp8(hidden_states: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The e4m3 rows (batch x tokens, width) of `LayerNorm(hidden_states) * (1 + scale) + shift`, each row scaled to
    e4m3's range by its amax, and their float32 descales (rows, 1): `hidden_states` (batch, tokens, width) in the
    model's dtype, `shift` and `scale` (batch, width), rounded to that dtype after each step as eager torch rounds."""
    if hidden_states.device.type != "cuda":
        return reference(hidden_states, shift, scale, eps)
    return torch.ops.lora_fast.modulated_norm_fp8(hidden_states, shift, scale, eps)


def reference(hidden_states: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """`modulated_norm_fp8` as the model computes it without the kernel: diffusers' `AdaLayerNormZeroSingle` after its
    linear, then `Fp8Linear.quantized`'s per-row arithmetic, each a torch op."""
    normed = F.layer_norm(hidden_states, hidden_states.shape[-1:], eps=eps) * (1 + scale[:, None]) + shift[:, None]
    return quantize_rows(normed.reshape(-1, normed.shape[-1]))


def fusable_norm_single_block(block: FluxSingleTransformerBlock) -> bool:
    """Whether `block`'s norm and the four linears after it can be our kernel and matmuls on its rows: the GELU kernel's
    block (`fusable_single_block`), diffusers' LayerNorm without weights, our q/k kernel's FP8 processor, and the four
    linears our FP8 ones at per-row scales that no hook watches."""
    norm, attn = block.norm, block.attn
    linears = (block.proj_mlp, attn.to_q, attn.to_k, attn.to_v)
    return (fusable_single_block(block) and isinstance(norm, AdaLayerNormZeroSingle) and isinstance(norm.norm, torch.nn.LayerNorm)
            and not norm.norm.elementwise_affine and type(attn.processor) is NormRopeFp8FluxAttnProcessor
            and all(unwatched_fp8(layer) and not layer.static_input for layer in linears))


def fused_norm_single_block_forward(
    block: FluxSingleTransformerBlock, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor, temb: torch.Tensor,
    image_rotary_emb: tuple[torch.Tensor, torch.Tensor] | None = None, joint_attention_kwargs: dict[str, Any] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`fused_single_block_forward` with the four linears' e4m3 input made once by our kernel from the block's input
    and conditioning; that forward where the block is not `fusable_norm_single_block` or attention has no rotary
    embedding or takes other arguments."""
    attn = block.attn
    if joint_attention_kwargs or not (fusable_norm_single_block(block) and norm_rope_applies(attn, image_rotary_emb, norm_bounds(attn))):
        return fused_single_block_forward(block, hidden_states, encoder_hidden_states, temb, image_rotary_emb, joint_attention_kwargs)
    text_tokens = encoder_hidden_states.shape[1]
    hidden_states = torch.cat([encoder_hidden_states, hidden_states], dim=1)
    shift, scale, gate = block.norm.linear(block.norm.silu(temb)).chunk(3, dim=1)
    rows, row_descale = modulated_norm_fp8(hidden_states, shift, scale, block.norm.norm.eps)

    def product(layer: Fp8Linear) -> torch.Tensor:
        return layer.matmul(rows, row_descale, layer.weight_scale, hidden_states.dtype).reshape(*hidden_states.shape[:-1], layer.out_features)

    value = (product(attn.to_v) + attn.to_v.bias.to(hidden_states.dtype)) if attn.to_v.bias is not None else product(attn.to_v)
    queries, keys = [Stream(product(attn.to_q), attn.to_q.bias, attn.norm_q)], [Stream(product(attn.to_k), attn.to_k.bias, attn.norm_k)]
    attention = attn.processor.attend_streams(attn, queries, keys, value.unflatten(-1, (-1, attn.head_dim)), image_rotary_emb)
    hidden_states = hidden_states + gate.unsqueeze(1) * fused_projection(block.proj_out, attention, product(block.proj_mlp), block.proj_mlp.bias)
    if hidden_states.dtype == torch.float16:  # as diffusers' forward
        hidden_states = hidden_states.clip(-65504, 65504)
    return hidden_states[:, :text_tokens], hidden_states[:, text_tokens:]


def use_fused_norm_fp8(transformer: torch.nn.Module) -> Undo:
    """Give every single block of `transformer` `fused_norm_single_block_forward` in place of the forward it has
    (`use_fused_gelu_fp8`'s); the undo gives that one back."""
    blocks = [(module, vars(module).get("forward")) for module in transformer.modules() if type(module) is FluxSingleTransformerBlock]
    for block, _ in blocks:
        block.forward = fused_norm_single_block_forward.__get__(block)

    def undo() -> None:
        for block, earlier in blocks:
            if earlier is None:
                del block.forward
            else:
                block.forward = earlier

    return undo


if triton is not None:
    _E4M3_MAX = tl.constexpr(E4M3_MAX)  # a Triton kernel reads module constants only as constexpr

    @triton.jit
    def _modulated_norm_fp8_kernel(x_ptr, shift_ptr, scale_ptr, out_ptr, descale_ptr, tokens, EPS: tl.constexpr, WIDTH: tl.constexpr, BLOCK: tl.constexpr):
        """One row: LayerNorm, (1 + scale) and shift of its image's conditioning, each rounded to the model's dtype as
        eager torch rounds; its amax, scale and descale; its e4m3 values."""
        row = tl.program_id(0).to(tl.int64)
        conditioning = (row // tokens) * WIDTH
        columns = tl.arange(0, BLOCK)
        inside = columns < WIDTH
        x = tl.load(x_ptr + row * WIDTH + columns, mask=inside, other=0.0)
        dtype = x.dtype
        centered = tl.where(inside, x.to(tl.float32) - tl.sum(x.to(tl.float32), axis=0) / WIDTH, 0.0)
        normed = (centered * tl.rsqrt(tl.sum(centered * centered, axis=0) / WIDTH + EPS)).to(dtype).to(tl.float32)
        one_plus_scale = (1.0 + tl.load(scale_ptr + conditioning + columns, mask=inside, other=0.0).to(tl.float32)).to(dtype).to(tl.float32)
        shift = tl.load(shift_ptr + conditioning + columns, mask=inside, other=0.0).to(tl.float32)
        value = ((normed * one_plus_scale).to(dtype).to(tl.float32) + shift).to(dtype).to(tl.float32)
        row_scale = tl.div_rn(_E4M3_MAX, tl.maximum(tl.max(tl.where(inside, tl.abs(value), 0.0), axis=0), 1e-12))  # as torch divides
        tl.store(descale_ptr + row, tl.div_rn(1.0, row_scale))
        tl.store(out_ptr + row * WIDTH + columns, tl.clamp(value * row_scale, -_E4M3_MAX, _E4M3_MAX).to(out_ptr.dtype.element_ty), mask=inside)

    def launch(out: torch.Tensor, descale: torch.Tensor, hidden_states: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor, eps: float) -> None:
        """Write `out` (rows, width) and `descale` (rows, 1) from contiguous inputs."""
        batch, tokens, width = hidden_states.shape
        torch.library.wrap_triton(_modulated_norm_fp8_kernel)[(batch * tokens,)](
            hidden_states, shift, scale, out, descale, tokens, EPS=eps, WIDTH=width, BLOCK=triton.next_power_of_2(width), num_warps=WARPS,
        )

    @torch.library.triton_op("lora_fast::modulated_norm_fp8", mutates_args=())
    def _modulated_norm_fp8_op(hidden_states: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
        """`modulated_norm_fp8` on a GPU: one program a row."""
        rows = hidden_states.shape[0] * hidden_states.shape[1]
        out = torch.empty(rows, hidden_states.shape[2], dtype=torch.float8_e4m3fn, device=hidden_states.device)
        descale = torch.empty(rows, 1, dtype=torch.float32, device=hidden_states.device)
        launch(out, descale, hidden_states.contiguous(), shift.contiguous(), scale.contiguous(), eps)
        return out, descale
