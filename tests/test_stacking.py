"""Strength and stacking: a LoRA at a strength, several at once (the sum of their changes), diffusers' per-call
scale honored when the LoRA is folded, a set or strength change under compile without a recompile (the CPU twin of
the GPU's swap sequence), the FP8 fold written the same way at `optimize` as by a later swap, and the CLI's
`--lora FILE[:STRENGTH]`."""

from __future__ import annotations

import math

import pytest
import torch

from lora_fast.cli import lora_with_strength, parser
from lora_fast.config import OptimizationConfig
from lora_fast.lora.files import LoraError
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.lora.targets import ALL_TARGETS, target_modules
from lora_fast.optimize import compiled_graphs, optimize, recompile_guard, restore
from lora_fast.pipelines import TINY, load_pipeline

FOLDED = OptimizationConfig(name="folded", hotswap=True, fold_lora=True, max_rank=16)
MODULE = "single_transformer_blocks.0.proj_out"


def change(state: dict, module: str = MODULE) -> torch.Tensor:
    return state[f"transformer.{module}.lora_B.weight"] @ state[f"transformer.{module}.lora_A.weight"]


def folded_weight(pipe, module: str = MODULE) -> torch.Tensor:
    return pipe.transformer.get_submodule(module).weight.detach().clone()


def test_strength_and_a_stack_fold_the_sum_of_their_changes(pipe, lora_factory):
    style, subject = lora_factory(rank=4, seed=1), lora_factory(rank=2, seed=2)
    base = folded_weight(pipe)
    optimize(pipe, FOLDED, style)
    slot = pipe.lora_fast.lora
    slot.load(style, strength=0.5)
    assert torch.allclose(folded_weight(pipe), base + 0.5 * change(style), atol=1e-6)
    slot.load([(style, 0.8), subject])
    assert torch.allclose(folded_weight(pipe), base + 0.8 * change(style) + change(subject), atol=1e-6)
    assert slot.factors[MODULE][0].shape[0] == 6  # the two ranks side by side
    slot.load([(style, 0.8), (subject, -1.0)], strength=0.5)  # an overall strength multiplies each one's
    assert torch.allclose(folded_weight(pipe), base + 0.4 * change(style) - 0.5 * change(subject), atol=1e-6)


def test_a_peft_stack_is_one_adapter_of_the_summed_rank_or_a_clear_refusal(pipe, generate, lora_factory):
    style, subject = lora_factory(rank=4, seed=1), lora_factory(rank=4, seed=2)
    optimize(pipe, OptimizationConfig(name="unfused", hotswap=True, max_rank=8), style, lora_targets=target_modules(pipe.transformer))
    pipe.lora_fast.lora.load([(style, 0.5), subject])
    stacked = generate(pipe)
    with pytest.raises(LoraError, match="exceeds the prepared maximum 8"):
        pipe.lora_fast.lora.load([style, subject, style])
    assert torch.equal(generate(pipe), stacked)  # the refused stack changed nothing
    restore(pipe)
    optimize(pipe, FOLDED, style, lora_targets=target_modules(pipe.transformer))
    pipe.lora_fast.lora.load([(style, 0.5), subject])
    assert torch.allclose(generate(pipe), stacked, atol=1e-4)  # folded or unfused: the same image


def test_a_swap_reads_no_weight_again_and_still_refuses_a_broken_size(pipe, lora_factory, monkeypatch):
    """Each layer's |W| is measured once, at the first LoRA that touches it (on an FP8 model that dequantizes the
    layer: most of a swap's check, three times over for a stack of two); later swaps and stacks reuse it."""
    from lora_fast.lora import files

    style, subject = lora_factory(rank=4, seed=1), lora_factory(rank=2, seed=2)
    optimize(pipe, FOLDED, style)
    measured = []
    monkeypatch.setattr(files, "dense_weight", lambda layer: measured.append(layer) or layer.weight.detach())
    pipe.lora_fast.lora.load([(style, 0.8), subject])
    pipe.lora_fast.lora.load(style)
    assert measured == []
    huge = {key: value * 1e4 if key.endswith("lora_B.weight") else value for key, value in style.items()}
    with pytest.raises(LoraError, match="times the layer's own size"):
        pipe.lora_fast.lora.load(huge)
    with pytest.raises(LoraError, match="times the layer's own size"):
        pipe.lora_fast.lora.load([style, (style, 1e4)])  # each part is sound, the stack is not
    assert measured == []


