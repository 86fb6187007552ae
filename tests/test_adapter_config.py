"""A PEFT or diffusers save's scale is in its config, not its tensors: `adapter_config.json` beside the file (peft)
or the header's `lora_adapter_metadata` (diffusers 0.35 on). Each is applied as peft defines it (lora_alpha / r,
alpha_pattern per module, lora_alpha / sqrt(r) with use_rslora); a config that cannot be read is refused by name."""

from __future__ import annotations

import json
import math

import pytest
import torch
from safetensors.torch import save_file

from lora_fast.lora.files import LoraError, read_lora, to_diffusers_keys

MODULE = "single_transformer_blocks.0.proj_out"
OTHER = "single_transformer_blocks.1.proj_out"


def peft_save(tmp_path, lora_factory, config: dict | None = None, metadata: dict | None = None):
    """A rank-4 LoRA on two layers written as peft writes it (bare keys), its config beside it or in its header."""
    lora = lora_factory(rank=4, seed=5, targets=("proj_out",))
    bare = {f"base_model.model.{key.removeprefix('transformer.')}": value.contiguous() for key, value in lora.items()}
    path = tmp_path / "adapter_model.safetensors"
    save_file(bare, path, metadata={key: json.dumps(value) if not isinstance(value, str) else value for key, value in (metadata or {}).items()} or None)
    if config is not None:
        (tmp_path / "adapter_config.json").write_text(json.dumps(config))
    return lora, path


def change(state: dict, module: str) -> torch.Tensor:
    return state[f"transformer.{module}.lora_B.weight"] @ state[f"transformer.{module}.lora_A.weight"]


@pytest.mark.parametrize("config, scale, other_scale", [
    (None, 1.0, 1.0),  # no config: the factors as they are
    ({"r": 4, "lora_alpha": 8}, 2.0, 2.0),
    ({"r": 4, "lora_alpha": 4, "alpha_pattern": {"1.proj_out": 12}}, 1.0, 3.0),
    ({"r": 4, "lora_alpha": 8, "use_rslora": True}, 4.0, 4.0),  # alpha / sqrt(r)
])
def test_a_peft_save_s_config_scales_it(tmp_path, tiny_pipe, lora_factory, config, scale, other_scale):
    lora, path = peft_save(tmp_path, lora_factory, config)
    converted = to_diffusers_keys(read_lora(path), tiny_pipe)[0]
    assert torch.allclose(change(converted, MODULE), scale * change(lora, MODULE), atol=1e-6)
    assert torch.allclose(change(converted, OTHER), other_scale * change(lora, OTHER), atol=1e-6)


def test_a_diffusers_save_s_header_config_scales_it(tmp_path, tiny_pipe, lora_factory):
    lora = lora_factory(rank=4, seed=5, targets=("proj_out",))
    path = tmp_path / "pytorch_lora_weights.safetensors"
    save_file({key: value.contiguous() for key, value in lora.items()}, path,
              metadata={"lora_adapter_metadata": json.dumps({"transformer.r": 4, "transformer.lora_alpha": 2})})
    converted = to_diffusers_keys(read_lora(path), tiny_pipe)[0]
    assert torch.allclose(change(converted, MODULE), 0.5 * change(lora, MODULE), atol=1e-6)


@pytest.mark.parametrize("config, named", [
    ("{not json", "is not valid JSON"),
    ("[1, 2]", "is not a JSON object"),
    (json.dumps({"r": 4, "lora_alpha": -4}), "not a positive number"),
    (json.dumps({"r": 4, "lora_alpha": math.inf}), "not a positive number"),
])
def test_an_unreadable_config_is_refused_by_name(tmp_path, lora_factory, config, named):
    _, path = peft_save(tmp_path, lora_factory)
    (tmp_path / "adapter_config.json").write_text(config)
    with pytest.raises(LoraError, match=named):
        read_lora(path)
