"""The similarity check means something on the tiny pipeline: exact variants pass it, a dropped LoRA and a LoRA
at the wrong scale fail it (the full-size proof is the benchmark's calibration, stored with every H200 case)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from lora_fast.bench.similarity import Calibration, Render, distances
from lora_fast.bench.similarity import render as render_with_latents
from lora_fast.config import PRESETS, VARIANTS, Attention
from lora_fast.optimize import optimized
from lora_fast.pipelines import TINY, generation_defaults


def render(pipe, **call_kwargs) -> Render:
    return render_with_latents(pipe, prompt="a red cube", **generation_defaults(TINY), **call_kwargs).cpu()


@pytest.fixture(scope="module")
def runs(tiny_pipe, lora_factory) -> dict[str, Render]:
    lora = lora_factory(rank=8, seed=0)
    baseline = PRESETS["baseline"]
    results = {}
    with optimized(tiny_pipe, baseline, lora):
        results["reference"] = render(tiny_pipe)
        results["wrong_scale_1.5"] = render(tiny_pipe, joint_attention_kwargs={"scale": 1.5})
        results["wrong_scale_0.5"] = render(tiny_pipe, joint_attention_kwargs={"scale": 0.5})
    with optimized(tiny_pipe, baseline):
        results["without_lora"] = render(tiny_pipe)
    with optimized(tiny_pipe, dataclasses.replace(baseline, attention=Attention.SDPA_MATH), lora):
        results["exact_variant"] = render(tiny_pipe)
    with optimized(tiny_pipe, VARIANTS["no_fa3_fp8-graphs"], lora):  # compiled, LoRA folded: exact, not used to calibrate
        results["compiled_folded"] = render(tiny_pipe)
    return results


@pytest.fixture(scope="module")
def calibration(runs) -> Calibration:
    calibration = Calibration.measure(runs["reference"], runs["without_lora"], runs["exact_variant"], [runs["without_lora"], runs["wrong_scale_0.5"]])
    calibration.check()
    return calibration


def judge(calibration: Calibration, runs: dict[str, Render], name: str) -> dict[str, bool]:
    return calibration.judge(distances(runs[name], runs["reference"], runs["without_lora"]))


def test_exact_variants_pass(calibration, runs):
    assert all(judge(calibration, runs, "exact_variant").values())
    assert all(judge(calibration, runs, "compiled_folded").values())


@pytest.mark.parametrize("broken", ["without_lora", "wrong_scale_0.5", "wrong_scale_1.5"])
def test_broken_lora_fails_the_primary_metric(calibration, runs, broken):
    assert judge(calibration, runs, broken)[Calibration.PRIMARY] is False


def test_calibration_refuses_a_metric_that_cannot_separate():
    blurred = Calibration(exact={"lora_error_latents": 0.2}, broken={"lora_error_latents": 0.5}, lora_effect=0.01)
    assert not blurred.sensitive("lora_error_latents") and blurred.judge({"lora_error_latents": 0.0}) == {}
    with pytest.raises(AssertionError, match="more strength"):
        blurred.check()
    sharp = Calibration(exact={"lora_error_latents": 0.01}, broken={"lora_error_latents": 0.64}, lora_effect=0.1)
    assert sharp.limits["lora_error_latents"] == pytest.approx(0.08) and sharp.margins["lora_error_latents"] == pytest.approx(8)


def test_ssim_reads_images_in_the_range_zero_to_one():
    """Two flat images of 0.2 and 0.4: SSIM is its luminance term alone, (2ab + C1) / (a^2 + b^2 + C1), C1 = (0.01 L)^2 for L = 1."""
    from lora_fast.bench.similarity import similarity

    a, b, c1 = 0.2, 0.4, 0.01**2
    measured = similarity(torch.full((1, 3, 32, 32), a), torch.full((1, 3, 32, 32), b))["ssim"]
    assert measured == pytest.approx((2 * a * b + c1) / (a * a + b * b + c1), rel=2e-5)  # float32; L = 2 or L from the data: 1e-4 off


def test_a_margin_of_exactly_the_minimum_is_sensitive():
    at_minimum = Calibration(exact={"lora_error_latents": 0.25}, broken={"lora_error_latents": 2.25}, lora_effect=0.1)  # sqrt(2.25 / 0.25) = 3 exactly
    assert at_minimum.margins["lora_error_latents"] == Calibration.MIN_MARGIN == 3.0
    assert at_minimum.sensitive("lora_error_latents")


def test_a_render_draws_from_seed_zero_unless_told(tiny_pipe):
    settings = {**generation_defaults(TINY), "prompt": "a red cube"}
    default, zero, one = (render_with_latents(tiny_pipe, **seed, **settings).latents for seed in ({}, {"seed": 0}, {"seed": 1}))
    assert torch.equal(default, zero) and not torch.equal(default, one)


def test_fp8_configurations_are_held_to_fp8_arithmetics_own_error(tiny_pipe, lora_factory, calibration, runs):
    """The quantized limit sits between FP8's own error (the reference through `emulated_fp8`) and the faults: our
    FP8 layers, compiled and folded, pass it; a broken LoRA fails it; a limit that cannot tell them apart raises."""
    from lora_fast.bench.fp8_reference import emulated_fp8

    lora = lora_factory(rank=8, seed=0)
    with optimized(tiny_pipe, PRESETS["baseline"], lora), emulated_fp8(tiny_pipe.transformer):
        fp8_reference = render(tiny_pipe)
    with optimized(tiny_pipe, VARIANTS["no_fa3-graphs"], lora):
        ours = render(tiny_pipe)
    held = calibration.with_quantized(fp8_reference, runs["reference"], runs["without_lora"])
    own, limit = held.quantized[Calibration.PRIMARY], held.quantized_limits[Calibration.PRIMARY]
    assert calibration.limits[Calibration.PRIMARY] < own < limit < calibration.broken[Calibration.PRIMARY]
    assert all(held.judge_quantized(distances(ours, runs["reference"], runs["without_lora"])).values())
    assert held.judge_quantized(distances(runs["wrong_scale_0.5"], runs["reference"], runs["without_lora"]))[Calibration.PRIMARY] is False
    assert "quantized_limits" in held.to_dict() and "quantized_limits" not in calibration.to_dict()
    too_close = dataclasses.replace(held, quantized={**held.quantized, Calibration.PRIMARY: 0.9 * calibration.broken[Calibration.PRIMARY]})
    with pytest.raises(AssertionError, match="too close to a broken LoRA"):
        too_close.judge_quantized(distances(ours, runs["reference"], runs["without_lora"]))


def test_the_fp8_reference_is_rowwise_fp8_written_apart_and_comes_off():
    from lora_fast.bench.fp8_reference import emulated_fp8
    from lora_fast.speed.quantize import Fp8Linear

    generator = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32))
    inputs = torch.randn(5, 64, generator=generator) * torch.tensor([1e3, 1e-3, 1.0, 10.0, 0.1])[:, None]
    exact = model(inputs)
    with emulated_fp8(model):
        emulated = model(inputs)
    assert torch.equal(model(inputs), exact) and "forward" not in model[0].__dict__  # the layer's own forward is back
    ours = Fp8Linear.from_linear(model[0])(inputs)
    for row in range(5):  # per row: a per-tensor scale would flush the small rows
        assert (emulated[row] - ours[row]).norm() <= 1e-5 * ours[row].norm() + 1e-12
        assert 0 < (emulated[row] - exact[row]).norm() / exact[row].norm() < 0.08
