"""Flux's modulated LayerNorms on their way into the FP8 linears after them, in one Triton kernel of ours: LayerNorm
without weights, the conditioning's (1 + scale) and shift, and each row's FP8 quantization (its amax and scale),
written once as the e4m3 rows every linear after the norm reads (a single block's `proj_mlp`, `to_q`, `to_k`, `to_v`;
a joint block's q/k/v of each stream and each feed-forward's first linear). Inductor makes each such path a looped
reduction kernel that reads each row several times: in `0066`'s profile of `optimized` (H100) 63 us a call for the
single block at 1024x1024 (0.067 s an image) against about 13 us of memory traffic, and 0.057 s an image for the joint
blocks' four. Ours holds a row in registers: 0.043 s an image for all of them in `0068`'s profile. On a CPU the same
path runs as torch ops. Per-row scales only: with calibrated ones each layer has a scale of its own, and the blocks
keep the forwards they had. Inference only (no autograd formula)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from diffusers.models.attention import FeedForward
from diffusers.models.normalization import AdaLayerNormZero, AdaLayerNormZeroSingle
from diffusers.models.transformers.transformer_flux import FluxSingleTransformerBlock, FluxTransformerBlock

from ..undo import Undo, swap_forwards
from .attention import NormRopeFp8FluxAttnProcessor, norm_bounds, norm_rope_applies
from .gelu_fp8 import fusable_feed_forward, fusable_single_block, fused_projection, fused_single_block_forward
from .norm_rope import Stream
from .quantize import Fp8Linear, quantize_rows, unwatched_fp8

try:
    import triton
    import triton.language as tl
except ImportError:  # torch's CPU build ships without Triton; the CPU path is plain torch
    triton = None

# warps per program (one program a row: 48 values a thread for Flux's 3072); `tools/norm_fp8_probe.py` on an H100 at
# fd6005a: 16.6 us a single block's rows at 2 warps, 18.2 at 1, 18.8 at 4, 22.3 at 8 (memory bound 12.7 us)
WARPS = 2


def modulated_norm_fp8(hidden_states: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The e4m3 rows (batch x tokens, width) of `LayerNorm(hidden_states) * (1 + scale) + shift`, each row scaled to
    e4m3's range by its amax, and their float32 descales (rows, 1): `hidden_states` (batch, tokens, width) in the
    model's dtype, `shift` and `scale` (batch, width), rounded to that dtype after each step as eager torch rounds (on
    a GPU, the modulation's product and shift rounded once, as one FMA: 3.9% of the e4m3 bytes a step apart from eager's,
    the image's LoRA error unchanged)."""
    if hidden_states.device.type != "cuda":
        return reference(hidden_states, shift, scale, eps)
    return torch.ops.lora_fast.modulated_norm_fp8(hidden_states, shift, scale, eps)


