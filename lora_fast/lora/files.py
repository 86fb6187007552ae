"""LoRA files and state dicts: reading (.safetensors, pickle only when allowed, hub ids), checking every value,
and turning every layout `formats` knows into checked diffusers keys for the transformer and the CLIP text
encoder, every tensor accounted for. Nothing a file holds reaches peft or diffusers unchecked.

kohya keys are converted here rather than by diffusers: its converter loops forever on a negative alpha and
drops keys it does not know with only a log line."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Union

import safetensors
import torch

from ..hub import HUB_ERRORS
from ..speed.quantize import dense_weight, lora_layer
from .adapter_config import configured_alphas
from .errors import LoraError
from .formats import LAYOUT_NAMES, MAGNITUDE, layout, to_known_keys

StateDict = dict[str, torch.Tensor]
LoraSource = Union[str, Path, Mapping[str, torch.Tensor]]
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
WEIGHT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
# A trained LoRA changes a layer by about the layer's own size or less (|B A| / |W|, Frobenius); far beyond it the
# image turns to NaN or noise, so a file asking for that is broken or has a wrong alpha.
MAX_UPDATE = 100.0
TEXT_ENCODER = "text_encoder"  # the one text encoder diffusers' Flux pipeline loads LoRAs into (CLIP)

# kohya (sd-scripts) layers of the Flux transformer, named after BFL's modules, and the diffusers modules each one
# holds: grouped layers share one down matrix and stack their up matrices, in this order.
KOHYA_DOUBLE = {
    "img_attn_qkv": ("attn.to_q", "attn.to_k", "attn.to_v"),
    "img_attn_proj": ("attn.to_out.0",),
    "img_mlp_0": ("ff.net.0.proj",),
    "img_mlp_2": ("ff.net.2",),
    "img_mod_lin": ("norm1.linear",),
    "txt_attn_qkv": ("attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj"),
    "txt_attn_proj": ("attn.to_add_out",),
    "txt_mlp_0": ("ff_context.net.0.proj",),
    "txt_mlp_2": ("ff_context.net.2",),
    "txt_mod_lin": ("norm1_context.linear",),
}
KOHYA_SINGLE = {"linear1": ("attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp"), "linear2": ("proj_out",), "modulation_lin": ("norm.linear",)}
KOHYA_OUTSIDE_BLOCKS = {
    "img_in": "x_embedder", "txt_in": "context_embedder",
    "time_in_in_layer": "time_text_embed.timestep_embedder.linear_1", "time_in_out_layer": "time_text_embed.timestep_embedder.linear_2",
    "vector_in_in_layer": "time_text_embed.text_embedder.linear_1", "vector_in_out_layer": "time_text_embed.text_embedder.linear_2",
    "guidance_in_in_layer": "time_text_embed.guidance_embedder.linear_1", "guidance_in_out_layer": "time_text_embed.guidance_embedder.linear_2",
    "final_layer_linear": "proj_out", "final_layer_adaLN_modulation_1": "norm_out.linear",
}
SWAPPED_HALVES = ("norm_out.linear",)  # BFL orders this layer's outputs (shift, scale), diffusers (scale, shift)
KOHYA_PARTS = (".lora_down.weight", ".lora_up.weight", ".alpha", ".dora_scale")


def read_lora(
    source: LoraSource, *, allow_pickle: bool = False, device: torch.device | str | None = None, max_tensor_bytes: int | None = None,
    check_outline: Callable[[StateDict], object] | None = None,
) -> StateDict:
    """A LoRA's state dict from a .safetensors file, a hub id ("org/name" or "org/name/file.safetensors") or a dict,
    moved to `device` when given (from page-locked memory without blocking) and checked there (`check_values`):
    on a 2-core CPU the check of a rank-128 Flux LoRA (1.25 GB) alone took 0.34 s, on a GPU it is one pass at its bandwidth.

    Pickle files (.bin, .pt, ...) can run code when read, so they are refused unless `allow_pickle` is set,
    and even then are read with torch.load(weights_only=True). A .safetensors file is checked from its header before any
    tensor is read: declared bytes against the file's size (the reader does that), a PEFT or diffusers save's recorded
    scale (`adapter_config`), each tensor against
    `max_tensor_bytes`, names, dtypes and alphas, then `check_outline` with the tensors as the header declares them
    (on the meta device, one-element ones read). Nothing is written back to the source.
    """
    if isinstance(source, Mapping):
        state = dict(source)
    else:
        kind = check_source(source, allow_pickle=allow_pickle)
        path = Path(source).expanduser()
        if kind == "pickle":
            state = _read_pickle(path)
        elif kind == "safetensors":
            state = _read_safetensors(path, max_tensor_bytes, check_outline)
        else:
            state = _read_hub(str(source))
    if device is not None:
        state = {key: value.to(device, non_blocking=value.is_pinned()) if isinstance(value, torch.Tensor) else value for key, value in state.items()}
    check_values(state, str(source) if not isinstance(source, Mapping) else "the given state dict")
    return state


def check_source(source: str | Path, *, allow_pickle: bool = False) -> str:
    """How `read_lora` reads `source` ("pickle", "safetensors" or "hub"), once it is known it can try: a file that
    exists (not a folder), a pickle only with `allow_pickle`, a hub id like "org/name[/file]". Cheap: commands call
    it for every LoRA before any pipeline is built."""
    path = Path(source).expanduser()
    if path.suffix in PICKLE_SUFFIXES:
        kind = "pickle"
    elif path.exists() or path.is_absolute() or str(source).startswith(".") or (path.suffix == ".safetensors" and len(path.parts) < 3):
        kind = "safetensors"  # a missing "org/name/file.safetensors" is a hub id with its file
    else:
        parts = str(source).split("/")
        if len(parts) < 2 or not all(parts):
            raise LoraError(f"LoRA {str(source)!r} is neither an existing file nor a hub id like 'org/name'")
        return "hub"
    if path.is_dir():
        raise LoraError(f"{path} is a folder; pass the .safetensors file inside it")
    if kind == "pickle" and not allow_pickle:
        raise LoraError(
            f"{path} is a pickle file, which can run code when loaded; convert it to .safetensors, "
            "or pass allow_pickle=True (CLI: --allow-pickle) if you trust its source"
        )
    if not path.is_file():
        raise LoraError(f"LoRA file {path} not found; check the path (hub ids look like 'org/name')")
    return kind


def _read_safetensors(path: Path, max_tensor_bytes: int | None = None, check_outline: Callable[[StateDict], object] | None = None) -> StateDict:
    """The tensors of a .safetensors file, after its header passed every check that needs no tensor data (see
    `read_lora`): a small or sparse file cannot make the reader allocate gigabytes for tensors no layer can use."""
    try:
        with safetensors.safe_open(path, framework="pt") as handle:
            outline = _outline(path, handle, max_tensor_bytes)
            alphas = configured_alphas(path, handle.metadata(), outline)
            outline.update(alphas)
            for check in OUTLINE_CHECKS:
                check(outline, str(path))
            if check_outline is not None:
                check_outline(outline)
            return {**{key: handle.get_tensor(key) for key in handle.keys()}, **alphas}
    except LoraError:
        raise
    except (safetensors.SafetensorError, OSError, ValueError, TypeError, RuntimeError, MemoryError, OverflowError) as error:
        raise LoraError(f"{path} is not a readable .safetensors file ({error.__class__.__name__}: {error}); it may be empty, truncated or of another format") from None


SAFETENSORS_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32,
    "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool, "F8_E4M3": torch.float8_e4m3fn, "F8_E5M2": torch.float8_e5m2,
}


def _outline(path: Path, handle, max_tensor_bytes: int | None) -> StateDict:
    """The file's tensors as its header declares them, nothing read: empty tensors on the meta device, except the
    one-element ones (alphas), which are read. LoraError for a dtype torch has no name for, or a tensor declaring
    more than `max_tensor_bytes`."""
    outline: StateDict = {}
    for key in handle.keys():
        view = handle.get_slice(key)
        shape, dtype = view.get_shape(), SAFETENSORS_DTYPES.get(view.get_dtype())
        if dtype is None:
            raise LoraError(f"{path}: {key} has dtype {view.get_dtype()}; LoRA weights are float16, bfloat16 or float32, re-export it")
        declared = math.prod(shape) * dtype.itemsize
        if max_tensor_bytes is not None and declared > max_tensor_bytes:
            raise LoraError(
                f"{path}: {key!r} declares {declared / 2**30:.3g} GiB ({view.get_dtype()} {list(shape)}), more than any LoRA factor of "
                f"this model can hold ({max_tensor_bytes / 2**30:.3g} GiB); refused before reading: the file is broken or for another model"
            )
        outline[key] = handle.get_tensor(key) if math.prod(shape) == 1 else torch.empty(shape, dtype=dtype, device="meta")
    return outline


def _read_pickle(path: Path) -> StateDict:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch.load raises many types for a bad file; all mean the same to the caller
        raise LoraError(f"{path} could not be read as a weights-only pickle ({error.__class__.__name__}); convert it to .safetensors") from None
    if not isinstance(state, Mapping) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        raise LoraError(f"{path} does not hold a dict of tensors; it is not a LoRA state dict")
    return dict(state)


def _read_hub(repo_and_file: str) -> StateDict:
    from diffusers import FluxPipeline

    parts = repo_and_file.split("/")
    repo, weight_name = "/".join(parts[:2]), "/".join(parts[2:]) or None
    try:
        state = FluxPipeline.lora_state_dict(repo, weight_name=weight_name)
    except HUB_ERRORS as error:
        raise LoraError(
            f"could not fetch LoRA {repo_and_file!r} from the hub ({error.__class__.__name__}); check the id and the network, or use a local file"
        ) from None
    return dict(state)


def check_values(state: Mapping[str, object], origin: str) -> None:
    """Refuse, naming the first offending key: no tensors, a value that is not a tensor, a dtype that is not a
    float weight type, NaN or inf, an alpha that is not one finite positive number."""
    for check in VALUE_CHECKS:
        check(state, origin)


def _check_named_tensors(state: Mapping[str, object], origin: str) -> None:
    if not state:
        raise LoraError(f"{origin} holds no tensors; it is not a LoRA")
    for key, value in state.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise LoraError(f"{origin}: {key!r} is not a named tensor; a LoRA state dict maps names to tensors")


def _check_dtypes(state: Mapping[str, torch.Tensor], origin: str) -> None:
    for key, value in state.items():
        if value.dtype not in WEIGHT_DTYPES:
            raise LoraError(f"{origin}: {key} has dtype {str(value.dtype).removeprefix('torch.')}; LoRA weights are float16, bfloat16 or float32, re-export it")


def _check_finite(state: Mapping[str, torch.Tensor], origin: str) -> None:
    # NaN and inf survive amax, which reads each tensor once without a boolean copy (5x faster than isfinite().all())
    keys = [key for key, value in state.items() if value.numel()]
    maxima = _read_back([state[key].abs().amax().float() for key in keys])
    bad = [key for key, maximum in zip(keys, maxima) if not math.isfinite(maximum)]
    if bad:
        raise LoraError(f"{origin} has NaN or inf values in {len(bad)} tensors (first: {bad[0]}); the file is broken, re-export it")


def _check_alphas(state: Mapping[str, torch.Tensor], origin: str) -> None:
    """A zero alpha would turn the LoRA off without a word and a negative one flip it (and loop diffusers' own kohya
    converter forever)."""
    for key, value in state.items():
        if key.endswith(".alpha") and (value.numel() != 1 or not value.item() > 0):
            what = f"{value.numel()} values" if value.numel() != 1 else f"{value.item():g}"
            raise LoraError(f"{origin}: {key} is {what}; an alpha is one positive number (alpha / rank scales the LoRA), fix or remove it")


VALUE_CHECKS = (_check_named_tensors, _check_dtypes, _check_finite, _check_alphas)
OUTLINE_CHECKS = (_check_named_tensors, _check_dtypes, _check_alphas)  # the checks that need no tensor data


def to_diffusers_keys(state: Mapping[str, torch.Tensor], pipe, origin: str = "the LoRA") -> tuple[StateDict, StateDict]:
    """Split a checked state dict into (transformer, CLIP text encoder) parts with diffusers keys
    (`transformer.<module>.lora_A.weight`), alphas folded into B. Every layout `formats` knows is converted (kohya
    layer sizes come from `pipe`). A key that lands in neither part is refused by name: nothing is dropped silently."""
    kind = layout(list(state))
    state = to_known_keys(state, origin)
    if any(key.startswith(("lora_unet_", "lora_te")) or key.endswith((".lora_down.weight", ".lora_up.weight")) for key in state):
        state = _from_kohya(state, pipe)
    for alpha_key in [key for key in state if key.endswith(".alpha")]:
        module, alpha = alpha_key.removesuffix(".alpha"), state.pop(alpha_key)
        down, up = state.get(f"{module}.lora_A.weight"), state.get(f"{module}.lora_B.weight")
        if down is None or up is None:
            raise LoraError(f"alpha {alpha_key} has no matching lora_A/lora_B pair; the file is malformed")
        if down.ndim != 2:
            raise LoraError(f"LoRA module {module}'s lora_A has {down.ndim} dimensions, not 2; the file is broken, re-export it")
        _check_rank(module, down)
        state[f"{module}.lora_B.weight"] = up * (alpha.item() / down.shape[0])
    transformer = {key: value for key, value in state.items() if key.startswith("transformer.")}
    text_encoder = {_text_encoder_key(key, pipe): value for key, value in state.items() if key.startswith(f"{TEXT_ENCODER}.")}
    unknown = sorted(key for key in state if not key.startswith(("transformer.", f"{TEXT_ENCODER}.")))
    if unknown:
        other = [key for key in unknown if key.startswith("text_encoder_2.")]
        if other:
            raise LoraError(f"the LoRA has T5 (text_encoder_2) weights (first: {other[0]}), which diffusers' Flux pipeline cannot load; remove them")
        if kind == "unknown":
            raise LoraError(
                f"{origin}: {len(unknown)} keys in no Flux LoRA layout lora-fast reads (first: {unknown[0]}); it reads "
                f"{', '.join(name for key, name in LAYOUT_NAMES.items() if key != 'unknown')}: the LoRA is for another model or in another layout"
            )
        raise LoraError(f"{origin} ({LAYOUT_NAMES[kind]} layout): {len(unknown)} keys are not Flux LoRA keys (first: {unknown[0]}); this LoRA is for another model or mixes layouts")
    return transformer, text_encoder


def _from_kohya(state: StateDict, pipe) -> StateDict:
    """kohya keys (`lora_unet_<BFL layer>.lora_down.weight`, `.lora_up.weight`, `.alpha`; `lora_te1_...` for CLIP)
    as diffusers keys; alpha / rank folded into B. Every kohya layer must map to modules of `pipe`."""
    layers: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in state.items():
        part = next((part for part in KOHYA_PARTS if key.endswith(part)), None)
        if part is None or not key.startswith(("lora_unet_", "lora_te")):
            raise LoraError(f"{key} is not a kohya LoRA key (lora_unet_<layer>.lora_down.weight, .lora_up.weight, .alpha); the file mixes formats or is for another model")
        layers.setdefault(key.removesuffix(part), {})[part] = value
    text_modules = _kohya_text_encoder_names(pipe)
    converted: StateDict = {}
    for layer, parts in layers.items():
        modules = _kohya_modules(layer, text_modules)
        if ".lora_down.weight" not in parts or ".lora_up.weight" not in parts:
            missing = "lora_up" if ".lora_down.weight" in parts else "lora_down"
            raise LoraError(f"kohya layer {layer} has no {missing} weight; the file is incomplete, re-export it")
        down, up = parts[".lora_down.weight"], parts[".lora_up.weight"]
        if down.ndim != 2 or up.ndim != 2 or up.shape[1] != down.shape[0]:
            raise LoraError(f"kohya layer {layer} has factors of shapes {tuple(down.shape)} and {tuple(up.shape)}, not a pair; re-export it")
        _check_rank(layer, down)
        scale = parts[".alpha"].item() / down.shape[0] if ".alpha" in parts else 1.0
        component = TEXT_ENCODER if layer.startswith("lora_te") else "transformer"
        root = getattr(pipe, component)
        sizes = [root.get_submodule(module).out_features for module in modules]
        if sum(sizes) != up.shape[0]:
            raise LoraError(f"kohya layer {layer} has {up.shape[0]} output rows, the Flux layers it holds have {sum(sizes)}; the LoRA is for a model of another width")
        magnitudes = _kohya_magnitudes(layer, parts.get(".dora_scale"), sizes, down.shape[1])
        for module, chunk, magnitude in zip(modules, torch.split(up, sizes), magnitudes):
            if module in SWAPPED_HALVES:
                chunk, magnitude = (None if rows is None else torch.cat(rows.chunk(2)[::-1]) for rows in (chunk, magnitude))
            converted[f"{component}.{module}.lora_A.weight"] = down
            converted[f"{component}.{module}.lora_B.weight"] = chunk * scale
            if magnitude is not None:
                converted[f"{component}.{module}{MAGNITUDE}"] = magnitude
    return converted


def _kohya_magnitudes(layer: str, magnitude: torch.Tensor | None, sizes: list[int], inputs: int) -> list[torch.Tensor | None]:
    """A kohya layer's DoRA magnitude (`dora_scale`) for each module it holds: one per output row, (out, 1), split
    as the up matrix is; one per input column, (1, in), only for a layer of one module: the columns of a fused q/k/v
    layer are normalized over all three, which no layer of diffusers' Flux holds alone."""
    if magnitude is None:
        return [None] * len(sizes)
    if magnitude.numel() == sum(sizes) and (magnitude.ndim == 1 or magnitude.shape[-1] == 1):
        return list(torch.split(magnitude.reshape(-1, 1), sizes))
    if magnitude.shape == (1, inputs) and len(sizes) == 1:
        return [magnitude]
    if magnitude.shape == (1, inputs):
        raise LoraError(
            f"kohya layer {layer} has DoRA magnitudes per input column (dora_scale {tuple(magnitude.shape)}) over {len(sizes)} fused layers; "
            "diffusers' Flux keeps them apart, so the norm cannot be split: re-train with magnitudes per output row (LyCORIS wd_on_out)"
        )
    raise LoraError(f"kohya layer {layer} has a dora_scale of shape {tuple(magnitude.shape)}, not one per output row {sum(sizes)} or input {inputs}; re-export it")


