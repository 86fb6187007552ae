"""Benchmark cases share one pipeline: a case must leave nothing behind that changes the next one."""

import torch

from lora_fast.config import PRESETS, VARIANTS
from lora_fast.optimize import optimized


def run_cases(pipe, generate, lora, order):
    images = {}
    for name in order:
        with optimized(pipe, {**PRESETS, **VARIANTS}[name], lora):
            images[name] = generate(pipe)
    return images


def test_case_order_does_not_change_results(pipe, generate, lora_factory):
    lora = lora_factory(rank=8, seed=11)
    weights = {key: value.clone() for key, value in pipe.transformer.state_dict().items()}
    forward = run_cases(pipe, generate, lora, ["baseline", "no_fa3_fp8-graphs", "baseline_compile"])
    backward = run_cases(pipe, generate, lora, ["baseline_compile", "no_fa3_fp8-graphs", "baseline"])
    for name in forward:
        assert torch.allclose(forward[name], backward[name], atol=1e-5), name
    after = pipe.transformer.state_dict()
    assert after.keys() == weights.keys() and all(torch.equal(after[key], weights[key]) for key in weights)
