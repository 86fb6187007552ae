"""What a benchmark records: a timer that waits for the GPU, image similarity, peak memory, machine facts."""

from __future__ import annotations

import importlib.metadata
import math
import time

import torch
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

LIBRARIES = ("torch", "diffusers", "transformers", "peft", "torchao", "fa3-fwd", "flash-attn-3", "sageattention", "triton")


def synced_timer() -> float:
    """time.perf_counter() after all queued CUDA work has finished (pytest-benchmark's default timer does not wait)."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
    return time.perf_counter()


def similarity(image: torch.Tensor, reference: torch.Tensor) -> dict[str, float]:
    """SSIM and PSNR (dB; None for identical images) of two image batches in [0, 1], and the relative L2 error."""
    image, reference = image.float().cpu(), reference.float().cpu()
    psnr = peak_signal_noise_ratio(image, reference, data_range=1.0).item()
    return {
        "ssim": structural_similarity_index_measure(image, reference, data_range=1.0).item(),
        "psnr_db": psnr if math.isfinite(psnr) else None,
        "rel_l2": ((image - reference).norm() / reference.norm()).item(),
    }


def reset_peak_memory() -> None:
    """Start a new peak-memory window (no-op without CUDA)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def peak_memory_gib() -> float | None:
    """Peak GPU memory allocated since the last reset, in GiB; None without CUDA."""
    return torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that decide the numbers."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def gpu_info() -> dict[str, object]:
    """GPU name, compute capability, memory, driver-side CUDA version; {"gpu": "cpu"} without CUDA."""
    if not torch.cuda.is_available():
        return {"gpu": "cpu"}
    properties = torch.cuda.get_device_properties(0)
    return {
        "gpu": properties.name,
        "gpu_count": torch.cuda.device_count(),
        "compute_capability": f"{properties.major}.{properties.minor}",
        "gpu_memory_GiB": round(properties.total_memory / 2**30, 1),
        "cuda": torch.version.cuda,
        "driver": _driver_version(),
    }


def _driver_version() -> str | None:
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
        return pynvml.nvmlSystemGetDriverVersion()
    except pynvml.NVMLError:
        return None


def storage_folder_name(info: dict[str, object]) -> str:
    """Folder under .benchmarks/ for a machine: the GPU name with spaces as dashes, or "cpu"."""
    return str(info["gpu"]).replace(" ", "-").replace("/", "-")
