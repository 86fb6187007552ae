"""Our kernel for the single block's MLP activation, concatenation and FP8 quantization (lora_fast.speed.gelu_fp8):
the block with it against diffusers' forward on a CPU (where the kernel is the same torch ops), the Triton kernel in
Triton's interpreter and compiled for sm_90 without a GPU, and on a GPU."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from diffusers.models.attention import FeedForward
from diffusers.models.transformers.transformer_flux import FluxSingleTransformerBlock
from graphs import compiled_forward
from hopper import hopper_ptx

from lora_fast.config import PRESETS, VARIANTS, Attention, ConfigError, Quantization, unmet_requirements
from lora_fast.optimize import optimize, restore
from lora_fast.speed import gelu_fp8
from lora_fast.speed.activation_scales import calibrate
from lora_fast.speed.activations import use_sigmoid_gelu
from lora_fast.speed.attention import set_attention
from lora_fast.speed.gelu_fp8 import gelu_cat_fp8, reference, use_fused_gelu_fp8
from lora_fast.speed.quantize import Fp8Linear, quantize
from lora_fast.undo import Undo


def fused_modules(transformer: torch.nn.Module) -> list[torch.nn.Module]:
    """The single blocks and feed-forwards that `use_fused_gelu_fp8` gives a forward of ours."""
    return [module for module in transformer.modules() if isinstance(module, (FluxSingleTransformerBlock, FeedForward))]


def projections_fed_by_gelu(transformer: torch.nn.Module) -> list[torch.nn.Module]:
    """The linears whose input the kernel makes: each single block's proj_out and each feed-forward's second linear."""
    return [module.proj_out if isinstance(module, FluxSingleTransformerBlock) else module.net[2] for module in fused_modules(transformer)]


def test_fused_block_gives_diffusers_forward_bit_for_bit(pipe, generate, monkeypatch):
    """With our FP8 linears and GELU as a sigmoid, the single blocks' and feed-forwards' forward of ours (the kernel's
    torch ops on a CPU) gives the image of diffusers' forward bit for bit, and each linear after a GELU the same e4m3
    rows and scales, with per-row and with calibrated scales (calibration's hooks see those linears' inputs: the
    module falls back to diffusers' forward while they watch); traced fullgraph; the undo gives each module its
    class's forward back."""
    fused_calls, matmuls = [], []
    monkeypatch.setattr(gelu_fp8, "gelu_cat_fp8", lambda *args: fused_calls.append((args[0] is None, args[3] is not None)) or gelu_cat_fp8(*args))
    original_matmul = Fp8Linear.matmul

    def recorded(layer, rows, row_descale, weight_descale, dtype):
        if id(layer) in projections_out:
            matmuls.append((rows.view(torch.uint8).clone(), row_descale.clone(), weight_descale.clone()))
        return original_matmul(layer, rows, row_descale, weight_descale, dtype)

    monkeypatch.setattr(Fp8Linear, "matmul", recorded)
    undo_fp8 = quantize(pipe.transformer, Quantization.FP8_ROWWISE, keep_originals=True)
    projections_out = {id(layer) for layer in projections_fed_by_gelu(pipe.transformer)}
    undo_gelu = use_sigmoid_gelu(pipe.transformer)

    def run(fused: bool, static: bool) -> tuple[torch.Tensor, list, list]:
        undo = use_fused_gelu_fp8(pipe.transformer) if fused else lambda: None
        undo_scales = calibrate(pipe.transformer, lambda: generate(pipe)) if static else lambda: None
        fused_calls.clear()
        matmuls.clear()
        try:
            return generate(pipe, num_images_per_prompt=2), list(matmuls), list(fused_calls)
        finally:
            undo_scales()
            undo()

    try:
        blocks = fused_modules(pipe.transformer)
        for static in (False, True):
            (expected, expected_matmuls, none), (image, fused_matmuls, calls) = run(False, static), run(True, static)
            assert not none and set(calls) == {(True, static), (False, static)} and len(calls) == len(fused_matmuls) == len(expected_matmuls)
            assert torch.equal(image, expected), f"static scales: {static}"
            assert all(all(torch.equal(a, b) for a, b in zip(ours, theirs)) for ours, theirs in zip(fused_matmuls, expected_matmuls))
        unfused = run(False, False)[0]
        monkeypatch.setattr(Fp8Linear, "matmul", original_matmul)
        undo = use_fused_gelu_fp8(pipe.transformer)
        try:  # dynamo traces the fused forward whole, as the GPU compiles it
            torch._dynamo.reset()
            with compiled_forward(pipe.transformer, backend="eager", fullgraph=True):
                assert torch.equal(generate(pipe, num_images_per_prompt=2), unfused)
        finally:
            undo()
        assert blocks and not any("forward" in vars(module) for module in [pipe.transformer, *blocks])
    finally:
        undo_gelu()
        undo_fp8()


def test_unfusable_block_runs_diffusers_forward(pipe, generate, monkeypatch):
    """Without our FP8 linears (bf16) the fused forward is diffusers' own: same image, the kernel never called."""
    calls = []
    monkeypatch.setattr(gelu_fp8, "gelu_cat_fp8", lambda *args: calls.append(args) or gelu_cat_fp8(*args))
    undo_gelu = use_sigmoid_gelu(pipe.transformer)
    try:
        assert_same_image_kernel_unused(pipe, generate, use_fused_gelu_fp8, calls)
    finally:
        undo_gelu()


def assert_same_image_kernel_unused(pipe, generate, use: Callable[[torch.nn.Module], Undo], calls: list) -> None:
    """`use` on `pipe`'s transformer (undone after) leaves its image as it was, and the kernel whose calls `calls`
    gathers is never called."""
    expected = generate(pipe)
    undo = use(pipe.transformer)
    try:
        assert torch.equal(generate(pipe), expected) and not calls
    finally:
        undo()


def test_optimize_compiles_the_fused_blocks_and_restore_gives_diffusers_forward_back(pipe, generate, monkeypatch):
    """`optimize` with the lever on a CPU (FP8 linears, regional compile): the compiled blocks run our forwards (the
    kernel's torch ops called as each block is traced), and `restore` leaves no forward of ours on any module, the
    compile's undo putting ours back before the lever's undo takes it away (its first version dropped it, and the undo failed)."""
    calls = []
    monkeypatch.setattr(gelu_fp8, "gelu_cat_fp8", lambda *args: calls.append(args) or gelu_cat_fp8(*args))
    blocks = fused_modules(pipe.transformer)
    optimize(pipe, VARIANTS["no_fa3-graphs"])
    assert all(vars(block)["forward"].__func__ in (gelu_fp8.fused_single_block_forward, gelu_fp8.fused_feed_forward) for block in blocks)
    generate(pipe)
    assert calls
    restore(pipe)
    assert blocks and not any("forward" in vars(block) for block in blocks)


def test_fused_gelu_fp8_needs_our_fp8_linears_and_sigmoid_gelu():
    with pytest.raises(ConfigError, match="quantization=torchao_fp8_rowwise and sigmoid_gelu=True"):
        dataclasses.replace(PRESETS["optimized"], quantization=Quantization.TORCHAO_FP8_ROWWISE, fused_gelu_fp8=True)
    with pytest.raises(ConfigError, match="sigmoid_gelu=False"):
        dataclasses.replace(PRESETS["optimized"], sigmoid_gelu=False, fused_gelu_fp8=True)


def gelu_case(device: str, rows: int, attention_width: int, mlp_width: int, dtype: torch.dtype = torch.bfloat16) -> tuple[torch.Tensor, ...]:
    """Attention's output, the MLP's output before its bias and the bias, with rows of very different magnitudes."""
    generator = torch.Generator(device).manual_seed(0)
    randn = lambda *shape: torch.randn(*shape, generator=generator, device=device)  # noqa: E731
    magnitudes = torch.logspace(-2, 2, rows, device=device)[:, None]
    return (randn(rows, attention_width) * magnitudes).to(dtype), (randn(rows, mlp_width) * magnitudes).to(dtype), randn(mlp_width).to(dtype)


GELU_FP8_IN_THE_INTERPRETER = """
import torch
from lora_fast.optimize import optimize, restore
from lora_fast.speed import gelu_fp8
from lora_fast.speed.activations import gelu_tanh
from test_gelu_fp8 import gelu_case

gelu_fp8.COLUMNS_PER_STEP = 16  # in steps: several a row, the last part-empty (widths 40 and 72)
attention, mlp, bias = gelu_case("cpu", 5, 40, 72, torch.float32)
joined = torch.cat([attention, gelu_tanh(mlp + bias)], dim=-1)
for gelu_fp8.WHOLE_ROW in (False, True):  # whole rows: blocks of 64 and 128 columns, part-empty
    for first, expected in ((attention, joined), (None, joined[:, 40:])):  # a single block's, a feed-forward's (no attention part)
        for scale in (None, torch.tensor([[3.0]])):
            out, descale = torch.empty_like(expected), torch.empty(5, 1)  # float32: the interpreter's own e4m3 cast rounds some values a binade down
            gelu_fp8.launch(out, descale, first, mlp, bias, scale)
            expected_scale = 448 / expected.abs().amax(dim=-1, keepdim=True) if scale is None else scale
            torch.testing.assert_close(out, (expected * expected_scale).clamp(-448, 448), rtol=2e-6, atol=1e-5)
            torch.testing.assert_close(descale, expected_scale.reciprocal().expand(5, 1), rtol=1e-7, atol=0)
print("kernel matches float32 torch")
"""


@pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="Triton is not installed (torch's CPU build ships without it); test_gelu_fp8_kernel_on_a_gpu checks the kernel there")
@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU runs the compiled kernel instead (test_gelu_fp8_kernel_on_a_gpu); torch 2.11's wrap_triton refuses the interpreter's functions")
def test_gelu_fp8_kernel_in_tritons_interpreter():
    """The Triton kernel itself, run by Triton's interpreter on a CPU: the GELU of the MLP part with its bias, each
    row's amax over both parts and its descale (or the calibrated scale), both parts' placement, rows of very different
    magnitudes and widths that leave a loop's last step (or a whole row's block) part-empty, with and without an attention
    part, in steps and whole, against float32 torch."""
    environment = {**os.environ, "TRITON_INTERPRET": "1", "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", GELU_FP8_IN_THE_INTERPRETER], env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "kernel matches" in done.stdout, done.stderr[-3000:]


@pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="Triton is not installed (torch's CPU build ships without it); the GPU tests compile the kernel there")
@pytest.mark.parametrize("whole", [False, True])
@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("attention_width", [3072, 0])
def test_gelu_fp8_kernel_compiles_for_hopper(static, attention_width, whole):
    """Triton lowers the kernel for sm_90 without a GPU, at FLUX.1-dev's widths (a single block's, a feed-forward's
    without attention columns), in steps and whole rows, writing e4m3 from float32 and nothing in double."""
    import triton

    pointers = {"attention_ptr": "*bf16", "mlp_ptr": "*bf16", "bias_ptr": "*bf16", "scale_ptr": "*fp32", "out_ptr": "*fp8e4nv", "descale_ptr": "*fp32"}
    constants = {"ATTENTION": attention_width, "MLP": 12288, "HAS_BIAS": True, "STATIC": static, "STEP": gelu_fp8.COLUMNS_PER_STEP,
                 "WHOLE": whole, "ATTENTION_BLOCK": max(triton.next_power_of_2(attention_width), 1), "MLP_BLOCK": 16384}
    assert {parameter.name for parameter in gelu_fp8._gelu_cat_fp8_kernel.params} == set(pointers) | set(constants)
    ptx = hopper_ptx(gelu_fp8._gelu_cat_fp8_kernel, pointers, constants)
    assert "cvt.rn.satfinite.e4m3x2.f32" in ptx and ".f64" not in ptx


@pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="Triton is not installed (torch's CPU build ships without it): the op is registered with it")
@pytest.mark.parametrize("static", [False, True])
def test_gelu_fp8_op_gives_its_shapes_to_fake_cuda_tensors(static):
    """The registered op, as the compiler traces it (fake CUDA tensors, no GPU): its schema takes an absent attention
    part, bias and scale, and it gives e4m3 rows of both parts' width and a float32 descale a row."""
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        attention, mlp = (torch.empty(37, width, dtype=torch.bfloat16, device="cuda") for width in (24, 96))
        scale = torch.empty(1, 1, device="cuda") if static else None
        for bias in (torch.empty(96, dtype=torch.bfloat16, device="cuda"), None):
            for first, width in ((attention, 120), (None, 96)):
                rows, descale = torch.ops.lora_fast.gelu_cat_fp8(first, mlp, bias, scale)
                assert (rows.shape, rows.dtype, descale.shape, descale.dtype) == ((37, width), torch.float8_e4m3fn, (37, 1), torch.float32)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="runs our Triton kernel on a CUDA GPU")
@pytest.mark.parametrize("whole", [False, True], ids=["steps", "whole_row"])
@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("with_attention", [True, False])
def test_gelu_fp8_kernel_on_a_gpu(static, with_attention, whole, monkeypatch):
    """At a single block's widths (3072 + 12288) and a feed-forward's (12288), the op's e4m3 rows equal the torch
    path's (eager torch rounds to bf16 where the kernel does) but for values at a rounding boundary, one e4m3 step
    apart (the sigmoid's exponential may differ in its last bit: 0.18% of the bytes with per-row scales, on an H100 at
    b3de684; every input one bf16 step up moves about 5% of them, on a CPU), its descales equal torch's, and compiled under CUDA
    graphs it gives the same bytes; in steps and reading each row whole."""
    from test_attention import assert_e4m3_close

    monkeypatch.setattr(gelu_fp8, "WHOLE_ROW", whole)
    attention, mlp, bias = gelu_case("cuda", 1024, 3072, 12288)
    attention = attention if with_attention else None
    scale = torch.tensor([[2.5]], device="cuda") if static else None
    with torch.no_grad():
        (rows, descale), (expected, expected_descale) = gelu_cat_fp8(attention, mlp, bias, scale), reference(attention, mlp, bias, scale)
        compiled = torch.compile(lambda: gelu_cat_fp8(attention, mlp, bias, scale), fullgraph=True, mode="reduce-overhead")
        assert torch.equal(compiled()[0].view(torch.uint8), rows.view(torch.uint8))
    assert rows.shape == expected.shape == (1024, 15360 if with_attention else 12288) and rows.dtype == torch.float8_e4m3fn
    torch.testing.assert_close(descale, expected_descale, rtol=1e-6, atol=0)
    assert_e4m3_close(rows, expected, agree=0.995)


@pytest.mark.gpu
@pytest.mark.skipif(bool(unmet_requirements(dataclasses.replace(PRESETS["optimized"], fused_gelu_fp8=True))),
                    reason="; ".join(unmet_requirements(dataclasses.replace(PRESETS["optimized"], fused_gelu_fp8=True))))
def test_fused_gelu_fp8_in_a_compiled_fp8_transformer():
    """With our FP8 linears and FA3 FP8, compiled fullgraph under CUDA graphs: no graph break, each replay the same
    output, and the output of the unfused FP8 transformer's size of error against bf16."""
    from test_attention import assert_fused_compiles_at_unfused_error, small_cuda_transformer

    transformer, inputs = small_cuda_transformer()
    with torch.no_grad():
        exact = transformer(**inputs)[0].float()
        quantize(transformer, Quantization.FP8_ROWWISE, keep_originals=False)
        set_attention(transformer, Attention.FA3_FP8)
        use_sigmoid_gelu(transformer)
        unfused = transformer(**inputs)[0]
        assert_fused_compiles_at_unfused_error(transformer, inputs, exact, unfused, lambda: use_fused_gelu_fp8(transformer))
