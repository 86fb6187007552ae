"""Attention alone, every backend: time per call, TFLOP/s and error against fp32 math.

On a GPU at the Flux.1-dev shape (batch 1, 4096 image + 512 text tokens, 24 heads of 128); on the CPU at a
small shape, so the case still runs there. Each case also times a call on a tiny shape: what one call costs the host. FA3 cases also time the package's own call, to show what our
custom op adds, and the FP8 case the reference's unscaled cast, to compare errors."""

from __future__ import annotations

import pytest
import torch

from lora_fast.bench.similarity import relative_error
from lora_fast.bench.timing import seconds_per_call, synced_timer
from lora_fast.config import Attention
from lora_fast.speed.attention import (
    FLUX_ATTENTION_SHAPE, attention_function, exact_attention, fa3_forward, fa3_fp8, fa3_fp8_attention, fa3_fp8_unscaled_attention, fa3_module,
    quantize_per_head,
)

CPU_SHAPE = (1, 256, 2, 64)


def attention_flops(batch: int, tokens: int, heads: int, head_dim: int) -> float:
    """Multiply-adds of QK^T and PV, counted as two FLOPs each."""
    return 4.0 * batch * heads * tokens * tokens * head_dim


@pytest.fixture(scope="module")
def inputs(device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    shape = FLUX_ATTENTION_SHAPE if device == "cuda" else CPU_SHAPE
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    generator = torch.Generator(device).manual_seed(0)
    return tuple(torch.randn(shape, generator=generator, device=device, dtype=dtype) for _ in range(3))


@pytest.fixture(scope="module")
def exact_output(inputs) -> torch.Tensor:
    return exact_attention(*inputs)


@pytest.mark.benchmark(timer=synced_timer, disable_gc=True)
@pytest.mark.parametrize("attention", list(Attention))
def test_attention_kernel(benchmark, attention, inputs, exact_output):
    function = attention_function(attention)
    output = benchmark.pedantic(function, args=inputs, rounds=10, iterations=20, warmup_rounds=2)
    flops = attention_flops(*inputs[0].shape)
    compiled = torch.compile(function, fullgraph=True)  # raises on a graph break
    info = dict(
        shape=list(inputs[0].shape), dtype=str(inputs[0].dtype),
        ms=benchmark.stats.stats.median * 1e3 if benchmark.stats else None,  # None with --benchmark-disable
        tflops=flops / benchmark.stats.stats.median / 1e12 if benchmark.stats else None,
        compiled_tflops=flops / seconds_per_call(compiled, *inputs) / 1e12,
        rel_error=relative_error(output, exact_output),
    )
    # 128 tokens of one head: the GPU work is negligible, so the time per call is the CPU cost of making it,
    # which bounds the whole pipeline when the GPU is faster than the host (1596 attention calls per image).
    tiny = tuple(tensor[:, :128, :1].contiguous() for tensor in inputs)
    info.update(eager_call_us_tiny=seconds_per_call(function, *tiny) * 1e6, compiled_call_us_tiny=seconds_per_call(compiled, *tiny) * 1e6)
    if attention is Attention.FA3:  # what our custom op adds over the call it wraps, and the package's public API
        op, raw = seconds_per_call(function, *inputs), seconds_per_call(fa3_forward, *inputs)
        public = seconds_per_call(lambda q, k, v: fa3_module().flash_attn_func(q, k, v), *inputs)
        info.update(op_tflops=flops / op / 1e12, raw_tflops=flops / raw / 1e12, public_api_tflops=flops / public / 1e12, op_overhead_pct=100 * (op / raw - 1))
    if attention is Attention.FA3_FP8:  # the same on pre-quantized inputs, and the reference's unscaled cast
        q8, q_descale, k8, k_descale, v8, v_descale = (part for tensor in inputs for part in quantize_per_head(tensor))
        descales = dict(q_descale=q_descale, k_descale=k_descale, v_descale=v_descale)
        bounds = [tensor.abs().max() for tensor in inputs[:2]]
        op = seconds_per_call(fa3_fp8, q8, k8, v8, q_descale, k_descale, v_descale)
        raw = seconds_per_call(lambda q, k, v: fa3_forward(q, k, v, **descales), q8, k8, v8)
        info.update(
            op_tflops=flops / op / 1e12, raw_tflops=flops / raw / 1e12, op_overhead_pct=100 * (op / raw - 1),
            raw_without_descale_tflops=flops / seconds_per_call(fa3_forward, q8, k8, v8) / 1e12,
            quantize_ms=seconds_per_call(torch.compile(quantize_per_head, fullgraph=True), inputs[0]) * 3e3,
            # as in the Flux processor: query and key scaled by a known bound (no pass over them), value per head
            compiled_with_bounds_tflops=flops / seconds_per_call(torch.compile(fa3_fp8_attention, fullgraph=True), *inputs, *bounds) / 1e12,
            rel_error_unscaled_cast=relative_error(fa3_fp8_unscaled_attention(*inputs), exact_output),
        )
    benchmark.extra_info.update(info)
