"""LoRAs: a seeded factory, safe reading and checking of files, and one adapter slot that hot-swaps without recompiling."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Union

import safetensors
import torch
from diffusers import FluxPipeline
from safetensors.torch import save_file

from .fold import FoldedLora
from .quantize import Fp8Linear

# Linear layers of the Flux transformer a LoRA may target, by their name inside a block.
DOUBLE_BLOCK_TARGETS = (
    "attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0",
    "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out",
    "ff.net.0.proj", "ff.net.2", "ff_context.net.0.proj", "ff_context.net.2",
)
SINGLE_BLOCK_TARGETS = ("attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp", "proj_out")
ALL_TARGETS = tuple(dict.fromkeys(DOUBLE_BLOCK_TARGETS + SINGLE_BLOCK_TARGETS))
# What the measured rank-128 workload targets (../shared/measurements.md): attention q/k/v/out, proj_mlp, proj_out.
DEFAULT_TARGETS = ("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0", "proj_mlp", "proj_out")

# kohya (sd-scripts) module names per diffusers target group; q/k/v (and proj_mlp in single blocks) share one down matrix.
KOHYA_DOUBLE = {
    "img_attn_qkv": ("attn.to_q", "attn.to_k", "attn.to_v"),
    "img_attn_proj": ("attn.to_out.0",),
    "img_mlp_0": ("ff.net.0.proj",),
    "img_mlp_2": ("ff.net.2",),
    "txt_attn_qkv": ("attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj"),
    "txt_attn_proj": ("attn.to_add_out",),
    "txt_mlp_0": ("ff_context.net.0.proj",),
    "txt_mlp_2": ("ff_context.net.2",),
}
KOHYA_SINGLE = {"linear1": ("attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp"), "linear2": ("proj_out",)}
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")

StateDict = dict[str, torch.Tensor]
LoraSource = Union[str, Path, Mapping[str, torch.Tensor]]


class LoraError(ValueError):
    """A LoRA that cannot be used as asked; the message names the problem and the fix."""


@dataclass(frozen=True)
class LoraSpec:
    """Recipe of a synthetic LoRA. `strength` is |delta W| / |W| (Frobenius) of every targeted layer at scale 1.

    1.0 by default, chosen by effect rather than by weight norm: a trained LoRA visibly changes a real model's
    image, while random weights respond weakly. At 0.3 the full-size random pipeline's latents moved so little
    that two exact attention kernels differed by 12% of the LoRA's effect; at 1.0 by 3.5%, with a half-scale
    LoRA at 62% (H200, measured by the benchmark calibration), which lets a similarity check tell them apart.
    """

    rank: int = 16
    alpha: float | None = None
    targets: tuple[str, ...] = DEFAULT_TARGETS
    blocks: tuple[int, ...] | None = None  # indices of double and single blocks to target; None for all
    strength: float = 1.0
    seed: int = 0
    key_format: str = "diffusers"  # or "kohya"

    def __post_init__(self) -> None:
        if self.rank < 1:
            raise LoraError(f"rank={self.rank} must be at least 1")
        unknown = sorted(set(self.targets) - set(ALL_TARGETS))
        if unknown or not self.targets:
            raise LoraError(f"unknown LoRA targets {unknown or '(none given)'}; choose from {', '.join(ALL_TARGETS)}")
        if self.key_format not in ("diffusers", "kohya"):
            raise LoraError(f"key_format={self.key_format!r}: use 'diffusers' or 'kohya'")

    @property
    def scale(self) -> float:
        return (self.alpha if self.alpha is not None else self.rank) / self.rank


def target_modules(transformer: torch.nn.Module, targets: Iterable[str] = DEFAULT_TARGETS, blocks: Iterable[int] | None = None) -> list[str]:
    """Full names of the transformer's linear layers matching `targets` in the chosen `blocks`, in model order."""
    targets, blocks = set(targets), None if blocks is None else set(blocks)
    names = []
    for prefix, allowed in (("transformer_blocks", DOUBLE_BLOCK_TARGETS), ("single_transformer_blocks", SINGLE_BLOCK_TARGETS)):
        for index in range(len(getattr(transformer, prefix))):
            if blocks is None or index in blocks:
                names += [f"{prefix}.{index}.{target}" for target in allowed if target in targets]
    return names


