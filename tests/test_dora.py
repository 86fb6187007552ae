"""DoRA LoRAs (a magnitude vector per layer beside A and B), folded: W' = m (W + B A) / |W + B A|, the norm per
output row (peft's `lora_magnitude_vector`, LyCORIS' default `dora_scale`) or per input column (LyCORIS without
wd_on_out). Cross-checked against peft's own DoRA merge, in each layout that carries it; strengths and stacks as
ComfyUI applies them (W + s (W' - W), changes added); refused by name where lora-fast does not fold."""

from __future__ import annotations

import pytest
import torch

from lora_fast.config import OptimizationConfig
from lora_fast.lora.files import LoraError, to_diffusers_keys
from lora_fast.lora.fold import Decomposed
from lora_fast.optimize import optimize

FOLDED = OptimizationConfig(name="folded", hotswap=True, fold_lora=True, max_rank=16)
MODULE = "single_transformer_blocks.0.proj_out"
QKV = ("attn.to_q", "attn.to_k", "attn.to_v")


def dora_layer(pipe, module: str, rank: int = 4, seed: int = 0) -> dict[str, torch.Tensor]:
    """A DoRA layer in peft's keys: A, B and a magnitude per output row that differs from W's own row norms."""
    generator = torch.Generator().manual_seed(seed)
    layer = pipe.transformer.get_submodule(module)
    down = torch.randn(rank, layer.in_features, generator=generator) / layer.in_features ** 0.5
    up = torch.randn(layer.out_features, rank, generator=generator) * 0.1
    magnitude = layer.weight.detach().float().norm(dim=1) * (1 + 0.3 * torch.rand(layer.out_features, generator=generator))
    return {f"transformer.{module}.lora_A.weight": down, f"transformer.{module}.lora_B.weight": up, f"transformer.{module}.lora_magnitude_vector": magnitude}


def peft_merge(weight: torch.Tensor, down: torch.Tensor, up: torch.Tensor, magnitude: torch.Tensor) -> torch.Tensor:
    """The weight peft's own DoRA layer merges to, made by peft from the same factors."""
    from peft import LoraConfig, inject_adapter_in_model

    model = torch.nn.Sequential(torch.nn.Linear(weight.shape[1], weight.shape[0], bias=False))
    model[0].weight.data.copy_(weight)
    model = inject_adapter_in_model(LoraConfig(r=down.shape[0], lora_alpha=down.shape[0], use_dora=True, target_modules=["0"]), model)
    with torch.no_grad():
        model[0].lora_A["default"].weight.copy_(down)
        model[0].lora_B["default"].weight.copy_(up)
        model[0].lora_magnitude_vector["default"].weight.copy_(magnitude)
    model[0].merge()
    return model[0].base_layer.weight.detach()


def weight_of(pipe, module: str) -> torch.Tensor:
    return pipe.transformer.get_submodule(module).weight.detach().clone()


def test_a_folded_dora_layer_is_peft_s_merge(pipe):
    lora = dora_layer(pipe, MODULE)
    base = weight_of(pipe, MODULE)
    optimize(pipe, FOLDED, lora)
    expected = peft_merge(base, *(lora[f"transformer.{MODULE}{part}"] for part in (".lora_A.weight", ".lora_B.weight", ".lora_magnitude_vector")))
    assert not torch.allclose(expected, base + lora[f"transformer.{MODULE}.lora_B.weight"] @ lora[f"transformer.{MODULE}.lora_A.weight"], atol=1e-3)
    assert torch.allclose(weight_of(pipe, MODULE), expected, atol=1e-5)


@pytest.mark.parametrize("layout", ["peft", "peft_save", "kohya", "bfl"])
def test_each_layout_s_magnitudes_fold_to_the_same_weights(pipe, layout):
    """The same DoRA LoRA on the single block's fused q/k/v (kohya's and BFL's `linear1` holds q, k, v and the MLP
    input: one shared A, the up rows and the magnitudes split per module) in each layout's keys."""
    modules = [f"single_transformer_blocks.0.{name}" for name in (*QKV, "proj_mlp")]
    shared = dora_layer(pipe, modules[0])
    lora = {}
    for index, module in enumerate(modules):
        own = dora_layer(pipe, module, seed=index)
        lora.update(own)
        lora[f"transformer.{module}.lora_A.weight"] = shared[f"transformer.{modules[0]}.lora_A.weight"]
    base = {module: weight_of(pipe, module) for module in modules}
    down = lora[f"transformer.{modules[0]}.lora_A.weight"]
    up = torch.cat([lora[f"transformer.{module}.lora_B.weight"] for module in modules])
    magnitude = torch.cat([lora[f"transformer.{module}.lora_magnitude_vector"] for module in modules])
    written = {
        "peft": lora,
        "peft_save": {f"base_model.model.{key.removeprefix('transformer.')}".replace("lora_magnitude_vector", "lora_magnitude_vector.weight"): value
                      for key, value in lora.items()},
        "kohya": {"lora_unet_single_blocks_0_linear1.lora_down.weight": down, "lora_unet_single_blocks_0_linear1.lora_up.weight": up,
                  "lora_unet_single_blocks_0_linear1.alpha": torch.tensor(4.0), "lora_unet_single_blocks_0_linear1.dora_scale": magnitude[:, None]},
        "bfl": {"diffusion_model.single_blocks.0.linear1.lora_A.weight": down, "diffusion_model.single_blocks.0.linear1.lora_B.weight": up,
                "diffusion_model.single_blocks.0.linear1.dora_scale": magnitude[:, None]},
    }[layout]
    optimize(pipe, FOLDED, written)
    for module in modules:
        expected = peft_merge(base[module], down, lora[f"transformer.{module}.lora_B.weight"], lora[f"transformer.{module}.lora_magnitude_vector"])
        assert torch.allclose(weight_of(pipe, module), expected, atol=1e-5), module


