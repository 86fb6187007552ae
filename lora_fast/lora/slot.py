"""One adapter slot per pipeline: transactional LoRA loads, hot-swapped in place (folded or through peft) without recompiling."""

from __future__ import annotations

import functools
import logging
import math
import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import torch
from diffusers import FluxPipeline

from ..quiet import quiet_logger
from ..speed.quantize import lora_layer
from .files import TEXT_ENCODER, LoraError, LoraSource, StateDict, check_layers, read_lora, to_diffusers_keys
from .fold import Decomposed, FoldedLora
from .formats import MAGNITUDE
from .targets import linear_layers


def pinned(state: StateDict) -> StateDict:
    """`state` with its tensors in page-locked host memory, for the LoRAs a server holds: a swap then copies them
    to the GPU at DMA speed instead of pageable memory's (about 2.7 GB/s on the H200 host, where a rank-128
    float32 LoRA of 1.25 GB took 0.46 s to swap). Unchanged without CUDA, which has no page-locked memory."""
    if not torch.cuda.is_available():
        return dict(state)
    return {key: tensor.pin_memory() for key, tensor in state.items()}


@dataclass(frozen=True)
class LoraShape:
    """What a LoRA changes: rank per module."""

    ranks: dict[str, int]

    @property
    def max_rank(self) -> int:
        return max(self.ranks.values())


def check_against(transformer: torch.nn.Module, state: StateDict, weight_norms: dict[str, torch.Tensor] | None = None) -> LoraShape:
    """Check a transformer LoRA (diffusers keys) fits `transformer` (see lora_files.check_layers)."""
    return LoraShape(check_layers(transformer, state, "transformer", weight_norms=weight_norms))


def _pad_to_rank(state: StateDict, transformer: torch.nn.Module, modules: Iterable[str], rank: int) -> StateDict:
    """Give every module in `modules` factors of exactly `rank`, adding zeros (which change nothing).

    peft hot-swaps only between adapters of one uniform rank layout, and zeros the modules a new LoRA leaves out."""
    padded = dict(state)
    for module in modules:
        layer = lora_layer(transformer, module)
        down = padded.get(f"transformer.{module}.lora_A.weight", torch.zeros(0, layer.in_features))
        up = padded.get(f"transformer.{module}.lora_B.weight", torch.zeros(layer.out_features, 0))
        extra = rank - down.shape[0]
        padded[f"transformer.{module}.lora_A.weight"] = torch.cat([down, down.new_zeros(extra, down.shape[1])])
        padded[f"transformer.{module}.lora_B.weight"] = torch.cat([up, up.new_zeros(up.shape[0], extra)], dim=1)
    return padded


LoraStack = Sequence[Union[LoraSource, tuple[LoraSource, float]]]  # several LoRAs at once, each at a strength (1 when not given)


