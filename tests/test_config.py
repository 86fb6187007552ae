import dataclasses

import pytest
import torch

from lora_fast.cli import main
from lora_fast.config import (
    CACHE_SWEEP, PRESETS, VARIANTS, Attention, Compile, ConfigError, OptimizationConfig, Quantization, get_preset, requirements,
)
from lora_fast.optimize import optimize

REFERENCE_ROWS = ["baseline", "optimized", "no_fp8", "no_fa3", "baseline_compile", "no_fa3_fp8", "no_compile_fp8", "no_compile"]


def test_reference_presets_mean_what_their_rows_say():
    assert all(name in PRESETS for name in REFERENCE_ROWS)
    optimized = PRESETS["optimized"]
    assert (optimized.attention, optimized.quantization, optimized.compile, optimized.hotswap) == (Attention.FA3_FP8, Quantization.FP8_ROWWISE, Compile.REGIONAL, True)
    assert optimized.cuda_graphs and optimized.fold_lora
    # FP8 off everywhere (our GELU and norm kernels write FP8: off too)
    no_fp8 = {"name": "no_fp8", "notes": PRESETS["no_fp8"].notes, "quantization": "none", "attention": "fa3", "fused_gelu_fp8": False, "fused_norm_fp8": False}
    assert PRESETS["no_fp8"] == OptimizationConfig(**{**optimized.to_dict(), **no_fp8})
    assert PRESETS["no_fa3"].attention is Attention.SDPA and PRESETS["no_fa3"].quantization is Quantization.FP8_ROWWISE
    assert not PRESETS["baseline"].compiled and not PRESETS["baseline"].hotswap
    assert PRESETS["baseline_compile"].compiled and not PRESETS["baseline_compile"].hotswap
    assert not PRESETS["no_compile"].compiled and PRESETS["no_compile"].quantization is not Quantization.NONE
    assert PRESETS["no_compile"].attention is Attention.FA3_FP8 and PRESETS["no_compile_fp8"].attention is Attention.FA3
    recipe = PRESETS["reference_recipe"]  # the reference's own optimized row: torchao, unscaled FP8 FA3, peft hot-swap
    assert (recipe.quantization, recipe.attention, recipe.fold_lora, recipe.cuda_graphs) == (Quantization.TORCHAO_FP8_ROWWISE, Attention.FA3_FP8_UNSCALED, False, False)


def test_variants_change_one_lever():
    for variant in VARIANTS.values():
        before_last = variant.name[:max(variant.name.rfind("+"), variant.name.rfind("-"))]
        of_variant = before_last in VARIANTS  # a variant of a variant names it before its last + or -
        base = VARIANTS[before_last] if of_variant else PRESETS[before_last.split("+")[0].split("-")[0]]
        changed = {key for key, value in variant.to_dict().items() if base.to_dict()[key] != value} - {"name", "notes"}
        if changed - {"fused_norm_fp8"}:  # the norm kernel goes with any lever its blocks need (the q/k and GELU kernels, per-row scales)
            changed -= {"fused_norm_fp8"}
        # how an image is split over ranks; T5 on the card in FP8; inductor's kernels chosen by timing them instead of
        # deterministically; our kernels taken out together (the step caches' base)
        levers = ({"ulysses_degree", "ring_degree"}, {"text_encoder_fp8", "text_encoder_offload"}, {"deterministic_kernels", "inductor_options"},
                  {"fused_norm_rope", "fused_gelu_fp8"})
        assert len(changed.difference(*levers)) + sum(bool(changed & lever) for lever in levers) == 1, (variant.name, changed)


def test_step_cache_presets_and_sweep_sit_on_their_measured_base():
    """The cached presets and the sweep are `optimized-kernels` (optimized without our kernels, which re-recorded CUDA
    graphs under a cache at full size) and `no_fp8-norm_rope` with a cache, nothing else changed."""
    bases = {"optimized_taylorseer": "optimized-kernels", "optimized_fbcache": "optimized-kernels", "no_fp8_taylorseer": "no_fp8-norm_rope"}
    bases |= {name: "optimized-kernels" for name in CACHE_SWEEP if name.startswith("optimized")}
    for name, base_name in bases.items():
        cached, base = {**PRESETS, **CACHE_SWEEP}[name], VARIANTS[base_name]
        assert cached.step_cache.enabled and dataclasses.replace(cached, name=base.name, notes=base.notes, step_cache=base.step_cache) == base, name
    assert not any(getattr(VARIANTS["optimized-kernels"], kernel) for kernel in ("fused_norm_rope", "fused_gelu_fp8", "fused_norm_fp8"))


