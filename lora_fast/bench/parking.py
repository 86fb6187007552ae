"""A pipeline parked on disk: its weights' memory freed while a block runs, read back from its saved folder after,
so a case that reads its own pipeline from that folder measures only its own memory (issue 29's 24 GB host budget)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open

from ..lora.files import SAFETENSORS_DTYPES


@dataclass(frozen=True)
class ParkedTensor:
    """One weight (a tied pair is one tensor) whose memory is freed: where it lives in the folder and on which device."""

    tensor: torch.Tensor
    file: Path
    key: str
    device: torch.device
    nbytes: int


@contextlib.contextmanager
def parked(pipe, folder: Path) -> Iterator[int]:
    """Free the memory of every weight of `pipe`'s models that `pipe.save_pretrained(folder)` stored (same name,
    shape and dtype) inside the with-block, which gets the number of bytes freed; read them back, bit for bit, after.
    Weights the folder lacks (non-persistent buffers) stay. The same Parameter objects are kept, so nothing that
    holds one (hooks, a restore) sees a change."""
    freed: list[ParkedTensor] = []
    try:
        for name, model in pipe.components.items():
            if isinstance(model, torch.nn.Module):
                freed += _free(model, Path(folder) / name)
        _return_free_heap()
        yield sum(item.nbytes for item in freed)
    finally:
        _read_back(freed)


def _stored(folder: Path) -> dict[str, tuple[Path, list[int], torch.dtype | None]]:
    """Every tensor of the safetensors files in `folder`: key -> (file, shape, dtype), read from their headers."""
    stored = {}
    for file in sorted(folder.glob("*.safetensors")):
        with safe_open(file, "pt") as handle:
            for key in handle.keys():
                part = handle.get_slice(key)
                stored[key] = (file, list(part.get_shape()), SAFETENSORS_DTYPES.get(part.get_dtype()))
    return stored


def _free(model: torch.nn.Module, folder: Path) -> list[ParkedTensor]:
    stored = _stored(folder) if folder.is_dir() else {}
    names: dict[int, tuple[torch.Tensor, list[str]]] = {}
    for name, tensor in [*model.named_parameters(remove_duplicate=False), *model.named_buffers(remove_duplicate=False)]:
        names.setdefault(id(tensor), (tensor, []))[1].append(name)
    freed = []
    for tensor, tensor_names in names.values():
        match = next((name for name in tensor_names if name in stored and stored[name][1:] == (list(tensor.shape), tensor.dtype)), None)
        if match is None or tensor.numel() == 0:
            continue
        freed.append(ParkedTensor(tensor, stored[match][0], match, tensor.device, tensor.nbytes))
        tensor.data = torch.empty(0, dtype=tensor.dtype, device=tensor.device)
    return freed


def _return_free_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc keeps freed blocks below its mmap threshold, 32 MB at
    most, so the resident figure would not drop for them); a no-op where there is no glibc."""
    library = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(library), "malloc_trim", None) if library else None
    if trim is not None:
        trim(0)


def _read_back(freed: list[ParkedTensor]) -> None:
    by_file: dict[Path, list[ParkedTensor]] = {}
    for item in freed:
        by_file.setdefault(item.file, []).append(item)
    for file, items in by_file.items():
        with safe_open(file, "pt") as handle:
            for item in items:
                stored = handle.get_tensor(item.key)  # may sit unaligned in safetensors' buffer, and CPU kernels then round differently
                item.tensor.data = torch.empty_like(stored, device=item.device).copy_(stored)
