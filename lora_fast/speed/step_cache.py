"""Step caching: on denoising steps whose transformer result barely changes, skip most of the transformer's blocks
and reuse (first-block cache) or predict (TaylorSeer) what they would have given, through diffusers' own cache
hooks (`transformer.enable_cache`). The settings are data beside the other configs (`lora_fast.config.StepCache`).
Approximate: a cached config is lossy, and the suite measures what it does to the LoRA's effect.

The hooks decide in Python between blocks, so a cached config compiles each block's `forward` (the hooks wrap the
compiled call and run eagerly around it) instead of the block's whole call, inside which the decision would sit in
the compiled graph (`optimize.compile_transformer`). Their state lives for one image: diffusers resets it when a
pipeline call ends, and `generate` resets it before each image, so an image stopped halfway leaves nothing behind
for the next one or for the next LoRA."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import torch

from ..config import CacheMethod, StepCache
from ..undo import Undo, swap_forwards

RECENT_CALLS = 4096  # transformer calls whose block counts are kept one by one (146 images of 28 steps)


@dataclass
class BlockRuns:
    """How many of the transformer's blocks ran since the last `clear`: in all, and in each of the latest
    transformer calls (a bounded window, so a server's counts do not grow with its uptime)."""

    blocks: int
    calls: int = 0
    blocks_run: int = 0
    per_call: deque[int] = field(default_factory=lambda: deque(maxlen=RECENT_CALLS))

    def clear(self) -> None:
        self.calls, self.blocks_run = 0, 0
        self.per_call.clear()

    def call_started(self) -> None:
        self.calls += 1
        self.per_call.append(0)

    def block_ran(self) -> None:
        if self.calls:
            self.blocks_run += 1
            self.per_call[-1] += 1

    @property
    def skipped_fraction(self) -> float | None:
        """The share of block calls the cache skipped (None before any call)."""
        return 1 - self.blocks_run / (self.blocks * self.calls) if self.calls else None

    def to_dict(self) -> dict:
        return {"blocks": self.blocks, "transformer_calls": self.calls, "blocks_run_per_call": list(self.per_call), "skipped_fraction": self.skipped_fraction}


def diffusers_cache_config(settings: StepCache):
    """The diffusers cache config `settings` stand for (TaylorSeer in its lite mode, its factors in float32)."""
    from diffusers.hooks import FirstBlockCacheConfig, TaylorSeerCacheConfig

    if settings.method is CacheMethod.FIRST_BLOCK:
        return FirstBlockCacheConfig(threshold=float(settings.threshold))
    return TaylorSeerCacheConfig(cache_interval=settings.interval, disable_cache_before_step=settings.warmup_steps, max_order=settings.max_order,
                                 taylor_factors_dtype=torch.float32, use_lite_mode=True)


def transformer_blocks(transformer: torch.nn.Module) -> list[torch.nn.Module]:
    """Flux's double-stream then single-stream blocks, in the order they run."""
    return [*transformer.transformer_blocks, *transformer.single_transformer_blocks]


def enable_step_cache(transformer: torch.nn.Module, settings: StepCache) -> tuple[Undo, BlockRuns]:
    """Put diffusers' cache hooks for `settings` on `transformer`, each block's call counted underneath them.
    Returns the undo (hooks and counters removed, the blocks' own forward back) and the counts."""
    blocks = transformer_blocks(transformer)
    runs = BlockRuns(len(blocks))
    uncount = swap_forwards([(block, _counted(block.forward, runs)) for block in blocks])  # the undo puts back a compiled forward, or none
    count_call = transformer.register_forward_pre_hook(lambda module, args: runs.call_started())
    transformer.enable_cache(diffusers_cache_config(settings))

    def undo() -> None:
        transformer.disable_cache()
        count_call.remove()
        uncount()

    return undo, runs


def _counted(forward, runs: BlockRuns):
    def counted(*args, **kwargs):
        runs.block_ran()
        return forward(*args, **kwargs)

    return counted


def reset_step_cache(transformer: torch.nn.Module) -> None:
    """Forget what the cache kept from earlier transformer calls (a no-op without a cache)."""
    if getattr(transformer, "is_cache_enabled", False):
        transformer._reset_stateful_cache()
