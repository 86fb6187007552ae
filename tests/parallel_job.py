"""One rank of the context-parallel check (started by tests/test_parallel.py with torchrun, 2 ranks, gloo, CPU).

Each rank makes the tiny pipeline's images with LoRA A then, after a hot-swap, LoRA B: without context
parallelism, then split over the ranks by Ulysses attention and compiled (ring attention needs a GPU backend). It writes what it saw to
<out>/rank<N>.json: the error of each parallel image against the one-rank image, and how far A's and B's differ."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
import torch.distributed as dist

from lora_fast.bench.similarity import relative_error
from lora_fast.config import OptimizationConfig
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.optimize import compiled_graphs, optimized
from lora_fast.pipelines import load_pipeline
from lora_fast.speed.parallel import init_distributed

torch.accelerator.device_count = lambda: 1  # diffusers places each rank on accelerator rank % count, which is 0 on a CPU-only machine
torch.set_num_threads(1)


def images(pipe, config: OptimizationConfig, loras: list) -> tuple[list[torch.Tensor], set[int], list[int]]:
    """One image per LoRA, the LoRAs after the first hot-swapped in; the image token counts the first block saw;
    the graphs compiled for the first image and over the swaps."""
    run = lambda: pipe(prompt="a cube", generator=torch.Generator().manual_seed(0), output_type="latent", height=64, width=64,  # noqa: E731
                       num_inference_steps=2).images.clone()
    tokens: set[int] = set()
    seen = lambda module, args, kwargs: tokens.add(kwargs.get("hidden_states", args[0] if args else None).shape[1])  # noqa: E731
    with optimized(pipe, config, loras[0]):
        handle = pipe.transformer.transformer_blocks[0].register_forward_pre_hook(seen, with_kwargs=True)
        start = compiled_graphs()
        made = [run()]
        first = compiled_graphs()
        for lora in loras[1:]:
            pipe.lora_fast.lora.load(lora)
            made.append(run())
        handle.remove()
    return made, tokens, [first - start, compiled_graphs() - first]


def main(out: Path) -> None:
    device = init_distributed()
    pipe = load_pipeline("tiny", device=device)
    loras = [make_lora(pipe.transformer, LoraSpec(rank=4, seed=seed)) for seed in (1, 2)]
    single, tokens, _ = images(pipe, OptimizationConfig(name="one rank", hotswap=True), loras)
    seen = {"swap_effect": relative_error(single[1], single[0]), "tokens": sorted(tokens)}
    split, tokens, graphs = images(pipe, OptimizationConfig(name="ulysses", hotswap=True, ulysses_degree=2, compile="regional"), loras)
    seen["ulysses"] = [relative_error(image, reference) for image, reference in zip(split, single)]
    seen["ulysses_tokens"] = sorted(tokens)
    seen["compiled"], seen["recompiles"] = graphs
    seen["restored"] = pipe.transformer._parallel_config is None
    (out / f"rank{dist.get_rank()}.json").write_text(json.dumps(seen))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
