"""Memory: peak GPU and host memory windows, and a GPU memory cap that stands in for a smaller card."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path

import torch

from .timing import cuda_in_use


class GpuMemoryError(RuntimeError):
    """A run that does not fit under the GPU memory cap it was given."""


@contextlib.contextmanager
def gpu_memory_cap(gib: float | None, what: str = "this run") -> Iterator[None]:
    """Cap this process's GPU memory at `gib` GiB inside the with-block, to stand in for a smaller card.

    A no-op without CUDA or without a cap. Memory already allocated counts against the cap. Running out of
    memory inside raises GpuMemoryError naming `what` and the cap."""
    if not gib or not torch.cuda.is_available():
        yield
        return
    total = torch.cuda.get_device_properties(0).total_memory / 2**30
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(min(1.0, gib / total))
    try:
        yield
    except torch.OutOfMemoryError:
        raise GpuMemoryError(
            f"{what} ran out of GPU memory under a {gib:g} GiB cap: it does not fit this card; "
            "pick a preset with FP8 or offload, or raise --gpu-memory-gb"
        ) from None
    finally:
        torch.cuda.empty_cache()
        torch.cuda.set_per_process_memory_fraction(1.0)


def reset_peak_memory() -> None:
    """Start a new peak-memory window (no-op without CUDA)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def reset_peak_host_memory() -> bool:
    """Start a new window for this process's peak resident memory (Linux: /proc/self/clear_refs); False if it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_host_memory_gib() -> float | None:
    """This process's peak resident memory (VmHWM) since the last reset, in GiB; None where /proc cannot say."""
    return _process_status_gib("VmHWM")


def host_memory_gib() -> float | None:
    """This process's resident memory now (VmRSS), in GiB; None where /proc cannot say."""
    return _process_status_gib("VmRSS")


def _process_status_gib(field: str) -> float | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    line = next((line for line in status.splitlines() if line.startswith(f"{field}:")), None)
    return int(line.split()[1]) / 2**20 if line else None


def allocator_retries() -> int | None:
    """How often CUDA's caching allocator has freed its cache and retried an allocation that did not fit (each a
    device-wide synchronize): a run squeezed by its memory cap shows it here. None without CUDA."""
    return torch.cuda.memory_stats().get("num_alloc_retries", 0) if cuda_in_use() else None


def pinned_host_memory_gib() -> float | None:
    """Page-locked host memory that torch's pinned allocator owns now, in GiB: blocks in use and cached, each rounded
    up to a power of two, all of it resident and kept until the process ends. None before CUDA is in use."""
    return torch.cuda.host_memory_stats().get("allocated_bytes.current", 0) / 2**30 if cuda_in_use() else None


def peak_memory_gib() -> float | None:
    """Peak GPU memory allocated since the last reset, in GiB; None without CUDA."""
    return torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None


def clean_slate() -> None:
    """Free what the last case left: Python's garbage, then the GPU's cached blocks (a case starts from the same memory)."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
