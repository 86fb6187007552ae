"""FP8 matmul kernels at FLUX.1-dev's shapes (1024x1024: 4096 image and 512 text tokens, 19 joint and 38 single blocks):
torch._scaled_mm with one scale per row (what `Fp8Linear` calls) against the same product at unit scales (cuBLAS's
per-tensor kernel, the row scales then applied to the product, a lever it measured and dropped), and bf16, each shape
timed with CUDA events.
Prints one JSON line per shape and one for a step's sum over every FP8 layer of `optimized` (the joint blocks' text
stream included).

    python tools/fp8_gemm_probe.py > probe.jsonl
"""

from __future__ import annotations

import json

import torch

IMAGE, TEXT, DIM, MLP = 4096, 512, 3072, 12288
# (tokens, in, out, layers per step): a joint block's image and text streams, then a single block
SHAPES = [
    (IMAGE, DIM, DIM, 19 * 4), (IMAGE, DIM, MLP, 19), (IMAGE, MLP, DIM, 19),
    (TEXT, DIM, DIM, 19 * 4), (TEXT, DIM, MLP, 19), (TEXT, MLP, DIM, 19),
    (IMAGE + TEXT, DIM, DIM, 38 * 3), (IMAGE + TEXT, DIM, MLP, 38), (IMAGE + TEXT, DIM + MLP, DIM, 38),
]


def milliseconds(run, repeats: int = 50) -> float:
    for _ in range(5):
        run()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(repeats):
        run()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / repeats


def main() -> None:
    totals = {"rowwise": 0.0, "unit_scales": 0.0, "bf16": 0.0}
    for tokens, inputs, outputs, count in SHAPES:
        a = torch.randn(tokens, inputs, device="cuda", dtype=torch.bfloat16)
        w = torch.randn(outputs, inputs, device="cuda", dtype=torch.bfloat16)
        a8, w8 = a.to(torch.float8_e4m3fn), w.to(torch.float8_e4m3fn)
        row_a = torch.rand(tokens, 1, device="cuda") + 0.5
        row_w = torch.rand(1, outputs, device="cuda") + 0.5
        unit = torch.ones((), device="cuda")
        times = {
            "rowwise": milliseconds(lambda: torch._scaled_mm(a8, w8.t(), scale_a=row_a, scale_b=row_w, out_dtype=torch.bfloat16, use_fast_accum=True)),
            "unit_scales": milliseconds(lambda: torch._scaled_mm(a8, w8.t(), scale_a=unit, scale_b=unit, out_dtype=torch.bfloat16, use_fast_accum=True)),
            "bf16": milliseconds(lambda: a @ w.t()),
        }
        flop = 2 * tokens * inputs * outputs
        print(json.dumps({"shape": [tokens, inputs, outputs], "layers_per_step": count,
                          **{f"{name}_ms": round(ms, 4) for name, ms in times.items()},
                          **{f"{name}_tflops": round(flop / ms / 1e9, 1) for name, ms in times.items()}}))
        for name, ms in times.items():
            totals[name] += ms * count
    print(json.dumps({"per_step_ms": {name: round(ms, 2) for name, ms in totals.items()},
                      "per_image_28_steps_s": {name: round(ms * 28 / 1000, 3) for name, ms in totals.items()},
                      "gpu": torch.cuda.get_device_name()}))


if __name__ == "__main__":
    main()