def make_lora(transformer: torch.nn.Module, spec: LoraSpec = LoraSpec()) -> StateDict:
    """A seeded random LoRA for `transformer`, with shapes read from the model, in the key format `spec` asks for.

    A ~ N(0, 1/fan_in), B scaled so that |alpha/r * B A| = strength * |W|. Generated on the CPU in float32,
    so a seed gives the same LoRA on any device.
    """
    generator = torch.Generator().manual_seed(spec.seed)
    factors: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    shared_downs: dict[str, torch.Tensor] = {}
    for name in target_modules(transformer, spec.targets, spec.blocks):
        weight = transformer.get_submodule(name).weight
        fan_out, fan_in = weight.shape
        if _kohya_group(name) not in shared_downs:  # layers kohya fuses share A, so both key formats hold one LoRA
            shared_downs[_kohya_group(name)] = torch.randn(spec.rank, fan_in, generator=generator) / math.sqrt(fan_in)
        down = shared_downs[_kohya_group(name)]
        up = torch.randn(fan_out, spec.rank, generator=generator)
        target_norm = spec.strength * weight.detach().float().norm().item()
        product_norm = ((up.T @ up) * (down @ down.T)).sum().sqrt().item()  # |B A|_F without forming B A
        up *= target_norm / (spec.scale * product_norm)
        factors[name] = (down, up)
    if spec.key_format == "kohya":
        return _to_kohya(factors, spec)
    return {
        f"transformer.{name}.{kind}.weight": tensor.contiguous()
        for name, (down, up) in factors.items()
        for kind, tensor in (("lora_A", down.clone()), ("lora_B", up * spec.scale))  # alpha folded into B
    }


def _kohya_group(name: str) -> str:
    """`transformer_blocks.3.attn.to_k` -> `double_blocks_3_img_attn_qkv`: the kohya layer holding a module."""
    kind, index, target = name.split(".", 2)
    groups, kohya_kind = (KOHYA_DOUBLE, "double_blocks") if kind == "transformer_blocks" else (KOHYA_SINGLE, "single_blocks")
    group = next(group for group, members in groups.items() if target in members)
    return f"{kohya_kind}_{index}_{group}"


def _to_kohya(factors: dict[str, tuple[torch.Tensor, torch.Tensor]], spec: LoraSpec) -> StateDict:
    """kohya keys: grouped layers share one down matrix and stack their up matrices; alpha is stored per layer."""
    groups: dict[str, list[str]] = {}
    for name in factors:
        groups.setdefault(_kohya_group(name), []).append(name)
    state: StateDict = {}
    for group, names in groups.items():
        members = (KOHYA_DOUBLE | KOHYA_SINGLE)[group.split("_", 3)[3]]
        if len(names) != len(members):
            raise LoraError(f"kohya format stores {', '.join(members)} as one layer; target all of them or none")
        key = f"lora_unet_{group}"
        state[f"{key}.lora_down.weight"] = factors[names[0]][0].contiguous()
        state[f"{key}.lora_up.weight"] = torch.cat([factors[name][1] for name in names]).contiguous()
        state[f"{key}.alpha"] = torch.tensor(float(spec.alpha if spec.alpha is not None else spec.rank))
    return state


def save_lora(state_dict: Mapping[str, torch.Tensor], path: str | Path, *, spec: LoraSpec | None = None, overwrite: bool = False) -> Path:
    """Write a LoRA as .safetensors (with the spec as metadata); refuses to replace an existing file unless `overwrite`."""
    path = Path(path)
    if path.suffix != ".safetensors":
        raise LoraError(f"{path}: LoRAs are saved as .safetensors only; change the suffix")
    if path.exists() and not overwrite:
        raise LoraError(f"{path} already exists; pick another name or pass overwrite=True")
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"lora_fast_spec": json.dumps(asdict(spec))} if spec else None
    temporary = path.with_name(f".{path.name}.partial")
    save_file({key: value.contiguous() for key, value in state_dict.items()}, temporary, metadata=metadata)
    temporary.replace(path)
    return path


