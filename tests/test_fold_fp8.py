"""Our FP8 linear layers and LoRAs folded into the weights, on the tiny pipeline on the CPU (torch's reference
FP8 matmul), and CUDA graphs with a hot-swap on a GPU."""

from __future__ import annotations

import dataclasses
import importlib

import pytest
import torch

from lora_fast.bench.similarity import relative_error
from lora_fast.config import VARIANTS, CacheMethod, OptimizationConfig, Quantization, RequestSizes, StepCache
from lora_fast.lora.slot import pinned
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.lora.targets import target_modules
from lora_fast.optimize import compiled_graphs, optimize, recompile_guard, restore, state
from lora_fast.speed.cudagraphs import fixed_block_inputs, mark_step_per_call, recorded_graphs
from lora_fast.speed.quantize import E4M3_MAX, Fp8Linear, quantize, quantize_rows

# Folded and unfused LoRAs differ by float32 reordering only (W + BA formed once instead of x W + (x A) B).
FOLD_TOLERANCE = 1e-4
FOLDED = OptimizationConfig(name="folded", hotswap=True, fold_lora=True)
FOLDED_FP8 = OptimizationConfig(name="folded_fp8", hotswap=True, fold_lora=True, quantization="fp8_rowwise")
# A sequence with changing target subsets: each swap must undo the previous LoRA on the layers it leaves out.
SEQUENCE = [dict(rank=8, seed=1), dict(rank=3, seed=2, targets=("attn.to_q", "attn.to_v")), dict(rank=16, seed=3, targets=("proj_out",)), dict(rank=5, seed=4)]


def image_with(pipe, generate, config, lora):
    optimize(pipe, config, lora)
    try:
        return generate(pipe)
    finally:
        restore(pipe)


def test_fp8_linear_is_a_close_linear_and_rewrites_in_place():
    generator = torch.Generator().manual_seed(0)
    linear = torch.nn.Linear(64, 48)
    inputs = torch.randn(2, 7, 64, generator=generator)
    layer = Fp8Linear.from_linear(linear)
    assert layer.weight.dtype == torch.float8_e4m3fn and layer.weight_scale.shape == (48, 1)
    assert 0 < relative_error(layer(inputs), linear(inputs)) < 0.06  # e4m3 keeps 3 mantissa bits
    addresses = layer.weight.data_ptr(), layer.weight_scale.data_ptr()
    other = torch.randn(48, 64, generator=generator)
    layer.set_weight(other)
    assert (layer.weight.data_ptr(), layer.weight_scale.data_ptr()) == addresses
    assert relative_error(layer.dense_weight(), other) < 0.05


def test_rowwise_quantization_keeps_small_rows():
    rows = torch.randn(2, 256) * torch.tensor([[1e3], [1e-3]])
    quantized, descale = quantize_rows(rows)
    assert quantized.float().abs().max() <= E4M3_MAX
    restored = quantized.float() * descale
    assert relative_error(restored[1], rows[1]) < 0.05 and relative_error(restored[0], rows[0]) < 0.05


def test_fp8_linear_scales_each_activation_row_and_weight_row_on_its_own():
    """Rows of inputs and of weights 1e6 apart: with one scale per row each output keeps e4m3's few-percent error;
    one scale per tensor would flush the small rows to zero (an error near 1)."""
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(32, 64, generator=generator) * torch.tensor([1e3] * 16 + [1e-3] * 16)[:, None]
    inputs = torch.randn(6, 64, generator=generator) * torch.tensor([1e3, 1e-3, 1.0, 1e3, 1e-3, 1.0])[:, None]
    linear = torch.nn.Linear(64, 32, bias=False)
    linear.weight.data.copy_(weight)
    output, exact = Fp8Linear.from_linear(linear)(inputs), inputs @ weight.t()
    for row in range(6):
        for columns in (slice(0, 16), slice(16, 32)):  # large and small weight rows
            assert relative_error(output[row, columns], exact[row, columns]) < 0.08, (row, columns)


