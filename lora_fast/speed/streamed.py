"""A Flux pipeline folder read for `streamed_load`: the transformer (and T5, when it runs in FP8) one tensor at a
time, each FP8 layer quantized on the GPU as its weight arrives and told where that weight lies, so a fold re-reads
the exact original instead of keeping a copy. Host memory then holds one tensor of the model at a time, not all of
it in bf16 (Flux's transformer: 22 GiB; T5-XXL: 9.5 GiB): diffusers' and transformers' `from_pretrained` build the
whole model in host memory before anything moves, which a 32 GB host running a 24 GB card cannot spare."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from accelerate import init_empty_weights
from accelerate.utils import set_module_tensor_to_device
from diffusers import FluxPipeline, FluxTransformer2DModel
from safetensors import SafetensorError, safe_open
from transformers import T5Config, T5EncoderModel

from ..config import Offload, OptimizationConfig
from ..hub import HUB_ERRORS
from ..pipelines import BUILT_SHAPES, PipelineError, load_pipeline, local_folder, model_dtype
from .offload import loading_device, placements
from .quantize import Fp8Linear, base_linears

WEIGHTS = "diffusion_pytorch_model.safetensors"  # a diffusers model's (the transformer's)
T5_WEIGHTS = "model.safetensors"  # a transformers model's (T5's)
HOST_COMPONENTS = ("vae", "text_encoder", "text_encoder_2")


@dataclass(frozen=True)
class StoredTensor:
    """One tensor of a checkpoint: its safetensors file and key, read in the model's `dtype`."""

    path: Path
    key: str
    dtype: torch.dtype

    def read(self, device: torch.device | str = "cpu") -> torch.Tensor:
        """The tensor on `device`. The file is opened for this read alone, so no mapping of it stays resident."""
        with safe_open(self.path, framework="pt") as file:
            return file.get_tensor(self.key).to(device, self.dtype)


def stored_tensors(folder: Path, dtype: torch.dtype, weights: str = WEIGHTS) -> dict[str, StoredTensor]:
    """Every tensor of a model folder's safetensors `weights` (one file, or shards and their index) by name."""
    index = folder / f"{weights}.index.json"
    try:
        if index.is_file():
            return {key: StoredTensor(folder / file, key, dtype) for key, file in json.loads(index.read_text())["weight_map"].items()}
        with safe_open(folder / weights, framework="pt") as file:
            return {key: StoredTensor(folder / weights, key, dtype) for key in file.keys()}
    except (OSError, KeyError, ValueError, SafetensorError) as error:
        raise PipelineError(
            f"{folder} has no readable safetensors weights ({error.__class__.__name__}: {error}); a streamed load reads {weights} "
            "or its shards and their index: save the pipeline with save_pretrained (safetensors is its default)"
        ) from error