def read_lora(source: LoraSource, *, allow_pickle: bool = False) -> StateDict:
    """A LoRA's state dict from a .safetensors file, a hub id ("org/name" or "org/name/file.safetensors") or a dict.

    Pickle files (.bin, .pt, ...) can run code when read, so they are refused unless `allow_pickle` is set,
    and even then are read with torch.load(weights_only=True). Nothing is written back to the source.
    """
    if isinstance(source, Mapping):
        state = dict(source)
    else:
        path = Path(source).expanduser()
        if path.suffix in PICKLE_SUFFIXES:
            state = _read_pickle(path, allow_pickle)
        elif path.exists() or path.suffix == ".safetensors" or path.is_absolute() or str(source).startswith("."):
            state = _read_safetensors(path)
        else:
            state = _read_hub(str(source))
    _check_values(state, str(source) if not isinstance(source, Mapping) else "the given state dict")
    return state


def _read_safetensors(path: Path) -> StateDict:
    if not path.is_file():
        raise LoraError(f"LoRA file {path} not found; check the path (hub ids look like 'org/name')")
    try:
        with safetensors.safe_open(path, framework="pt") as handle:
            return {key: handle.get_tensor(key) for key in handle.keys()}
    except (safetensors.SafetensorError, OSError, ValueError) as error:
        raise LoraError(f"{path} is not a readable .safetensors file ({error}); it may be empty, truncated or of another format") from None


def _read_pickle(path: Path, allow_pickle: bool) -> StateDict:
    if not allow_pickle:
        raise LoraError(
            f"{path} is a pickle file, which can run code when loaded; convert it to .safetensors, "
            "or pass allow_pickle=True (--allow-pickle) if you trust its source"
        )
    if not path.is_file():
        raise LoraError(f"LoRA file {path} not found; check the path")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch.load raises many types for a bad file; all mean the same to the caller
        raise LoraError(f"{path} could not be read as a weights-only pickle ({error.__class__.__name__}); convert it to .safetensors") from None
    if not isinstance(state, Mapping) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        raise LoraError(f"{path} does not hold a dict of tensors; it is not a LoRA state dict")
    return dict(state)


def _read_hub(repo_and_file: str) -> StateDict:
    parts = repo_and_file.split("/")
    if len(parts) < 2 or not all(parts):
        raise LoraError(f"LoRA {repo_and_file!r} is neither an existing file nor a hub id like 'org/name'")
    repo, weight_name = "/".join(parts[:2]), "/".join(parts[2:]) or None
    try:
        state = FluxPipeline.lora_state_dict(repo, weight_name=weight_name)
    except (OSError, ValueError) as error:
        raise LoraError(f"could not fetch LoRA {repo_and_file!r} from the hub ({error.__class__.__name__}); check the id or use a local file") from None
    return dict(state)


def _check_values(state: Mapping[str, torch.Tensor], origin: str) -> None:
    if not state:
        raise LoraError(f"{origin} holds no tensors; it is not a LoRA")
    bad = [key for key, value in state.items() if value.is_floating_point() and not torch.isfinite(value).all()]
    if bad:
        raise LoraError(f"{origin} has NaN or inf values in {len(bad)} tensors (first: {bad[0]}); the file is broken, re-export it")


def to_diffusers_keys(state: Mapping[str, torch.Tensor]) -> tuple[StateDict, StateDict]:
    """Split into (transformer, text encoder) parts with diffusers keys, converting kohya keys and folding alphas."""
    state = dict(state)
    if any(".lora_down.weight" in key for key in state) or any(key.startswith(("lora_unet_", "lora_te")) for key in state):
        try:
            state = dict(FluxPipeline.lora_state_dict({key: value.clone() for key, value in state.items()}))
        except (ValueError, KeyError) as error:
            raise LoraError(f"kohya-style keys could not be converted ({error}); the file is not a Flux LoRA") from None
    alphas = {key: state.pop(key) for key in [key for key in state if key.endswith(".alpha")]}
    for alpha_key, alpha in alphas.items():
        module = alpha_key.removesuffix(".alpha")
        down, up = state.get(f"{module}.lora_A.weight"), state.get(f"{module}.lora_B.weight")
        if down is None or up is None:
            raise LoraError(f"alpha {alpha_key} has no matching lora_A/lora_B pair; the file is malformed")
        state[f"{module}.lora_B.weight"] = up * (float(alpha) / down.shape[0])
    transformer = {key: value for key, value in state.items() if key.startswith("transformer.")}
    text_encoder = {key: value for key, value in state.items() if key.startswith(("text_encoder.", "text_encoder_2."))}
    unknown = sorted(set(state) - set(transformer) - set(text_encoder))
    if unknown:
        raise LoraError(f"{len(unknown)} keys are not Flux LoRA keys (first: {unknown[0]}); this LoRA is for another model")
    return transformer, text_encoder


