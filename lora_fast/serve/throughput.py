"""Throughput mode: many images per second from one optimized pipeline per GPU, each with its own hot-swappable
LoRA. Requests are spread over the pipelines; a free pipeline takes the oldest request for the LoRA it already
holds, and swaps only when none is waiting, so a mixed stream pays few swaps."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from diffusers import FluxPipeline

from ..lora.files import LoraSource
from ..optimize import generate, state


@dataclass(frozen=True)
class Request:
    """One image: its prompt, the name of its LoRA in the server's table, and its seed."""

    prompt: str
    lora: str
    seed: int = 0


@dataclass
class ServeStats:
    """What one `serve` call did: wall seconds, images and LoRA swaps per pipeline."""

    wall_s: float = 0.0
    images: list[int] = field(default_factory=list)
    swaps: list[int] = field(default_factory=list)

    @property
    def images_per_s(self) -> float:
        return sum(self.images) / self.wall_s if self.wall_s else 0.0


class ThroughputServer:
    """Serve requests on `pipes` (each passed through `optimize` with hot-swap, one per device), with LoRAs by name.
    Optimize each pipe with `lora_targets`, or a first LoRA, covering every module the LoRAs touch: the first load
    fixes the modules a hot-swap may change."""

    def __init__(self, pipes: Sequence[FluxPipeline], loras: Mapping[str, LoraSource], **call_kwargs) -> None:
        if not pipes:
            raise ValueError("a throughput server needs at least one pipeline")
        if not all(state(pipe).config.hotswap for pipe in pipes):
            raise ValueError("every pipeline must be optimized with hotswap=True: a mixed stream swaps LoRAs without recompiling")
        self.pipes, self.loras, self.call_kwargs = list(pipes), dict(loras), call_kwargs
        self.holding: list[str | None] = [None] * len(self.pipes)  # the LoRA each pipeline has loaded

    def serve(self, requests: Sequence[Request]) -> tuple[list[torch.Tensor], ServeStats]:
        """Make every request's image (in request order) on all pipelines at once; returns the images and the stats."""
        unknown = sorted({request.lora for request in requests} - set(self.loras))
        if unknown:
            raise KeyError(f"requests name LoRAs the server does not have: {', '.join(unknown)}")
        pending, lock = list(range(len(requests))), threading.Lock()
        results: list[torch.Tensor | None] = [None] * len(requests)
        stats = ServeStats(images=[0] * len(self.pipes), swaps=[0] * len(self.pipes))
        errors: list[BaseException] = []

        def take(worker: int) -> int | None:
            with lock:
                if not pending or errors:  # after a failure the other pipelines stop too: the caller gets the error, not a stream's worth of images
                    return None
                same = [index for index in pending if requests[index].lora == self.holding[worker]]
                index = (same or pending)[0]
                pending.remove(index)
                return index

        def work(worker: int) -> None:
            pipe = self.pipes[worker]
            try:
                while (index := take(worker)) is not None:
                    request = requests[index]
                    if request.lora != self.holding[worker]:
                        state(pipe).lora.load(self.loras[request.lora])
                        self.holding[worker] = request.lora
                        stats.swaps[worker] += 1
                    generator = torch.Generator("cpu").manual_seed(request.seed)
                    results[index] = generate(pipe, prompt=request.prompt, generator=generator, **self.call_kwargs).images
                    stats.images[worker] += 1
            except BaseException as error:  # re-raised in the caller's thread
                errors.append(error)

        start = time.perf_counter()
        threads = [threading.Thread(target=work, args=(worker,), name=f"lora-fast-pipe-{worker}") for worker in range(len(self.pipes))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for pipe in self.pipes:
            if pipe.device.type == "cuda":
                torch.cuda.synchronize(pipe.device)
        stats.wall_s = time.perf_counter() - start
        if errors:
            raise errors[0]
        return results, stats