class LoraSlot:
    """One LoRA at a time on a Flux pipeline. With `hotswap`, later LoRAs replace the first one in place, so a
    compiled transformer is not recompiled: `fold` writes each LoRA into the weights (`lora_fast.lora.fold`), otherwise
    peft's hot-swap copies it into the first one's adapter layers. Without `hotswap` each new LoRA replaces the
    old adapter (and a compiled model recompiles, as the reference's baseline does). A LoRA's CLIP text-encoder
    part, which nothing compiles, is loaded as a plain adapter beside it and replaced with it.

    `targets` is the set of transformer modules (full names) every future LoRA may touch; the first load prepares
    all of them, so a later LoRA on a subset swaps cleanly. Folded without `targets`, every linear layer is ready:
    the first LoRA's layers keep their originals beside them, all others in host memory (naming `targets` saves
    that). A LoRA is checked completely before anything changes, and a load that fails after that (inside peft,
    diffusers or CUDA) puts the previous LoRA back: the slot stays usable and gives the same image. `lock` is held while swapping; hold it while generating to keep
    a swap from landing mid-image.
    """

    ADAPTER = "lora_fast"

    def __init__(self, pipe: FluxPipeline, *, hotswap: bool, max_rank: int, targets: Iterable[str] | None = None, fold: bool = False) -> None:
        self.pipe, self.hotswap, self.max_rank, self.fold = pipe, hotswap, max_rank, fold
        self.targets = None if targets is None else _checked_targets(pipe.transformer, targets)
        self.prepared_modules: tuple[str, ...] = ()
        self.folded: FoldedLora | None = None
        self.factors: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # what is folded now, at call_scale times its strengths
        self.decomposed: dict[str, list[Decomposed]] = {}  # the DoRA changes folded now, likewise
        self.call_scale = 1.0  # the per-call LoRA scale of the last image (joint_attention_kwargs={"scale": ...})
        self.text_adapter: str | None = None
        self.loaded = 0
        self.lock = threading.RLock()
        # |W| of each layer a LoRA was checked against, measured once (see check_layers): a swap then costs no pass over the model's weights
        self.weight_norms: dict[str, dict[str, torch.Tensor]] = {"transformer": {}, TEXT_ENCODER: {}}
        # No LoRA factor of this model needs more than its largest layer's weight in float64 (a rank above a layer's
        # smaller side adds nothing): a file declaring more is refused from its header, before anything is read.
        self.max_factor_bytes = 8 * max(layer.in_features * layer.out_features for model in (pipe.transformer, getattr(pipe, TEXT_ENCODER))
                                        for layer in model.modules() if isinstance(layer, torch.nn.Linear))

    def prepare(self) -> None:
        """Reserve room for peft's hot-swap; must come before the first load and before compiling."""
        if self.hotswap and not self.fold:
            if self.loaded:
                raise LoraError("hot-swap must be prepared before the first LoRA is loaded; prepare a fresh slot")
            self.pipe.enable_lora_hotswap(target_rank=self.max_rank)

    def load(self, source: LoraSource | LoraStack, *, strength: float = 1.0, allow_pickle: bool = False) -> LoraShape:
        """Read, check and activate a LoRA at `strength`, or several at once: a list of sources or (source, strength)
        pairs, applied as the sum of their changes (their factors side by side, one rank per LoRA: one fold, or one
        peft adapter of the summed rank; a DoRA LoRA's changes are added beside them, folded only). Returns the
        transformer ranks. On any error the previous LoRAs stay active."""
        parts = [self._read(item, item_strength, allow_pickle) for item, item_strength in _stack(source, strength)]
        transformer_state, text_state = (_side_by_side([part[index] for part in parts]) for index in (0, 1))
        decomposed: dict[str, list[Decomposed]] = {}
        for part in parts:
            for module, change in part[3].items():
                decomposed.setdefault(module, []).append(change)
        shape = parts[0][2]
        if len(parts) > 1:  # a stack's sum is checked too
            ranks = check_against(self.pipe.transformer, transformer_state, self.weight_norms["transformer"]).ranks
            for module, changes in decomposed.items():
                ranks[module] = ranks.get(module, 0) + sum(change.down.shape[0] for change in changes)
            shape = LoraShape(ranks)
        if self.hotswap:
            self._check_swappable(shape)
        with self.lock:
            previous = self._adapters()
            restore = (self._snapshot_folded if self.fold else self._snapshot_adapter if self.hotswap else self._snapshot_fresh)()
            try:  # a transaction: the new LoRA in full, or the previous one back
                if self.fold:
                    self._load_folded(transformer_state, shape, decomposed)
                elif self.hotswap:
                    self._load_hotswap(transformer_state, shape)
                else:
                    self._load_fresh(transformer_state)
                text_adapter = self._load_text_encoder(text_state)
            except Exception as error:
                restore()
                raise LoraError(f"loading the LoRA failed inside the library ({error.__class__.__name__}: {error}); the previous LoRA is active again") from error
            if not self.hotswap and previous:  # the fresh adapter is in: the one it replaces can go
                self.pipe.transformer.delete_adapters(previous)
            self._switch_text_adapter(text_adapter)
            self.loaded += 1
        return shape

    def _read(self, source: LoraSource, strength: float, allow_pickle: bool) -> tuple[StateDict, StateDict, LoraShape, dict[str, Decomposed]]:
        """One LoRA's checked (transformer, CLIP) parts in diffusers keys, its strength in B, its transformer ranks, and
        its DoRA layers' changes (taken out of the transformer part)."""
        origin = str(source) if not isinstance(source, Mapping) else "the given state dict"
        # a file's layers and shapes are checked from its header, then one copy to where the weights are, which the checks and the load share
        state = read_lora(source, allow_pickle=allow_pickle, device=self.pipe.transformer.device, max_tensor_bytes=self.max_factor_bytes,
                          check_outline=lambda outline: self._check(outline, origin, values=False))
        transformer_state, text_state, shape = self._check(state, origin)
        decomposed = self._decomposed(transformer_state, text_state, strength, origin)
        if strength != 1.0:
            transformer_state, text_state = ({key: value * strength if key.endswith(".lora_B.weight") else value for key, value in part.items()}
                                             for part in (transformer_state, text_state))
        return transformer_state, text_state, shape, decomposed

    def _decomposed(self, transformer_state: StateDict, text_state: StateDict, strength: float, origin: str) -> dict[str, Decomposed]:
        """Take each DoRA layer (one with a magnitude vector) out of `transformer_state` as its change at `strength`;
        LoraError where DoRA cannot be applied: unfolded (peft adapters), or on the CLIP text encoder."""
        text_magnitudes = [key for key in text_state if key.endswith(MAGNITUDE)]
        if text_magnitudes:
            raise LoraError(f"{origin} has DoRA magnitudes on the CLIP text encoder (first: {text_magnitudes[0]}); lora-fast applies DoRA to the "
                            "transformer only: re-export the LoRA without its text-encoder part")
        modules = [key.removeprefix("transformer.").removesuffix(MAGNITUDE) for key in transformer_state if key.endswith(MAGNITUDE)]
        if modules and not self.fold:
            raise LoraError(
                f"{origin} is a DoRA LoRA ({len(modules)} layers with magnitude vectors, first {modules[0]}); lora-fast applies DoRA where it "
                "folds LoRAs into the weights (configs with fold_lora=True, such as optimized), and this config keeps LoRAs in peft adapters: use a folding config"
            )
        return {module: Decomposed(*(transformer_state.pop(f"transformer.{module}{ending}") for ending in (".lora_A.weight", ".lora_B.weight", MAGNITUDE)),
                                   strength=strength) for module in modules}

    def _check(self, state: StateDict, origin: str, values: bool = True) -> tuple[StateDict, StateDict, LoraShape]:
        """`state`'s (transformer, CLIP) parts in diffusers keys and its transformer ranks, each layer checked against
        the pipeline's (`check_layers`; the size of the change too with `values`)."""
        transformer_state, text_state = to_diffusers_keys(state, self.pipe, origin)
        if not transformer_state:
            raise LoraError(f"{origin} has no transformer weights; LoRAs for the text encoder alone are not supported")
        shape = LoraShape(check_layers(self.pipe.transformer, transformer_state, "transformer", values=values, weight_norms=self.weight_norms["transformer"]))
        if text_state:
            check_layers(getattr(self.pipe, TEXT_ENCODER), text_state, TEXT_ENCODER, values=values, weight_norms=self.weight_norms[TEXT_ENCODER])
        return transformer_state, text_state, shape

    def _adapters(self) -> list[str]:
        return list(getattr(self.pipe.transformer, "peft_config", {}) or {})

    def _check_swappable(self, shape: LoraShape) -> None:
        if shape.max_rank > self.max_rank and not self.fold:  # a folded LoRA of any rank fits the weights it is added to
            raise LoraError(f"LoRA rank {shape.max_rank} exceeds the prepared maximum {self.max_rank}; use a config with max_rank >= {shape.max_rank}")
        allowed = set(self.folded.base) if self.folded is not None else set(self.prepared_modules or self.targets or shape.ranks)
        outside = sorted(set(shape.ranks) - allowed)
        if outside:
            raise LoraError(
                f"LoRA targets {len(outside)} modules outside the prepared set (first: {outside[0]}); pass every module your LoRAs "
                "touch as optimize(..., lora_targets=...), full names as lora_fast.lora.targets.target_modules(pipe.transformer, targets) gives"
            )

    def _first_modules(self, shape: LoraShape) -> tuple[str, ...]:
        """What the first load prepares: the given targets, or the first LoRA's modules."""
        return self.targets or tuple(sorted(shape.ranks))

    def _snapshot_folded(self):
        factors, decomposed, scale = dict(self.factors), dict(self.decomposed), self.call_scale

        def restore() -> None:
            if self.folded is not None:
                self.factors, self.decomposed, self.call_scale = factors, decomposed, scale
                self.refold()

        return restore

    def _load_folded(self, state: StateDict, shape: LoraShape, decomposed: dict[str, list[Decomposed]]) -> None:
        if self.folded is None:
            self.prepared_modules = self._first_modules(shape)
            # undeclared targets: every other linear layer is ready too, its original kept in host memory
            spare = linear_layers(self.pipe.transformer) if self.targets is None else ()
            self.folded = FoldedLora(self.pipe.transformer, self.prepared_modules, spare)
            self._follow_call_scale()
        factors = {module: (state[f"transformer.{module}.lora_A.weight"], state[f"transformer.{module}.lora_B.weight"])
                   for module in shape.ranks if f"transformer.{module}.lora_A.weight" in state}
        self.folded.apply(factors, decomposed)
        self.factors, self.decomposed, self.call_scale = factors, decomposed, 1.0

    def _follow_call_scale(self) -> None:
        """Honor diffusers' per-call LoRA scale (`pipe(..., joint_attention_kwargs={"scale": s})`) for a folded LoRA,
        which no peft layer scales: the pipeline hands it to `encode_prompt` before denoising, so a wrapper of that
        method folds the LoRA again at scale s when it differs from the last call's (a swap's cost), and at 1 after."""
        original = self.pipe.encode_prompt

        @functools.wraps(original)
        def encode_prompt(*args, lora_scale: float | None = None, **kwargs):
            self.fold_at(1.0 if lora_scale is None else _checked_strength(lora_scale))
            return original(*args, lora_scale=lora_scale, **kwargs)

        self.pipe.encode_prompt = encode_prompt

    def fold_at(self, scale: float) -> None:
        """Fold the current LoRAs at `scale` times their strengths (a no-op when they are folded so already)."""
        with self.lock:
            if self.folded is not None and scale != self.call_scale:
                self.call_scale = scale
                self.refold()

    def refold(self) -> None:
        """Write the current LoRAs into the weights again, from the exact originals: after `optimize` has quantized or
        fused the layers a first LoRA was folded into, so that it is written as every later swap writes it."""
        with self.lock:
            if self.folded is not None:
                self.folded.apply({module: (down, up * self.call_scale) for module, (down, up) in self.factors.items()},
                                  {module: [change.scaled(self.call_scale) for change in changes] for module, changes in self.decomposed.items()})

    def _snapshot_adapter(self):
        """The adapter's factors and scalings, to be copied back in place (same tensors: no recompile)."""
        transformer = self.pipe.transformer
        factors = {name: value.detach().clone() for name, value in transformer.named_parameters() if ".lora_A." in name or ".lora_B." in name}
        scalings = {
            name: {key: value.clone() if isinstance(value, torch.Tensor) else value for key, value in module.scaling.items()}
            for name, module in transformer.named_modules() if isinstance(getattr(module, "scaling", None), dict)
        }

        @torch.no_grad()
        def restore() -> None:
            parameters = dict(transformer.named_parameters())
            for name, value in factors.items():
                parameters[name].copy_(value)
            for name, saved in scalings.items():
                scaling = transformer.get_submodule(name).scaling
                for key, value in saved.items():
                    if isinstance(scaling.get(key), torch.Tensor) and isinstance(value, torch.Tensor):
                        scaling[key].copy_(value)
                    else:
                        scaling[key] = value

        return restore

    def _load_hotswap(self, state: StateDict, shape: LoraShape) -> None:
        transformer, rank = self.pipe.transformer, shape.max_rank
        if not self.loaded:
            self.prepared_modules = self._first_modules(shape)
        state = _pad_to_rank(state, transformer, self.prepared_modules, rank)
        device, dtype = transformer.device, transformer.dtype  # each property walks every module: read them once
        state = {key: value.to(device, dtype) for key, value in state.items()}
        if not self.loaded:  # diffusers injects the adapter and pads it to the prepared rank
            with quiet_logger("diffusers.loaders.peft", logging.CRITICAL):  # a failure is reported once, by `load`
                transformer.load_lora_adapter(state, prefix="transformer", adapter_name=self.ADAPTER)
            return
        # peft's own swap, not diffusers' wrapper around it: when a swap fails midway the wrapper deletes the adapter,
        # which wedges every later load; peft leaves it in place for the slot to copy the previous LoRA back.
        from peft import LoraConfig
        from peft.utils.hotswap import hotswap_adapter_from_state_dict

        named = {key.removeprefix("transformer.").removesuffix(".weight") + f".{self.ADAPTER}.weight": value for key, value in state.items()}
        config = LoraConfig(r=rank, lora_alpha=rank, target_modules=list(self.prepared_modules))  # alpha is folded into B: scale 1
        hotswap_adapter_from_state_dict(transformer, named, self.ADAPTER, config)

    def _snapshot_fresh(self):
        """Which adapters exist now; restoring deletes any other (a new one half made) and reactivates them."""
        transformer, previous = self.pipe.transformer, self._adapters()

        def restore() -> None:
            added = [name for name in self._adapters() if name not in previous]
            with warnings.catch_warnings():  # peft notes that the previous adapter is active again: as intended
                warnings.filterwarnings("ignore", message="Adapter .* was active which is now deleted")
                if added:
                    transformer.delete_adapters(added)
            if previous:
                transformer.set_adapters(previous)

        return restore

    def _load_fresh(self, state: StateDict) -> None:
        """A new adapter beside the old one (deleted by `load` once everything is in), made the active one."""
        name = f"{self.ADAPTER}_{self.loaded}"
        with warnings.catch_warnings(), quiet_logger("diffusers.loaders.peft", logging.CRITICAL):  # a failure is reported once, by `load`
            warnings.filterwarnings("ignore", message="Already found a `peft_config` attribute")  # a second adapter beside the first: the plan
            self.pipe.transformer.load_lora_adapter(state, prefix="transformer", adapter_name=name)
        self.pipe.transformer.set_adapters(name)

    def _load_text_encoder(self, state: StateDict) -> str | None:
        """The CLIP part as a plain adapter beside the current one (the text encoder is not compiled); its name,
        or None for a LoRA without one. A failure removes what it made."""
        if not state:
            return None
        encoder, name = getattr(self.pipe, TEXT_ENCODER), f"{self.ADAPTER}_text_{self.loaded}"
        try:
            self.pipe.load_lora_into_text_encoder(state, network_alphas=None, text_encoder=encoder, prefix=TEXT_ENCODER, adapter_name=name, _pipeline=self.pipe)
        except Exception:
            if name in (getattr(encoder, "peft_config", {}) or {}):
                encoder.delete_adapter(name)
            raise
        return name

    def _switch_text_adapter(self, name: str | None) -> None:
        """Make `name` the CLIP adapter (None: none) and delete the previous one."""
        encoder = getattr(self.pipe, TEXT_ENCODER)
        if self.text_adapter is not None:
            encoder.delete_adapter(self.text_adapter)
        if name is not None:
            encoder.set_adapter(name)
        self.text_adapter = name

    def unload(self) -> None:
        """Remove every LoRA from the pipeline (the hot-swap preparation and folded weights too)."""
        with self.lock:
            if self.folded is not None:
                self.folded.remove()
                self.folded, self.factors, self.decomposed = None, {}, {}
                del self.pipe.encode_prompt  # the pipeline's own method again
            self.pipe.unload_lora_weights()
            self.pipe.transformer._prepare_lora_hotswap_kwargs = None
            self.prepared_modules, self.loaded, self.text_adapter = (), 0, None