def _text_encoder_key(key: str, pipe) -> str:
    """A CLIP key as the loaded text encoder names it: transformers 5 dropped the `text_model.` level that LoRA
    files (trained on earlier versions) still carry."""
    stripped = key.replace(f"{TEXT_ENCODER}.text_model.", f"{TEXT_ENCODER}.", 1)
    encoder = getattr(pipe, TEXT_ENCODER, None)
    return stripped if stripped != key and encoder is not None and not hasattr(encoder, "text_model") else key


def _kohya_text_encoder_names(pipe) -> dict[str, str]:
    """kohya's names of the CLIP text encoder's linear layers (dots as underscores, `text_model_` first, as
    kohya writes them whatever the transformers version) -> the loaded model's module names."""
    encoder = getattr(pipe, TEXT_ENCODER, None)
    if encoder is None:
        return {}
    level = "" if hasattr(encoder, "text_model") else "text_model_"
    return {level + name.replace(".", "_"): name for name, module in encoder.named_modules() if isinstance(module, torch.nn.Linear)}


def _kohya_modules(layer: str, text_modules: dict[str, str]) -> tuple[str, ...]:
    """The diffusers modules a kohya layer holds, or LoraError naming it."""
    if layer.startswith(("lora_te_", "lora_te1_")):
        name = text_modules.get(layer.split("_", 2)[2] if layer.startswith("lora_te1_") else layer.removeprefix("lora_te_"))
        if name is not None:
            return (name,)
    elif layer.startswith("lora_te2_"):
        raise LoraError(f"kohya layer {layer} is a T5 (text_encoder_2) weight, which diffusers' Flux pipeline cannot load; remove the lora_te2_ keys")
    match = re.fullmatch(r"lora_unet_(double|single)_blocks_(\d+)_(\w+)", layer)
    if match:
        kind, index, group = match.groups()
        groups, prefix = (KOHYA_DOUBLE, "transformer_blocks") if kind == "double" else (KOHYA_SINGLE, "single_transformer_blocks")
        if group in groups:
            return tuple(f"{prefix}.{index}.{target}" for target in groups[group])
    elif layer.removeprefix("lora_unet_") in KOHYA_OUTSIDE_BLOCKS:
        return (KOHYA_OUTSIDE_BLOCKS[layer.removeprefix("lora_unet_")],)
    raise LoraError(f"kohya layer {layer} is not a layer of Flux.1 (or its CLIP text encoder) that lora-fast knows; the LoRA is for another model")


