"""What a benchmark records: a timer that waits for the GPU, image similarity, peak memory, machine facts."""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.metadata
import math
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

H200_BYTES_PER_S = 4.8e12  # the H200's HBM3e bandwidth as specified: the memory bound the kernel benchmarks quote
LIBRARIES = ("torch", "diffusers", "transformers", "peft", "torchao", "fa3-fwd", "flash-attn-3", "sageattention", "triton")


def synced_timer() -> float:
    """time.perf_counter() after all queued CUDA work has finished (pytest-benchmark's default timer does not wait)."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
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
            cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
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


def relative_error(output: torch.Tensor, reference: torch.Tensor) -> float:
    """|output - reference| / |reference| (Frobenius), in float32."""
    output, reference = output.float(), reference.float()
    return ((output - reference).norm() / reference.norm()).item()


def similarity(image: torch.Tensor, reference: torch.Tensor) -> dict[str, float]:
    """SSIM and PSNR (dB; None for identical images) of two image batches in [0, 1], and the relative L2 error."""
    image, reference = image.float().cpu(), reference.float().cpu()
    psnr = peak_signal_noise_ratio(image, reference, data_range=1.0).item()
    return {
        "ssim": structural_similarity_index_measure(image, reference, data_range=1.0).item(),
        "psnr_db": psnr if math.isfinite(psnr) else None,
        "rel_l2": relative_error(image, reference),
    }


@dataclass(frozen=True)
class Render:
    """One generated image (in [0, 1]) and the final latents it was decoded from."""

    image: torch.Tensor
    latents: torch.Tensor

    def cpu(self) -> Render:
        return Render(self.image.float().cpu(), self.latents.float().cpu())


def render(pipe, seed: int = 0, **call_kwargs) -> Render:
    """Generate one image from a CPU generator seeded with `seed`, keeping the final latents as well."""
    captured = {}

    def keep_latents(pipe, step, timestep, tensors):
        captured["latents"] = tensors["latents"]
        return tensors

    generator = torch.Generator("cpu").manual_seed(seed)
    images = pipe(generator=generator, output_type="pt", callback_on_step_end=keep_latents, **call_kwargs).images
    return Render(images, captured["latents"])


def lora_error(output: torch.Tensor, reference: torch.Tensor, without_lora: torch.Tensor) -> float:
    """How much of the LoRA's effect `output` gets wrong: |output - reference| / |reference - without_lora|.

    0 reproduces the reference; 1 is as far off as leaving the LoRA out. Unlike SSIM this does not depend on
    how much the starting noise dominates a random-weight image."""
    output, reference, without_lora = (tensor.float().cpu() for tensor in (output, reference, without_lora))
    return ((output - reference).norm() / (reference - without_lora).norm()).item()


def distances(output: Render, reference: Render, without_lora: Render) -> dict[str, float]:
    """Distances of `output` from `reference` (0 = identical): lora_error of latents and of images, and 1 - SSIM."""
    return {
        "lora_error_latents": lora_error(output.latents, reference.latents, without_lora.latents),
        "lora_error_image": lora_error(output.image, reference.image, without_lora.image),
        "one_minus_ssim": 1.0 - similarity(output.image, reference.image)["ssim"],
    }


@dataclass(frozen=True)
class Calibration:
    """Similarity thresholds for one model, measured in the same run as the cases they judge.

    For each distance, `exact` is the distance between two exact attention kernels (the arithmetic's noise)
    and `broken` the smallest distance of deliberately broken runs (LoRA dropped, LoRA at a wrong scale).
    The limit is their geometric mean: as many times above the noise as below the nearest fault. A metric
    whose margin is under MIN_MARGIN cannot tell the two apart on this model and is reported, not trusted."""

    exact: dict[str, float]
    broken: dict[str, float]
    lora_effect: float  # |reference - without LoRA| / |reference| of the latents: how much the LoRA changes them
    PRIMARY = "lora_error_latents"
    MIN_MARGIN = 3.0
    RESOLUTION = 1e-7  # about float32's epsilon: a smaller exact spread is read as this much noise

    @classmethod
    def measure(cls, reference: Render, without_lora: Render, exact_variant: Render, broken_runs: list[Render]) -> Calibration:
        """Calibrate from renders of the reference, of no LoRA, of an exact variant and of broken runs."""
        broken = [distances(run, reference, without_lora) for run in broken_runs]
        return cls(
            exact=distances(exact_variant, reference, without_lora),
            broken={key: min(run[key] for run in broken) for key in broken[0]},
            lora_effect=relative_error(without_lora.latents, reference.latents),
        )

    @property
    def limits(self) -> dict[str, float]:
        return {key: math.sqrt(max(self.exact[key], self.RESOLUTION) * self.broken[key]) for key in self.exact}

    @property
    def margins(self) -> dict[str, float]:
        """How many times each limit exceeds the exact spread (and, equally, falls below the nearest fault)."""
        return {key: limit / max(self.exact[key], self.RESOLUTION) for key, limit in self.limits.items()}

    def sensitive(self, metric: str) -> bool:
        return self.margins[metric] >= self.MIN_MARGIN

    def check(self) -> None:
        """Raise when the primary metric cannot separate exact variants from a broken LoRA on this model."""
        if not self.sensitive(self.PRIMARY):
            raise AssertionError(
                f"{self.PRIMARY} cannot separate exact variants ({self.exact[self.PRIMARY]:.3g}) from a broken LoRA "
                f"({self.broken[self.PRIMARY]:.3g}) on this model; give the synthetic LoRA more strength (--lora-strength). "
                f"All figures: {self.to_dict()}"
            )

    def judge(self, measured: dict[str, float]) -> dict[str, bool]:
        """Per sensitive metric: is `measured` (from `distances`) within its limit?"""
        return {key: measured[key] <= limit for key, limit in self.limits.items() if self.sensitive(key)}

    def to_dict(self) -> dict[str, object]:
        return {"exact": self.exact, "broken": self.broken, "limits": self.limits, "margins": self.margins, "lora_effect": self.lora_effect}


class GpuMemoryError(RuntimeError):
    """A run that does not fit under the GPU memory cap it was given."""


@contextlib.contextmanager
def gpu_memory_cap(gib: float | None, what: str = "this run") -> Iterator[None]:
    """Cap this process's GPU memory at `gib` GiB inside the with-block, to stand in for a smaller card.

    A no-op without CUDA or without a cap. Memory already allocated counts against the cap. Running out of
    memory inside raises GpuMemoryError naming `what` and the cap."""
    if not gib or not torch.cuda.is_available():
        yield
        return
    total = torch.cuda.get_device_properties(0).total_memory / 2**30
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(min(1.0, gib / total))
    try:
        yield
    except torch.OutOfMemoryError:
        raise GpuMemoryError(
            f"{what} ran out of GPU memory under a {gib:g} GiB cap: it does not fit this card; "
            "pick a preset with FP8 or offload, or raise --gpu-memory-gb"
        ) from None
    finally:
        torch.cuda.empty_cache()
        torch.cuda.set_per_process_memory_fraction(1.0)


def reset_peak_memory() -> None:
    """Start a new peak-memory window (no-op without CUDA)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def reset_peak_host_memory() -> bool:
    """Start a new window for this process's peak resident memory (Linux: /proc/self/clear_refs); False if it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_host_memory_gib() -> float | None:
    """This process's peak resident memory (VmHWM) since the last reset, in GiB; None where /proc cannot say."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 2**20 if line else None


def peak_memory_gib() -> float | None:
    """Peak GPU memory allocated since the last reset, in GiB; None without CUDA."""
    return torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that decide the numbers."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def gpu_info() -> dict[str, object]:
    """GPU name, compute capability, memory, driver-side CUDA version; {"gpu": "cpu"} without CUDA."""
    if not torch.cuda.is_available():
        return {"gpu": "cpu"}
    properties = torch.cuda.get_device_properties(0)
    return {
        "gpu": properties.name,
        "gpu_count": torch.cuda.device_count(),
        "compute_capability": f"{properties.major}.{properties.minor}",
        "gpu_memory_GiB": round(properties.total_memory / 2**30, 1),
        "cuda": torch.version.cuda,
        "driver": _driver_version(),
        **({"gpu_topology": _topology()} if torch.cuda.device_count() > 1 else {}),
    }


def _topology() -> str | None:
    """`nvidia-smi topo -m`: how the GPUs are linked (NVLink, PCIe), which sets what context parallelism costs."""
    try:
        return subprocess.run(["nvidia-smi", "topo", "-m"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def _driver_version() -> str | None:
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
        return pynvml.nvmlSystemGetDriverVersion()
    except pynvml.NVMLError:
        return None


def storage_folder_name(info: dict[str, object]) -> str:
    """Folder under .benchmarks/ for a machine: the GPU name with spaces as dashes, or "cpu"."""
    return str(info["gpu"]).replace(" ", "-").replace("/", "-")
