"""Benchmark fixtures: one pipeline per session, its LoRAs, the reference images and the similarity calibration.
The plumbing (options, storage, machine info, markers and skips) is `lora_fast.bench.suite`.

Run: `pytest benchmarks` (tiny pipeline, CPU presets), `pytest benchmarks -m h100 --model flux-dev-random`."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from lora_fast.bench import suite
from lora_fast.bench.fp8_reference import emulated_fp8
from lora_fast.bench.provenance import Workload, source_revision
from lora_fast.bench.similarity import Calibration, Render
from lora_fast.bench.similarity import render as render_with_latents
from lora_fast.config import PRESETS, Attention, Offload, OptimizationConfig
from lora_fast.lora.files import read_lora
from lora_fast.lora.slot import pinned
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.optimize import optimized
from lora_fast.pipelines import DEFAULT_PROMPT, TINY, generation_defaults, load_pipeline, model_dtype

# The suite's hooks, registered by being names of this conftest.
pytest_addoption, pytest_configure, pytest_sessionstart = suite.pytest_addoption, suite.pytest_configure, suite.pytest_sessionstart
pytest_collection_modifyitems, pytest_deselected = suite.pytest_collection_modifyitems, suite.pytest_deselected
pytest_benchmark_update_machine_info, pytest_benchmark_generate_commit_info = suite.pytest_benchmark_update_machine_info, suite.pytest_benchmark_generate_commit_info
pytest_sessionfinish, pytest_runtest_teardown = suite.pytest_sessionfinish, suite.pytest_runtest_teardown

WRONG_SCALE = 0.5  # the broken case of the calibration: the LoRA applied at half its strength


@pytest.fixture(scope="session")
def revision() -> dict:
    """The commit the session's code came from, stored with every case."""
    return source_revision()


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
def base_pipe(request, model, device):
    """The session's one pipeline; each case optimizes it onto `device` and restores it afterwards. Under
    --gpu-memory-gb it stays in host memory, as on the card the cap stands for (a 24 GB card cannot hold Flux's
    bf16 pipeline whole): each case's optimize moves to the GPU what its config keeps resident."""
    capped = request.config.getoption("--gpu-memory-gb") is not None
    return load_pipeline(model, device="cpu" if capped else device, dtype=model_dtype(device), draw_on=device)


@pytest.fixture(scope="session")
def saved_pipeline(base_pipe, tmp_path_factory) -> Iterator[Path]:
    """The session's pipeline saved as a folder with safetensors shards, as a user's checkpoint is stored: what the
    streamed cases read (`streamed_load`). Removed when the session ends: pytest keeps its last three temporary
    folders, and three copies of Flux's (33 GB each) fill a 64 GiB disk."""
    folder = tmp_path_factory.mktemp("saved_pipeline")
    base_pipe.save_pretrained(folder, safe_serialization=True, max_shard_size="5GB")
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="session")
def reference_config(base_pipe, device) -> OptimizationConfig:
    """`baseline`; for a pipeline in host memory, `baseline` with every component model-offloaded to `device`
    (the same arithmetic, and it fits the capped card)."""
    if base_pipe.transformer.device.type == torch.device(device).type:
        return PRESETS["baseline"]
    return dataclasses.replace(PRESETS["baseline"], offload=Offload.MODEL, text_encoder_offload=Offload.MODEL)


@pytest.fixture(scope="session")
def loras(request, base_pipe, model) -> list:
    """LoRAs for the cases: the --lora files, or five synthetic ones of mixed ranks and target subsets, held in
    page-locked memory on a GPU machine as a server holds the LoRAs it swaps between."""
    if request.config.getoption("--lora"):
        return [pinned(read_lora(source)) for source in request.config.getoption("--lora")]
    rank = request.config.getoption("--lora-rank") or (8 if model == TINY else 128)
    strength = {"strength": request.config.getoption("--lora-strength")} if request.config.getoption("--lora-strength") else {}
    specs = [
        LoraSpec(rank=rank, seed=0, **strength),
        LoraSpec(rank=max(1, rank // 2), seed=1, targets=("attn.to_q", "attn.to_k", "attn.to_v"), **strength),
        LoraSpec(rank=rank, seed=2, targets=("attn.to_q", "attn.to_v", "proj_out"), **strength),
        LoraSpec(rank=max(1, rank // 4), seed=3, **strength),
        LoraSpec(rank=max(1, (3 * rank) // 4), seed=4, targets=("attn.to_out.0", "proj_mlp"), **strength),
    ]
    return [pinned(make_lora(base_pipe.transformer, spec)) for spec in specs]


@pytest.fixture(scope="session")
def workload(request, model, settings, loras, max_rank, base_pipe) -> Workload:
    """What every case of this session generates, stored with each result."""
    synthetic = not request.config.getoption("--lora")
    return Workload(
        model=model, height=settings["height"], width=settings["width"], steps=settings["num_inference_steps"],
        guidance_scale=settings["guidance_scale"], max_sequence_length=settings["max_sequence_length"], prompt=settings["prompt"],
        dtype=str(base_pipe.transformer.dtype).removeprefix("torch."), lora_count=len(loras),
        lora_rank=max_rank if synthetic else None,
        lora_strength=(request.config.getoption("--lora-strength") or LoraSpec().strength) if synthetic else None,
        lora_files=tuple(request.config.getoption("--lora")),
    )


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
def reference(base_pipe, reference_config, device, loras, render) -> Render:
    """The `baseline` preset with the first LoRA: what every case is compared with."""
    with optimized(base_pipe, reference_config, loras[0], device=device):
        return render(base_pipe).cpu()


@pytest.fixture(scope="session")
def without_lora(base_pipe, reference_config, device, render) -> Render:
    """The `baseline` preset with no LoRA: the far end of lora_error's scale."""
    with optimized(base_pipe, reference_config, device=device):
        return render(base_pipe).cpu()


@pytest.fixture(scope="session")
def quantized_reference(base_pipe, reference_config, device, loras, render) -> Render:
    """The reference with its linear layers computing as rowwise FP8 does by definition (`bench.fp8_reference`, not
    our FP8 layer), its LoRA unfused beside them: the error FP8 arithmetic makes by itself, from which the quantized
    cases' limit is derived (asked for by the first of them)."""
    with optimized(base_pipe, reference_config, loras[0], device=device), emulated_fp8(base_pipe.transformer):
        return render(base_pipe).cpu()


@pytest.fixture(scope="session")
def calibration(base_pipe, reference_config, device, loras, render, reference, without_lora) -> Calibration:
    """Similarity threshold for this model: exact-kernel spread against a dropped and a half-scale LoRA.

    Fails the session's cases when the two cannot be told apart (the LoRA is too weak for this model)."""
    exact_variant = dataclasses.replace(reference_config, attention=Attention.SDPA_MATH)
    with optimized(base_pipe, exact_variant, loras[0], device=device):
        variant = render(base_pipe)
    with optimized(base_pipe, reference_config, loras[0], device=device):
        half_scale = render(base_pipe, joint_attention_kwargs={"scale": WRONG_SCALE}).cpu()
    calibration = Calibration.measure(reference, without_lora, variant.cpu(), [without_lora, half_scale])
    calibration.check()
    return calibration