def test_t5_in_fp8_keeps_its_wide_output_layer_and_comes_off():
    """T5's linear layers become ours, but not `wo`: T5 casts that layer's input to its weight's dtype, which for an
    FP8 layer would be e4m3 without a scale. A T5 whose feed-forward fits the FP8 matmul (the tiny one's does not)."""
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(0)
    t5 = T5EncoderModel(T5Config(vocab_size=300, d_model=32, d_ff=48, d_kv=8, num_layers=2, num_heads=4, feed_forward_proj="gated-gelu")).eval()
    ids = torch.randint(0, 300, (1, 12), generator=torch.Generator().manual_seed(1))
    exact = t5(ids).last_hidden_state
    undo = quantize(t5, Quantization.FP8_ROWWISE)
    ours = {name.rpartition(".")[2] for name, module in t5.named_modules() if isinstance(module, Fp8Linear)}
    assert ours == {"q", "k", "v", "o", "wi_0", "wi_1"}
    assert 0 < relative_error(t5(ids).last_hidden_state, exact) < 0.1
    undo()
    assert torch.equal(t5(ids).last_hidden_state, exact)


def test_a_pipeline_with_t5_in_fp8_makes_a_close_image_and_restores(pipe, generate):
    exact = generate(pipe)
    optimize(pipe, OptimizationConfig(text_encoder_fp8=True))
    try:
        assert any(isinstance(module, Fp8Linear) for module in pipe.text_encoder_2.modules())
        assert not any(isinstance(module, Fp8Linear) for module in pipe.transformer.modules())
        assert 0 < relative_error(generate(pipe), exact) < 0.1
    finally:
        restore(pipe)
    assert torch.equal(generate(pipe), exact)


def test_quantize_and_undo_put_back_the_same_layers(pipe):
    before = dict(pipe.transformer.named_modules())
    weights = {name: tensor.clone() for name, tensor in pipe.transformer.state_dict().items()}
    undo = quantize(pipe.transformer, OptimizationConfig(quantization="fp8_rowwise").quantization)
    quantized = [name for name, module in pipe.transformer.named_modules() if isinstance(module, Fp8Linear)]
    assert quantized and all(isinstance(before[name], torch.nn.Linear) for name in quantized)
    undo()
    assert all(pipe.transformer.get_submodule(name) is before[name] for name in quantized)
    after = pipe.transformer.state_dict()
    assert after.keys() == weights.keys() and all(torch.equal(after[key], weights[key]) for key in weights)


@pytest.mark.parametrize("compile", ["none", "regional"])
def test_folded_swaps_equal_fresh_unfused_loads(pipe, generate, compile):
    """Each folded swap gives the image of loading that LoRA alone with peft, with no recompile and the weights
    rewritten where they are; restore puts the original weights back bit for bit."""
    config = OptimizationConfig(name="folded", hotswap=True, fold_lora=True, compile=compile)
    loras = [make_lora(pipe.transformer, LoraSpec(**spec)) for spec in SEQUENCE]
    expected = [image_with(pipe, generate, OptimizationConfig(), lora) for lora in loras]
    weights = {name: tensor.clone() for name, tensor in pipe.transformer.state_dict().items()}
    addresses = {name: tensor.data_ptr() for name, tensor in pipe.transformer.state_dict().items()}
    optimize(pipe, config, loras[0], lora_targets=target_modules(pipe.transformer))
    assert relative_error(generate(pipe), expected[0]) < FOLD_TOLERANCE  # compiles
    graphs = compiled_graphs()
    with recompile_guard(config):
        for lora, want in zip(loras[1:], expected[1:]):
            pipe.lora_fast.lora.load(lora)
            assert relative_error(generate(pipe), want) < FOLD_TOLERANCE
    assert compiled_graphs() == graphs
    assert {name: tensor.data_ptr() for name, tensor in pipe.transformer.state_dict().items()} == addresses
    restore(pipe)
    after = pipe.transformer.state_dict()
    assert after.keys() == weights.keys() and all(torch.equal(after[key], weights[key]) for key in weights)


def test_folded_fp8_swap_equals_a_fresh_folded_load(pipe, generate):
    """With FP8 layers, a swap requantizes W + B A into the FP8 weights: the same image as folding that LoRA
    first, bit for bit; close to peft's unfused LoRA on FP8 layers; and restore gives back the bf16 model."""
    first, second = (make_lora(pipe.transformer, LoraSpec(**spec)) for spec in SEQUENCE[:2])
    weights = {name: tensor.clone() for name, tensor in pipe.transformer.state_dict().items()}
    fresh = image_with(pipe, generate, FOLDED_FP8, second)
    unfused = image_with(pipe, generate, OptimizationConfig(hotswap=True, quantization="fp8_rowwise"), second)
    without = image_with(pipe, generate, OptimizationConfig(), None)
    optimize(pipe, FOLDED_FP8, first, lora_targets=target_modules(pipe.transformer))
    first_image = generate(pipe)
    pipe.lora_fast.lora.load(second)
    swapped = generate(pipe)
    restore(pipe)
    assert torch.equal(swapped, fresh)
    assert relative_error(swapped, first_image) > 0.01  # the swap changed the image
    assert relative_error(swapped, unfused) < 0.5 * relative_error(unfused, without)  # the LoRA is there, FP8-rounded
    after = pipe.transformer.state_dict()
    assert all(torch.equal(after[key], weights[key]) for key in weights)