def check_layers(
    root: torch.nn.Module, state: Mapping[str, torch.Tensor], prefix: str, *, values: bool = True, weight_norms: dict[str, torch.Tensor] | None = None,
) -> dict[str, int]:
    """Check a LoRA part with diffusers keys (`<prefix>.<module>.lora_A.weight`) against the modules of `root`:
    known linear layers, complete A/B pairs of rank >= 1 that fit the layer, no other keys, and with `values` (off
    for a header's outline) a change of at most MAX_UPDATE times the layer's own size, read from `weight_norms`
    (module -> |W|) where it has the module and kept there when measured. Returns the rank of each module."""
    modules = {_module_of(key.removeprefix(f"{prefix}.")) for key in state}
    ranks, factors, magnitudes = {}, {}, {}
    for module in sorted(modules):
        down, up = state.get(f"{prefix}.{module}.lora_A.weight"), state.get(f"{prefix}.{module}.lora_B.weight")
        if down is None or up is None:
            missing = "lora_B" if up is None else "lora_A"
            raise LoraError(f"LoRA module {module} has no {missing} weight; the file is incomplete, re-export it")
        layer = lora_layer(root, module)
        if layer is None:
            raise LoraError(f"LoRA targets {prefix} module {module}, which is not a linear layer of this model; the LoRA is for another model")
        if down.ndim != 2 or up.ndim != 2 or down.shape[1] != layer.in_features or up.shape[0] != layer.out_features or up.shape[1] != down.shape[0]:
            raise LoraError(
                f"LoRA shapes for {module} (A {tuple(down.shape)}, B {tuple(up.shape)}) do not fit the layer "
                f"({layer.in_features} -> {layer.out_features}); the LoRA was made for a model of another width"
            )
        _check_rank(module, down)
        magnitude = state.get(f"{prefix}.{module}{MAGNITUDE}")
        if magnitude is not None:
            if tuple(magnitude.shape) not in ((layer.out_features,), (layer.out_features, 1), (1, layer.in_features)):
                raise LoraError(
                    f"LoRA module {module}'s DoRA magnitude has shape {tuple(magnitude.shape)}, not one per output row ({layer.out_features}) "
                    f"or per input column (1, {layer.in_features}); the LoRA was made for a model of another width"
                )
            magnitudes[module] = magnitude
        factors[module] = (layer, down, up)
        ranks[module] = down.shape[0]
    if values:
        _check_update_size(factors, {} if weight_norms is None else weight_norms, magnitudes)
    extra = sorted(set(state) - {f"{prefix}.{m}{ending}" for m in modules for ending in (".lora_A.weight", ".lora_B.weight", MAGNITUDE)})
    if extra:
        raise LoraError(f"unexpected LoRA keys (first: {extra[0]}); only lora_A/lora_B weights and DoRA magnitudes are supported")
    return ranks


