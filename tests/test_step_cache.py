"""Step caching on the tiny pipeline: each cached config runs under compile, skips what its settings say, takes a
swap into effect at once, carries nothing from one image into the next, and comes off with `restore`; under CUDA
graphs on a GPU, a swap neither recompiles nor records again."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_attention import fa3_fp8_on_a_cpu

from lora_fast.bench.similarity import relative_error
from lora_fast.config import CACHE_SWEEP, PRESETS, VARIANTS, Attention, CacheMethod, ConfigError, OptimizationConfig, StepCache, cached_variant
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.optimize import compiled_graphs, generate, optimize, recompile_guard, restore
from lora_fast.pipelines import TINY, generation_defaults
from lora_fast.speed import gelu_fp8, norm_fp8
from lora_fast.speed.cudagraphs import recorded_graphs
from lora_fast.speed.gelu_fp8 import gelu_cat_fp8
from lora_fast.speed.norm_fp8 import modulated_norm_fp8

EAGER = OptimizationConfig(name="eager_folded", hotswap=True, fold_lora=True)
COMPILED = VARIANTS["no_fa3_fp8-graphs"]  # the tiny pipeline's compiled preset: regional compile, folded LoRA
TAYLORSEER, FIRST_BLOCK = StepCache(CacheMethod.TAYLORSEER), StepCache(CacheMethod.FIRST_BLOCK)
# optimized's three kernels without CUDA graphs, under a cache (on a CPU: `fa3_fp8_on_a_cpu`, the kernels as their torch
# ops); the step-cache presets leave the kernels out (`lora_fast.config._CACHED`)
THREE_KERNELS = VARIANTS["optimized-graphs"]
# the step-cache presets' base without CUDA graphs: FP8 linears and FA3 FP8 (its stand-in on a CPU), none of our kernels
CACHED_PRESETS_BASE = dataclasses.replace(VARIANTS["optimized-kernels"], cuda_graphs=False)


def image(pipe, steps: int = 4, **kwargs) -> torch.Tensor:
    """Latents of one tiny image through `generate`, seed 0."""
    settings_ = {**generation_defaults(TINY), "num_inference_steps": steps, **kwargs}
    return generate(pipe, prompt="a red cube on a table", generator=torch.Generator().manual_seed(0), output_type="latent", **settings_).images


@pytest.fixture(scope="module")
def loras(tiny_pipe):
    return [make_lora(tiny_pipe.transformer, LoraSpec(rank=8, seed=seed)) for seed in (1, 2)]


@pytest.mark.parametrize("bad, names", [
    (dict(method="teacache"), "first_block, taylorseer"), (dict(threshold=-0.1), "threshold"), (dict(threshold=float("nan")), "threshold"),
    (dict(interval=0), "interval"), (dict(warmup_steps=0), "warmup_steps"), (dict(max_order=-1), "max_order"), (dict(interval=2.5), "interval"),
])
def test_bad_cache_settings_name_the_field(bad, names):
    with pytest.raises(ConfigError, match=names):
        StepCache(**{"method": "taylorseer", **bad})


def test_a_cache_is_refused_where_it_cannot_decide_between_blocks():
    with pytest.raises(ConfigError, match="compile=full"):
        OptimizationConfig(compile="full", step_cache=TAYLORSEER)
    with pytest.raises(ConfigError, match="context parallelism"):
        dataclasses.replace(PRESETS["context_parallel"], step_cache=FIRST_BLOCK)


def test_cached_configs_are_lossy_data_that_round_trip():
    for config in (PRESETS["optimized_taylorseer"], PRESETS["optimized_fbcache"], *CACHE_SWEEP.values()):
        assert config.lossy and config.step_cache.enabled
        assert OptimizationConfig(**config.to_dict()) == config
    assert not PRESETS["optimized"].step_cache.enabled
    assert cached_variant(COMPILED, StepCache("taylorseer", interval=3)).name == "no_fa3_fp8-graphs+taylorseer3"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(interval=st.integers(1, 4), warmup=st.integers(1, 4), steps=st.integers(1, 9))
def test_taylorseer_runs_every_block_on_its_full_steps_and_none_between(pipe, loras, interval, warmup, steps):
    cache = StepCache(CacheMethod.TAYLORSEER, interval=interval, warmup_steps=warmup)
    optimize(pipe, dataclasses.replace(EAGER, step_cache=cache), loras[0])
    try:
        image(pipe, steps)
        runs = pipe.lora_fast.block_runs
        full = set(cache.full_steps(steps))
        assert list(runs.per_call) == [runs.blocks if step in full else 0 for step in range(steps)]
    finally:
        restore(pipe)


def test_first_block_cache_skips_by_its_threshold(pipe, loras):
    """Threshold 0 runs every block; a threshold no change reaches runs only the first block after the first step."""
    counts = {}
    for threshold in (0.0, 1e9):
        optimize(pipe, dataclasses.replace(EAGER, step_cache=StepCache(CacheMethod.FIRST_BLOCK, threshold=threshold)), loras[0])
        try:
            image(pipe, 5)
            counts[threshold] = (pipe.lora_fast.block_runs.blocks, list(pipe.lora_fast.block_runs.per_call))
        finally:
            restore(pipe)
    blocks = counts[0.0][0]
    assert counts[0.0][1] == [blocks] * 5
    assert counts[1e9][1] == [blocks] + [1] * 4


CACHES = [TAYLORSEER, FIRST_BLOCK, StepCache(CacheMethod.FIRST_BLOCK, threshold=1.0)]


@pytest.mark.parametrize("base, cache", [
    *((base, cache) for base in (COMPILED, VARIANTS["no_fa3-graphs"]) for cache in CACHES), (THREE_KERNELS, TAYLORSEER), (THREE_KERNELS, CACHES[2]),
    (CACHED_PRESETS_BASE, TAYLORSEER),
], ids=lambda value: {COMPILED: "bf16", VARIANTS["no_fa3-graphs"]: "fp8_gelu_kernel", THREE_KERNELS: "fp8_three_kernels",
                      CACHED_PRESETS_BASE: "cached_presets_base"}.get(value) or value.label)
def test_a_compiled_cache_repeats_its_image_takes_a_swap_at_once_and_never_recompiles(pipe, loras, cache, base, monkeypatch):
    """Under regional compile: the same image twice, a swap's image equal to a fresh load's of that LoRA (nothing of
    the first LoRA's steps kept), no graph compiled after the first image, and the blocks really skipped; in bf16, with
    FP8 linears and our GELU kernel's block forwards, with all three of optimized's kernels (the norm kernel's
    block forwards; their torch ops on a CPU) under the cache's hooks, and as the step-cache presets are (FA3 FP8, none
    of our kernels)."""
    kernel_calls, norm_calls = torch.zeros(()), torch.zeros(())  # tensors count them: a list would be guarded on its length, and recompile
    monkeypatch.setattr(gelu_fp8, "gelu_cat_fp8", lambda *args: (kernel_calls.add_(1), gelu_cat_fp8(*args))[1])
    monkeypatch.setattr(norm_fp8, "modulated_norm_fp8", lambda *args: (norm_calls.add_(1), modulated_norm_fp8(*args))[1])
    if base.attention is Attention.FA3_FP8:
        fa3_fp8_on_a_cpu(monkeypatch)
    config = cached_variant(base, cache)
    optimize(pipe, config, loras[1])
    try:
        fresh_second = image(pipe, 8)
    finally:
        restore(pipe)
    optimize(pipe, config, loras[0])
    try:
        first = image(pipe, 8)
        graphs = compiled_graphs()
        with recompile_guard(config):
            again = image(pipe, 8)
            pipe.lora_fast.lora.load(loras[1])
            pipe.lora_fast.block_runs.clear()
            second = image(pipe, 8)
        skipped = pipe.lora_fast.block_runs.skipped_fraction
        assert compiled_graphs() == graphs
    finally:
        restore(pipe)
    assert torch.equal(again, first) and bool(kernel_calls > 0) == base.fused_gelu_fp8  # the blocks ran our forwards
    assert bool(norm_calls > 0) == base.fused_norm_fp8
    assert torch.equal(second, fresh_second) and relative_error(second, first) > 0.05
    if cache.method is CacheMethod.TAYLORSEER:
        assert skipped == pytest.approx(1 - len(cache.full_steps(8)) / 8)
    elif cache.threshold >= 1.0:  # on the tiny model's steps, a relative change of 1 or more is rare
        assert skipped > 0.3


def test_a_cached_image_stays_near_the_exact_one_and_differs_from_it(pipe, loras):
    exact = image_of(pipe, EAGER, loras[0])
    cached = image_of(pipe, dataclasses.replace(EAGER, step_cache=StepCache(CacheMethod.TAYLORSEER, interval=2, warmup_steps=2)), loras[0])
    assert 0 < relative_error(cached, exact) < 0.5


def image_of(pipe, config, lora, steps: int = 8):
    optimize(pipe, config, lora)
    try:
        return image(pipe, steps)
    finally:
        restore(pipe)


@pytest.mark.parametrize("cache", [TAYLORSEER, StepCache(CacheMethod.FIRST_BLOCK, threshold=1.0)], ids=lambda cache: cache.label)
def test_an_image_stopped_halfway_leaves_nothing_for_the_next(pipe, loras, cache):
    config = dataclasses.replace(EAGER, step_cache=cache)
    expected = image_of(pipe, config, loras[0])

    def stop(pipeline, step, timestep, kwargs):
        if step == 4:
            raise KeyboardInterrupt("stopped by the user")
        return kwargs

    optimize(pipe, config, loras[0])
    try:
        with pytest.raises(KeyboardInterrupt):
            image(pipe, 8, callback_on_step_end=stop)
        after = image(pipe, 8)
    finally:
        restore(pipe)
    assert torch.equal(after, expected)


def test_restore_takes_the_cache_off(pipe, loras, generate):
    before = generate(pipe)
    optimize(pipe, cached_variant(COMPILED, TAYLORSEER), loras[0])
    image(pipe)
    restore(pipe)
    assert not pipe.transformer.is_cache_enabled
    assert all("forward" not in block.__dict__ for block in [*pipe.transformer.transformer_blocks, *pipe.transformer.single_transformer_blocks])
    assert torch.equal(generate(pipe), before)


GRAPHED_BF16 = OptimizationConfig(name="graphs_cached", compile="regional", cuda_graphs=True, hotswap=True, fold_lora=True, max_rank=8)
FB1 = StepCache(CacheMethod.FIRST_BLOCK, threshold=1.0)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA GPU")
@pytest.mark.parametrize("base, cache", [
    (PRESETS["optimized"], TAYLORSEER), (VARIANTS["optimized-norm_fp8"], TAYLORSEER), (PRESETS["no_fa3"], TAYLORSEER), (GRAPHED_BF16, TAYLORSEER),
    (PRESETS["optimized"], FB1), (GRAPHED_BF16, FB1),
], ids=lambda value: getattr(value, "label", None) or value.name)
def test_a_cache_under_cuda_graphs_swaps_like_a_fresh_load(base, cache, monkeypatch):
    """The cache keeps tensors across steps while the blocks replay as CUDA graphs: a swap must move the image to a
    fresh load's, with no recompile and no re-record, and skip what it skips without graphs; in bf16, and with
    optimized's kernels (FA3 FP8 replaced by its dequantized stand-in, which takes the tiny model's head size), all
    three, without the norm kernel, and the GELU kernel alone."""
    from lora_fast.pipelines import load_pipeline

    if base.attention is Attention.FA3_FP8:
        fa3_fp8_on_a_cpu(monkeypatch)
    pipe = load_pipeline(TINY, device="cuda")
    loras = [make_lora(pipe.transformer, LoraSpec(rank=8, seed=seed)) for seed in (1, 2)]
    config = dataclasses.replace(base, max_rank=8, step_cache=cache)
    expected = [image_of(pipe, dataclasses.replace(config, cuda_graphs=False), lora).float() for lora in loras]
    optimize(pipe, config, loras[0])
    try:
        image(pipe, 8), image(pipe, 8)  # warm-up, then record
        first = image(pipe, 8).float()
        graphs, recorded = compiled_graphs(), recorded_graphs()
        assert recorded > 0
        with recompile_guard(config):
            pipe.lora_fast.lora.load(loras[1])
            second = image(pipe, 8).float()
            again = image(pipe, 8).float()
        assert (compiled_graphs() - graphs, recorded_graphs() - recorded) == (0, 0)
    finally:
        restore(pipe)
    assert relative_error(first, expected[0]) < 1e-2 and relative_error(second, expected[1]) < 1e-2
    assert torch.equal(second, again) and relative_error(second, first) > 0.05


def test_block_counts_stay_bounded_and_total_every_call():
    """A server counts for as long as it runs: the per-call window is bounded, the share skipped counts every call."""
    from lora_fast.speed.step_cache import RECENT_CALLS, BlockRuns

    runs = BlockRuns(blocks=4)
    runs.block_ran()  # a block outside any transformer call is not counted
    for call in range(RECENT_CALLS + 10):
        runs.call_started()
        for _ in range(4 if call % 2 else 1):
            runs.block_ran()
    assert len(runs.per_call) == RECENT_CALLS and runs.calls == RECENT_CALLS + 10
    assert runs.skipped_fraction == pytest.approx(1 - 5 / 8)
    runs.clear()
    assert runs.skipped_fraction is None and not runs.per_call
