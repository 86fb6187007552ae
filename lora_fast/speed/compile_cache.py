"""Compile caches a server ships with its image: torch.compile's artifacts (inductor's and AOT autograd's caches)
saved after a first call, loaded before the next process's first call, which then finds a warm cache instead of
compiling from scratch. The file holds compiled kernels for one torch version, GPU and configuration."""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from .atomic import write_atomically
from .quiet import quiet_logger


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
