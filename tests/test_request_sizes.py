"""Requests of any declared size without a compile (issue 31), on the compiled tiny pipeline: a prepared pipeline
takes a sweep of sizes, aspect ratios and batches with 0 new graphs (a recompile raises), and a LoRA swap keeps
working across sizes; without the preparation the same sweep compiles; a request outside the sizes is refused."""

from __future__ import annotations

import dataclasses
import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_attention import fa3_fp8_on_a_cpu

from lora_fast.config import VARIANTS, ConfigError, OptimizationConfig, RequestSizeError, RequestSizes
from lora_fast.optimize import compiled_graphs, generate, optimize, recompile_guard, restore
from lora_fast.speed import attention, gelu_fp8, norm_fp8

COMPILED = OptimizationConfig(name="folded_compiled", hotswap=True, fold_lora=True, max_rank=16, compile="regional", compile_vae=True)
SIZES = RequestSizes(min_side=32, max_side=128, max_batch=4, static=((64, 64),), text_tokens=64)


def sweep(seed: int = 1, count: int = 8) -> list[tuple[int, int, int]]:
    rng = random.Random(seed)
    return [(rng.randrange(32, 129, 16), rng.randrange(32, 129, 16), rng.randint(1, 4)) for _ in range(count)]


def image(pipe, height: int, width: int, batch: int = 1) -> torch.Tensor:
    return generate(pipe, prompt="a red cube", height=height, width=width, num_images_per_prompt=batch, num_inference_steps=2,
                    max_sequence_length=64, output_type="latent", generator=torch.Generator().manual_seed(0)).images


def test_a_prepared_pipeline_takes_any_declared_request_and_swap_without_compiling_and_refuses_the_rest(pipe, lora_factory):
    first, second = lora_factory(rank=4, seed=1), lora_factory(rank=8, seed=2)
    optimize(pipe, COMPILED, first, sizes=SIZES)
    graphs = compiled_graphs()
    with recompile_guard(COMPILED):
        for height, width, batch in sweep():
            assert image(pipe, height, width, batch).shape[0] == batch
        pipe.lora_fast.lora.load(second)
        swapped = {size: image(pipe, *size) for size in ((64, 64), (48, 112), (128, 32))}
    for height, width, batch, named in ((144, 64, 1, "height 144 is outside"), (64, 40, 1, "width 40 is outside"), (64, 64, 5, "5 images per call")):
        with pytest.raises(RequestSizeError, match=named):
            image(pipe, height, width, batch)
    with pytest.raises(RequestSizeError, match="1 images of 324 image tokens .8 x 8 pixels each. is outside"):  # a direct call, judged by what the transformer sees
        pipe(prompt="x", height=144, width=144, num_inference_steps=1, max_sequence_length=64, output_type="latent")
    assert compiled_graphs() == graphs
    restore(pipe)
    optimize(pipe, COMPILED, second, sizes=SIZES)
    for size, latents in swapped.items():
        assert torch.allclose(image(pipe, *size), latents, atol=1e-5), size  # the swap, as a fresh load of that LoRA at that size


def test_static_fp8_scales_take_every_declared_size_without_compiling(pipe, lora_factory):
    """Static scales slice a shared column per call (rows = batch x tokens): the dynamic graphs take every size and batch."""
    config = dataclasses.replace(COMPILED, name="folded_compiled_static_fp8", quantization="fp8_rowwise", static_activation_scales=True)
    optimize(pipe, config, lora_factory(rank=4, seed=1), sizes=SIZES)
    graphs = compiled_graphs()
    with recompile_guard(config):
        for height, width, batch in sweep(seed=3, count=4):
            assert torch.isfinite(image(pipe, height, width, batch)).all()
    assert compiled_graphs() == graphs
    restore(pipe)


def test_optimizeds_kernels_take_every_declared_size_without_compiling(pipe, lora_factory, monkeypatch):
    """optimized's three kernels (without CUDA graphs; their torch ops on a CPU, FA3 FP8 stood in for) in the static
    and dynamic graphs: every declared size and batch without compiling, each kernel called, each image finite."""
    fa3_fp8_on_a_cpu(monkeypatch)
    calls = {module: torch.zeros(()) for module in (attention, gelu_fp8, norm_fp8)}  # tensors count them: a list would be guarded
    for module, name in ((attention, "norm_rope_fp8"), (gelu_fp8, "gelu_cat_fp8"), (norm_fp8, "modulated_norm_fp8")):
        monkeypatch.setattr(module, name, lambda *args, op=getattr(module, name), count=calls[module]: (count.add_(1), op(*args))[1])
    config = dataclasses.replace(VARIANTS["optimized-graphs"], max_rank=16)
    optimize(pipe, config, lora_factory(rank=4, seed=1), sizes=SIZES)
    try:
        graphs = compiled_graphs()
        with recompile_guard(config):
            for height, width, batch in sweep(seed=5, count=4):
                assert torch.isfinite(image(pipe, height, width, batch)).all()
        assert compiled_graphs() == graphs and all(count > 0 for count in calls.values())
    finally:
        restore(pipe)


