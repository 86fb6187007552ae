"""What a stored result says about itself: the workload it timed, the code it ran (commit, clean tree), and
the state of the compile caches its first call met. Two stored runs compare only when their workloads match."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Workload:
    """Everything that sets how much work one image is, and what it is compared against."""

    model: str
    height: int
    width: int
    steps: int
    guidance_scale: float
    max_sequence_length: int
    prompt: str
    dtype: str
    lora_count: int
    lora_rank: int | None  # the synthetic LoRAs' largest rank; None for LoRA files
    lora_strength: float | None
    lora_files: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "lora_files": list(self.lora_files)}

    @staticmethod
    def key(stored: dict | None) -> str:
        """A stored workload dict as one comparable string ("unrecorded" for files older than this record)."""
        return "unrecorded" if stored is None else json.dumps(stored, sort_keys=True)


def source_revision() -> dict[str, object]:
    """The commit the code came from and whether the tree had changes (and which): from LORA_FAST_COMMIT and
    LORA_FAST_TREE_CLEAN when a runner sets them (a copied working tree may travel with a stale .git, as on the
    GPU machine), otherwise from git."""
    if os.environ.get("LORA_FAST_COMMIT"):
        clean = os.environ.get("LORA_FAST_TREE_CLEAN")
        return {"commit": os.environ["LORA_FAST_COMMIT"], "clean": None if clean is None else clean == "1", "from": "environment"}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        changes = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "clean": None, "from": "unknown"}
    changed = [line[3:] for line in changes.splitlines()]
    return {"commit": commit, "clean": not changed, "from": "git", **({"changed": changed[:20]} if changed else {})}


def _cache_counters() -> dict[str, int]:
    counters = torch._dynamo.utils.counters
    return {
        "fx_graph_hits": counters["inductor"]["fxgraph_cache_hit"], "fx_graph_misses": counters["inductor"]["fxgraph_cache_miss"],
        "aot_autograd_hits": counters["aot_autograd"]["autograd_cache_hit"], "aot_autograd_misses": counters["aot_autograd"]["autograd_cache_miss"],
        "graphs": counters["stats"]["unique_graphs"],
    }


@contextmanager
def compile_cache_probe() -> Iterator[dict[str, object]]:
    """Fill the yielded dict with what the compilations inside the block found in inductor's on-disk caches:
    `state` is "none" (nothing compiled), "cold" (all misses), "warm" (all hits), or "partial"."""
    from torch._inductor.runtime.cache_dir_utils import cache_dir

    before = _cache_counters()
    found: dict[str, object] = {}
    yield found
    delta = {key: value - before[key] for key, value in _cache_counters().items()}
    hits, misses = delta["fx_graph_hits"] + delta["aot_autograd_hits"], delta["fx_graph_misses"] + delta["aot_autograd_misses"]
    state = "none" if not (hits or misses or delta["graphs"]) else "cold" if not hits else "warm" if not misses else "partial"
    found.update(state=state, cache_dir=cache_dir(), **delta)
