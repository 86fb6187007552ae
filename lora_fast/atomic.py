"""Files written whole or not at all: through a hidden temporary file beside the target, renamed over it, so an
interrupted write never leaves a truncated result, README, LoRA or cache behind."""

from __future__ import annotations

from pathlib import Path


def write_atomically(path: Path, data: bytes) -> Path:
    """Write `data` to `path` in one rename; a failure leaves `path` as it was and no temporary file."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
