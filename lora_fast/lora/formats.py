"""The key layouts Flux LoRA files come in, told apart by their keys, and rewritten into the two lora-fast converts
itself: diffusers keys (`transformer.<module>.lora_A.weight`, what ai-toolkit and diffusers save) and kohya keys
(`lora_unet_<BFL layer>.lora_down.weight`). PEFT saves lack the `transformer.` prefix; BFL/ComfyUI names are kohya's
layers with dots; XLabs names its layers after its attention processors. DoRA magnitudes (`dora_scale`,
`lora_magnitude_vector`) become `<module>.lora_magnitude_vector`. Parts of a file lora-fast does not apply (LyCORIS
LoHa and LoKr, kohya's bias and norm deltas) are refused by name, never dropped."""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch

from .errors import LoraError

StateDict = dict[str, torch.Tensor]

# Top-level modules of diffusers' Flux transformer: a PEFT save's keys start with one of them.
TRANSFORMER_ROOTS = ("transformer_blocks", "single_transformer_blocks", "x_embedder", "context_embedder", "time_text_embed", "norm_out", "proj_out")
# BFL's (and ComfyUI's) names of the Flux layers outside and inside the blocks, as their keys start.
BFL_ROOTS = ("double_blocks.", "single_blocks.", "img_in.", "txt_in.", "time_in.", "vector_in.", "guidance_in.", "final_layer.")
PEFT_PREFIX, COMFY_PREFIX = "base_model.model.", "diffusion_model."
# Key endings of what a file may hold beside plain LoRA factors, and what each is.
UNSUPPORTED_PARTS = (
    (".hada_w1_a", "LyCORIS LoHa factors (hada_*)"), (".hada_w1_b", "LyCORIS LoHa factors (hada_*)"),
    (".hada_w2_a", "LyCORIS LoHa factors (hada_*)"), (".hada_w2_b", "LyCORIS LoHa factors (hada_*)"),
    (".hada_t1", "LyCORIS LoHa factors (hada_*)"), (".hada_t2", "LyCORIS LoHa factors (hada_*)"),
    (".lokr_w1", "LyCORIS LoKr factors (lokr_*)"), (".lokr_w2", "LyCORIS LoKr factors (lokr_*)"),
    (".lokr_w1_a", "LyCORIS LoKr factors (lokr_*)"), (".lokr_w1_b", "LyCORIS LoKr factors (lokr_*)"),
    (".lokr_w2_a", "LyCORIS LoKr factors (lokr_*)"), (".lokr_w2_b", "LyCORIS LoKr factors (lokr_*)"), (".lokr_t2", "LyCORIS LoKr factors (lokr_*)"),
    (".diff_b", "bias deltas (diff_b)"), (".diff", "full weight deltas (.diff, for norms)"),
)
# A DoRA layer's magnitude vector, as each layout names it (kohya, LyCORIS and BFL: dora_scale; peft: the rest), and
# the one name lora-fast gives it.
MAGNITUDE_ENDINGS = (".dora_scale", ".lora_magnitude_vector.default.weight", ".lora_magnitude_vector.default", ".lora_magnitude_vector.weight",
                     ".lora_magnitude_vector")
MAGNITUDE = ".lora_magnitude_vector"
LAYOUT_NAMES = {
    "diffusers": "diffusers / ai-toolkit", "peft": "PEFT", "kohya": "kohya (sd-scripts)", "bfl": "BFL / ComfyUI", "xlabs": "XLabs",
    "unknown": "no Flux LoRA layout",
}


def layout(keys: list[str]) -> str:
    """The layout of a LoRA's keys: diffusers, peft, kohya, bfl, xlabs, or unknown (the first key decides among
    layouts that both match; a file mixing them is refused when converted)."""
    for key in keys:
        if key.startswith(("lora_unet_", "lora_te")):
            return "kohya"
        if ".processor.qkv_lora" in key or ".processor.proj_lora" in key:
            return "xlabs"
        if key.removeprefix(COMFY_PREFIX).startswith(BFL_ROOTS):
            return "bfl"
        if key.startswith(("transformer.", "text_encoder.", "text_encoder_2.")):
            return "diffusers"
        if key.removeprefix(PEFT_PREFIX).split(".", 1)[0] in TRANSFORMER_ROOTS:
            return "peft"
    return "unknown"