def test_folding_takes_any_rank_and_any_layer_unless_targets_are_named(pipe, generate, lora_factory):
    """Without `lora_targets` a folded slot is ready for every linear layer (modulation and embedders included: kohya
    trains them): a LoRA on all of them swaps in, as its fresh fold; naming the targets is an opt-in memory saving
    that refuses the rest."""
    from lora_fast.lora.files import LoraError
    from lora_fast.lora.targets import linear_layers

    folded = OptimizationConfig(hotswap=True, fold_lora=True, max_rank=4)
    every_layer = lora_factory(rank=4, seed=9)
    every_layer = {**every_layer, **lora_on(pipe.transformer, ("norm1.linear", "x_embedder", "time_text_embed.timestep_embedder.linear_1", "norm_out.linear"))}
    optimize(pipe, folded, every_layer)
    fresh = generate(pipe)
    restore(pipe)
    optimize(pipe, folded, lora_factory(rank=4, targets=("attn.to_q",)))
    assert set(pipe.lora_fast.lora.prepared_modules) < set(linear_layers(pipe.transformer))
    pipe.lora_fast.lora.load(lora_factory(rank=32, targets=("attn.to_q",)))  # no padding: any rank folds
    pipe.lora_fast.lora.load(every_layer)
    assert torch.equal(generate(pipe), fresh)
    other = {key: 2 * value if "lora_B" in key else value for key, value in every_layer.items()}  # every layer again, each change doubled
    pipe.lora_fast.lora.load(other)
    pipe.lora_fast.lora.load(every_layer)
    assert torch.equal(generate(pipe), fresh)  # each layer's kept original is a copy, not the live weight
    restore(pipe)
    optimize(pipe, folded, lora_factory(rank=4, targets=("attn.to_q",)), lora_targets=target_modules(pipe.transformer, ("attn.to_q",)))
    image = generate(pipe)
    with pytest.raises(LoraError, match="outside the prepared set"):
        pipe.lora_fast.lora.load(lora_factory(rank=4, targets=("proj_out",)))
    assert torch.equal(generate(pipe), image)


def lora_on(transformer: torch.nn.Module, modules: tuple[str, ...], rank: int = 2) -> dict[str, torch.Tensor]:
    """A small seeded LoRA on the named layers of every block that has them, and on named layers outside the blocks."""
    generator, state = torch.Generator().manual_seed(11), {}
    for name, module in transformer.named_modules():
        if isinstance(module, torch.nn.Linear) and any(name == target or name.endswith("." + target) for target in modules):
            state[f"transformer.{name}.lora_A.weight"] = torch.randn(rank, module.in_features, generator=generator) / module.in_features**0.5
            state[f"transformer.{name}.lora_B.weight"] = torch.randn(module.out_features, rank, generator=generator) * 0.01
    return state


def test_cuda_graph_step_mark_runs_once_per_transformer_call(pipe, generate, monkeypatch):
    marks = []
    monkeypatch.setattr(torch.compiler, "cudagraph_mark_step_begin", lambda: marks.append(1))
    undo = mark_step_per_call(pipe.transformer)
    generate(pipe, num_inference_steps=3)
    undo()
    generate(pipe, num_inference_steps=3)
    assert len(marks) == 3


@pytest.mark.parametrize("case", ["graphs", "declared_sizes", "step_cache", "no_graphs"])
def test_block_inputs_are_fixed_only_under_one_graph_per_shape(pipe, monkeypatch, case):
    """`compile_transformer` fixes the blocks' outside inputs only with CUDA graphs, without declared sizes (whose
    dynamic graphs take every other shape: a buffer set per shape would grow with each size served) and without a
    step cache (whose hooks may keep a step's inputs). Only a GPU records CUDA graphs; this is the condition's CPU twin."""
    optimize_module = importlib.import_module("lora_fast.optimize")
    fixed = []
    monkeypatch.setattr(optimize_module, "fixed_block_inputs", lambda transformer: fixed.append(transformer) or (lambda: None))
    cache = StepCache(CacheMethod.TAYLORSEER) if case == "step_cache" else StepCache()
    config = dataclasses.replace(VARIANTS["no_fa3-graphs"], cuda_graphs=case != "no_graphs", step_cache=cache)
    sizes = RequestSizes(min_side=64, max_side=128, max_batch=2, static=((64, 64),)) if case == "declared_sizes" else None
    optimize_module.compile_transformer(pipe.transformer, config, sizes, pipe.vae_scale_factor)()
    assert fixed == ([pipe.transformer] if case == "graphs" else [])