def test_with_no_static_size_every_request_takes_the_dynamic_graphs(pipe, lora_factory):
    """No size is compiled alone: the warm-up's first request already compiles the dynamic version (its batch and
    token dimensions marked), so no later size recompiles it."""
    sizes = RequestSizes(min_side=32, max_side=128, max_batch=4, static=(), text_tokens=64)
    optimize(pipe, COMPILED, lora_factory(rank=4, seed=1), sizes=sizes)
    graphs = compiled_graphs()
    with recompile_guard(COMPILED):
        for height, width, batch in sweep(seed=2, count=4):
            image(pipe, height, width, batch)
    assert compiled_graphs() == graphs


def test_a_range_of_one_static_size_warms_its_batches_and_compiles_nothing_later(pipe, lora_factory):
    """Every size is static: the warm-up cannot pick another size, so batch 2 at the static size compiles the
    dynamic graph."""
    sizes = RequestSizes(min_side=64, max_side=64, max_batch=3, static=((64, 64),), text_tokens=64)
    optimize(pipe, COMPILED, lora_factory(rank=4, seed=1), sizes=sizes)
    graphs = compiled_graphs()
    with recompile_guard(COMPILED):
        for batch in (1, 3, 2):
            image(pipe, 64, 64, batch)
    assert compiled_graphs() == graphs


sides = st.integers(2, 16).map(lambda n: 16 * n)


@settings(max_examples=200, deadline=None)
@given(low=sides, high=sides, max_batch=st.integers(1, 4), static=st.lists(st.tuples(sides, sides), max_size=3, unique=True))
def test_the_warm_up_stays_inside_the_sizes_and_reaches_every_graph(low, high, max_batch, static):
    """Each static size at batch 1; a size of another area at batch 1 when the range has one; batch 2 when allowed."""
    low, high = min(low, high), max(low, high)
    static = tuple((h, w) for h, w in static if low <= h <= high and low <= w <= high)
    sizes = RequestSizes(min_side=low, max_side=high, max_batch=max_batch, static=static)
    requests = sizes.warm_up_requests()
    for height, width, batch in requests:
        sizes.check(height, width, batch)
    assert [(h, w) for h, w, b in requests if b == 1 and (h, w) in static] == list(static)
    static_areas = {h * w for h, w in static}
    other_areas = any(h * w not in static_areas for h in range(low, high + 1, 16) for w in range(low, high + 1, 16))
    assert any(b == 1 and h * w not in static_areas for h, w, b in requests) == other_areas
    assert any(b == 2 for _, _, b in requests) == (max_batch > 1)


def test_without_the_preparation_the_same_requests_compile(pipe, lora_factory):
    """The control: compiled for nothing in particular, a second size and a batch each compile."""
    optimize(pipe, COMPILED, lora_factory(rank=4, seed=1))
    image(pipe, 64, 64)
    graphs = compiled_graphs()
    for height, width, batch in sweep(count=3):
        image(pipe, height, width, batch)
    assert compiled_graphs() > graphs


@pytest.mark.parametrize("fields, named", [
    ({"min_side": 520}, "multiples of 16"), ({"min_side": 1024, "max_side": 512}, "the smaller first"), ({"max_batch": 0}, "at least 1"),
    ({"static": ((4096, 1024),)}, "static size 4096x1024 is not inside 512 to 2048"),
])
def test_sizes_that_cannot_be_prepared_are_refused(fields, named):
    with pytest.raises(ConfigError, match=named):
        RequestSizes(**fields)


def test_declared_sizes_need_regional_compile(pipe):
    with pytest.raises(ConfigError, match="need compile=regional"):
        optimize(pipe, OptimizationConfig(name="whole", compile="full"), sizes=SIZES)


def test_warm_declares_its_sizes_on_the_command_line():
    from lora_fast.cli import _sizes, parser

    args = parser().parse_args(["warm", "--out", "cache.bin", "--min-side", "512", "--max-side", "1024", "--static", "768x1024", "--max-batch", "2"])
    assert _sizes(args) == RequestSizes(min_side=512, max_side=1024, max_batch=2, static=((768, 1024),))
    assert _sizes(parser().parse_args(["warm", "--out", "cache.bin"])) is None  # one image of --height x --width, as before
    with pytest.raises(SystemExit):
        parser().parse_args(["warm", "--out", "cache.bin", "--static", "1024xa"])