def refuse_unsupported(state: Mapping[str, torch.Tensor], origin: str) -> None:
    """LoraError naming the layout and every kind of part lora-fast does not apply, with how many keys and the first."""
    found: dict[str, list[str]] = {}
    for key in state:
        what = next((what for ending, what in UNSUPPORTED_PARTS if key.endswith(ending)), None)
        if what is not None:
            found.setdefault(what, []).append(key)
    if found:
        kind = LAYOUT_NAMES[layout(list(state))]
        parts = "; ".join(f"{what}: {len(keys)} tensors, first {keys[0]}" for what, keys in found.items())
        raise LoraError(
            f"{origin} is a {kind} LoRA with parts lora-fast does not apply ({parts}); applying the rest would give another image "
            "than its author trained, so it is refused: re-export it as a plain LoRA (lora_A/lora_B or lora_down/lora_up factors)"
        )


def to_known_keys(state: Mapping[str, torch.Tensor], origin: str) -> StateDict:
    """`state` in diffusers keys or kohya keys, whatever layout it came in (values unchanged, XLabs' fused q/k/v split)."""
    refuse_unsupported(state, origin)
    kind = layout(list(state))
    if kind == "peft":
        return {_from_peft(key): value for key, value in state.items()}
    if kind == "bfl":
        return {_from_bfl(key): value for key, value in state.items()}
    if kind == "xlabs":
        return _from_xlabs(state)
    if kind == "diffusers":
        return {magnitude_key(key): value for key, value in state.items()}
    return dict(state)


def _from_peft(key: str) -> str:
    """`[base_model.model.]transformer_blocks.0.attn.to_q.lora_A[.default].weight` (or `.lora_magnitude_vector`)
    -> diffusers' key."""
    key = magnitude_key(key.removeprefix(PEFT_PREFIX).replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.", ".lora_B."))
    return f"transformer.{key}" if key.split(".", 1)[0] in TRANSFORMER_ROOTS else key


def magnitude_key(key: str) -> str:
    """A DoRA magnitude's key under lora-fast's one name for it (`<module>.lora_magnitude_vector`); other keys unchanged."""
    ending = next((ending for ending in MAGNITUDE_ENDINGS if key.endswith(ending)), None)
    return key if ending is None else key.removesuffix(ending) + MAGNITUDE


def _from_bfl(key: str) -> str:
    """`[diffusion_model.]double_blocks.0.img_attn.qkv.lora_A.weight` -> `lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight`."""
    bare = key.removeprefix(COMFY_PREFIX)
    if not bare.startswith(BFL_ROOTS):
        return key
    for ending, kohya in ((".lora_A.weight", ".lora_down.weight"), (".lora_B.weight", ".lora_up.weight"), (".lora_down.weight", ".lora_down.weight"),
                          (".lora_up.weight", ".lora_up.weight"), (".alpha", ".alpha"), (".dora_scale", ".dora_scale")):
        if bare.endswith(ending):
            return "lora_unet_" + bare.removesuffix(ending).replace(".", "_") + kohya
    return key


XLABS_DOUBLE = {  # XLabs' processor layer in a double block -> the diffusers modules it holds (fused ones split evenly)
    "qkv_lora1": ("attn.to_q", "attn.to_k", "attn.to_v"), "proj_lora1": ("attn.to_out.0",),
    "qkv_lora2": ("attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj"), "proj_lora2": ("attn.to_add_out",),
}
XLABS_SINGLE = {"qkv_lora": ("attn.to_q", "attn.to_k", "attn.to_v"), "proj_lora": ("proj_out",)}


def _from_xlabs(state: Mapping[str, torch.Tensor]) -> StateDict:
    """XLabs keys (`double_blocks.0.processor.qkv_lora1.down.weight`, `.up.weight`; no alpha: scale 1) as diffusers
    keys: a fused q/k/v layer's down matrix is shared and its up matrix split in three equal parts."""
    converted: StateDict = {}
    for key, value in state.items():
        match = re.fullmatch(r"(?:diffusion_model\.)?(double|single)_blocks\.(\d+)\.processor\.(\w+)\.(down|up)\.weight", key)
        layers = (XLABS_DOUBLE if match and match[1] == "double" else XLABS_SINGLE) if match else {}
        if not match or match[3] not in layers:
            converted[key] = value  # left for the checks, which name it
            continue
        prefix = "transformer_blocks" if match[1] == "double" else "single_transformer_blocks"
        modules = layers[match[3]]
        if match[4] == "up" and value.shape[0] % len(modules):
            raise LoraError(f"XLabs layer {key} has {value.shape[0]} output rows, not {len(modules)} equal parts; the file is broken")
        chunks = value.chunk(len(modules)) if match[4] == "up" else [value] * len(modules)
        for module, chunk in zip(modules, chunks):
            converted[f"transformer.{prefix}.{match[2]}.{module}.lora_{'B' if match[4] == 'up' else 'A'}.weight"] = chunk
    return converted