def _module_of(key: str) -> str:
    """`blocks.0.attn.to_q.lora_A.weight` (or `.lora_magnitude_vector`) -> `blocks.0.attn.to_q`."""
    return key.removesuffix(MAGNITUDE) if key.endswith(MAGNITUDE) else key.rsplit(".", 2)[0]


def _check_rank(module: str, down: torch.Tensor) -> None:
    """peft divides by the rank: a rank-0 LoRA would fail inside it, half-loaded."""
    if down.shape[0] < 1:
        raise LoraError(f"LoRA module {module} has rank 0 (its factors are empty); the file is broken, re-export it")


def _read_back(scalars: list[torch.Tensor]) -> list[float]:
    """One-element tensors as floats, read back to the host together: a read per tensor on a GPU waits once per tensor."""
    return torch.stack([scalar.to(scalars[0].device) for scalar in scalars]).tolist() if scalars else []


@torch.no_grad()
def _check_update_size(
    factors: Mapping[str, tuple[torch.nn.Module, torch.Tensor, torch.Tensor]], weight_norms: dict[str, torch.Tensor], magnitudes: Mapping[str, torch.Tensor],
) -> None:
    """|B A| / |W| (Frobenius) at most MAX_UPDATE for every module -> (layer, A, B), computed on each layer's device
    and read back to the host once for all modules (a read per module is a sync per module). |B A|^2 comes from the
    rank x rank products when they are smaller than B A, else from B A: never more memory than the layer's size.
    |W| is measured once per module into `weight_norms` (an FP8 layer is dequantized for it: most of a swap's check).
    A DoRA magnitude (a norm per row or column) is at least 0 and, in the same sense, at most MAX_UPDATE times |W|."""
    ratios, lowest = [], []
    for module, (layer, down, up) in factors.items():
        if module not in weight_norms:
            weight_norms[module] = torch.linalg.vector_norm(dense_weight(layer), dtype=torch.float32).clamp(min=torch.finfo(torch.float32).tiny)
        norm = weight_norms[module]
        down, up = (tensor.to(norm.device, torch.float32) for tensor in (down, up))
        if down.shape[0] ** 2 <= layer.in_features * layer.out_features:
            update = ((up.T @ up) * (down @ down.T)).sum().clamp(min=0).sqrt()
        else:  # a rank above the layer's sides (no trained LoRA has one): rank x rank would be larger than the layer
            update = torch.linalg.vector_norm(up @ down)
        if module in magnitudes:
            magnitude = magnitudes[module].to(norm.device, torch.float32)
            update = torch.maximum(update, magnitude.abs().amax())
            lowest.append(magnitude.amin())
        ratios.append(update / norm)
    negative = [module for module, value in zip(magnitudes, _read_back(lowest)) if not value >= 0]
    if negative:
        raise LoraError(f"LoRA module {negative[0]}'s DoRA magnitude has negative values; magnitudes are norms (0 or more): the file is broken")
    for module, ratio in zip(factors, _read_back(ratios)):
        if not ratio <= MAX_UPDATE:
            raise LoraError(
                f"LoRA module {module} changes its layer by {ratio:.3g} times the layer's own size (|B A| / |W|); trained LoRAs "
                f"stay near 1 and above {MAX_UPDATE:g} the image turns to noise or NaN: the file is broken or its alpha is wrong"
            )
