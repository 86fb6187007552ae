"""Where a command may write, checked before it does any work: a bad output path costs nothing and never
replaces what the run reads (a LoRA, a model folder, stored results)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .errors import QuotingError

STORED_RESULTS = Path(".benchmarks")


class OutputError(QuotingError, ValueError):
    """An output path a command cannot or must not write; the message names the option and what to give instead."""


def checked_output(
    path: Path, option: str, *, overwrite: bool = False, inputs: Iterable[Path] = (), suffixes: Iterable[str] | None = None, kind: str = "",
) -> Path:
    """`path` once a file can be written there: not one of `inputs` or inside one (even with `overwrite`), not a
    folder, not an existing file unless `overwrite`, a name ending in one of `suffixes` (a `kind` of file) when
    given, and in a folder this user can write (the nearest existing one, for a folder still to be made)."""
    path = Path(path)
    not_an_input(path, option, inputs)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give a file name inside it")
    if path.exists() and not overwrite:
        raise OutputError(f"{option} {path} already exists; pick another name" + (" or pass --overwrite" if option == "--out" else ""))
    if suffixes is not None and path.suffix.lower() not in tuple(suffixes):
        raise OutputError(f"{option} {path}: {path.suffix or 'no extension'} is not {kind}")
    writable_folder(path.parent, f"{option} {path}")
    return path


def checked_output_folder(folder: Path, option: str, *, inputs: Iterable[Path] = ()) -> Path:
    """`folder` once files can be written into it: not one of `inputs` or inside one, new or empty (nothing in it is
    written over), and writable by this user (the nearest existing folder, for one still to be made)."""
    folder = Path(folder)
    not_an_input(folder, option, inputs)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputError(f"{option} {folder} already exists; give a new or empty folder (nothing is written over)")
    writable_folder(folder, f"{option} {folder}")
    return folder


def writable_folder(folder: Path, what: str) -> None:
    """OutputError unless `folder`, or the nearest folder above it that exists, can be written by this user."""
    folder = Path(folder).absolute()
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{what}: cannot write into {folder}; pick a folder you can write to")


def not_an_input(path: Path, option: str, inputs: Iterable[Path]) -> None:
    """OutputError when `path` is one of `inputs` or inside one of them: an output never replaces what a run reads."""
    for source in inputs:
        if path.resolve() == Path(source).resolve() or Path(source).resolve() in path.resolve().parents:
            raise OutputError(f"{option} {path} would replace {source}, which this run reads; user files and stored results are only read: pick another name")
