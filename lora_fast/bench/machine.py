"""Facts about the machine a run was timed on: GPU, driver, topology, library versions, its storage folder."""

from __future__ import annotations

import importlib.metadata
import subprocess

import torch

LIBRARIES = ("torch", "diffusers", "transformers", "peft", "torchao", "fa3-fwd", "flash-attn-3", "sageattention", "triton")


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
        **({"gpu_topology": _topology()} if torch.cuda.device_count() > 1 else {}),
    }


def _topology() -> str | None:
    """`nvidia-smi topo -m`: how the GPUs are linked (NVLink, PCIe), which sets what context parallelism costs."""
    try:
        return subprocess.run(["nvidia-smi", "topo", "-m"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None


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
