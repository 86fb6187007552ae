"""A Flux pipeline folder read for `streamed_load`: the transformer one tensor at a time, each FP8 layer quantized on
the GPU as its weight arrives and told where that weight lies, so a fold re-reads the exact original instead of
keeping a copy. Host memory then holds one tensor of the transformer at a time, not all of it in bf16 (Flux's: 22
GiB): diffusers' `from_pretrained` builds the whole model in host memory before anything moves, which a 32 GB host
running a 24 GB card cannot spare beside T5."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from accelerate import init_empty_weights
from accelerate.utils import set_module_tensor_to_device
from diffusers import FluxPipeline, FluxTransformer2DModel
from safetensors import SafetensorError, safe_open

from ..config import OptimizationConfig
from ..hub import HUB_ERRORS
from ..pipelines import BUILT_SHAPES, PipelineError, load_pipeline, local_folder, model_dtype
from .offload import loading_device
from .quantize import Fp8Linear, base_linears

WEIGHTS = "diffusion_pytorch_model.safetensors"
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


def stored_tensors(folder: Path, dtype: torch.dtype) -> dict[str, StoredTensor]:
    """Every tensor of a model folder's safetensors weights (one file, or shards and their index) by name."""
    index = folder / f"{WEIGHTS}.index.json"
    try:
        if index.is_file():
            return {key: StoredTensor(folder / file, key, dtype) for key, file in json.loads(index.read_text())["weight_map"].items()}
        with safe_open(folder / WEIGHTS, framework="pt") as file:
            return {key: StoredTensor(folder / WEIGHTS, key, dtype) for key in file.keys()}
    except (OSError, KeyError, ValueError, SafetensorError) as error:
        raise PipelineError(
            f"{folder} has no readable safetensors weights ({error.__class__.__name__}: {error}); a streamed load reads {WEIGHTS} "
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
    """The transformer saved in `folder` on `device`: each layer FP8 applies to (`base_linears`) as our FP8 linear,
    quantized on `device` from its weight as read, its `origin` that weight's place in the files; every other tensor
    read in `dtype` onto `device`."""
    stored = stored_tensors(folder, dtype)
    with init_empty_weights():
        transformer = FluxTransformer2DModel.from_config(FluxTransformer2DModel.load_config(folder))
    expected = {name for name, _ in transformer.named_parameters()}
    missing, unknown = sorted(expected - set(stored)), sorted(set(stored) - expected)
    if missing or unknown:
        raise PipelineError(
            f"{folder}'s weights do not fit its config.json ({len(missing)} missing, first {missing[:1]}; {len(unknown)} unknown, first "
            f"{unknown[:1]}); pass the transformer folder of a saved Flux pipeline"
        )
    for name in base_linears(transformer, text_stream):
        layer = transformer.get_submodule(name)
        quantized = Fp8Linear(layer.in_features, layer.out_features, None if layer.bias is None else stored[f"{name}.bias"].read(), device)
        quantized.origin = stored[f"{name}.weight"]
        quantized.set_weight(quantized.origin.read(device))
        transformer.set_submodule(name, quantized)
    for name, _ in list(transformer.named_parameters()):
        set_module_tensor_to_device(transformer, name, device, value=stored[name].read(), dtype=dtype)
    return transformer.eval().requires_grad_(False)


def load_for(config: OptimizationConfig, source: str, device: str | torch.device, seed: int = 0) -> FluxPipeline:
    """The pipeline of `source` loaded to run `config` on `device`: with `streamed_load` its transformer streamed in
    FP8 (`load_streamed`), otherwise whole, in host memory when the config offloads (`offload.loading_device`), its
    random weights drawn on `device`."""
    host_device, dtype = loading_device(config, device), model_dtype(device)
    if config.streamed_load:
        return load_streamed(source, device, host_device, dtype, config.text_stream_fp8)
    return load_pipeline(source, device=host_device, dtype=dtype, seed=seed, draw_on=device)


def load_streamed(source: str, device: str | torch.device, host_device: str | torch.device, dtype: torch.dtype, text_stream: bool = True) -> FluxPipeline:
    """The pipeline saved in folder `source` (or a hub id's, fetched into the hub cache): its transformer streamed to
    `device` (`stream_transformer`), the other components loaded by diffusers onto `host_device` (host memory when a
    config offloads them)."""
    if source in BUILT_SHAPES:
        raise PipelineError(
            f"a streamed load reads a saved pipeline folder, and {source!r} is not one (no model_index.json); pass a folder saved with "
            f"save_pretrained, or save this one first: lora-fast save --model {source} --out FOLDER"
        )
    folder = local_folder(source) or _fetched(source)
    transformer = stream_transformer(folder / "transformer", torch.device(device), dtype, text_stream)
    pipe = FluxPipeline.from_pretrained(folder, transformer=transformer, torch_dtype=dtype)
    for name in HOST_COMPONENTS:
        getattr(pipe, name).to(host_device)
    pipe.set_progress_bar_config(disable=True)
    return pipe