@pytest.mark.parametrize("strength", [float("nan"), float("inf"), "0.5", True, None])
def test_a_strength_that_is_not_a_finite_number_is_refused(pipe, lora_factory, strength):
    optimize(pipe, FOLDED, lora_factory(rank=2))
    with pytest.raises(LoraError, match="not a finite number"):
        pipe.lora_fast.lora.load(lora_factory(rank=2), strength=strength)
    with pytest.raises(LoraError, match="non-empty list"):
        pipe.lora_fast.lora.load([])


def test_the_per_call_scale_is_honored_when_the_lora_is_folded(pipe, generate, lora_factory):
    """diffusers' documented `joint_attention_kwargs={"scale": s}`: under folding no peft layer reads it, so the slot
    folds again at that scale for that call, and back for the next call without it."""
    lora = lora_factory(rank=4, seed=3)
    optimize(pipe, FOLDED, lora)
    full = generate(pipe)
    half = generate(pipe, joint_attention_kwargs={"scale": 0.5})
    again = generate(pipe)
    pipe.lora_fast.lora.load(lora, strength=0.5)
    at_half_strength = generate(pipe)
    assert torch.equal(again, full) and torch.equal(half, at_half_strength)
    assert not torch.allclose(half, full, atol=1e-3)
    restore(pipe)
    assert "encode_prompt" not in vars(pipe)  # the pipeline's own method again


def test_sets_strengths_and_scales_change_under_compile_without_a_recompile(pipe, generate, lora_factory):
    """The swap and stacking sequence on the compiled tiny pipeline: a recompile fails here, on the CPU, as the
    GPU's swap sequence asserts it there (the recompile guard raises, and the graph count must not move)."""
    style, subject = lora_factory(rank=4, seed=1), lora_factory(rank=8, seed=2)
    every_block_layer = lora_factory(rank=4, seed=7, targets=ALL_TARGETS)  # beyond the first LoRA's layers, never declared
    config = OptimizationConfig(name="folded_compiled", hotswap=True, fold_lora=True, max_rank=16, compile="regional")
    optimize(pipe, config, style)
    generate(pipe)
    graphs = compiled_graphs()
    images = []
    with recompile_guard(config):
        for lora, kwargs in ((subject, {}), ([style, subject], {}), ([(style, 0.3), (subject, 2.0)], {}), (every_block_layer, {}), (style, {"strength": 0.5})):
            pipe.lora_fast.lora.load(lora, **kwargs)
            images.append(generate(pipe))
        images.append(generate(pipe, joint_attention_kwargs={"scale": 0.25}))
    assert compiled_graphs() == graphs, "a set, strength or scale change recompiled the transformer"
    assert all(not torch.equal(first, second) for first, second in zip(images, images[1:]))


def test_an_fp8_fold_at_optimize_equals_the_same_lora_swapped_in_later(generate, lora_factory):
    """In bf16 (as on a GPU) the first LoRA used to be folded into the bf16 weights and then quantized, a later swap
    from the exact originals straight into FP8: two roundings against one, and another image. Now both are one."""
    pipe = load_pipeline(TINY, dtype=torch.bfloat16)
    first, second = (make_lora(pipe.transformer, LoraSpec(rank=4, seed=seed)) for seed in (1, 2))
    config = OptimizationConfig(name="folded_fp8", hotswap=True, fold_lora=True, quantization="fp8_rowwise")
    optimize(pipe, config, first, lora_targets=target_modules(pipe.transformer))
    try:
        loaded_first = generate(pipe)
        pipe.lora_fast.lora.load(second)
        pipe.lora_fast.lora.load(first)
        assert torch.equal(generate(pipe), loaded_first)
    finally:
        restore(pipe)


def test_cli_takes_each_lora_with_its_strength(tmp_path):
    assert lora_with_strength("style.safetensors:0.8") == ("style.safetensors", 0.8)
    assert lora_with_strength("org/name") == ("org/name", 1.0)
    assert lora_with_strength("odd:name.safetensors") == ("odd:name.safetensors", 1.0)
    existing = tmp_path / "a:2"
    existing.write_text("")
    assert lora_with_strength(str(existing)) == (str(existing), 1.0)  # an existing file's name wins over a strength
    arguments = parser().parse_args(["generate", "--prompt", "p", "--out", "o.png", "--lora", "a.safetensors:0.5", "--lora", "b.safetensors"])
    assert arguments.lora == [("a.safetensors", 0.5), ("b.safetensors", 1.0)]
    with pytest.raises(SystemExit):
        parser().parse_args(["generate", "--prompt", "p", "--out", "o.png", "--lora", "a.safetensors:nan"])
    assert math.isfinite(lora_with_strength("a.safetensors:-1")[1])