def _checked_strength(strength: object) -> float:
    """A strength is one finite number (negative ones subtract the LoRA's change)."""
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not math.isfinite(strength):
        raise LoraError(f"LoRA strength {strength!r} is not a finite number; give one like 0.8 (1 is the LoRA as trained, 0 turns it off)")
    return float(strength)


def _stack(source: object, strength: float) -> list[tuple[LoraSource, float]]:
    """The (source, strength) pairs `LoraSlot.load` was given: one source, or a list of sources or pairs."""
    if isinstance(source, (str, Path, Mapping)):
        return [(source, _checked_strength(strength))]
    if not isinstance(source, Sequence) or not source:
        raise LoraError(f"a LoRA is a file, a hub id or a state dict, or a non-empty list of them or of (LoRA, strength) pairs; got {type(source).__name__}")
    pairs = []
    for item in source:
        if isinstance(item, tuple):
            if len(item) != 2:
                raise LoraError(f"a stacked LoRA is (LoRA, strength); got a tuple of {len(item)}")
            pairs.append((item[0], _checked_strength(item[1]) * _checked_strength(strength)))
        else:
            pairs.append((item, _checked_strength(strength)))
    return pairs


def _side_by_side(parts: list[StateDict]) -> StateDict:
    """Several LoRAs as one: per module their A matrices stacked and their B matrices side by side, so that
    B A = sum of B_i A_i. One LoRA is returned as it is."""
    if len(parts) == 1:
        return parts[0]
    modules = dict.fromkeys(key.rsplit(".", 2)[0] for part in parts for key in part)
    combined = {}
    for module in modules:
        pairs = [(part[f"{module}.lora_A.weight"].float(), part[f"{module}.lora_B.weight"].float()) for part in parts if f"{module}.lora_A.weight" in part]
        combined[f"{module}.lora_A.weight"] = torch.cat([down for down, _ in pairs])
        combined[f"{module}.lora_B.weight"] = torch.cat([up for _, up in pairs], dim=1)
    return combined


def _checked_targets(transformer: torch.nn.Module, targets: Iterable[str]) -> tuple[str, ...]:
    """`targets` as given, once each is known to be a full name of one of the transformer's linear layers."""
    targets = tuple(targets)
    for name in targets:
        if lora_layer(transformer, name) is None:
            raise LoraError(
                f"lora_targets names {name!r}, which is not a linear layer of this transformer; give full module names, "
                "e.g. lora_fast.lora.targets.target_modules(pipe.transformer, ('attn.to_q', 'proj_out'))"
            )
    return targets
