"""Clocks for the benchmarks: a timer that waits for the GPU, per-round CUDA events and what the host did meanwhile."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch


def cuda_in_use() -> bool:
    """Whether this process has started CUDA (asking a GPU about its queue or memory before then would start it)."""
    return torch.cuda.is_available() and torch.cuda.is_initialized()


def synced_timer() -> float:
    """time.perf_counter() after all queued CUDA work has finished (pytest-benchmark's default timer does not wait)."""
    if cuda_in_use():
        torch.cuda.synchronize()
    return time.perf_counter()


def cpu_steal_s() -> float | None:
    """CPU time the hypervisor gave to other machines, summed over this machine's cores since boot (Linux), in s."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if fields[0] == "cpu" and len(fields) > 8 else None


class GcClock:
    """Seconds spent in Python's garbage collector while installed (a full collection of a big heap can pause
    a host-bound loop for hundreds of milliseconds)."""

    def __init__(self) -> None:
        self.seconds, self._started = 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


@dataclass
class RoundClock:
    """Times every call of a wrapped function with CUDA events (a clock independent of the caller's), and
    records what the host did meanwhile: its own CPU time, time in the garbage collector, CPU stolen by the
    hypervisor. A timing that moves while the GPU's does not is explained by these."""

    cuda_event_s: list[float] = field(default_factory=list)
    process_cpu_s: list[float] = field(default_factory=list)
    gc_s: list[float] = field(default_factory=list)
    steal_s: list[float] = field(default_factory=list)

    def wrap(self, function: Callable) -> Callable:
        """`function`, timed on every call."""

        @functools.wraps(function)
        def timed(*args, **kwargs):
            cuda = cuda_in_use()
            events = [torch.cuda.Event(enable_timing=True) for _ in range(2)] if cuda else []
            steal, cpu = cpu_steal_s(), time.process_time()
            with GcClock() as collector:
                if events:
                    events[0].record()
                result = function(*args, **kwargs)
                if events:
                    events[1].record()
                    events[1].synchronize()
            self.process_cpu_s.append(time.process_time() - cpu)
            self.gc_s.append(collector.seconds)
            if steal is not None:
                self.steal_s.append(cpu_steal_s() - steal)
            if events:
                self.cuda_event_s.append(events[0].elapsed_time(events[1]) / 1e3)
            return result

        return timed

    def to_dict(self, wall_s: list[float]) -> dict[str, object]:
        """Per-round figures beside the caller's wall times `wall_s`, and how far the two clocks' medians differ."""
        agreement = statistics.median(wall_s) / statistics.median(self.cuda_event_s) - 1 if wall_s and self.cuda_event_s else None
        return {
            "wall_s": list(wall_s), "cuda_event_s": self.cuda_event_s, "process_cpu_s": self.process_cpu_s, "gc_s": self.gc_s,
            "steal_s": self.steal_s, "clock_agreement": agreement,
        }


@dataclass
class PhaseClock:
    """Where each image's time goes: text encoding (the pipeline's `encode_prompt`), denoising (from there to the
    VAE) and the VAE decode, from marks recorded as each phase starts and ends: CUDA events (recording one does
    not wait on the GPU, so the watched images run as they would unwatched), or the host clock without CUDA."""

    images: list[dict[str, list]] = field(default_factory=list)

    @contextlib.contextmanager
    def watching(self, pipe) -> Iterator[PhaseClock]:
        """Mark the phases of every image `pipe` makes inside the with-block."""
        patched = [(pipe, "encode_prompt", "text"), (pipe.vae, "decode", "decode")]
        own = [(owner, name, vars(owner).get(name)) for owner, name, _ in patched]
        for owner, name, phase in patched:
            setattr(owner, name, self._marked(getattr(owner, name), phase))
        try:
            yield self
        finally:
            for owner, name, before in own:
                if before is None:
                    delattr(owner, name)
                else:
                    setattr(owner, name, before)

    def _marked(self, function: Callable, phase: str) -> Callable:
        @functools.wraps(function)
        def marked(*args, **kwargs):
            if phase == "text" and (not self.images or "decode" in self.images[-1]):
                self.images.append({})
            start = self._mark()
            result = function(*args, **kwargs)
            marks = self.images[-1].setdefault(phase, [start, None])
            marks[1] = self._mark()  # a second text encoding (true CFG) extends the phase
            return result

        return marked

    @staticmethod
    def _mark():
        if cuda_in_use():
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            return event
        return time.perf_counter()

    @staticmethod
    def _seconds(start, end) -> float:
        if isinstance(start, float):
            return end - start
        end.synchronize()
        return start.elapsed_time(end) / 1e3

    def to_dict(self) -> dict[str, list[float]]:
        """Per image: seconds of text encoding, denoising and VAE decode (images that reached their decode)."""
        whole = [marks for marks in self.images if "text" in marks and "decode" in marks]
        return {
            "text_s": [self._seconds(*marks["text"]) for marks in whole],
            "denoise_s": [self._seconds(marks["text"][1], marks["decode"][0]) for marks in whole],
            "decode_s": [self._seconds(*marks["decode"]) for marks in whole],
        }


def slowed_down(function: Callable, fraction: float) -> Callable:
    """`function`, made `fraction` slower by idling after each call (GPU finished): a planted regression that
    the regression gate must catch."""

    @functools.wraps(function)
    def slow(*args, **kwargs):
        start = synced_timer()
        result = function(*args, **kwargs)
        time.sleep(fraction * (synced_timer() - start))
        return result

    return slow


def seconds_per_call(function, *args, calls: int = 50, warmup: int = 5) -> float:
    """Mean wall time of `function(*args)` over `calls` back-to-back calls, after `warmup` calls, GPU synchronised."""
    for _ in range(warmup):
        function(*args)
    start = synced_timer()
    for _ in range(calls):
        function(*args)
    return (synced_timer() - start) / calls
