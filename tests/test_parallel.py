"""Several ranks on the CPU: context parallelism over two gloo ranks gives the one-rank
image and takes hot-swaps on every rank; its refusals; the suite under torchrun."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lora_fast.config import ConfigError, OptimizationConfig
from lora_fast.optimize import optimize
from lora_fast.pipelines import load_pipeline
from lora_fast.speed.parallel import ParallelError, enable_context_parallel

ROOT = Path(__file__).resolve().parent.parent


def test_two_ranks_give_the_one_rank_image_and_each_takes_the_swap(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    job = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29517", str(ROOT / "tests" / "parallel_job.py"), str(tmp_path)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600,
    )
    assert job.returncode == 0, job.stdout[-3000:] + job.stderr[-3000:]
    for rank in (0, 1):
        seen = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert seen["swap_effect"] > 0.05  # the two LoRAs make different images, so a missed swap would show
        assert max(seen["ulysses"]) < 1e-4, (rank, seen["ulysses"])  # float32 reordering only
        assert [2 * count for count in seen["ulysses_tokens"]] == seen["tokens"]  # each rank really held half the image
        assert seen["compiled"] > 0 and seen["recompiles"] == 0 and seen["restored"]  # compiled under the split, and the swap kept the graphs


@pytest.mark.parametrize(
    "settings, conflict",
    [
        (dict(ulysses_degree=2, attention="fa3"), "attention=fa3 is not one of them"),
        (dict(ring_degree=2, attention="sdpa_cudnn", offload="model"), "offload"),
        (dict(ring_degree=2), "log-sum-exp"),
        (dict(ulysses_degree=2, compile="regional", cuda_graphs=True), "cuda_graphs"),
        (dict(ulysses_degree=0), "at least 1"),
    ],
)
def test_context_parallel_refuses_what_cannot_work(settings, conflict):
    with pytest.raises(ConfigError, match=conflict):
        OptimizationConfig(**settings)


def test_a_context_parallel_config_outside_its_job_is_a_clear_error():
    pipe = load_pipeline("tiny")
    with pytest.raises(ConfigError, match="this process is in a job of 1: launch it with `torchrun --nproc-per-node 2`"):
        optimize(pipe, OptimizationConfig(ulysses_degree=2))
    assert getattr(pipe, "lora_fast", None) is None
    heads = pipe.transformer.config.num_attention_heads
    with pytest.raises(ParallelError, match=f"must divide {heads}"):
        enable_context_parallel(pipe.transformer, OptimizationConfig(ulysses_degree=heads + 1))


def test_the_suite_under_torchrun_times_one_gpu_cases_on_rank_zero_and_stores_once(tmp_path):
    results, logs = tmp_path / "run.json", tmp_path / "logs"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    job = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29519", "--log-dir", str(logs), "--redirects", "3",
         "-m", "pytest", "benchmarks/test_presets.py::test_preset[baseline]", "--rounds", "1", "-rs", "--benchmark-json", str(results)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600,
    )
    assert job.returncode == 0, job.stdout[-3000:] + job.stderr[-3000:]
    stdout = {path.parent.name: path.read_text() for path in logs.rglob("stdout.log")}
    assert "1 passed" in stdout["0"] and "rank 1 of a torchrun job" in stdout["1"] and "1 skipped" in stdout["1"], stdout
    stored = json.loads(results.read_text())
    assert stored["machine_info"]["ranks"] == 2 and [case["name"] for case in stored["benchmarks"]] == ["test_preset[baseline]"]