def reference(hidden_states: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """`modulated_norm_fp8` as the model computes it without the kernel: diffusers' adaptive norm after its linear (or
    a joint block's second LayerNorm and its modulation), then `Fp8Linear.quantized`'s per-row arithmetic, each a torch op."""
    normed = F.layer_norm(hidden_states, hidden_states.shape[-1:], eps=eps) * (1 + scale[:, None]) + shift[:, None]
    return quantize_rows(normed.reshape(-1, normed.shape[-1]))


Quantized = tuple[torch.Tensor, torch.Tensor]  # e4m3 rows (batch x tokens, width) and their float32 descales (rows, 1)


def projected(layer: Fp8Linear, quantized: Quantized, like: torch.Tensor) -> torch.Tensor:
    """`layer`'s output without its bias on the e4m3 rows of `like` (batch, tokens, in_features), as `layer.product(like)`."""
    rows, row_descale = quantized
    return layer.matmul(rows, row_descale, layer.weight_scale, like.dtype).reshape(*like.shape[:-1], layer.out_features)


def biased(layer: Fp8Linear, quantized: Quantized, like: torch.Tensor) -> torch.Tensor:
    """`projected` with the layer's bias, as `layer(like)`."""
    output = projected(layer, quantized, like)
    return output if layer.bias is None else output + layer.bias.to(like.dtype)


def conditioning(norm: torch.nn.Module, temb: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The shifts, scales and gates an adaptive norm makes from the conditioning embedding `temb`, as diffusers' does."""
    emb = norm.linear(norm.silu(temb))
    return emb.chunk(emb.shape[1] // norm.norm.normalized_shape[0], dim=1)


def plain_layer_norm(norm: torch.nn.Module) -> bool:
    """Whether `norm` is torch's LayerNorm without weights (what the kernel computes)."""
    return isinstance(norm, torch.nn.LayerNorm) and not norm.elementwise_affine


def row_scaled_fp8(*layers: torch.nn.Module) -> bool:
    """Whether each of `layers` is our FP8 linear at per-row scales that no hook watches: it can take the kernel's rows."""
    return all(unwatched_fp8(layer) and not layer.static_input for layer in layers)


def fusable_norm_single_block(block: FluxSingleTransformerBlock) -> bool:
    """Whether `block`'s norm and the four linears after it can be our kernel and matmuls on its rows: the GELU kernel's
    block (`fusable_single_block`), diffusers' LayerNorm without weights, our q/k kernel's FP8 processor, and the four
    linears at per-row scales."""
    attn = block.attn
    return (fusable_single_block(block) and isinstance(block.norm, AdaLayerNormZeroSingle) and plain_layer_norm(block.norm.norm)
            and type(attn.processor) is NormRopeFp8FluxAttnProcessor and row_scaled_fp8(block.proj_mlp, attn.to_q, attn.to_k, attn.to_v))


def fusable_norm_joint_block(block: FluxTransformerBlock) -> bool:
    """Whether each of `block`'s four norms and the linears after it can be our kernel and matmuls on its rows: adaptive
    norms without an embedding of their own, LayerNorms without weights, our q/k kernel's FP8 processor, feed-forwards
    the GELU kernel takes (`fusable_feed_forward`), and the linears the norms feed at per-row scales."""
    attn, norms = block.attn, (block.norm1, block.norm1_context)
    linears = (attn.to_q, attn.to_k, attn.to_v, attn.add_q_proj, attn.add_k_proj, attn.add_v_proj, block.ff.net[0].proj, block.ff_context.net[0].proj)
    return (all(isinstance(norm, AdaLayerNormZero) and norm.emb is None and plain_layer_norm(norm.norm) for norm in norms)
            and plain_layer_norm(block.norm2) and plain_layer_norm(block.norm2_context) and type(attn.processor) is NormRopeFp8FluxAttnProcessor
            and fusable_feed_forward(block.ff) and fusable_feed_forward(block.ff_context) and row_scaled_fp8(*linears))


def norm_feed_forward(feed_forward: FeedForward, hidden_states: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor, eps: float) -> torch.Tensor:
    """`feed_forward` (`fused_feed_forward`'s) on `LayerNorm(hidden_states) * (1 + scale) + shift`, its first linear's
    input made by our kernel."""
    activation, _, out = feed_forward.net
    return fused_projection(out, None, projected(activation.proj, modulated_norm_fp8(hidden_states, shift, scale, eps), hidden_states), activation.proj.bias)


def fused_norm_single_block_forward(
    block: FluxSingleTransformerBlock, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor, temb: torch.Tensor,
    image_rotary_emb: tuple[torch.Tensor, torch.Tensor] | None = None, joint_attention_kwargs: dict[str, Any] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`fused_single_block_forward` with the four linears' e4m3 input made once by our kernel from the block's input
    and conditioning; that forward where the block is not `fusable_norm_single_block` or attention has no rotary
    embedding or takes other arguments."""
    attn = block.attn
    bounds = norm_bounds(attn) if fusable_norm_single_block(block) else (None, None)  # norm_rope_applies refuses None
    if joint_attention_kwargs or not norm_rope_applies(attn, image_rotary_emb, bounds):
        return fused_single_block_forward(block, hidden_states, encoder_hidden_states, temb, image_rotary_emb, joint_attention_kwargs)
    text_tokens = encoder_hidden_states.shape[1]
    hidden_states = torch.cat([encoder_hidden_states, hidden_states], dim=1)
    shift, scale, gate = conditioning(block.norm, temb)
    rows = modulated_norm_fp8(hidden_states, shift, scale, block.norm.norm.eps)
    queries, keys = [Stream(projected(attn.to_q, rows, hidden_states), attn.to_q.bias, attn.norm_q)], [Stream(projected(attn.to_k, rows, hidden_states), attn.to_k.bias, attn.norm_k)]
    value = biased(attn.to_v, rows, hidden_states).unflatten(-1, (-1, attn.head_dim))
    attention = attn.processor.attend_streams(attn, queries, keys, value, image_rotary_emb, bounds)
    hidden_states = hidden_states + gate.unsqueeze(1) * fused_projection(block.proj_out, attention, projected(block.proj_mlp, rows, hidden_states), block.proj_mlp.bias)
    if hidden_states.dtype == torch.float16:  # as diffusers' forward
        hidden_states = hidden_states.clip(-65504, 65504)
    return hidden_states[:, :text_tokens], hidden_states[:, text_tokens:]


def fused_norm_joint_block_forward(
    block: FluxTransformerBlock, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor, temb: torch.Tensor,
    image_rotary_emb: tuple[torch.Tensor, torch.Tensor] | None = None, joint_attention_kwargs: dict[str, Any] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`FluxTransformerBlock.forward` with the input of the linears after each of its four norms (both streams' q/k/v,
    both feed-forwards) made by our kernel; diffusers' own where the block is not `fusable_norm_joint_block` or
    attention has no rotary embedding or takes other arguments."""
    attn = block.attn
    bounds = norm_bounds(attn) if fusable_norm_joint_block(block) else (None, None)  # norm_rope_applies refuses None
    if joint_attention_kwargs or not norm_rope_applies(attn, image_rotary_emb, bounds):
        return FluxTransformerBlock.forward(block, hidden_states, encoder_hidden_states, temb, image_rotary_emb, joint_attention_kwargs)
    shift, scale, gate, shift_mlp, scale_mlp, gate_mlp = conditioning(block.norm1, temb)
    text_shift, text_scale, text_gate, text_shift_mlp, text_scale_mlp, text_gate_mlp = conditioning(block.norm1_context, temb)
    image = modulated_norm_fp8(hidden_states, shift, scale, block.norm1.norm.eps)
    text = modulated_norm_fp8(encoder_hidden_states, text_shift, text_scale, block.norm1_context.norm.eps)

    def streams(projection: str, norm: str, added_projection: str, added_norm: str) -> list[Stream]:  # the text stream's first
        text_layer, image_layer = getattr(attn, added_projection), getattr(attn, projection)
        return [Stream(projected(text_layer, text, encoder_hidden_states), text_layer.bias, getattr(attn, added_norm)),
                Stream(projected(image_layer, image, hidden_states), image_layer.bias, getattr(attn, norm))]

    value = torch.cat([biased(attn.add_v_proj, text, encoder_hidden_states), biased(attn.to_v, image, hidden_states)], dim=1).unflatten(-1, (-1, attn.head_dim))
    attended = attn.processor.attend_streams(attn, streams("to_q", "norm_q", "add_q_proj", "norm_added_q"), streams("to_k", "norm_k", "add_k_proj", "norm_added_k"),
                                             value, image_rotary_emb, bounds)
    attn_output, context_attn_output = attn.processor.output_projections(attn, attended, encoder_hidden_states.shape[1])
    hidden_states = hidden_states + gate.unsqueeze(1) * attn_output
    hidden_states = hidden_states + gate_mlp.unsqueeze(1) * norm_feed_forward(block.ff, hidden_states, shift_mlp, scale_mlp, block.norm2.eps)
    encoder_hidden_states = encoder_hidden_states + text_gate.unsqueeze(1) * context_attn_output
    encoder_hidden_states = encoder_hidden_states + text_gate_mlp.unsqueeze(1) * norm_feed_forward(
        block.ff_context, encoder_hidden_states, text_shift_mlp, text_scale_mlp, block.norm2_context.eps)
    if encoder_hidden_states.dtype == torch.float16:  # as diffusers' forward
        encoder_hidden_states = encoder_hidden_states.clip(-65504, 65504)
    return encoder_hidden_states, hidden_states


def use_fused_norm_fp8(transformer: torch.nn.Module) -> Undo:
    """Give every single block of `transformer` `fused_norm_single_block_forward` in place of the forward it has
    (`use_fused_gelu_fp8`'s) and every joint block `fused_norm_joint_block_forward`; the undo gives back what each had."""
    forwards = {FluxSingleTransformerBlock: fused_norm_single_block_forward, FluxTransformerBlock: fused_norm_joint_block_forward}
    return swap_forwards((module, forwards[type(module)].__get__(module)) for module in transformer.modules() if type(module) in forwards)


if triton is not None:
    from .gelu_fp8 import e4m3_row_scale, store_e4m3  # Triton helpers, defined where Triton is

    @triton.jit
    def _modulated_norm_fp8_kernel(x_ptr, shift_ptr, scale_ptr, out_ptr, descale_ptr, tokens, EPS: tl.constexpr, WIDTH: tl.constexpr, BLOCK: tl.constexpr):
        """One row: LayerNorm, (1 + scale) and shift of its image's conditioning, each rounded to the model's dtype as
        eager torch rounds but the modulation (below); its amax, scale and descale; its e4m3 values."""
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
        # eager torch's roundings as written, but LLVM contracts the product and the shift into one bf16 FMA, which
        # skips the product's rounding (rounding in integer arithmetic to stop it cost 0.025 s an image on an H100 at d8860c4)
        value = ((normed * one_plus_scale).to(dtype).to(tl.float32) + shift).to(dtype).to(tl.float32)
        row_scale = e4m3_row_scale(tl.max(tl.where(inside, tl.abs(value), 0.0), axis=0))
        tl.store(descale_ptr + row, tl.div_rn(1.0, row_scale))
        store_e4m3(out_ptr + row * WIDTH + columns, value * row_scale, inside)

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
