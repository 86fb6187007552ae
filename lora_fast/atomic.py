"""Files written whole or not at all: through a temporary file of a unique name beside the target, then renamed
over it (or, for a file that must not exist yet, linked to its name, which fails if another writer got there
first), so an interrupted or concurrent write never leaves a truncated or lost result, README, LoRA or cache."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, exclusive: bool = False) -> Path:
    """Write `data` to `path` in one step; a failure leaves `path` as it was and no temporary file. With `exclusive`,
    an existing `path` is never replaced: FileExistsError, even when another process creates it meanwhile."""
    path = Path(path)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        if exclusive:
            os.link(partial, path)  # atomic and create-only: two writers cannot both publish one name
        else:
            os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)
    return path
