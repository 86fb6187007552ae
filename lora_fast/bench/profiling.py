"""Where a call's time goes: GPU time per kernel, CPU time per op, and the GPU's idle gaps (torch.profiler)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import torch

from .timing import synced_timer

H200_BYTES_PER_S = 4.8e12  # the H200's HBM3e bandwidth as specified: the memory bound the kernel benchmarks quote


@dataclass(frozen=True)
class KernelTime:
    """Total GPU time of one kernel (by name) during a profiled call."""

    name: str
    calls: int
    seconds: float


@dataclass(frozen=True)
class CallProfile:
    """One profiled call: GPU time per kernel and, when asked for, own CPU time per op (longest first), wall time,
    and the GPU's idle gaps between kernels grouped by the kernels on either side (longest first)."""

    kernels: list[KernelTime]
    cpu_ops: list[KernelTime]
    wall_s: float
    idle: list[KernelTime] = field(default_factory=list)

    @property
    def gpu_busy_s(self) -> float:
        """GPU time of all its kernels together."""
        return sum(kernel.seconds for kernel in self.kernels)


def profile_call(function, *args, with_cpu: bool = False, **kwargs) -> CallProfile:
    """Run `function` once under torch.profiler (GPU kernels; CPU ops too with `with_cpu`)."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CUDA] + ([ProfilerActivity.CPU] if with_cpu else [])
    with profile(activities=activities) as profiler:
        start = synced_timer()
        function(*args, **kwargs)
        wall = synced_timer() - start
    events = profiler.key_averages()
    kernels = [
        KernelTime(event.key, event.count, event.self_device_time_total / 1e6)
        for event in events if event.device_type == torch.autograd.DeviceType.CUDA and event.self_device_time_total > 0
    ]
    cpu_ops = [KernelTime(event.key, event.count, event.self_cpu_time_total / 1e6) for event in events if event.device_type == torch.autograd.DeviceType.CPU]
    spans = [
        (event.name, event.time_range.start / 1e6, event.time_range.end / 1e6)
        for event in profiler.events() if event.device_type == torch.autograd.DeviceType.CUDA
    ]
    longest_first = functools.partial(sorted, key=lambda timed: -timed.seconds)
    return CallProfile(longest_first(kernels), longest_first(cpu_ops), wall, idle_gaps(spans))


def idle_gaps(spans: list[tuple[str, float, float]], shortest_s: float = 20e-6) -> list[KernelTime]:
    """Where the GPU waited: the gaps of at least `shortest_s` between GPU activities (name, start s, end s),
    grouped by the names of the activities before and after ("before -> after"), longest total first. A gap
    the host leaves shows up before the kernel that waited for its launch."""
    groups: dict[str, list[float]] = {}
    busy_until, last = None, None
    for name, start, end in sorted(spans, key=lambda span: span[1]):
        if busy_until is not None and start - busy_until >= shortest_s:
            groups.setdefault(f"{last[:80]} -> {name[:80]}", []).append(start - busy_until)
        if busy_until is None or end >= busy_until:
            busy_until, last = end, name
    gaps = [KernelTime(key, len(lengths), sum(lengths)) for key, lengths in groups.items()]
    return sorted(gaps, key=lambda gap: -gap.seconds)
