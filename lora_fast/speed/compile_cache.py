"""Compile caches a server ships with its image: torch.compile's artifacts (inductor's and AOT autograd's caches)
saved after a first call, loaded before the next process's first call, which then finds a warm cache instead of
compiling from scratch. The file holds compiled kernels for one torch version, GPU and configuration."""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from ..atomic import write_atomically
from ..config import OptimizationConfig, Quantization
from ..quiet import quiet_logger

# What a compiled preset's first call took from cold caches (seconds, low to high): the tiny pipeline on a 2-core CPU,
# and the full-size transformer on an H200 in bf16 and with FP8 layers (stored runs 0016-0038).
FIRST_CALL_S = {"tiny": (20, 60), "bf16": (25, 60), "fp8": (60, 290)}


class CompileCacheError(RuntimeError):
    """A compile-cache file that cannot be written or read; the message says why and what to do."""


def save_compile_cache(path: str | Path, *, overwrite: bool = False) -> int:
    """Write the artifacts of everything this process has compiled to `path` (atomically); returns its size."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise CompileCacheError(f"{path} already exists; pick another name or pass overwrite=True")
    artifacts = torch.compiler.save_cache_artifacts()
    if artifacts is None or not artifacts[0]:
        raise CompileCacheError("nothing was compiled in this process yet: make one image with a compiled preset first")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, artifacts[0])
    return len(artifacts[0])


def load_compile_cache(path: str | Path) -> int:
    """Put the artifacts in `path` into this process's compile caches; returns how many there were."""
    path = Path(path)
    if not path.is_file():
        raise CompileCacheError(f"compile cache {path} not found; make one with `lora-fast warm --out {path}`")
    with quiet_logger("torch.compiler._cache", logging.CRITICAL):  # it logs a traceback for a bad file, then returns None
        info = torch.compiler.load_cache_artifacts(path.read_bytes())
    if info is None:
        raise CompileCacheError(f"{path} is not a compile cache this torch can read; make it again with `lora-fast warm`")
    return sum(len(keys) for keys in info.artifacts.values())


def first_call_notice(config: OptimizationConfig, tiny: bool) -> str | None:
    """What to say before a compiled preset's first image, which otherwise sits silently on its first denoising step
    while torch.compile works; None for a preset that compiles nothing."""
    if not config.compiled:
        return None
    kind = "tiny" if tiny else "bf16" if config.quantization is Quantization.NONE else "fp8"
    low, high = FIRST_CALL_S[kind]
    where = "for the tiny pipeline on a 2-core CPU" if tiny else f"at full size on an H200{' with FP8 layers' if kind == 'fp8' else ''}"
    return (
        f"compiling {config.name}: the first image usually takes {low}-{high} s {where} with cold caches, less with warm ones; "
        "`lora-fast warm` saves a compile cache that a later process loads with --compile-cache"
    )