def test_configs_are_frozen_data():
    config = get_preset("optimized")
    with pytest.raises(AttributeError):
        config.compile = Compile.NONE
    assert OptimizationConfig(**config.to_dict()) == config


@pytest.mark.parametrize(
    "settings, conflict",
    [
        (dict(quantization="torchao_fp8_rowwise", offload="model"), "tensor subclasses the offloading hooks do not move"),
        (dict(offload="sequential"), "set offload and text_encoder_offload both to sequential"),
        (dict(text_encoder_offload="sequential", offload="model"), "both to sequential"),
        (dict(offload="group", compile="regional", fullgraph=False, recompile_is_error=False), "offload=group with compile"),
        (dict(text_encoder_offload="disk"), "text_encoder_offload='disk' is not known"),
        (dict(cuda_graphs=True), "cuda_graphs=True needs compile"),
        (dict(cuda_graphs=True, compile="regional", offload="model", fullgraph=False, recompile_is_error=False), "fixed weight addresses"),
        (dict(fold_lora=True), "set hotswap=True"),
        (dict(fold_lora=True, hotswap=True, quantization="torchao_fp8_rowwise"), "cannot be rewritten in place"),
        (dict(offload="sequential", text_encoder_offload="sequential", compile="regional"), "sequential with compile"),
        (dict(offload="model", compile="full"), "recompiles"),
        (dict(attention="flash9"), "attention='flash9' is not known"),
        (dict(max_rank=0), "max_rank"),
        (dict(deterministic_kernels=True), "deterministic_kernels applies to what inductor compiles"),
        (dict(compile_t5=True, text_encoder_offload="group"), "its hooks move T5's weights under the compiled blocks"),
        (dict(streamed_load=True), "set quantization=fp8_rowwise"),
        (dict(streamed_load=True, quantization="fp8_rowwise"), "set fold_lora=True"),
        (dict(streamed_load=True, quantization="fp8_rowwise", fold_lora=True, hotswap=True, fuse_qkv=True), "fuse_qkv=True"),
        (dict(streamed_load=True, quantization="fp8_rowwise", fold_lora=True, hotswap=True, offload="model"), "set offload=none"),
        (dict(deterministic_kernels=True, compile="regional", inductor_options=(("max_autotune_gemm", True),)), r"inductor_options \['max_autotune_gemm'\] time them"),
    ],
)
def test_impossible_combinations_are_rejected(settings, conflict):
    with pytest.raises(ConfigError, match=conflict):
        OptimizationConfig(**settings)


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(ConfigError, match="known presets: baseline"):
        get_preset("turbo")


def test_requirements_of_hopper_presets():
    needs = requirements(PRESETS["optimized"])
    assert needs.cuda and needs.min_capability == (9, 0) and needs.packages == (("flash_attn_interface", "fa3_fwd_interface"),) and "h100" in needs.markers
    assert requirements(PRESETS["reference_recipe"]).packages == (("flash_attn_interface", "fa3_fwd_interface"), ("torchao",))
    assert requirements(PRESETS["baseline"]).markers == ("cpu",)
    fp8_on_cpu = requirements(OptimizationConfig(quantization="fp8_rowwise"))  # ours runs on the CPU too, sm_89 on a GPU
    assert not fp8_on_cpu.cuda and fp8_on_cpu.min_capability == (8, 9)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal a machine without CUDA gives")
def test_gpu_config_on_cpu_is_refused_before_any_change(pipe, lora_factory):
    with pytest.raises(ConfigError, match="needs a CUDA GPU"):
        optimize(pipe, PRESETS["no_fa3"], lora_factory(rank=4))
    assert getattr(pipe, "lora_fast", None) is None and not getattr(pipe.transformer, "peft_config", None)