def _fetched(repo: str) -> Path:
    """The diffusers folders of hub pipeline `repo` (not a single-file checkpoint beside them), fetched or found in the hub cache."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo, allow_patterns=["model_index.json", "*/*"]))
    except HUB_ERRORS as error:
        raise PipelineError(
            f"could not fetch Flux pipeline {repo!r} ({error.__class__.__name__}: {str(error).splitlines()[0]}); check the hub id and your "
            "network or HF token, or pass a saved pipeline folder"
        ) from error


def stream_transformer(folder: Path, device: torch.device, dtype: torch.dtype, text_stream: bool = True) -> FluxTransformer2DModel:
    """The transformer saved in `folder` on `device`: each layer FP8 applies to (`base_linears`, the text stream's
    attention projections only with `text_stream`) as our FP8 linear, every other tensor read in `dtype`."""
    with init_empty_weights():
        transformer = FluxTransformer2DModel.from_config(FluxTransformer2DModel.load_config(folder))
    return _stream_into(transformer, folder, stored_tensors(folder, dtype), device, base_linears(transformer, text_stream))


def stream_t5(folder: Path, device: torch.device, dtype: torch.dtype) -> T5EncoderModel:
    """T5 saved in `folder` on `device`, its FP8 layers (`base_linears`) as our FP8 linear, every other tensor read
    in `dtype` (as transformers reads a bf16 or float32 T5: it keeps `wo` in float32 for float16 alone)."""
    with init_empty_weights():
        t5 = T5EncoderModel(T5Config.from_pretrained(folder))
    t5.tie_weights()  # the token embedding shared with the encoder (built without weights, transformers 5 leaves two)
    return _stream_into(t5, folder, stored_tensors(folder, dtype, T5_WEIGHTS), device, base_linears(t5))


def _stream_into(model: torch.nn.Module, folder: Path, stored: dict[str, StoredTensor], device: torch.device, fp8_layers: list[str]) -> torch.nn.Module:
    """`model`, built without weights, filled from `folder`'s `stored` tensors on `device`: each of `fp8_layers` as
    our FP8 linear, quantized on `device` from its weight as read, its `origin` that weight's place in the files;
    every other parameter read in its stored tensor's dtype. A parameter shared under several names (T5's token
    embedding) is read once, under whichever of them the files use."""
    by_parameter: dict[torch.nn.Parameter, list[str]] = {}
    for name, parameter in model.named_parameters(remove_duplicate=False):
        by_parameter.setdefault(parameter, []).append(name)
    aliases = {names[0]: names for names in by_parameter.values()}  # named_parameters() gives each shared one by its first name
    stored_name = {name: next((alias for alias in names if alias in stored), None) for name, names in aliases.items()}
    missing = sorted(name for name, found in stored_name.items() if found is None)
    unknown = sorted(set(stored) - {alias for names in aliases.values() for alias in names})
    if missing or unknown:
        raise PipelineError(
            f"{folder}'s weights do not fit its config.json ({len(missing)} missing, first {missing[:1]}; {len(unknown)} unknown, first "
            f"{unknown[:1]}); pass the folder of a model saved with a Flux pipeline"
        )
    for name in fp8_layers:
        layer = model.get_submodule(name)
        quantized = Fp8Linear(layer.in_features, layer.out_features, None if layer.bias is None else stored[f"{name}.bias"].read(), device)
        quantized.origin = stored[f"{name}.weight"]
        quantized.set_weight(quantized.origin.read(device))
        model.set_submodule(name, quantized)
    for name, _ in list(model.named_parameters()):  # what FP8 left
        place = stored[stored_name[name]]
        set_module_tensor_to_device(model, name, device, value=place.read(), dtype=place.dtype)
        for alias in aliases[name][1:]:  # the new parameter shared again
            owner, _, attribute = alias.rpartition(".")
            setattr(model.get_submodule(owner), attribute, model.get_parameter(name))
    return model.eval().requires_grad_(False)


def load_for(config: OptimizationConfig, source: str, device: str | torch.device, seed: int = 0) -> FluxPipeline:
    """The pipeline of `source` loaded to run `config` on `device`: with `streamed_load` its transformer (and T5, when
    in FP8) streamed in FP8 (`load_streamed`), otherwise whole, in host memory when the config offloads
    (`offload.loading_device`), its random weights drawn on `device`."""
    host_device, dtype = loading_device(config, device), model_dtype(device)
    if config.streamed_load:
        t5_device = None
        if config.text_encoder_fp8:  # T5 read into FP8 too: onto the GPU when it stays there
            t5_device = device if placements(config)["text_encoder_2"] is Offload.NONE else host_device
        return load_streamed(source, device, host_device, dtype, config.text_stream_fp8, t5_device)
    return load_pipeline(source, device=host_device, dtype=dtype, seed=seed, draw_on=device)


def load_streamed(
    source: str, device: str | torch.device, host_device: str | torch.device, dtype: torch.dtype, text_stream: bool = True,
    t5_device: str | torch.device | None = None,
) -> FluxPipeline:
    """The pipeline saved in folder `source` (or a hub id's, fetched into the hub cache): its transformer streamed to
    `device` (`stream_transformer`), T5 streamed in FP8 to `t5_device` when one is given (`stream_t5`), the other
    components loaded by diffusers onto `host_device` (host memory when a config offloads them)."""
    if source in BUILT_SHAPES:
        raise PipelineError(
            f"a streamed load reads a saved pipeline folder, and {source!r} is not one (no model_index.json); pass a folder saved with "
            f"save_pretrained, or save this one first: lora-fast save --model {source} --out FOLDER"
        )
    folder = local_folder(source) or _fetched(source)
    streamed = {"transformer": stream_transformer(folder / "transformer", torch.device(device), dtype, text_stream)}
    if t5_device is not None:
        streamed["text_encoder_2"] = stream_t5(folder / "text_encoder_2", torch.device(t5_device), dtype)
    pipe = FluxPipeline.from_pretrained(folder, **streamed, torch_dtype=dtype)
    for name in HOST_COMPONENTS:
        if name not in streamed:
            getattr(pipe, name).to(host_device)
    pipe.set_progress_bar_config(disable=True)
    return pipe
