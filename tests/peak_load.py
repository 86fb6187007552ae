"""Run by test_loras in a fresh process: loads two LoRAs of rank 512 on every linear layer of a 1024-wide,
one-block-each Flux transformer (106 MiB of factors each) into a folded slot and a peft slot, and prints, as JSON,
each load's peak memory above the memory in use just before it (less the originals a folded slot's first load
keeps) over the file's tensor bytes. Linux: the peak is reset before each load (lora_fast.bench.memory)."""

import gc
import json
import sys
from pathlib import Path

import torch
from diffusers import FluxTransformer2DModel
from safetensors.torch import save_file

from lora_fast.bench.memory import host_memory_gib, peak_host_memory_gib, reset_peak_host_memory
from lora_fast.lora.slot import LoraSlot
from lora_fast.lora.targets import ALL_TARGETS, target_modules
from lora_fast.pipelines import TINY, load_pipeline

RANK = 512


def write_lora(transformer: torch.nn.Module, seed: int, path: Path) -> int:
    generator, state = torch.Generator().manual_seed(seed), {}
    for name in target_modules(transformer, ALL_TARGETS):
        layer = transformer.get_submodule(name)
        state[f"transformer.{name}.lora_A.weight"] = torch.randn(RANK, layer.in_features, generator=generator) / layer.in_features**0.5
        state[f"transformer.{name}.lora_B.weight"] = torch.randn(layer.out_features, RANK, generator=generator) * 1e-3 / RANK**0.5
    save_file(state, path)
    return sum(tensor.numel() * tensor.element_size() for tensor in state.values())


def peak_above_now(action) -> int:
    """Bytes of resident memory `action` took at its peak above what was in use before it (Linux: the peak is reset first)."""
    gc.collect()
    assert reset_peak_host_memory(), "this check needs Linux's /proc/self/clear_refs"
    in_use = int(host_memory_gib() * 2**30)
    action()
    return int(peak_host_memory_gib() * 2**30) - in_use


def main(folder: Path) -> None:
    torch.manual_seed(0)
    pipe = load_pipeline(TINY)
    pipe.transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=64, num_layers=1, num_single_layers=1, attention_head_dim=128, num_attention_heads=8,
        joint_attention_dim=1024, pooled_projection_dim=256, guidance_embeds=True, axes_dims_rope=(16, 56, 56),
    )
    files = [folder / f"{seed}.safetensors" for seed in (0, 1)]
    sizes = [write_lora(pipe.transformer, seed, path) for seed, path in enumerate(files)]
    ratios = {}
    for mode in ("folded", "peft"):
        slot = LoraSlot(pipe, hotswap=mode == "folded", max_rank=RANK, fold=mode == "folded")
        slot.prepare()
        for index, (path, size) in enumerate(zip(files, sizes)):
            peak = peak_above_now(lambda: slot.load(path))
            originals = sum(weight.numel() * weight.element_size() for weight in slot.folded.base.values()) if mode == "folded" and index == 0 else 0
            ratios[f"{mode} load {index + 1}"] = (peak - originals) / size
        slot.unload()
    print(json.dumps(ratios))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