def test_magnitudes_per_input_column_normalize_each_column(pipe):
    """LyCORIS without wd_on_out stores one magnitude per input column, (1, in): each column of W + B A is scaled to it."""
    lora = dora_layer(pipe, MODULE)
    down, up = lora[f"transformer.{MODULE}.lora_A.weight"], lora[f"transformer.{MODULE}.lora_B.weight"]
    base = weight_of(pipe, MODULE)
    columns = (base + up @ down).norm(dim=0, keepdim=True) * 1.2
    optimize(pipe, FOLDED, {"lora_unet_single_blocks_0_linear2.lora_down.weight": down, "lora_unet_single_blocks_0_linear2.lora_up.weight": up,
                            "lora_unet_single_blocks_0_linear2.dora_scale": columns})
    assert torch.allclose(weight_of(pipe, MODULE), 1.2 * (base + up @ down), atol=1e-5)


def test_strength_and_stacks_add_dora_changes_as_comfyui_does(pipe, generate, lora_factory):
    dora, plain = dora_layer(pipe, MODULE), lora_factory(rank=2, seed=3, targets=("proj_out",))
    base = weight_of(pipe, MODULE)
    full = Decomposed(*(dora[f"transformer.{MODULE}{part}"] for part in (".lora_A.weight", ".lora_B.weight", ".lora_magnitude_vector"))).change(base)
    optimize(pipe, FOLDED, dora)
    slot = pipe.lora_fast.lora
    assert torch.allclose(weight_of(pipe, MODULE), base + full, atol=1e-5)
    slot.load(dora, strength=0.5)
    at_half = generate(pipe)
    assert torch.allclose(weight_of(pipe, MODULE), base + 0.5 * full, atol=1e-5)
    slot.load(dora, strength=0.0)
    assert torch.equal(weight_of(pipe, MODULE), base)
    slot.load([(dora, 0.5), (plain, 2.0)])
    plain_change = plain[f"transformer.{MODULE}.lora_B.weight"] @ plain[f"transformer.{MODULE}.lora_A.weight"]
    assert torch.allclose(weight_of(pipe, MODULE), base + 0.5 * full + 2.0 * plain_change, atol=1e-5)
    slot.load(dora)
    assert torch.equal(generate(pipe, joint_attention_kwargs={"scale": 0.5}), at_half)  # the per-call scale is a strength


def test_dora_is_refused_by_name_where_it_is_not_folded(pipe, tiny_pipe, lora_factory):
    dora = dora_layer(pipe, MODULE)
    optimize(pipe, OptimizationConfig(name="unfused", hotswap=True, max_rank=16), lora_factory(rank=4, targets=("proj_out",)))
    with pytest.raises(LoraError, match="is a DoRA LoRA .1 layers with magnitude vectors, first single_transformer_blocks.0.proj_out.; .*fold_lora=True"):
        pipe.lora_fast.lora.load(dora)


def test_broken_magnitudes_are_refused_by_name(pipe):
    dora = dora_layer(pipe, MODULE)
    key = f"transformer.{MODULE}.lora_magnitude_vector"
    optimize(pipe, FOLDED, dora)
    cases = {
        "negative values": {**dora, key: -dora[key]},
        "shape": {**dora, key: dora[key][:5]},
        "times the layer's own size": {**dora, key: dora[key] * 1e6},
    }
    for named, lora in cases.items():
        with pytest.raises(LoraError, match=named):
            pipe.lora_fast.lora.load(lora)
    fused_columns = {"lora_unet_single_blocks_0_linear1.lora_down.weight": torch.ones(2, 32), "lora_unet_single_blocks_0_linear1.lora_up.weight": torch.ones(224, 2),
                     "lora_unet_single_blocks_0_linear1.dora_scale": torch.ones(1, 32)}
    with pytest.raises(LoraError, match="per input column .* over 4 fused layers"):
        to_diffusers_keys(fused_columns, pipe)
    q_proj = pipe.text_encoder.get_submodule("text_model.encoder.layers.0.self_attn.q_proj" if hasattr(pipe.text_encoder, "text_model") else "encoder.layers.0.self_attn.q_proj")
    clip = {**dora, **{f"text_encoder.text_model.encoder.layers.0.self_attn.q_proj.{part}": value for part, value in (
        ("lora_A.weight", torch.zeros(2, q_proj.in_features)), ("lora_B.weight", torch.zeros(q_proj.out_features, 2)), ("lora_magnitude_vector", torch.ones(q_proj.out_features)))}}
    with pytest.raises(LoraError, match="DoRA magnitudes on the CLIP text encoder"):
        pipe.lora_fast.lora.load(clip)
