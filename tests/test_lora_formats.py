"""LoRA files as people download them: each layout is written from one LoRA's factors, and every layout must give
the same weight change per layer (B A) as the diffusers-keyed original; parts lora-fast does not apply are refused by
name, never dropped. Where diffusers applies a whole file (XLabs, kohya) its converter is the cross-check; where it
drops parts or loads nothing (BFL/ComfyUI names, PEFT saves: a silent no-op in diffusers 0.42) the format's own
definition is."""

from __future__ import annotations

import pytest
import torch

from lora_fast.lora.files import LoraError, to_diffusers_keys
from lora_fast.lora.formats import layout
from lora_fast.lora.synthetic import LoraSpec, make_lora

# Whole kohya/BFL layers of the tiny transformer: the joint blocks' text q/k/v and output, their MLP's down
# projection, and the single blocks' q/k/v + MLP input (one fused BFL layer) and output.
FUSED_TARGETS = ("attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out", "ff.net.2", "attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp", "proj_out")
XLABS_TARGETS = ("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0", "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out", "proj_out")
BFL_NAMES = {  # kohya's layer names -> BFL's (the same layers, dots where kohya has underscores)
    "img_attn_qkv": "img_attn.qkv", "img_attn_proj": "img_attn.proj", "img_mlp_0": "img_mlp.0", "img_mlp_2": "img_mlp.2",
    "txt_attn_qkv": "txt_attn.qkv", "txt_attn_proj": "txt_attn.proj", "txt_mlp_0": "txt_mlp.0", "txt_mlp_2": "txt_mlp.2",
    "linear1": "linear1", "linear2": "linear2",
}


