"""Benchmark fixtures: one pipeline per session, each preset a case, markers and skips from requirements().

Run: `pytest benchmarks` (tiny pipeline, CPU presets), `pytest benchmarks -m h100 --model flux-dev-random`."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pytest
import torch
from pytest_benchmark.utils import safe_dumps

from lora_fast.config import PRESETS, Attention, OptimizationConfig, attention_variant, requirements, unmet_requirements
from lora_fast.loras import LoraSpec, make_lora, read_lora
from lora_fast.measure import Calibration, Render, gpu_info, library_versions, storage_folder_name
from lora_fast.measure import render as render_with_latents
from lora_fast.optimize import optimized
from lora_fast.pipelines import DEFAULT_PROMPT, TINY, generation_defaults, load_pipeline

MARKERS = {
    "cpu": "runs on a machine without a GPU",
    "gpu": "needs a CUDA GPU",
    "h100": "needs a Hopper GPU (sm_90: FA3, FP8)",
    "rtx4090": "fits a 24 GB consumer GPU",
    "multigpu": "needs several GPUs",
}
WRONG_SCALE = 0.5  # the broken case of the calibration: the LoRA applied at half its strength


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lora-fast")
    group.addoption("--model", default=TINY, help="tiny (default), flux-dev-random, a hub id or a folder")
    group.addoption("--steps", type=int, help="denoising steps (default: the model's)")
    group.addoption("--resolution", type=int, help="image height and width (default: the model's)")
    group.addoption("--lora-rank", type=int, default=None, help="rank of the synthetic LoRA (default 128 full size, 8 tiny)")
    group.addoption("--lora", action="append", default=[], help="real LoRA file or hub id (repeat for the hot-swap sequence)")
    group.addoption("--lora-strength", type=float, default=None, help="|delta W|/|W| of the synthetic LoRAs (default: LoraSpec's)")
    group.addoption("--rounds", type=int, default=3, help="timed images per case")
    group.addoption("--profile-kernels", action="store_true", help="profile one more image per case and store its GPU time per kernel family")
    group.addoption("--gpu-memory-gb", type=float, help="cap GPU memory while each case runs (its reference images run uncapped), to stand in for a smaller card")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    # Each GPU (or the CPU) stores its results in its own folder unless --benchmark-storage says otherwise.
    if getattr(config.option, "benchmark_storage", None) == "file://./.benchmarks":
        config.option.benchmark_storage = f"file://./.benchmarks/{storage_folder_name(gpu_info())}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stored results are never overwritten or left half-written (runs after pytest-benchmark's own set-up)."""
    config = session.config
    json_path = getattr(config.option, "benchmark_json", None)
    if hasattr(json_path, "write"):
        raise pytest.UsageError(
            f"this pytest-benchmark opens --benchmark-json {json_path.name} at start-up, emptying an existing file; "
            "install pytest-benchmark>=5 (requirements.txt pins it), which writes it only at the end"
        )
    if json_path is not None and Path(json_path).exists() and Path(json_path).stat().st_size:
        raise pytest.UsageError(f"--benchmark-json {json_path} already exists; stored results are never overwritten, pick a new name")
    benchmark_session = getattr(config, "_benchmarksession", None)
    if benchmark_session is not None and hasattr(benchmark_session.storage, "save"):
        benchmark_session.storage.save = functools.partial(save_atomically, benchmark_session.storage)


def save_atomically(storage, output_json: dict, save: str) -> None:
    """pytest-benchmark's FileStorage.save, but through a temporary file: its own writes in place, so an
    interrupted write would leave a truncated file that breaks `compare` and the report."""
    target = storage.get(f"{storage._next_num}_{save}.json")
    if target.exists():
        raise FileExistsError(f"{target} exists; stored results are never overwritten")
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(safe_dumps(output_json, ensure_ascii=True, indent=4).encode())  # pytest-benchmark's own format
    partial.replace(target)


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    machine_info.update(gpu_info())
    machine_info["libraries"] = library_versions()
    machine_info["model"] = config.getoption("--model")