def test_block_inputs_from_outside_the_blocks_come_from_fixed_buffers(pipe, generate):
    """Under CUDA graphs each block's conditioning embedding and rotary cos and sin sit at one address for every step
    and image of a shape (so no graph copies them in), hold that step's values, and leave the image as it was."""
    expected = generate(pipe, num_inference_steps=3)
    seen, held = [], []
    blocks = [pipe.transformer.transformer_blocks[0], pipe.transformer.single_transformer_blocks[-1]]
    handles = [block.register_forward_pre_hook(lambda module, args, kwargs: seen.append(kwargs), with_kwargs=True) for block in blocks]
    handles.append(blocks[0].register_forward_pre_hook(lambda module, args, kwargs: held.append(kwargs["temb"].clone()), with_kwargs=True))
    fresh = []
    embedding = pipe.transformer.time_text_embed.register_forward_hook(lambda module, args, output: fresh.append(output.clone()), prepend=True)
    undo = fixed_block_inputs(pipe.transformer)
    try:
        images = [generate(pipe, num_inference_steps=3) for _ in range(2)]
    finally:
        undo()
        embedding.remove()
        for handle in handles:
            handle.remove()
    assert all(torch.equal(image, expected) for image in images)
    addresses = {(name, kwargs[name].data_ptr()) for kwargs in seen for name in ("temb",)}
    addresses |= {(f"rotary{index}", kwargs["image_rotary_emb"][index].data_ptr()) for kwargs in seen for index in (0, 1)}
    assert len(seen) == 12 and len(addresses) == 3
    assert len(held) == len(fresh) == 6 and all(torch.equal(step, made) for step, made in zip(held, fresh)) and not torch.equal(fresh[0], fresh[1])
    assert not pipe.transformer.time_text_embed._forward_hooks and not pipe.transformer.pos_embed._forward_hooks


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the count a machine without CUDA gives")
def test_no_cuda_graphs_without_cuda():
    assert recorded_graphs() == 0


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA GPU")
@pytest.mark.parametrize("fold, fuse", [(True, False), (False, False), (True, True)], ids=["folded", "unfused", "folded_fused_qkv"])
def test_hotswap_under_cuda_graphs_changes_the_image_like_a_fresh_load(fold, fuse):
    """A stale graph would silently keep the old LoRA: after a swap under CUDA graphs the image must move, and
    equal what a fresh load of the new LoRA gives, with no recompile and no re-record."""
    from lora_fast.pipelines import load_pipeline

    pipe = load_pipeline("tiny", device="cuda")
    loras = [make_lora(pipe.transformer, LoraSpec(rank=8, seed=seed)) for seed in (1, 2)]
    run = lambda: pipe(prompt="a cube", generator=torch.Generator().manual_seed(0), output_type="latent", height=64, width=64,  # noqa: E731
                       num_inference_steps=4, max_sequence_length=16).images.float()
    expected = [image_with(pipe, lambda p: run(), OptimizationConfig(), lora) for lora in loras]
    config = OptimizationConfig(name="graphs", compile="regional", cuda_graphs=True, hotswap=True, fold_lora=fold, fuse_qkv=fuse, max_rank=8)
    optimize(pipe, config, loras[0])
    try:
        run(), run()  # warm-up, then record
        first = run()
        graphs, recorded = compiled_graphs(), recorded_graphs()
        assert recorded > 0
        with recompile_guard(config):
            pipe.lora_fast.lora.load(loras[1])
            second = run()
        assert (compiled_graphs(), recorded_graphs()) == (graphs, recorded)
    finally:
        restore(pipe)
    assert relative_error(first, expected[0]) < 1e-2 and relative_error(second, expected[1]) < 1e-2
    assert relative_error(second, first) > 0.05