def test_cli_presets_lists_all(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in PRESETS)


def test_cli_generate_writes_png_and_keeps_existing(tmp_path, capsys):
    from PIL import Image

    from lora_fast.lora.synthetic import LoraSpec, make_lora, save_lora
    from lora_fast.pipelines import load_pipeline

    lora = save_lora(make_lora(load_pipeline("tiny").transformer, LoraSpec(rank=4)), tmp_path / "l.safetensors")
    out = tmp_path / "image.png"
    assert main(["generate", "--prompt", "a cat", "--lora", str(lora), "--out", str(out), "--steps", "2"]) == 0
    assert Image.open(out).size == (64, 64)
    before = out.read_bytes()
    assert main(["generate", "--prompt", "a dog", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before


def test_cli_generate_with_a_synthetic_lora_changes_the_image(tmp_path, capsys):
    import numpy as np
    from PIL import Image

    plain, with_lora = tmp_path / "plain.png", tmp_path / "lora.png"
    assert main(["generate", "--prompt", "a cat", "--out", str(plain), "--steps", "2"]) == 0
    assert main(["generate", "--prompt", "a cat", "--out", str(with_lora), "--steps", "2", "--lora-rank", "4"]) == 0
    assert not np.array_equal(np.asarray(Image.open(plain)), np.asarray(Image.open(with_lora)))


def test_cli_generate_prints_the_peak_from_optimize_on_not_the_loading(tmp_path, capsys, monkeypatch):
    """Random weights are drawn on the GPU whole (Flux's bf16 transformer: 22.2 GiB) before an offloading preset
    moves them to host memory; the peak `generate` prints is what the card needs, so it starts after loading.
    A stand-in for the GPU's peak counter: loading peaks at 22.2 GiB, optimize and the image at 9.5 GiB."""
    import sys

    from lora_fast.bench import memory
    from lora_fast.speed import streamed

    peak = {"GiB": 0.0}
    load = streamed.load_pipeline  # what the command line's load_for builds a pipeline with

    def loading_peaks(*args, **kwargs):
        peak["GiB"] = 22.17
        return load(*args, **kwargs)

    def optimized_peaks(*args, **kwargs):
        peak["GiB"] = max(peak["GiB"], 9.5)

    monkeypatch.setattr(streamed, "load_pipeline", loading_peaks)
    monkeypatch.setattr(memory, "reset_peak_memory", lambda: peak.update(GiB=0.0))
    monkeypatch.setattr(memory, "peak_memory_gib", lambda: peak["GiB"])
    monkeypatch.setattr(sys.modules["lora_fast.optimize"], "optimize", optimized_peaks)
    assert main(["generate", "--prompt", "a cat", "--out", str(tmp_path / "a.png"), "--steps", "1"]) == 0
    assert "peak GPU memory 9.50 GiB from optimize on" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["generate", "--prompt", "x", "--preset", "turbo", "--out", str(tmp_path / "a.png")]) == 2
    assert main(["generate", "--prompt", "x", "--lora", str(tmp_path / "no.safetensors"), "--out", str(tmp_path / "b.png")]) == 2
    err = capsys.readouterr().err
    assert "unknown preset 'turbo'" in err and "not found" in err and "Traceback" not in err


def test_24gb_presets_place_each_component_and_carry_the_marker():
    from lora_fast.speed.offload import placements

    rtx = {name: config for name, config in PRESETS.items() if "rtx4090" in requirements(config).markers}
    assert set(rtx) == {"rtx4090_baseline", "rtx4090_optimized", "rtx4090_streamed", "rtx4090_group_offload", "rtx4090_offload"}
    assert all(config.fits_gpu_memory_gib == 24 and config.attention is Attention.SDPA for config in rtx.values())  # no FA3 on sm_89
    assert placements(PRESETS["rtx4090_optimized"]) == {"text_encoder": "group", "text_encoder_2": "group", "transformer": "none", "vae": "none"}
    assert PRESETS["rtx4090_optimized"].quantization is Quantization.FP8_ROWWISE and requirements(PRESETS["rtx4090_optimized"]).min_capability == (8, 9)
    assert set(placements(PRESETS["rtx4090_group_offload"]).values()) == {"group", "none"}
    assert placements(PRESETS["rtx4090_baseline"]) == {"text_encoder": "model", "text_encoder_2": "model", "transformer": "model", "vae": "model"}
    assert not PRESETS["rtx4090_baseline"].compiled
    sequential = OptimizationConfig(offload="sequential", text_encoder_offload="sequential")
    assert set(placements(sequential).values()) == {"sequential"}  # diffusers' sequential offload takes the VAE too
    assert "rtx4090" not in requirements(PRESETS["optimized"]).markers  # FP8 alone is not a 24 GB preset


def test_offloading_without_cuda_is_refused_and_none_is_a_no_op(pipe):
    from lora_fast.speed.offload import enable_offload

    enable_offload(pipe, OptimizationConfig())()  # nothing to do, nothing to undo
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="needs a CUDA GPU"):
            enable_offload(pipe, OptimizationConfig(text_encoder_offload="model"))


