"""The scale of a PEFT or diffusers save, which its tensors do not hold: peft writes it to `adapter_config.json`
beside `adapter_model.safetensors`, diffusers (0.35 on) to the safetensors header's `lora_adapter_metadata`. Read
as kohya-style `.alpha` tensors (alpha / rank scales B), so one path applies every layout's scale."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path

import torch

from .errors import LoraError
from .formats import PEFT_PREFIX

CONFIG_FILE = "adapter_config.json"
METADATA_KEY = "lora_adapter_metadata"
DOWN_ENDINGS = (".lora_A.default.weight", ".lora_A.weight")
COMPONENTS = ("transformer", "text_encoder")


def configured_alphas(path: Path, metadata: Mapping[str, str] | None, outline: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """An `.alpha` tensor per LoRA module of `outline` (the file's tensors, as declared) from the scale its save
    recorded; none when the file holds alphas of its own or no save config is found. LoraError for a config that
    cannot be read."""
    if any(key.endswith(".alpha") for key in outline):
        return {}
    configs = _configs(path, metadata)
    if not configs:
        return {}
    alphas = {}
    for key, down in outline.items():
        ending = next((ending for ending in DOWN_ENDINGS if key.endswith(ending)), None)
        if ending is None:
            continue
        module = key.removesuffix(ending)
        bare = module.removeprefix(PEFT_PREFIX)
        component = next((name for name in COMPONENTS if bare.startswith(f"{name}.")), None)
        config = configs.get(component, configs.get(None))
        if config is not None:
            alphas[f"{module}.alpha"] = torch.tensor(_alpha(config, bare.removeprefix(f"{component}.") if component else bare, down.shape[0], path))
    return alphas


def _configs(path: Path, metadata: Mapping[str, str] | None) -> dict[str | None, dict]:
    """The save's LoRA config per component ("transformer", "text_encoder"; None: for every module of the file)."""
    raw, origin = (metadata or {}).get(METADATA_KEY), f"{path}'s {METADATA_KEY}"
    if raw is None and (path.parent / CONFIG_FILE).is_file():
        raw, origin = (path.parent / CONFIG_FILE).read_text(errors="replace"), str(path.parent / CONFIG_FILE)
    if raw is None:
        return {}
    try:
        config = json.loads(raw)
    except ValueError as error:
        raise LoraError(f"{origin} is not valid JSON ({error}); fix or remove it: it holds the LoRA's scale (lora_alpha)") from None
    if not isinstance(config, dict):
        raise LoraError(f"{origin} is not a JSON object; it should hold the LoRA's lora_alpha and r")
    prefixed = {name: {key.removeprefix(f"{name}."): value for key, value in config.items() if key.startswith(f"{name}.")} for name in COMPONENTS}
    return {name: value for name, value in prefixed.items() if value} or {None: config}


def _alpha(config: dict, module: str, rank: int, path: Path) -> float:
    """The alpha that gives `module` its scale as peft defines it: lora_alpha / rank (alpha_pattern's entry where one
    matches the module's name), lora_alpha / sqrt(rank) under use_rslora."""
    alpha = config.get("lora_alpha", 8)  # peft's default
    for pattern, value in (config.get("alpha_pattern") or {}).items():
        if re.fullmatch(rf"(.*\.)?{pattern}", module):
            alpha = value
            break
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not math.isfinite(alpha) or alpha <= 0:
        raise LoraError(f"{path}: the saved lora_alpha for {module} is {alpha!r}, not a positive number; fix the adapter config")
    return float(alpha) * math.sqrt(rank) if config.get("use_rslora") else float(alpha)
