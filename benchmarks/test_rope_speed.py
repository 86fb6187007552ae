"""Query/key RMSNorm and rotary embedding alone, at Flux.1-dev's single-block shape (4608 tokens, 24 heads of 128),
two ways, each compiled: diffusers' (`apply_rotary_emb`: pairs unbound, negated and stacked into a rotated copy)
and the same arithmetic written on the pairs directly. Time per call (wall and the GPU's kernel time alone), the
memory bound, and the outputs' difference.

The question (issue 12): in the `0023` profile inductor's kernel for this step took 121 µs per call in `no_fp8`
(141 µs with the FP8 scaling, 1064 calls an image) against about 24 µs of memory traffic. Does the formulation
decide the kernel inductor makes?"""

from __future__ import annotations

import pytest
import torch
from diffusers.models.embeddings import apply_rotary_emb

from lora_fast.bench.profiling import H200_BYTES_PER_S, profile_call
from lora_fast.bench.similarity import relative_error
from lora_fast.bench.timing import synced_timer

TOKENS, HEADS, HEAD_DIM = 4608, 24, 128


def diffusers_way(query, key, query_weight, key_weight, cos, sin):
    """What Flux's attention does today: torch's RMSNorm, then diffusers' rotary embedding."""
    query = torch.nn.functional.rms_norm(query, (HEAD_DIM,), query_weight, eps=1e-6)
    key = torch.nn.functional.rms_norm(key, (HEAD_DIM,), key_weight, eps=1e-6)
    return apply_rotary_emb(query, (cos, sin), sequence_dim=1), apply_rotary_emb(key, (cos, sin), sequence_dim=1)


def rotate_pairs(tensor: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate each (even, odd) pair of the last dim by its angle: cos and sin are (tokens, head_dim / 2)."""
    pairs = tensor.float().unflatten(-1, (-1, 2))
    even, odd = pairs[..., 0], pairs[..., 1]
    cos, sin = cos[None, :, None, :], sin[None, :, None, :]
    return torch.stack([even * cos - odd * sin, odd * cos + even * sin], dim=-1).flatten(-2).to(tensor.dtype)


def pairs_way(query, key, query_weight, key_weight, cos, sin):
    """The same arithmetic on the pairs, with the angles' cos and sin once per pair."""
    cos, sin = cos[:, 0::2], sin[:, 0::2]  # diffusers repeats each angle for both members of a pair
    query = torch.nn.functional.rms_norm(query, (HEAD_DIM,), query_weight, eps=1e-6)
    key = torch.nn.functional.rms_norm(key, (HEAD_DIM,), key_weight, eps=1e-6)
    return rotate_pairs(query, cos, sin), rotate_pairs(key, cos, sin)


WAYS = {"diffusers": diffusers_way, "pairs": pairs_way}


def inputs(device: str, tokens: int) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator(device).manual_seed(0)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    query, key = (torch.randn(1, tokens, HEADS, HEAD_DIM, generator=generator, device=device, dtype=dtype) for _ in range(2))
    query_weight, key_weight = (1 + 0.1 * torch.randn(HEAD_DIM, generator=generator, device=device, dtype=dtype) for _ in range(2))
    angles = torch.rand(tokens, HEAD_DIM // 2, generator=generator, device=device) * 6.3
    cos, sin = (function(angles).repeat_interleave(2, dim=-1) for function in (torch.cos, torch.sin))  # as Flux's FluxPosEmbed gives them
    return query, key, query_weight, key_weight, cos, sin


def test_the_two_ways_agree():
    """On the CPU in float32: the pairs' arithmetic is diffusers' (the check the GPU case repeats in bf16)."""
    values = inputs("cpu", 64)
    for want, got in zip(diffusers_way(*values), pairs_way(*values)):
        assert relative_error(got, want) < 1e-6


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="the kernels inductor makes for a CUDA GPU are what is timed")
@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("way", list(WAYS))
def test_rms_norm_and_rotary_embedding(benchmark, way):
    values = inputs("cuda", TOKENS)
    function = torch.compile(WAYS[way], fullgraph=True)
    query, key = benchmark.pedantic(function, args=values, rounds=10, iterations=50, warmup_rounds=2)
    expected = torch.compile(diffusers_way, fullgraph=True)(*values)
    calls = 20
    profile = profile_call(lambda: [function(*values) for _ in range(calls)])
    moved = 4 * query.numel() * query.element_size() + sum(tensor.numel() * tensor.element_size() for tensor in values[2:])
    seconds = benchmark.stats.stats.median if benchmark.stats else None  # None with --benchmark-disable
    benchmark.extra_info.update(
        us=seconds and seconds * 1e6, gpu_us=profile.gpu_busy_s / calls * 1e6,
        kernels=[[kernel.name, kernel.calls, kernel.seconds] for kernel in profile.kernels], memory_bound_us=moved / H200_BYTES_PER_S * 1e6,
        rel_error_vs_diffusers=max(relative_error(query, expected[0]), relative_error(key, expected[1])),
    )
