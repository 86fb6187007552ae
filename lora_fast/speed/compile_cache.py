"""Compile caches a server ships with its image: torch.compile's artifacts (inductor's and AOT autograd's caches)
saved after a first call, loaded before the next process's first call, which then finds a warm cache instead of
compiling from scratch. The file holds compiled kernels for one torch version, GPU and configuration.

A compile cache is code: torch unpickles its items and runs the kernels in them. So, as notebook servers trust the
notebooks their user saved, `save_compile_cache` signs what it writes with a secret kept in the user's data folder
(HMAC-SHA256), `load_compile_cache` loads what that secret signed, and any other file only with `trust=True`
(CLI: --trust-compile-cache). Every item's key is read before torch sees the bytes: an absolute key, or one that
climbs out of the cache folder, is refused, and a malformed file is a clear error."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path, PurePath

import torch

from ..atomic import write_atomically
from ..config import OptimizationConfig, Quantization
from ..errors import QuotingError
from ..quiet import quiet_logger

# What a compiled preset's first call took from cold caches (seconds, low to high): the tiny pipeline on a 2-core CPU,
# and the full-size transformer on an H200 in bf16 and with FP8 layers (stored runs 0016-0038).
FIRST_CALL_S = {"tiny": (20, 60), "bf16": (25, 60), "fp8": (60, 290)}
SIGNED = b"lora-fast compile cache, signed with HMAC-SHA256\n"  # then the 32-byte signature, then torch's artifacts
KEY_FILE = "compile-cache.key"


class CompileCacheError(QuotingError, RuntimeError):
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
    signed = SIGNED + hmac.new(_user_key(), artifacts[0], hashlib.sha256).digest() + artifacts[0]
    write_atomically(path, signed)
    return len(signed)


def load_compile_cache(path: str | Path, *, trust: bool = False) -> int:
    """Put the artifacts in `path` into this process's compile caches; returns how many there were. Only a file this
    user's `save_compile_cache` signed, unless `trust`; items whose keys leave the cache folder never."""
    path = Path(path)
    if not path.is_file():
        raise CompileCacheError(f"compile cache {path} not found; make one with `lora-fast warm --out {path}`")
    artifacts = _trusted(path, path.read_bytes(), trust)
    _check_items(path, artifacts)
    with quiet_logger("torch.compiler._cache", logging.CRITICAL):  # it logs a traceback for a bad file, then returns None
        info = torch.compiler.load_cache_artifacts(artifacts)
    if info is None:
        raise CompileCacheError(f"{path} is not a compile cache this torch can read; make it again with `lora-fast warm`")
    return sum(len(keys) for keys in info.artifacts.values())


def data_folder() -> Path:
    """Where lora-fast keeps what belongs to this user (LORA_FAST_DATA_DIR, else the XDG data folder)."""
    base = os.environ.get("LORA_FAST_DATA_DIR") or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "lora-fast"
    return Path(base).expanduser()


def _user_key() -> bytes:
    """This user's signing secret, made on first use (32 random bytes, readable by the user alone)."""
    path = data_folder() / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile: use that one
            return path.read_bytes()
        with os.fdopen(handle, "wb") as file:
            file.write(secrets.token_bytes(32))
    return path.read_bytes()


def _trusted(path: Path, data: bytes, trust: bool) -> bytes:
    """torch's artifacts from a file, once it is known who they come from: signed by this user, or trusted by the caller."""
    if data.startswith(SIGNED):
        signature, artifacts = data[len(SIGNED):len(SIGNED) + 32], data[len(SIGNED) + 32:]
        if hmac.compare_digest(signature, hmac.new(_user_key(), artifacts, hashlib.sha256).digest()) or trust:
            return artifacts
        raise CompileCacheError(
            f"{path} was signed with another user's key or changed since; loading a compile cache runs the code in it: load only "
            "caches you made (lora-fast warm), or pass --trust-compile-cache (trust=True) for one whose source you trust"
        )
    if trust:
        return data
    raise CompileCacheError(
        f"{path} is not a compile cache lora-fast warm signed for this user; loading a compile cache runs the code in it: pass "
        "--trust-compile-cache (trust=True) only for a file whose source you trust"
    )


def _check_items(path: Path, artifacts: bytes) -> None:
    """Read every item's kind and key without torch (no unpickling): a malformed file or a key that is absolute or
    climbs out of the cache folder is a CompileCacheError."""
    from torch.utils._appending_byte_serializer import AppendingByteSerializer

    def keys(reader) -> list[str]:
        reader.read_str()  # the artifacts' kind
        found = []
        for _ in range(reader.read_uint64()):
            found.append(reader.read_str())
            reader.read_bytes()
        return found

    try:
        items = [key for group in AppendingByteSerializer.to_list(artifacts, deserialize_fn=keys) for key in group]
    except Exception as error:  # the reader raises assertion, index, struct and decode errors for bad bytes: all mean one thing
        raise CompileCacheError(f"{path} is not a compile cache this torch can read ({error.__class__.__name__}); make it again with `lora-fast warm`") from None
    for key in items:
        if os.path.isabs(key) or PurePath(key).is_absolute() or ".." in PurePath(key).parts:
            raise CompileCacheError(f"{path} holds an item keyed {key!r}, which would be written outside the cache folder; the file is refused")


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