def test_text_stream_projections_stay_in_bf16_when_asked(pipe, generate):
    """text_stream_fp8=False: the joint blocks' add_q/k/v_proj and to_add_out stay nn.Linear, the rest is FP8,
    and the image stays as close to the all-FP8 one as FP8 is to bf16."""
    joint = [name for name, module in pipe.transformer.named_modules() if getattr(module, "added_kv_proj_dim", None) is not None]
    text = {f"{block}.{part}" for block in joint for part in ("add_q_proj", "add_k_proj", "add_v_proj", "to_add_out")}
    exact = image_with(pipe, generate, OptimizationConfig(name="exact"), None)
    all_fp8 = image_with(pipe, generate, OptimizationConfig(name="fp8", quantization="fp8_rowwise"), None)
    config = OptimizationConfig(name="text_bf16", quantization="fp8_rowwise", text_stream_fp8=False)
    optimize(pipe, config)
    try:
        kinds = {name: type(module) for name, module in pipe.transformer.named_modules()}
        mixed = generate(pipe)
    finally:
        restore(pipe)
    assert text and all(kinds[name] is torch.nn.Linear for name in text)
    assert all(kinds[f"{block}.attn.to_q"] is Fp8Linear for block in {name.rsplit(".attn", 1)[0] for name in text})
    assert 0 < relative_error(mixed, all_fp8) < 2 * relative_error(all_fp8, exact)


def test_compiled_vae_decoder_gives_the_same_image_and_undoes(pipe, generate):
    decoder = pipe.vae.decoder
    eager = generate(pipe, output_type="pt")
    optimize(pipe, OptimizationConfig(name="vae", compile_vae=True))
    try:
        assert decoder._compiled_call_impl is not None
        compiled = generate(pipe, output_type="pt")
    finally:
        restore(pipe)
    assert decoder._compiled_call_impl is None
    assert relative_error(compiled, eager) < 1e-4


def test_compiled_t5_gives_the_same_image_swaps_without_compiling_and_undoes(pipe, generate, lora_factory):
    """T5's blocks compiled beside optimized's compiled blocks and decoder (its CPU twin without FP8): no graph compiled
    on a LoRA swap, CLIP left eager (a LoRA may write into it), the same images as with T5 eager, and nothing of T5
    compiled after restore."""
    blocks, clip = list(pipe.text_encoder_2.encoder.block), pipe.text_encoder
    loras = [lora_factory(seed=seed, rank=4) for seed in (1, 2)]
    images = {}
    for config in (VARIANTS["no_fa3_fp8-graphs"], dataclasses.replace(VARIANTS["no_fa3_fp8-graphs"], compile_t5=True)):
        optimize(pipe, config, loras[0])
        try:
            assert all((block._compiled_call_impl is not None) is config.compile_t5 for block in blocks) and clip._compiled_call_impl is None
            first = generate(pipe, output_type="pt")
            graphs = compiled_graphs()
            with recompile_guard(config):
                state(pipe).lora.load(loras[1])
                images[config.compile_t5] = first, generate(pipe, output_type="pt")
            assert compiled_graphs() == graphs
        finally:
            restore(pipe)
    assert not any(block._compiled_call_impl for block in blocks)
    for eager, compiled in zip(images[False], images[True]):
        assert relative_error(compiled, eager) < 1e-4


def test_inductor_options_reach_the_compiled_blocks(pipe, generate, monkeypatch):
    seen = []
    real = torch.compile
    monkeypatch.setattr(torch, "compile", lambda *args, **kwargs: (seen.append(kwargs.get("options")), real(*args, **kwargs))[1])
    config = OptimizationConfig(name="tuned", compile="regional", inductor_options=(("triton.multi_kernel", 1),))
    optimize(pipe, config)
    try:
        generate(pipe)
    finally:
        restore(pipe)
    assert seen and all(options == {"triton.multi_kernel": 1} for options in seen)


def test_deterministic_kernels_reach_every_compiled_part(pipe, generate, monkeypatch):
    """The GPU's first-image promise rests on this option reaching inductor for the blocks, the VAE decoder and T5 alike."""
    compiled = []
    real = torch.compile
    monkeypatch.setattr(torch, "compile", lambda model, **kwargs: (compiled.append((model, kwargs.get("options"))), real(model, **kwargs))[1])
    # optimized's compile settings without FP8 or CUDA graphs, which a CPU runs, and T5 compiled
    config = dataclasses.replace(VARIANTS["no_fa3_fp8-graphs"], compile_t5=True)
    assert config.deterministic_kernels and config.compile_vae
    optimize(pipe, config)
    try:
        generate(pipe)
    finally:
        restore(pipe)
    owners = [getattr(model, "__self__", None) for model, _ in compiled]
    decoder_calls, t5_calls = owners.count(pipe.vae.decoder), sum(owner in list(pipe.text_encoder_2.encoder.block) for owner in owners)
    assert decoder_calls and t5_calls and len(compiled) > decoder_calls + t5_calls
    assert all(options is not None and options.get("deterministic") is True for _, options in compiled)


