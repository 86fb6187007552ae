"""Flux's query and key on their way into FP8 attention, in one Triton kernel of ours: each projection's bias, the
RMSNorm, the rotary embedding and the e4m3 scaling, for the text and image streams, written straight into the
concatenated tensor FA3 reads. Inductor makes two to four kernels of this path at several times their memory traffic
(a single block's query and key took 116 us a call on an H200, the joint block's about 130 us, against about 20 us of
traffic: `tools/block_probe.py`): the rotary pairs and the two streams keep it from holding a head's row in
registers. This kernel holds a few tokens' rows of a few heads, reads each value's rotary partner beside it (a cache
hit) and writes each value once. On a CPU the same path runs as torch ops. Inference only: the op has no autograd
formula (pipelines run under no_grad)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
from diffusers.models.embeddings import apply_rotary_emb

from .quantize import E4M3_MAX, saturated_e4m3

try:
    import triton
    import triton.language as tl
except ImportError:  # torch's CPU build ships without Triton; the CPU path is plain torch
    triton = None

# The tiling: tokens and heads (one after another) per Triton program, and its warps. Fastest of the probe's tilings on
# an H100 at 46e4482 (`tools/norm_rope_probe.py`, kernels' own time): a single block's query in 25.2 us and a joint
# block's in 30.3 us, against inductor's 56.7 and 69.5 us (8 rows, 2 warps: 31.1 and 34.6; 32 rows: 91.2 and 88.9)
ROWS_PER_PROGRAM = 4
HEADS_PER_PROGRAM = 4  # each program reads its tokens' cos and sin once for these heads
WARPS = 1


class Stream(NamedTuple):
    """One stream's query or key before its norm."""

    projected: torch.Tensor  # the projection's output without its bias: (batch, tokens, heads x head_dim)
    bias: torch.Tensor | None  # None where the projection added it
    norm: torch.nn.Module  # the RMSNorm that follows


def norm_rope_fp8(streams: Sequence[Stream], rotary: tuple[torch.Tensor, torch.Tensor], scale: torch.Tensor) -> torch.Tensor:
    """The e4m3 tensor (batch, tokens of every stream in order, heads, head_dim) of `streams` (the text stream's,
    if any, then the image stream's) normed, concatenated along tokens, rotated by `rotary` (cos and sin, each
    (tokens, head_dim)) and multiplied by `scale` (heads,) float32."""
    return _norm_rope(streams, rotary, scale)