@dataclass(frozen=True)
class LoraShape:
    """What a LoRA changes: rank per module."""

    ranks: dict[str, int]

    @property
    def max_rank(self) -> int:
        return max(self.ranks.values())


def check_against(transformer: torch.nn.Module, state: Mapping[str, torch.Tensor]) -> LoraShape:
    """Check a transformer LoRA (diffusers keys) fits `transformer`: known modules, A/B pairs, shapes, one rank each."""
    modules = {key.removeprefix("transformer.").rsplit(".", 2)[0] for key in state}
    ranks = {}
    for module in sorted(modules):
        down, up = state.get(f"transformer.{module}.lora_A.weight"), state.get(f"transformer.{module}.lora_B.weight")
        if down is None or up is None:
            missing = "lora_B" if up is None else "lora_A"
            raise LoraError(f"LoRA module {module} has no {missing} weight; the file is incomplete, re-export it")
        try:
            layer = transformer.get_submodule(module)
        except AttributeError:
            raise LoraError(f"LoRA targets {module}, which this transformer does not have; the LoRA is for another model") from None
        layer = getattr(layer, "base_layer", layer)
        if not isinstance(layer, (torch.nn.Linear, Fp8Linear)):
            raise LoraError(f"LoRA targets {module}, which is not a linear layer; the LoRA is for another model")
        if down.ndim != 2 or up.ndim != 2 or down.shape[1] != layer.in_features or up.shape[0] != layer.out_features or up.shape[1] != down.shape[0]:
            raise LoraError(
                f"LoRA shapes for {module} (A {tuple(down.shape)}, B {tuple(up.shape)}) do not fit the layer "
                f"({layer.in_features} -> {layer.out_features}); the LoRA was made for a model of another width"
            )
        ranks[module] = down.shape[0]
    extra = sorted(set(state) - {f"transformer.{m}.lora_{k}.weight" for m in modules for k in "AB"})
    if extra:
        raise LoraError(f"unexpected LoRA keys (first: {extra[0]}); only lora_A/lora_B weights are supported")
    return LoraShape(ranks)


def _pad_to_rank(state: StateDict, transformer: torch.nn.Module, modules: Iterable[str], rank: int) -> StateDict:
    """Give every module in `modules` factors of exactly `rank`, adding zeros (which change nothing).

    peft hot-swaps only between adapters of one uniform rank layout, and zeros the modules a new LoRA leaves out."""
    padded = dict(state)
    for module in modules:
        layer = transformer.get_submodule(module)
        layer = getattr(layer, "base_layer", layer)
        down = padded.get(f"transformer.{module}.lora_A.weight", torch.zeros(0, layer.in_features))
        up = padded.get(f"transformer.{module}.lora_B.weight", torch.zeros(layer.out_features, 0))
        extra = rank - down.shape[0]
        padded[f"transformer.{module}.lora_A.weight"] = torch.cat([down, down.new_zeros(extra, down.shape[1])])
        padded[f"transformer.{module}.lora_B.weight"] = torch.cat([up, up.new_zeros(up.shape[0], extra)], dim=1)
    return padded


