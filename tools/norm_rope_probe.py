"""Our q/k kernel (`lora_fast.speed.norm_rope`) alone against inductor's code for the same path (the torch path,
compiled), at FLUX.1-dev's shapes at 1024x1024: a single block's query (4608 tokens, one stream) and a joint block's
(512 text + 4096 image tokens), 24 heads of 128, one image; ours under several tilings (rows and heads per program,
warps), and unscaled in bf16 (`norm_rope`, for attention in the model's dtype) at the default tiling. Times are the
kernels' own (torch.profiler, 20 calls): no CUDA graph, whose input copies would add to both.
Prints one JSON line per shape: microseconds per call of each, the memory traffic's share of them at the GPU's
specified bandwidth, and the share of e4m3 values that agree with inductor's.

    python tools/norm_rope_probe.py > out/norm_rope_probe.jsonl
"""

from __future__ import annotations

import json
from unittest import mock

import torch

from lora_fast.bench.profiling import H200_BYTES_PER_S, profile_call
from lora_fast.speed import norm_rope as kernel_module
from lora_fast.speed.norm_rope import Stream, norm_rope, norm_rope_fp8, reference

HEADS, DIM = 24, 128
SHAPES = {"single": (4608,), "joint": (512, 4096)}
TILINGS = [(8, 4, 2), (8, 1, 2), (8, 8, 2), (8, 4, 1), (4, 4, 1), (4, 8, 1), (16, 4, 2), (16, 4, 4), (32, 4, 4)]  # rows, heads, warps per program
H100_BYTES_PER_S = 3.35e12  # the H100 SXM's HBM3 bandwidth as specified


def streams(tokens: tuple[int, ...]) -> tuple[list[Stream], tuple[torch.Tensor, torch.Tensor], torch.Tensor]:
    generator = torch.Generator("cuda").manual_seed(0)
    randn = lambda *shape: torch.randn(*shape, generator=generator, device="cuda")  # noqa: E731
    made = []
    for count in tokens:
        norm = torch.nn.RMSNorm(DIM, eps=1e-6, device="cuda", dtype=torch.bfloat16)
        made.append(Stream(randn(1, count, HEADS * DIM).bfloat16(), randn(HEADS * DIM).bfloat16(), norm))
    angles = randn(sum(tokens), DIM // 2).repeat_interleave(2, dim=-1)
    return made, (angles.cos(), angles.sin()), torch.full((HEADS,), 100.0, device="cuda")


def e4m3_agree(ours: torch.Tensor, theirs: torch.Tensor) -> float:
    """The share of two e4m3 tensors' values that are the same bytes."""
    return round((ours.view(torch.uint8) == theirs.view(torch.uint8)).float().mean().item(), 5)


def memory_bound(traffic: int) -> dict[str, float]:
    """`traffic` bytes in MB, and the microseconds they take at this GPU's specified bandwidth (H200's or H100's)."""
    bandwidth = H200_BYTES_PER_S if "H200" in torch.cuda.get_device_name() else H100_BYTES_PER_S
    return {"traffic_mb": round(traffic / 1e6, 1), "memory_bound_us": round(traffic / bandwidth * 1e6, 1)}


def kernel_us(function, calls: int = 20) -> float:
    """GPU microseconds per call of `function`: its kernels only."""
    function()
    return round(profile_call(lambda: [function() for _ in range(calls)]).gpu_busy_s / calls * 1e6, 1)


def main() -> None:
    print(json.dumps({"gpu": torch.cuda.get_device_name(), "torch": torch.__version__}), flush=True)
    torch.set_grad_enabled(False)  # inference: the op has no autograd formula
    inductor = torch.compile(reference, fullgraph=True)
    for shape, tokens in SHAPES.items():
        given = streams(tokens)
        theirs = inductor(*given)
        traffic = sum(tokens) * HEADS * DIM * 3  # bf16 read, e4m3 written
        result = {"shape": shape, "tokens": tokens, **memory_bound(traffic), "inductor_us": kernel_us(lambda: inductor(*given))}
        for rows, heads, warps in TILINGS:
            with mock.patch.multiple(kernel_module, ROWS_PER_PROGRAM=rows, HEADS_PER_PROGRAM=heads, WARPS=warps):
                result[f"ours_{rows}rows_{heads}heads_{warps}warps_us"] = kernel_us(lambda: norm_rope_fp8(*given))
        query_streams, rotary, _ = given
        unscaled = torch.compile(reference, fullgraph=True)
        result["inductor_unscaled_us"] = kernel_us(lambda: unscaled(query_streams, rotary))
        result["ours_unscaled_us"] = kernel_us(lambda: norm_rope(query_streams, rotary))  # bf16 out, as in no_fp8
        ours = norm_rope_fp8(*given)
        result["e4m3_agree"] = e4m3_agree(ours, theirs)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