def norm_rope(streams: Sequence[Stream], rotary: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """`norm_rope_fp8` unscaled, in the streams' dtype: query or key for attention in the model's dtype (bf16 FA3)."""
    return _norm_rope(streams, rotary, None)


def _norm_rope(streams: Sequence[Stream], rotary: tuple[torch.Tensor, torch.Tensor], scale: torch.Tensor | None) -> torch.Tensor:
    *text, image = streams
    if image.projected.device.type != "cuda":
        return reference(streams, rotary, scale)
    text_arguments = [None, None, None, 0.0] if not text else [text[0].projected, text[0].bias, text[0].norm.weight, norm_eps(text[0].norm, image.projected)]
    return torch.ops.lora_fast.norm_rope(*text_arguments, image.projected, image.bias, image.norm.weight, norm_eps(image.norm, image.projected), *rotary, scale)


def reference(streams: Sequence[Stream], rotary: tuple[torch.Tensor, torch.Tensor], scale: torch.Tensor | None = None) -> torch.Tensor:
    """`norm_rope_fp8` (or `norm_rope`, without `scale`) as the processor computes it without the kernel: each step a
    torch op (diffusers' rotary embedding)."""
    head_dim = streams[-1].norm.weight.numel()
    normed = []
    for projected, bias, norm in streams:
        output = projected if bias is None else projected + bias.to(projected.dtype)
        normed.append(norm(output.unflatten(-1, (-1, head_dim))))
    rotated = apply_rotary_emb(torch.cat(normed, dim=1), rotary, sequence_dim=1)
    return rotated if scale is None else saturated_e4m3(rotated * scale.to(rotated.dtype)[:, None])


def norm_eps(norm: torch.nn.Module, like: torch.Tensor) -> float:
    """The epsilon RMSNorm `norm` adds (torch's default when it was built with none: the input dtype's)."""
    return norm.eps if norm.eps is not None else torch.finfo(like.dtype).eps


if triton is not None:
    _E4M3_MAX = tl.constexpr(E4M3_MAX)  # a Triton kernel reads module constants only as constexpr

    @triton.jit
    def _norm_rope_kernel(x_ptr, bias_ptr, weight_ptr, cos_ptr, sin_ptr, scale_ptr, out_ptr, rows, tokens, first_token, total_tokens,
                          EPS: tl.constexpr, HEADS: tl.constexpr, DIM: tl.constexpr, HAS_BIAS: tl.constexpr, BLOCK: tl.constexpr, HEAD_GROUP: tl.constexpr,
                          SCALED: tl.constexpr):
        """HEAD_GROUP heads of BLOCK rows (batch x tokens) of one stream: bias, RMSNorm, rotary pairs and (if SCALED) the
        head's scale and e4m3's range, into `out`'s rows."""
        row = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        inside = (row < rows)[:, None]
        column = tl.arange(0, DIM)
        partner = column ^ 1  # diffusers' rotary turns each pair (a, b) into (-b, a): each value's partner is read as well
        token = first_token + row % tokens  # its place in the joint sequence: the text stream's tokens first
        angle = token[:, None].to(tl.int64) * DIM + column[None, :]
        cos = tl.load(cos_ptr + angle, mask=inside, other=0.0).to(tl.float32)
        sin = tl.load(sin_ptr + angle, mask=inside, other=0.0).to(tl.float32) * tl.where(column % 2 == 0, -1.0, 1.0)[None, :]
        weight = tl.load(weight_ptr + column).to(tl.float32)[None, :]
        partner_weight = tl.load(weight_ptr + partner).to(tl.float32)[None, :]
        source = x_ptr + row[:, None].to(tl.int64) * (HEADS * DIM)
        target = out_ptr + ((row // tokens) * total_tokens + token)[:, None].to(tl.int64) * (HEADS * DIM)
        for offset in tl.static_range(HEAD_GROUP):
            head = tl.program_id(1) * HEAD_GROUP + offset
            x = tl.load(source + head * DIM + column[None, :], mask=inside, other=0.0).to(tl.float32)
            x_partner = tl.load(source + head * DIM + partner[None, :], mask=inside, other=0.0).to(tl.float32)
            if HAS_BIAS:
                x += tl.load(bias_ptr + head * DIM + column).to(tl.float32)[None, :]
                x_partner += tl.load(bias_ptr + head * DIM + partner).to(tl.float32)[None, :]
            inverse_rms = tl.rsqrt(tl.sum(x * x, axis=1) / DIM + EPS)[:, None]
            if SCALED:
                value = tl.clamp((x * weight * cos + x_partner * partner_weight * sin) * (inverse_rms * tl.load(scale_ptr + head)), -_E4M3_MAX, _E4M3_MAX)
            else:
                value = (x * weight * cos + x_partner * partner_weight * sin) * inverse_rms
            tl.store(target + head * DIM + column[None, :], value.to(out_ptr.dtype.element_ty), mask=inside)

    def launch(out: torch.Tensor, projected: torch.Tensor, bias: torch.Tensor | None, weight: torch.Tensor, eps: float, first_token: int,
               cos: torch.Tensor, sin: torch.Tensor, scale: torch.Tensor | None) -> None:
        """Write one stream into `out` (batch, all tokens, heads, head_dim) from token `first_token` on; scaled to e4m3's
        range by `scale` (heads,), or as it is without it."""
        batch, tokens, width = projected.shape
        dim, rows = weight.numel(), batch * tokens
        group = math.gcd(width // dim, HEADS_PER_PROGRAM)
        torch.library.wrap_triton(_norm_rope_kernel)[(triton.cdiv(rows, ROWS_PER_PROGRAM), width // dim // group)](
            projected, projected if bias is None else bias, weight, cos, sin, weight if scale is None else scale, out, rows, tokens, first_token, out.shape[1],
            EPS=eps, HEADS=width // dim, DIM=dim, HAS_BIAS=bias is not None, BLOCK=ROWS_PER_PROGRAM, HEAD_GROUP=group, SCALED=scale is not None,
            num_warps=WARPS,
        )

    @torch.library.triton_op("lora_fast::norm_rope", mutates_args=())
    def _norm_rope_op(
        text: torch.Tensor | None, text_bias: torch.Tensor | None, text_weight: torch.Tensor | None, text_eps: float,
        image: torch.Tensor, image_bias: torch.Tensor | None, image_weight: torch.Tensor, image_eps: float,
        cos: torch.Tensor, sin: torch.Tensor, scale: torch.Tensor | None,
    ) -> torch.Tensor:
        """`norm_rope_fp8` (or `norm_rope`, without `scale`) on a GPU: the text stream (if any) then the image stream, one
        kernel launch each."""
        text_tokens = 0 if text is None else text.shape[1]
        batch, image_tokens, width = image.shape
        dim = image_weight.numel()
        dtype = image.dtype if scale is None else torch.float8_e4m3fn
        out = torch.empty(batch, text_tokens + image_tokens, width // dim, dim, dtype=dtype, device=image.device)
        cos, sin = cos.contiguous(), sin.contiguous()
        scale = None if scale is None else scale.contiguous()  # a scale expanded from one value has stride 0
        if text is not None:
            launch(out, text.contiguous(), text_bias, text_weight, text_eps, 0, cos, sin, scale)
        launch(out, image.contiguous(), image_bias, image_weight, image_eps, text_tokens, cos, sin, scale)
        return out
