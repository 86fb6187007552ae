"""One serving replica: a pipeline optimized once for the server's preset and sizes, the LoRA sets it holds in host
memory, and the images it makes. Ray Serve runs one per GPU (`lora_fast.serve.app`); nothing here needs Ray, so
the same request can be made directly (`direct_images`) and compared with the served one bit for bit."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import torch
from diffusers import FluxPipeline

from ..config import OptimizationConfig, RequestSizes
from ..lora.files import LoraSource, StateDict, read_lora
from ..lora.slot import pinned
from ..optimize import generate, optimize
from ..pipelines import TINY, generation_defaults
from ..speed.streamed import load_for
from .requests import ImageRequest, Limits, ServeError, set_loras

NAME = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class ServeSettings:
    """A server: the model and preset each replica runs, its LoRAs by name, the sizes it prepares, and how many
    replicas, requests and LoRA sets it holds. `threads` fixes each CPU replica's torch threads (the same on both
    sides makes a served image equal a direct one bit for bit); `seed` the random weights of the built models."""

    config: OptimizationConfig
    loras: Mapping[str, LoraSource]
    model: str = TINY
    sizes: RequestSizes = field(default_factory=RequestSizes)
    replicas: int = 1
    gpus_per_replica: float = 0.0  # 1 on a GPU machine: one replica per GPU
    sets_per_replica: int = 4  # LoRA sets a replica keeps ready in host memory (least recently used dropped)
    waiting_per_replica: int = 16  # requests a replica holds at once, one rendering: it takes those for its loaded set first
    max_queued: int = 32  # requests waiting for a replica beyond those before the server answers 503
    deadline_s: float = 300.0  # a request not answered by then gets 504
    max_steps: int = 60
    threads: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        unnamed = [name for name in self.loras if not NAME.fullmatch(name)]
        if unnamed:
            raise ServeError(f"LoRA name {unnamed[0]!r}: use letters, digits, '_', '-' and '.' only (a name is part of the LoRA set's id); rename the file")
        if not self.loras:
            raise ServeError("no LoRAs to serve: give the server a folder of .safetensors files or name them")

    def limits(self) -> Limits:
        defaults = generation_defaults(self.model)
        size = (defaults["height"], defaults["width"])
        if not (self.sizes.takes(size[0]) and self.sizes.takes(size[1])):
            size = self.sizes.static[0] if self.sizes.static else (self.sizes.min_side, self.sizes.min_side)
        return Limits(loras=self.loras, sizes=self.sizes, max_steps=self.max_steps, deadline_s=self.deadline_s, default_size=size,
                      default_steps=min(defaults["num_inference_steps"], self.max_steps), default_guidance=defaults["guidance_scale"])


@dataclass(frozen=True)
class LoraSet:
    """A set's LoRAs read into host memory (page-locked on a GPU machine), with their strengths."""

    id: str
    parts: tuple[tuple[StateDict, float], ...]


def read_set(set_id: str, loras: Mapping[str, LoraSource]) -> LoraSet:
    """The set's LoRAs (`ImageRequest.lora_set`) read and checked once, kept for every request of the set."""
    return LoraSet(set_id, tuple((pinned(read_lora(loras[name])), strength) for name, strength in set_loras(set_id)))


def build_pipeline(settings: ServeSettings) -> FluxPipeline:
    """The replica's pipeline: loaded, optimized for the preset (folded LoRAs are swapped in later) and prepared
    for every declared size, so no request compiles."""
    if settings.threads:
        torch.set_num_threads(settings.threads)
    device = "cuda" if torch.cuda.is_available() and settings.gpus_per_replica else "cpu"
    pipe = load_for(settings.config, settings.model, device, settings.seed)
    return optimize(pipe, settings.config, keep_originals=False, device=device, sizes=settings.sizes if settings.config.compiled else None)


def call_kwargs(request: ImageRequest, settings: ServeSettings) -> dict:
    """What `generate` is given for `request`: the same served or direct."""
    defaults = generation_defaults(settings.model)
    return dict(prompt=request.prompt, height=request.height, width=request.width, num_images_per_prompt=request.n,
                num_inference_steps=request.steps, guidance_scale=request.guidance_scale, max_sequence_length=defaults["max_sequence_length"],
                generator=torch.Generator("cpu").manual_seed(request.seed), output_type="pil")


def png_bytes(image) -> bytes:
    encoded = io.BytesIO()
    image.save(encoded, format="PNG")
    return encoded.getvalue()


def direct_images(pipe: FluxPipeline, request: ImageRequest, settings: ServeSettings) -> list[bytes]:
    """`request` made with `generate` on a pipeline already holding its LoRA set: the served image's reference."""
    return [png_bytes(image) for image in generate(pipe, **call_kwargs(request, settings)).images]


class Replica:
    """A pipeline and the set it holds. Requests waiting for it are taken set-first: the oldest one for the set
    already loaded, else the oldest; a request passed over `max_passes` times goes next whatever its set, so none
    waits forever. `render` swaps only when the set taken is not the one loaded.

    The pipeline is built, swapped and run on one thread of its own (`pipeline_thread`), whichever thread a request
    comes in on: torch.compile keeps its CUDA graphs per thread, so a request on a new thread would record every
    graph again in a memory pool of its own (the likely cause of 500s at concurrency 4 on an 80 GB H100)."""

    def __init__(self, settings: ServeSettings, max_passes: int = 8) -> None:
        self.settings, self.max_passes = settings, max_passes
        self.pipeline_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lora-fast-pipeline")
        self.pipe = self.pipeline_thread.submit(build_pipeline, settings).result()
        self.holding: str | None = None
        self.swaps = 0
        self.turns = threading.Condition()
        self.waiting: list[list] = []  # [set id, times passed over], oldest first
        self.busy = False

    def _next(self) -> list:
        oldest = self.waiting[0]
        if oldest[1] >= self.max_passes:
            return oldest
        return next((entry for entry in self.waiting if entry[0] == self.holding), oldest)

    def render(self, request: ImageRequest, lora_set: LoraSet) -> tuple[list[bytes], bool]:
        """The request's images as PNG files, and whether its set had to be swapped in."""
        entry = [lora_set.id, 0]
        with self.turns:
            self.waiting.append(entry)
            self.turns.wait_for(lambda: not self.busy and self._next() is entry)
            if self.waiting[0] is not entry:
                self.waiting[0][1] += 1
            self.waiting.remove(entry)
            self.busy = True
        try:
            return self.pipeline_thread.submit(self._swap_and_render, request, lora_set).result()
        finally:
            with self.turns:
                self.busy = False
                self.turns.notify_all()

    def _swap_and_render(self, request: ImageRequest, lora_set: LoraSet) -> tuple[list[bytes], bool]:
        swapped = self.holding != lora_set.id
        if swapped:  # a failed load raises LoraError and leaves the previous set active
            self.pipe.lora_fast.lora.load(list(lora_set.parts))
            self.holding, self.swaps = lora_set.id, self.swaps + 1
        return direct_images(self.pipe, request, self.settings), swapped