def test_pinned_is_the_same_lora_on_a_cpu(lora_factory):
    lora = lora_factory(rank=4, seed=5)
    held = pinned(lora)
    assert held.keys() == lora.keys() and all(torch.equal(held[key], lora[key]) for key in lora)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="page-locked memory needs CUDA")
def test_a_pinned_lora_folds_into_the_same_weights():
    """A swap from page-locked memory copies without blocking: the weights it folds must equal a pageable load's."""
    from lora_fast.pipelines import load_pipeline

    pipe = load_pipeline("tiny", device="cuda")
    lora = make_lora(pipe.transformer, LoraSpec(rank=8, seed=3))
    held = pinned(lora)
    assert all(tensor.is_pinned() for tensor in held.values())
    weights = []
    for source in (lora, held):
        optimize(pipe, FOLDED, source)
        try:
            weights.append({name: tensor.clone() for name, tensor in pipe.transformer.state_dict().items()})
        finally:
            restore(pipe)
    assert all(torch.equal(weights[0][name], weights[1][name]) for name in weights[0])


def test_without_keeping_originals_fp8_frees_them_and_refuses_restore(generate, lora_factory):
    """keep_originals=False (a server, the CLI): the same image, the original linear layers gone rather than parked
    in host memory, and a restore that says why it cannot be done."""
    import gc
    import weakref

    from lora_fast.pipelines import TINY, load_pipeline
    from lora_fast.speed.quantize import base_linears

    pipe = load_pipeline(TINY)  # a pipeline of its own: it cannot be restored afterwards
    lora = lora_factory(rank=4, seed=7)
    kept = image_with(pipe, generate, FOLDED_FP8, lora)
    originals = [weakref.ref(pipe.transformer.get_submodule(name)) for name in base_linears(pipe.transformer)]
    optimize(pipe, FOLDED_FP8, lora, keep_originals=False)
    gc.collect()
    assert originals and not any(reference() for reference in originals)
    assert relative_error(generate(pipe), kept) < 1e-6
    with pytest.raises(RuntimeError, match="keep_originals=False, which freed its original weights; load it again"):
        restore(pipe)


def test_a_failed_optimize_without_originals_raises_its_own_error(monkeypatch, lora_factory):
    """The step that failed is what the caller hears of, not restore's refusal to undo the freed FP8 step."""
    from lora_fast.pipelines import TINY, load_pipeline

    optimize_module = importlib.import_module("lora_fast.optimize")  # the module: the package exports its function by the same name

    def broken(transformer):
        raise ValueError("the GELU swap broke")

    monkeypatch.setattr(optimize_module, "use_sigmoid_gelu", broken)
    config = OptimizationConfig(name="broken", hotswap=True, fold_lora=True, quantization="fp8_rowwise", sigmoid_gelu=True)
    with pytest.raises(ValueError, match="the GELU swap broke"):
        optimize(load_pipeline(TINY), config, lora_factory(rank=4), keep_originals=False)


def test_row_quantization_returns_e4m3_values_and_float32_descales():
    rows, descale = quantize_rows(torch.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -0.25]]))
    assert rows.dtype == torch.float8_e4m3fn and descale.dtype == torch.float32 and descale.shape == (2, 1)
    torch.testing.assert_close(descale.flatten(), torch.tensor([2.0, 3.0]) / E4M3_MAX, rtol=2e-7, atol=0)  # the scale's reciprocal
    assert torch.equal(rows.float().abs().amax(dim=-1), torch.tensor([E4M3_MAX, E4M3_MAX]))  # each row's largest value at the top


def test_a_fused_text_stream_projection_stays_in_bf16_when_asked(pipe):
    """With q/k/v fused, the joint blocks' fused text-stream projection is one of the layers text_stream_fp8=False keeps."""
    from lora_fast.speed.fuse import fuse_qkv
    from lora_fast.speed.quantize import text_stream_projections

    undo = fuse_qkv(pipe.transformer)
    try:
        fused = {block.attn.to_added_qkv for block in pipe.transformer.transformer_blocks}
        assert fused and fused <= text_stream_projections(pipe.transformer)
    finally:
        undo()