def changes(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Per transformer module, the weight change B A of a diffusers-keyed state (alphas already folded into B)."""
    modules = {key.rsplit(".", 2)[0] for key in state if key.startswith("transformer.")}
    return {module: state[f"{module}.lora_B.weight"].float() @ state[f"{module}.lora_A.weight"].float() for module in modules}


def same_changes(converted: dict[str, torch.Tensor], original: dict[str, torch.Tensor]) -> None:
    got, expected = changes(converted), changes(original)
    assert got.keys() == expected.keys()
    for module in expected:
        assert torch.allclose(got[module], expected[module], atol=1e-6, rtol=1e-5), module


def as_bfl(kohya: dict[str, torch.Tensor], prefix: str, pair: tuple[str, str]) -> dict[str, torch.Tensor]:
    """kohya keys written as BFL/ComfyUI keys: `[diffusion_model.]double_blocks.0.txt_attn.qkv.lora_A.weight`."""
    out = {}
    for key, value in kohya.items():
        layer, part = key.split(".", 1)
        kind, index, name = layer.removeprefix("lora_unet_").split("_", 2)[0], layer.split("_")[4], layer.split("_", 5)[5]
        part = {"lora_down.weight": f"{pair[0]}.weight", "lora_up.weight": f"{pair[1]}.weight", "alpha": "alpha"}[part]
        out[f"{prefix}{kind}_blocks.{index}.{BFL_NAMES[name]}.{part}"] = value
    return out


def as_xlabs(diffusers: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """diffusers keys written as XLabs keys: q/k/v fused (one shared down matrix, up matrices stacked), no alpha."""
    out = {}
    for block, kind, layers in (("transformer_blocks", "double", {"qkv_lora1": ("attn.to_q", "attn.to_k", "attn.to_v"), "proj_lora1": ("attn.to_out.0",),
                                                                  "qkv_lora2": ("attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj"), "proj_lora2": ("attn.to_add_out",)}),
                                ("single_transformer_blocks", "single", {"qkv_lora": ("attn.to_q", "attn.to_k", "attn.to_v"), "proj_lora": ("proj_out",)})):
        for index in range(2):
            for name, modules in layers.items():
                keys = [f"transformer.{block}.{index}.{module}" for module in modules]
                if f"{keys[0]}.lora_A.weight" not in diffusers:
                    continue
                out[f"{kind}_blocks.{index}.processor.{name}.down.weight"] = diffusers[f"{keys[0]}.lora_A.weight"]
                out[f"{kind}_blocks.{index}.processor.{name}.up.weight"] = torch.cat([diffusers[f"{key}.lora_B.weight"] for key in keys])
    return out


@pytest.fixture(scope="module")
def originals(tiny_pipe):
    """One LoRA in kohya keys and in diffusers keys (the factory shares A across fused layers, so both hold the same
    LoRA), with an alpha that is not the rank."""
    spec = LoraSpec(rank=3, alpha=6.0, seed=5, targets=FUSED_TARGETS)
    return make_lora(tiny_pipe.transformer, spec), make_lora(tiny_pipe.transformer, LoraSpec(**{**spec.__dict__, "key_format": "kohya"}))


@pytest.mark.parametrize("prefix", ["", "base_model.model."])
def test_peft_saves_load_as_their_diffusers_original(tiny_pipe, originals, prefix):
    diffusers, _ = originals
    peft = {prefix + key.removeprefix("transformer."): value for key, value in diffusers.items()}
    first = next(key for key in peft if key.endswith(".lora_A.weight"))
    peft[first.replace(".lora_A.weight", ".lora_A.default.weight")] = peft.pop(first)  # adapter-named keys too
    assert layout(list(peft)) == "peft"
    same_changes(to_diffusers_keys(peft, tiny_pipe)[0], diffusers)


@pytest.mark.parametrize("prefix", ["diffusion_model.", ""])
@pytest.mark.parametrize("pair", [("lora_A", "lora_B"), ("lora_down", "lora_up")])
def test_bfl_and_comfyui_names_load_as_the_kohya_file(tiny_pipe, originals, prefix, pair):
    """BFL names are kohya's layers with dots: the same factors, split over diffusers' modules the same way (diffusers
    0.42 loads these files as a silent no-op: the image does not change)."""
    diffusers, kohya = originals
    bfl = as_bfl(kohya, prefix, pair)
    assert layout(list(bfl)) == "bfl"
    same_changes(to_diffusers_keys(bfl, tiny_pipe)[0], diffusers)


def test_xlabs_loads_as_diffusers_own_converter_reads_it(tiny_pipe):
    from diffusers.loaders.lora_conversion_utils import _convert_xlabs_flux_lora_to_diffusers

    diffusers = make_lora(tiny_pipe.transformer, LoraSpec(rank=2, seed=6, targets=XLABS_TARGETS))
    xlabs = as_xlabs(diffusers)
    assert layout(list(xlabs)) == "xlabs"
    converted = to_diffusers_keys(xlabs, tiny_pipe)[0]
    same_changes(converted, diffusers)
    same_changes(converted, _convert_xlabs_flux_lora_to_diffusers(dict(xlabs)))


def test_kohya_loads_as_its_diffusers_original(tiny_pipe, originals):
    """(diffusers' kohya converter hard-codes Flux.1's full widths for the fused single-block layer, so on the tiny
    model the cross-check is the definition: the factory's two key formats hold one LoRA.)"""
    diffusers, kohya = originals
    assert layout(list(kohya)) == "kohya"
    same_changes(to_diffusers_keys(kohya, tiny_pipe)[0], diffusers)


@pytest.mark.parametrize(
    "extra, named",
    [
        ({"lora_unet_single_blocks_0_linear2.hada_w1_a": torch.ones(32, 2)}, "kohya (sd-scripts) LoRA with parts lora-fast does not apply (LyCORIS LoHa factors (hada_*)"),
        ({"lora_unet_single_blocks_0_linear2.lokr_w1": torch.ones(4, 4)}, "LyCORIS LoKr factors (lokr_*)"),
        ({"lora_unet_single_blocks_0_linear2.diff_b": torch.ones(32)}, "bias deltas (diff_b)"),
        ({"lora_unet_double_blocks_0_img_attn_norm_key_norm.diff": torch.ones(16)}, "full weight deltas (.diff, for norms)"),
    ],
)
def test_parts_lora_fast_does_not_apply_are_refused_by_name(tiny_pipe, originals, extra, named):
    diffusers, kohya = originals
    base = kohya if next(iter(extra)).startswith("lora_unet_") else diffusers
    with pytest.raises(LoraError, match=named.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        to_diffusers_keys({**base, **extra}, tiny_pipe, "style.safetensors")


def test_another_models_keys_are_named_as_such(tiny_pipe):
    sdxl = {"unet.down_blocks.0.attentions.0.proj_in.lora_A.weight": torch.ones(2, 8), "unet.down_blocks.0.attentions.0.proj_in.lora_B.weight": torch.ones(8, 2)}
    with pytest.raises(LoraError, match="no Flux LoRA layout lora-fast reads.*diffusers / ai-toolkit, PEFT, kohya"):
        to_diffusers_keys(sdxl, tiny_pipe)
    not_flux = {"double_blocks.0.img_attn.no_such.lora_A.weight": torch.ones(2, 32), "double_blocks.0.img_attn.no_such.lora_B.weight": torch.ones(32, 2)}
    with pytest.raises(LoraError, match="not a layer of Flux.1"):
        to_diffusers_keys(not_flux, tiny_pipe)


def test_an_xlabs_fused_layer_of_uneven_rows_is_refused_by_name(tiny_pipe):
    from lora_fast.lora.formats import to_known_keys

    broken = {"double_blocks.0.processor.qkv_lora1.down.weight": torch.zeros(2, 32), "double_blocks.0.processor.qkv_lora1.up.weight": torch.zeros(97, 2)}
    with pytest.raises(LoraError, match=r"XLabs layer double_blocks\.0\.processor\.qkv_lora1\.up\.weight has 97 output rows, not 3 equal parts"):
        to_known_keys(broken, "the file")
