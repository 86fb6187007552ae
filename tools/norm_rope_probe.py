"""Our q/k kernel (`lora_fast.speed.norm_rope`) alone against inductor's code for the same path (the torch path,
compiled), at FLUX.1-dev's shapes at 1024x1024: a single block's query (4608 tokens, one stream) and a joint block's
(512 text + 4096 image tokens), 24 heads of 128, one image. Both compiled with CUDA graphs, so the host's cost per
call drops out. Prints one JSON line per shape: microseconds per call of each (CUDA events, back to back) and the
share of e4m3 values that agree.

    python tools/norm_rope_probe.py > out/norm_rope_probe.jsonl
"""

from __future__ import annotations

import json

import torch
from fp8_gemm_probe import milliseconds  # tools/ is on the path of a script run from it

from lora_fast.speed.norm_rope import Stream, norm_rope_fp8, reference

HEADS, DIM = 24, 128
SHAPES = {"single": (4608,), "joint": (512, 4096)}


def streams(tokens: tuple[int, ...]) -> tuple[list[Stream], tuple[torch.Tensor, torch.Tensor], torch.Tensor]:
    generator = torch.Generator("cuda").manual_seed(0)
    randn = lambda *shape: torch.randn(*shape, generator=generator, device="cuda")  # noqa: E731
    made = []
    for count in tokens:
        norm = torch.nn.RMSNorm(DIM, eps=1e-6, device="cuda", dtype=torch.bfloat16)
        made.append(Stream(randn(1, count, HEADS * DIM).bfloat16(), randn(HEADS * DIM).bfloat16(), norm))
    angles = randn(sum(tokens), DIM // 2).repeat_interleave(2, dim=-1)
    return made, (angles.cos(), angles.sin()), torch.full((HEADS,), 100.0, device="cuda")


def main() -> None:
    print(json.dumps({"gpu": torch.cuda.get_device_name(), "torch": torch.__version__}), flush=True)
    torch.set_grad_enabled(False)  # inference: the op has no autograd formula
    for shape, tokens in SHAPES.items():
        given = streams(tokens)
        runs = {name: torch.compile(function, fullgraph=True, mode="reduce-overhead") for name, function in (("ours_us", norm_rope_fp8), ("inductor_us", reference))}

        def call(name: str) -> torch.Tensor:
            torch.compiler.cudagraph_mark_step_begin()
            return runs[name](*given)

        ours, theirs = call("ours_us").clone(), call("inductor_us").clone()
        agree = (ours.view(torch.uint8) == theirs.view(torch.uint8)).float().mean().item()
        timed = {name: round(milliseconds(lambda name=name: call(name)) * 1e3, 1) for name in runs}
        print(json.dumps({"shape": shape, "tokens": tokens, **timed, "e4m3_agree": round(agree, 4)}), flush=True)


if __name__ == "__main__":
    main()
