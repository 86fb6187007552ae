"""Our kernel for the single block's modulated LayerNorm and its four FP8 linears' input (`lora_fast.speed.norm_fp8`)
alone against inductor's code for the same path (the torch path, compiled), at FLUX.1-dev's single block at
1024x1024 (4608 tokens, 3072 columns), one image, ours at several warps a row. Times are the kernels' own
(torch.profiler, 20 calls). Prints one JSON line: microseconds per call of each, the memory bound at the GPU's
specified bandwidth, and the share of e4m3 values that agree with inductor's.

    python tools/norm_fp8_probe.py > out/norm_fp8_probe.jsonl
"""

from __future__ import annotations

import json
from unittest import mock

import torch
from norm_rope_probe import e4m3_agree, kernel_us, memory_bound  # tools/ is on the path of a script run from it

from lora_fast.speed import norm_fp8
from lora_fast.speed.norm_fp8 import modulated_norm_fp8, reference

TOKENS, WIDTH, EPS = 4608, 3072, 1e-6
WARPS = [1, 2, 4, 8, 16]


def main() -> None:
    print(json.dumps({"gpu": torch.cuda.get_device_name(), "torch": torch.__version__}), flush=True)
    torch.set_grad_enabled(False)  # inference: the op has no autograd formula
    generator = torch.Generator("cuda").manual_seed(0)
    hidden_states, shift, scale = (torch.randn(*shape, generator=generator, device="cuda").bfloat16() for shape in ((1, TOKENS, WIDTH), (1, WIDTH), (1, WIDTH)))
    inductor = torch.compile(reference, fullgraph=True)
    theirs = inductor(hidden_states, shift, scale, EPS)[0]
    traffic = TOKENS * WIDTH * 3  # bf16 read, e4m3 written
    result = {**memory_bound(traffic), "inductor_us": kernel_us(lambda: inductor(hidden_states, shift, scale, EPS))}
    for warps in WARPS:
        with mock.patch.object(norm_fp8, "WARPS", warps):
            result[f"ours_{warps}warps_us"] = kernel_us(lambda: modulated_norm_fp8(hidden_states, shift, scale, EPS))
    ours = modulated_norm_fp8(hidden_states, shift, scale, EPS)[0]
    result["e4m3_agree"] = e4m3_agree(ours, theirs)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
