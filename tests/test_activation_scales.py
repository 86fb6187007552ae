"""Static activation scales for our FP8 layers on the CPU: calibrated from one image's largest inputs, close to the
per-row arithmetic, saturation counted without recompiling, and measured again when it passes its limit."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from graphs import recording_backend

from lora_fast.bench.similarity import relative_error
from lora_fast.config import PRESETS, VARIANTS, ConfigError, OptimizationConfig
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.optimize import compiled_graphs, optimize, recompile_guard, restore
from lora_fast.speed.activation_scales import HEADROOM, calibrate, clipped_shares, fp8_layers, recalibrate_if_clipping
from lora_fast.speed.quantize import E4M3_MAX, Fp8Linear, unit_column

STATIC = VARIANTS["no_fa3-graphs+static_scales"]


def test_one_scale_keeps_rows_far_apart_close_to_exact():
    """e4m3 is a float: rows 10^3 apart keep their 3 mantissa bits under one scale (per row is needed past ~10^4)."""
    generator = torch.Generator().manual_seed(0)
    linear = torch.nn.Linear(64, 32, bias=True)
    layer = Fp8Linear.from_linear(linear)
    inputs = torch.randn(6, 64, generator=generator) * torch.tensor([1e2, 1e-1, 1.0, 30.0, 0.3, 3.0])[:, None]
    undo = calibrate(layer, lambda: layer(inputs))
    assert layer.static_input and layer.input_descale.item() == pytest.approx(inputs.abs().max().item() * HEADROOM / E4M3_MAX)
    exact = linear(inputs)
    for row in range(6):
        assert relative_error(layer(inputs)[row], exact[row]) < 0.08, row
    undo()
    assert not layer.static_input


def test_a_weight_written_after_calibration_computes_with_its_own_scales():
    """The calibrated descale lives inside the weight's row scales: a swap's new weight must carry it too."""
    generator = torch.Generator().manual_seed(0)
    linear = torch.nn.Linear(64, 32, bias=False)
    layer = Fp8Linear.from_linear(linear)
    inputs = torch.randn(6, 64, generator=generator)
    calibrate(layer, lambda: layer(inputs))
    layer.set_weight(linear.weight[:16] * 10, rows=slice(0, 16))  # half the rows, ten times larger
    exact = inputs @ torch.cat([linear.weight[:16] * 10, linear.weight[16:]]).t()
    assert relative_error(layer(inputs), exact) < 0.08


def test_static_scales_hand_the_matmul_one_shared_column_not_one_made_per_call():
    """Each layer made an (rows, 1) column of its descale on every call, one more kernel per layer; the descale now
    sits in the weight's scales and every layer slices the same column of ones."""
    layers = [Fp8Linear.from_linear(torch.nn.Linear(64, 32)) for _ in range(2)]
    inputs = torch.randn(6, 64, generator=torch.Generator().manual_seed(0))
    for layer in layers:
        calibrate(layer, lambda layer=layer: layer(inputs))
    assert layers[0].unit_rows is layers[1].unit_rows is unit_column(torch.device("cpu"))
    capture, graphs = recording_backend()
    torch.compile(layers[0], backend=capture, fullgraph=True)(inputs)
    calls = [str(node.target) for node in graphs[0].graph.nodes if node.op in ("call_function", "call_method")]
    assert calls and not [call for call in calls if "expand" in call or "contiguous" in call or "clone" in call], calls
    layers[1].unit_rows = torch.ones(4, 1)  # fewer rows than the call has
    with pytest.raises(ValueError, match="split the batch"):
        layers[1](inputs)


def test_fp8_quantization_divides_once_per_row_not_once_per_value():
    """A division per value cost inductor's instruction-bound kernels time (tools/block_probe.py on an H200: 34 ms an
    image with per-row scales, 66 ms with static ones); each row's scale is one division and the values are multiplied."""
    inputs = torch.randn(6, 64, generator=torch.Generator().manual_seed(0))
    rowwise, static = (Fp8Linear.from_linear(torch.nn.Linear(64, 32)) for _ in range(2))
    calibrate(static, lambda: static(inputs))
    for layer in (rowwise, static):
        capture, graphs = recording_backend()
        torch.compile(layer, backend=capture, fullgraph=True)(inputs)
        divisions = [node for node in graphs[0].graph.nodes if node.op in ("call_function", "call_method") and "div" in str(node.target)]
        assert divisions or layer.static_input  # the per-row path divides, once a row
        assert all(node.meta["example_value"].numel() < inputs.numel() for node in divisions), [node.meta["example_value"].shape for node in divisions]


def test_saturation_is_counted_and_recalibrated(pipe, generate):
    optimize(pipe, OptimizationConfig(name="fp8", quantization="fp8_rowwise", static_activation_scales=True))
    try:
        run = lambda: generate(pipe)  # noqa: E731
        assert max(clipped_shares(pipe.transformer, run).values()) == 0
        layers = fp8_layers(pipe.transformer)
        for layer in layers.values():
            layer.use_static_input(layer.input_descale / (HEADROOM * 50))  # scales far too small: many values past them
        assert max(clipped_shares(pipe.transformer, run).values()) > 0.01
        assert recalibrate_if_clipping(pipe.transformer, run)
        assert max(clipped_shares(pipe.transformer, run).values()) == 0 and all(layer.static_input for layer in layers.values())
        assert not recalibrate_if_clipping(pipe.transformer, run)
    finally:
        restore(pipe)


def test_a_compiled_pipeline_with_static_scales_stays_close_and_swaps_without_recompiling(pipe, generate):
    loras = [make_lora(pipe.transformer, LoraSpec(rank=8, seed=seed)) for seed in (1, 2)]
    images = {}
    for config in (VARIANTS["no_fa3-graphs"], STATIC):
        optimize(pipe, config, loras[0])
        try:
            images[config.name] = generate(pipe)
            graphs = compiled_graphs()
            with recompile_guard(config):
                pipe.lora_fast.lora.load(loras[1])
                images[config.name + " swapped"] = generate(pipe)
                if config.static_activation_scales:  # counted eagerly over the compiled blocks: every layer seen, nothing compiled
                    shares = clipped_shares(pipe.transformer, lambda: generate(pipe))
                    assert len(shares) == len(fp8_layers(pipe.transformer)) and max(shares.values()) == 0
            assert compiled_graphs() == graphs
        finally:
            restore(pipe)
    per_row, static = images["no_fa3-graphs"], images[STATIC.name]
    assert 0 < relative_error(static, per_row) < 0.05
    assert 0 < relative_error(images[STATIC.name + " swapped"], images["no_fa3-graphs swapped"]) < 0.05
    assert not any(isinstance(module, Fp8Linear) for module in pipe.transformer.modules())


def test_static_scales_are_refused_without_our_fp8_layers():
    with pytest.raises(ConfigError, match="quantization=fp8_rowwise"):
        OptimizationConfig(static_activation_scales=True)
    with pytest.raises(ConfigError, match="each rank would calibrate"):
        dataclasses.replace(PRESETS["context_parallel"], static_activation_scales=True)
