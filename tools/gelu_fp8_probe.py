"""Our kernel for the single block's MLP activation, concatenation and FP8 quantization (`lora_fast.speed.gelu_fp8`)
alone against inductor's code for the same path (the torch path, compiled), at FLUX.1-dev's single block at
1024x1024 (4608 tokens, 3072 + 12288 columns), one image, with per-row and calibrated scales; ours under several
tilings (columns per loop step or the whole row at once, warps). Times are the kernels' own (torch.profiler, 20 calls). Prints one JSON line
per scaling: microseconds per call of each, the memory bound at the GPU's specified bandwidth, and the share of e4m3
values that agree with inductor's.

    python tools/gelu_fp8_probe.py > out/gelu_fp8_probe.jsonl
"""

from __future__ import annotations

import json
from unittest import mock

import torch
from norm_rope_probe import e4m3_agree, kernel_us, memory_bound  # tools/ is on the path of a script run from it

from lora_fast.speed import gelu_fp8
from lora_fast.speed.gelu_fp8 import gelu_cat_fp8, reference

TOKENS, ATTENTION, MLP = 4608, 3072, 12288
# columns per step (None: the whole row at once), warps; in steps, with more warps a row fewer rows are in flight, each
# more likely still in L2 for its second pass
TILINGS = [(2048, 8), (1024, 4), (4096, 16), (None, 4), (None, 8), (None, 16), (None, 32)]


def main() -> None:
    print(json.dumps({"gpu": torch.cuda.get_device_name(), "torch": torch.__version__}), flush=True)
    torch.set_grad_enabled(False)  # inference: the op has no autograd formula
    generator = torch.Generator("cuda").manual_seed(0)
    attention, mlp, bias = (torch.randn(*shape, generator=generator, device="cuda").bfloat16() for shape in ((TOKENS, ATTENTION), (TOKENS, MLP), (MLP,)))
    inductor = torch.compile(reference, fullgraph=True)
    for scaling, scale in (("rowwise", None), ("static", torch.tensor([[20.0]], device="cuda"))):
        theirs = inductor(attention, mlp, bias, scale)[0]
        traffic = TOKENS * (ATTENTION + MLP) * 3  # bf16 read, e4m3 written
        result = {"scaling": scaling, **memory_bound(traffic), "inductor_us": kernel_us(lambda: inductor(attention, mlp, bias, scale))}
        for step, warps in TILINGS:
            with mock.patch.multiple(gelu_fp8, COLUMNS_PER_STEP=step or gelu_fp8.COLUMNS_PER_STEP, WARPS=warps, WHOLE_ROW=step is None):
                result[f"ours_{step or 'whole_row'}{'columns' if step else ''}_{warps}warps_us"] = kernel_us(lambda: gelu_cat_fp8(attention, mlp, bias, scale))
        ours = gelu_cat_fp8(attention, mlp, bias, scale)[0]
        result["e4m3_agree"] = e4m3_agree(ours, theirs)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