class LoraSlot:
    """One LoRA at a time on a Flux pipeline. With `hotswap`, later LoRAs replace the first one in place, so a
    compiled transformer is not recompiled: `fold` writes each LoRA into the weights (`lora_fast.fold`), otherwise
    peft's hot-swap copies it into the first one's adapter layers. Without `hotswap` each new LoRA replaces the
    old adapter (and a compiled model recompiles, as the reference's baseline does).

    `targets` is the set of modules (full names) every future LoRA may touch; the first load prepares all of
    them, so a later LoRA on a subset swaps cleanly. A LoRA that does not fit is refused before anything
    changes, and the previous LoRA stays active. `lock` is held while swapping; hold it while generating to
    keep a swap from landing mid-image.
    """

    ADAPTER = "lora_fast"

    def __init__(self, pipe: FluxPipeline, *, hotswap: bool, max_rank: int, targets: Iterable[str] | None = None, fold: bool = False) -> None:
        self.pipe, self.hotswap, self.max_rank, self.fold = pipe, hotswap, max_rank, fold
        self.targets = None if targets is None else tuple(targets)
        self.prepared_modules: tuple[str, ...] = ()
        self.folded: FoldedLora | None = None
        self.loaded = 0
        self.lock = threading.RLock()

    def prepare(self) -> None:
        """Reserve room for peft's hot-swap; must come before the first load and before compiling."""
        if self.hotswap and not self.fold:
            if self.loaded:
                raise LoraError("hot-swap must be prepared before the first LoRA is loaded; prepare a fresh slot")
            self.pipe.enable_lora_hotswap(target_rank=self.max_rank)

    def load(self, source: LoraSource, *, allow_pickle: bool = False) -> LoraShape:
        """Read, check and activate a LoRA; returns its ranks. On any error the previous LoRA stays active."""
        transformer_state, text_state = to_diffusers_keys(read_lora(source, allow_pickle=allow_pickle))
        if not transformer_state:
            raise LoraError("the LoRA has no transformer weights; only text-encoder LoRAs are not supported here")
        shape = check_against(self.pipe.transformer, transformer_state)
        if self.hotswap:
            self._check_swappable(shape, text_state)
        with self.lock:
            if self.fold:
                self._load_folded(transformer_state)
            elif self.hotswap:
                self._load_hotswap(transformer_state, shape.max_rank)
            else:
                self._load_fresh(transformer_state, text_state)
            self.loaded += 1
        return shape

    def _check_swappable(self, shape: LoraShape, text_state: StateDict) -> None:
        if text_state:
            raise LoraError(
                f"the LoRA has {len(text_state)} text-encoder weights, which diffusers cannot hot-swap; "
                "strip them (keep keys starting with 'transformer.') or use a preset without hot-swap"
            )
        if shape.max_rank > self.max_rank and not self.fold:  # a folded LoRA of any rank fits the weights it is added to
            raise LoraError(f"LoRA rank {shape.max_rank} exceeds the prepared maximum {self.max_rank}; use a config with max_rank >= {shape.max_rank}")
        allowed = set(self.prepared_modules or self.targets or shape.ranks)
        outside = sorted(set(shape.ranks) - allowed)
        if outside:
            raise LoraError(
                f"LoRA targets {len(outside)} modules outside the prepared set (first: {outside[0]}); "
                "pass every module your LoRAs touch as `targets` when the slot is made"
            )

    def _first_modules(self, state: StateDict) -> tuple[str, ...]:
        return tuple(self.targets or sorted({key.removeprefix("transformer.").rsplit(".", 2)[0] for key in state}))

    def _load_folded(self, state: StateDict) -> None:
        if self.folded is None:
            self.prepared_modules = self._first_modules(state)
            self.folded = FoldedLora(self.pipe.transformer, self.prepared_modules)
        modules = {key.removeprefix("transformer.").rsplit(".", 2)[0] for key in state}
        self.folded.apply({module: (state[f"transformer.{module}.lora_A.weight"], state[f"transformer.{module}.lora_B.weight"]) for module in modules})

    def _load_hotswap(self, state: StateDict, rank: int) -> None:
        transformer = self.pipe.transformer
        if not self.loaded:
            self.prepared_modules = self._first_modules(state)
        state = _pad_to_rank(state, transformer, self.prepared_modules, rank)
        device, dtype = transformer.device, transformer.dtype  # each property walks every module: read them once
        state = {key: value.to(device, dtype) for key, value in state.items()}
        self.pipe.load_lora_weights(state, adapter_name=self.ADAPTER, hotswap=bool(self.loaded))

    def _load_fresh(self, transformer_state: StateDict, text_state: StateDict) -> None:
        self.unload()
        name = f"{self.ADAPTER}_{self.loaded}"
        self.pipe.load_lora_weights({**transformer_state, **text_state}, adapter_name=name)
        self.pipe.set_adapters(name)

    def unload(self) -> None:
        """Remove every LoRA from the pipeline (the hot-swap preparation and folded weights too)."""
        with self.lock:
            if self.folded is not None:
                self.folded.remove()
                self.folded = None
            if getattr(self.pipe.transformer, "peft_config", None):
                self.pipe.unload_lora_weights()
            self.pipe.transformer._prepare_lora_hotswap_kwargs = None
            self.prepared_modules, self.loaded = (), 0
