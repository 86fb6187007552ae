"""Benchmark cases share one pipeline: a case must leave nothing behind that changes the next one."""

from types import SimpleNamespace

import torch

from lora_fast.config import PRESETS
from lora_fast.optimize import optimized


def run_cases(pipe, generate, lora, order):
    images = {}
    for name in order:
        with optimized(pipe, PRESETS[name], lora):
            images[name] = generate(pipe)
    return images


def test_case_order_does_not_change_results(pipe, generate, lora_factory):
    lora = lora_factory(rank=8, seed=11)
    weights = {key: value.clone() for key, value in pipe.transformer.state_dict().items()}
    forward = run_cases(pipe, generate, lora, ["baseline", "no_fa3_fp8", "baseline_compile"])
    backward = run_cases(pipe, generate, lora, ["baseline_compile", "no_fa3_fp8", "baseline"])
    for name in forward:
        assert torch.allclose(forward[name], backward[name], atol=1e-5), name
    after = pipe.transformer.state_dict()
    assert after.keys() == weights.keys() and all(torch.equal(after[key], weights[key]) for key in weights)


def test_storage_goes_to_a_folder_per_gpu(monkeypatch):
    from benchmarks import conftest

    monkeypatch.setattr(conftest, "gpu_info", lambda: {"gpu": "NVIDIA H200"})
    config = SimpleNamespace(
        option=SimpleNamespace(benchmark_storage="file://./.benchmarks"), addinivalue_line=lambda *args: None, getoption=lambda name: None
    )
    conftest.pytest_configure(config)
    assert config.option.benchmark_storage == "file://./.benchmarks/NVIDIA-H200"
    config.option.benchmark_storage = "file:///elsewhere"
    conftest.pytest_configure(config)
    assert config.option.benchmark_storage == "file:///elsewhere"


def test_machine_info_hook_records_gpu_libraries_and_model(monkeypatch):
    from benchmarks import conftest

    monkeypatch.setattr(conftest, "gpu_info", lambda: {"gpu": "NVIDIA H200", "compute_capability": "9.0"})
    info = {"node": "x"}
    conftest.pytest_benchmark_update_machine_info(SimpleNamespace(getoption=lambda name: "flux-dev-random"), info)
    assert info["gpu"] == "NVIDIA H200" and info["compute_capability"] == "9.0" and info["node"] == "x"
    assert info["model"] == "flux-dev-random" and "torch" in info["libraries"]