def case_config(item: pytest.Item) -> OptimizationConfig | None:
    """The configuration a parametrized case runs: its `preset`, or `no_fp8` with its `attention`."""
    params = getattr(item, "callspec", None) and item.callspec.params or {}
    if "preset" in params:
        return PRESETS[params["preset"]]
    if "attention" in params:
        return attention_variant(params["attention"])
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(__file__).parent not in item.path.parents:  # hooks of this conftest see every collected test
            continue
        case = case_config(item)
        if case is None:
            continue
        for marker in requirements(case).markers:
            item.add_marker(marker)
        reasons = unmet_requirements(case)
        if reasons:
            item.add_marker(pytest.mark.skip(reason="; ".join(reasons)))


@pytest.fixture(scope="session")
def device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


@pytest.fixture(scope="session")
def model(request) -> str:
    return request.config.getoption("--model")


@pytest.fixture(scope="session")
def settings(request, model) -> dict:
    """Keyword arguments of every generation: size, steps, guidance, prompt."""
    values = generation_defaults(model)
    if request.config.getoption("--steps"):
        values["num_inference_steps"] = request.config.getoption("--steps")
    if request.config.getoption("--resolution"):
        values["height"] = values["width"] = request.config.getoption("--resolution")
    return {**values, "prompt": DEFAULT_PROMPT}


@pytest.fixture(scope="session")
def base_pipe(model, device):
    """The session's one pipeline; each case optimizes it and restores it afterwards."""
    return load_pipeline(model, device=device)


@pytest.fixture(scope="session")
def loras(request, base_pipe, model) -> list:
    """LoRAs for the cases: the --lora files, or five synthetic ones of mixed ranks and target subsets."""
    if request.config.getoption("--lora"):
        return [read_lora(source) for source in request.config.getoption("--lora")]
    rank = request.config.getoption("--lora-rank") or (8 if model == TINY else 128)
    strength = {"strength": request.config.getoption("--lora-strength")} if request.config.getoption("--lora-strength") else {}
    specs = [
        LoraSpec(rank=rank, seed=0, **strength),
        LoraSpec(rank=max(1, rank // 2), seed=1, targets=("attn.to_q", "attn.to_k", "attn.to_v"), **strength),
        LoraSpec(rank=rank, seed=2, targets=("attn.to_q", "attn.to_v", "proj_out"), **strength),
        LoraSpec(rank=max(1, rank // 4), seed=3, **strength),
        LoraSpec(rank=max(1, (3 * rank) // 4), seed=4, targets=("attn.to_out.0", "proj_mlp"), **strength),
    ]
    return [make_lora(base_pipe.transformer, spec) for spec in specs]


@pytest.fixture(scope="session")
def max_rank(loras) -> int:
    return max(value.shape[0] for lora in loras for key, value in lora.items() if "lora_A" in key or "lora_down" in key)


@pytest.fixture(scope="session")
def render(settings):
    """render(pipe, seed=0, **call_kwargs) -> Render: the image in [0, 1] and the final latents it came from."""

    def run(pipe, seed: int = 0, **call_kwargs) -> Render:
        return render_with_latents(pipe, seed, **settings, **call_kwargs)

    return run


@pytest.fixture(scope="session")
def reference(base_pipe, loras, render) -> Render:
    """The `baseline` preset with the first LoRA: what every case is compared with."""
    with optimized(base_pipe, PRESETS["baseline"], loras[0]):
        return render(base_pipe).cpu()


@pytest.fixture(scope="session")
def without_lora(base_pipe, render) -> Render:
    """The `baseline` preset with no LoRA: the far end of lora_error's scale."""
    with optimized(base_pipe, PRESETS["baseline"]):
        return render(base_pipe).cpu()


@pytest.fixture(scope="session")
def calibration(base_pipe, loras, render, reference, without_lora) -> Calibration:
    """Similarity threshold for this model: exact-kernel spread against a dropped and a half-scale LoRA.

    Fails the session's cases when the two cannot be told apart (the LoRA is too weak for this model)."""
    exact_variant = dataclasses.replace(PRESETS["baseline"], attention=Attention.SDPA_MATH)
    with optimized(base_pipe, exact_variant, loras[0]):
        variant = render(base_pipe)
    with optimized(base_pipe, PRESETS["baseline"], loras[0]):
        half_scale = render(base_pipe, joint_attention_kwargs={"scale": WRONG_SCALE}).cpu()
    calibration = Calibration.measure(reference, without_lora, variant.cpu(), [without_lora, half_scale])
    calibration.check()
    return calibration
