"""Fused q/k/v projections with a folded LoRA, on the tiny pipeline: the same images as the separate
projections through a sequence of swaps (in bf16-free float32 and with our FP8 linears), and an undo that leaves
the model as it was."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from lora_fast.bench.similarity import relative_error
from lora_fast.config import ConfigError, OptimizationConfig
from lora_fast.optimize import optimize, restore
from lora_fast.speed.fuse import FUSED_PARTS
from lora_fast.speed.quantize import Fp8Linear

# x [Wq Wk Wv] against x Wq, x Wk, x Wv: the same sums, possibly in another order
FUSE_TOLERANCE = 1e-5
PROJECTIONS = ("attn.to_q", "attn.to_k", "attn.to_v", "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_out.0", "proj_out")
# the first LoRA prepares every layer the later ones touch; the second leaves most of them (and parts of each fused layer) out
SEQUENCE = [dict(rank=8, seed=1, targets=PROJECTIONS), dict(rank=3, seed=2, targets=("attn.to_q", "attn.add_k_proj")), dict(rank=5, seed=4, targets=PROJECTIONS)]


def images_over_swaps(pipe, generate, config, loras) -> list[torch.Tensor]:
    optimize(pipe, config, loras[0])
    try:
        images = [generate(pipe)]
        for lora in loras[1:]:
            pipe.lora_fast.lora.load(lora)
            images.append(generate(pipe))
        return images
    finally:
        restore(pipe)


def attentions(transformer: torch.nn.Module) -> list[torch.nn.Module]:
    return [module for module in transformer.modules() if hasattr(module, "to_q")]


@pytest.mark.parametrize("quantization", ["none", "fp8_rowwise"])
def test_fused_projections_give_the_separate_ones_images_through_swaps(pipe, generate, lora_factory, quantization):
    loras = [lora_factory(**spec) for spec in SEQUENCE]
    before = {name: tensor.clone() for name, tensor in pipe.transformer.state_dict().items()}
    separate = OptimizationConfig(name="separate", hotswap=True, fold_lora=True, quantization=quantization)
    expected = images_over_swaps(pipe, generate, separate, loras)
    fused = images_over_swaps(pipe, generate, dataclasses.replace(separate, name="fused", fuse_qkv=True), loras)
    for want, got in zip(expected, fused):
        assert relative_error(got, want) < FUSE_TOLERANCE
    assert all(relative_error(expected[index], expected[index + 1]) > 1e-3 for index in range(len(loras) - 1))  # each swap shows
    assert not any(module.fused_projections or hasattr(module, "to_qkv") for module in attentions(pipe.transformer))
    after = pipe.transformer.state_dict()
    assert after.keys() == before.keys() and all(torch.equal(after[name], before[name]) for name in before)


def test_fused_fp8_layers_compute_and_the_separate_ones_are_left_out(pipe, lora_factory):
    optimize(pipe, OptimizationConfig(hotswap=True, fold_lora=True, fuse_qkv=True, quantization="fp8_rowwise"), lora_factory(rank=4))
    modules = attentions(pipe.transformer)
    assert modules and all(module.fused_projections and isinstance(module.to_qkv, Fp8Linear) for module in modules)
    joint = [module for module in modules if module.added_kv_proj_dim is not None]
    assert joint and all(isinstance(module.to_added_qkv, Fp8Linear) for module in joint)
    assert all(isinstance(getattr(module, part), torch.nn.Linear) for module in joint for part in FUSED_PARTS)  # unused: not quantized


def test_fused_projections_without_folding_are_refused():
    with pytest.raises(ConfigError, match="fuse_qkv=True without fold_lora.*set fold_lora=True"):
        OptimizationConfig(hotswap=True, fuse_qkv=True)