def test_an_offloading_config_loads_in_host_memory():
    """And so does one that puts T5 in FP8: its bf16 weights would sit on a 24 GB card beside the FP8 transformer."""
    from lora_fast.speed.offload import loading_device

    offloading = [config for config in PRESETS.values() if config.offloaded]
    assert {config.name for config in offloading} >= {"rtx4090_baseline", "rtx4090_optimized", "rtx4090_group_offload", "rtx4090_offload"}
    t5_fp8 = [config for config in {**PRESETS, **VARIANTS}.values() if config.text_encoder_fp8 and not config.offloaded]
    assert {config.name for config in t5_fp8} == {"rtx4090_optimized+t5_fp8", "rtx4090_streamed"}
    assert all(loading_device(config, "cuda") == torch.device("cpu") for config in offloading + t5_fp8)
    assert loading_device(PRESETS["optimized"], "cuda") == torch.device("cuda")


def test_fp8_layers_are_built_on_the_device_asked_and_the_originals_stay(pipe):
    from lora_fast.speed.quantize import Fp8Linear, quantize

    undo = quantize(pipe.transformer, Quantization.FP8_ROWWISE, device=torch.device("meta"))  # meta: a device other than the CPU's
    try:
        fp8 = [module for module in pipe.transformer.modules() if isinstance(module, Fp8Linear)]
        assert fp8 and all(buffer.device.type == "meta" for layer in fp8 for buffer in layer.buffers())
    finally:
        undo()
    assert all(parameter.device.type == "cpu" for parameter in pipe.transformer.parameters())


def test_module_available_tells_present_from_absent():
    from lora_fast.config import module_available

    assert module_available("json") and not module_available("lora_fast_no_such_module")


def test_context_parallel_with_another_kernel_names_the_kernels_it_takes():
    with pytest.raises(ConfigError, match=r"use attention=sdpa, sdpa_flash, sdpa_cudnn"):
        OptimizationConfig(ulysses_degree=2, attention="fa3")


def test_an_unknown_setting_value_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"compile='fastest' is not known; choose one of: none, regional, full"):
        OptimizationConfig(compile="fastest")


@pytest.mark.parametrize("compile", ["full", "regional"])
def test_compiling_is_undone_on_exactly_what_was_compiled(pipe, compile):
    """compile_transformer marks the whole transformer or each repeated block compiled (lazily: nothing compiles
    before a call), and its undo unmarks them all."""
    from lora_fast.optimize import compile_transformer

    compiled = [pipe.transformer] if compile == "full" else [*pipe.transformer.transformer_blocks, *pipe.transformer.single_transformer_blocks]
    undo = compile_transformer(pipe.transformer, OptimizationConfig(compile=compile))
    assert all(module._compiled_call_impl is not None for module in compiled)
    undo()
    assert all(module._compiled_call_impl is None for module in compiled)


def test_a_pipeline_never_optimized_has_no_state_to_use():
    from types import SimpleNamespace

    from lora_fast.optimize import state

    for pipe in (SimpleNamespace(), SimpleNamespace(lora_fast=None)):  # never optimized; restored
        with pytest.raises(RuntimeError, match="was not passed through lora_fast.optimize; call optimize"):
            state(pipe)
