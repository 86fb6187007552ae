"""Our kernel for the single block's modulated LayerNorm and its four FP8 linears' input (`lora_fast.speed.norm_fp8`):
the model's image bit for bit on a CPU (where the kernel is torch ops), the Triton kernel in Triton's interpreter and
compiled for sm_90 without a GPU, and on a GPU (`-m gpu`) against the torch path and in the compiled transformer."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from diffusers.models.transformers.transformer_flux import FluxSingleTransformerBlock, FluxTransformerBlock
from graphs import compiled_forward
from hopper import hopper_ptx
from test_attention import assert_e4m3_close, fa3_fp8_on_a_cpu
from test_gelu_fp8 import assert_same_image_kernel_unused

from lora_fast.config import PRESETS, VARIANTS, Attention, ConfigError, Quantization, unmet_requirements
from lora_fast.speed import gelu_fp8, norm_fp8
from lora_fast.speed.activations import use_sigmoid_gelu
from lora_fast.speed.attention import set_attention
from lora_fast.speed.gelu_fp8 import use_fused_gelu_fp8
from lora_fast.speed.norm_fp8 import modulated_norm_fp8, reference, use_fused_norm_fp8
from lora_fast.speed.quantize import Fp8Linear, quantize, quantize_rows


def blocks_of(transformer: torch.nn.Module, kind: type) -> list[torch.nn.Module]:
    return [module for module in transformer.modules() if type(module) is kind]


def norm_fed_linears(transformer: torch.nn.Module) -> list[torch.nn.Module]:
    """The linears whose input the kernel makes: after a single block's norm, and after each of a joint block's four."""
    single = [layer for block in blocks_of(transformer, FluxSingleTransformerBlock) for layer in (block.proj_mlp, block.attn.to_q, block.attn.to_k, block.attn.to_v)]
    joint = [layer for block in blocks_of(transformer, FluxTransformerBlock) for layer in (
        block.attn.to_q, block.attn.to_k, block.attn.to_v, block.attn.add_q_proj, block.attn.add_k_proj, block.attn.add_v_proj, block.ff.net[0].proj,
        block.ff_context.net[0].proj)]
    return single + joint


def test_fused_norm_gives_the_blocks_image_bit_for_bit(pipe, generate, monkeypatch):
    """With our FP8 linears, the q/k kernel's FP8 processor (FA3 FP8 a stand-in on a CPU) and the GELU kernel's
    forwards, the norm kernel's block forwards (its torch ops on a CPU) give the same image, two images a call, and
    hand every linear after a norm (single and joint blocks) the e4m3 rows and descales it made before; traced
    fullgraph; the undo gives the single blocks the GELU kernel's forward back and the joint blocks their class's."""
    fa3_fp8_on_a_cpu(monkeypatch)
    calls = []
    monkeypatch.setattr(norm_fp8, "modulated_norm_fp8", lambda *args: calls.append(args) or modulated_norm_fp8(*args))
    undo_fp8 = quantize(pipe.transformer, Quantization.FP8_ROWWISE, keep_originals=True)
    singles, joints = blocks_of(pipe.transformer, FluxSingleTransformerBlock), blocks_of(pipe.transformer, FluxTransformerBlock)
    after_norm = {id(layer) for layer in norm_fed_linears(pipe.transformer)}
    matmuls: list[tuple] = []
    original_matmul = Fp8Linear.matmul

    def recorded(layer, rows, row_descale, weight_descale, dtype):
        if id(layer) in after_norm:
            matmuls.append((id(layer), rows.view(torch.uint8).clone(), row_descale.clone()))
        return original_matmul(layer, rows, row_descale, weight_descale, dtype)

    monkeypatch.setattr(Fp8Linear, "matmul", recorded)
    undoes = [set_attention(pipe.transformer, Attention.FA3_FP8, fused_norm_rope=True), use_sigmoid_gelu(pipe.transformer), use_fused_gelu_fp8(pipe.transformer)]
    try:
        expected, expected_matmuls = generate(pipe, num_images_per_prompt=2), list(matmuls)
        matmuls.clear()
        undo = use_fused_norm_fp8(pipe.transformer)
        try:
            image = generate(pipe, num_images_per_prompt=2)
            per_step = len(singles) + 4 * len(joints)  # a single block's norm, a joint block's four
            assert calls and len(calls) % per_step == 0 and all(args[0].shape[0] == 2 for args in calls)  # each step, both images
            assert torch.equal(image, expected) and len(matmuls) == len(expected_matmuls) > 0
            by_layer = lambda calls: sorted(calls, key=lambda call: call[0])  # noqa: E731  (each layer's calls in order; layers in another)
            assert all(ours[0] == theirs[0] and torch.equal(ours[1], theirs[1]) and torch.equal(ours[2], theirs[2])
                       for ours, theirs in zip(by_layer(matmuls), by_layer(expected_matmuls)))
            monkeypatch.setattr(Fp8Linear, "matmul", original_matmul)
            torch._dynamo.reset()
            with compiled_forward(pipe.transformer, backend="eager", fullgraph=True):  # dynamo traces the forward whole, as the GPU compiles it
                assert torch.equal(generate(pipe, num_images_per_prompt=2), expected)
        finally:
            undo()
        assert all(vars(block)["forward"].__func__ is gelu_fp8.fused_single_block_forward for block in singles)
        assert joints and not any("forward" in vars(block) for block in joints)
    finally:
        for undo in reversed(undoes):
            undo()
        undo_fp8()
    assert singles and not any("forward" in vars(block) for block in singles)


def test_fused_norm_keeps_the_gelu_kernels_forward_where_scales_are_calibrated(pipe, generate, monkeypatch):
    """With one calibrated scale per layer the kernel's per-row rows do not apply: the block runs the GELU kernel's
    forward, the kernel never called, the image unchanged."""
    from lora_fast.speed.activation_scales import calibrate

    fa3_fp8_on_a_cpu(monkeypatch)
    calls = []
    monkeypatch.setattr(norm_fp8, "modulated_norm_fp8", lambda *args: calls.append(args) or modulated_norm_fp8(*args))
    undo_fp8 = quantize(pipe.transformer, Quantization.FP8_ROWWISE, keep_originals=True)
    undoes = [set_attention(pipe.transformer, Attention.FA3_FP8, fused_norm_rope=True), use_sigmoid_gelu(pipe.transformer), use_fused_gelu_fp8(pipe.transformer)]
    undoes.append(calibrate(pipe.transformer, lambda: generate(pipe)))
    try:
        assert_same_image_kernel_unused(pipe, generate, use_fused_norm_fp8, calls)
    finally:
        for undo in reversed(undoes):
            undo()
        undo_fp8()


def test_fused_norm_needs_the_other_kernels_fa3_fp8_and_row_scales():
    for change in (dict(fused_gelu_fp8=False), dict(fused_norm_rope=False), dict(static_activation_scales=True)):
        with pytest.raises(ConfigError, match="set fused_gelu_fp8=True, fused_norm_rope=True, attention=fa3_fp8"):
            dataclasses.replace(PRESETS["optimized"], **change)
    assert PRESETS["optimized"].fused_norm_fp8 and not VARIANTS["optimized-norm_fp8"].fused_norm_fp8


def norm_case(device: str, batch: int, tokens: int, width: int, dtype: torch.dtype = torch.bfloat16) -> tuple[torch.Tensor, ...]:
    """A single block's input with rows of very different magnitudes and offsets, and each image's own shift and scale."""
    generator = torch.Generator(device).manual_seed(0)
    randn = lambda *shape: torch.randn(*shape, generator=generator, device=device)  # noqa: E731
    magnitudes = torch.logspace(-2, 2, batch * tokens, device=device).reshape(batch, tokens, 1)
    return ((randn(batch, tokens, width) + randn(batch, tokens, 1)) * magnitudes).to(dtype), randn(batch, width).to(dtype), randn(batch, width).to(dtype)


NORM_FP8_IN_THE_INTERPRETER = """
import torch
import torch.nn.functional as F
from lora_fast.speed import norm_fp8
from test_norm_fp8 import norm_case

hidden_states, shift, scale = norm_case("cpu", 2, 3, 40, torch.float32)  # two images, each its own conditioning; 40 of a 64-wide block
out, descale = torch.empty(6, 40), torch.empty(6, 1)  # float32: the interpreter's own e4m3 cast rounds some values a binade down
norm_fp8.launch(out, descale, hidden_states, shift, scale, 1e-6)
expected = (F.layer_norm(hidden_states, (40,), eps=1e-6) * (1 + scale[:, None]) + shift[:, None]).reshape(6, 40)
expected_scale = 448 / expected.abs().amax(dim=-1, keepdim=True)
torch.testing.assert_close(out, (expected * expected_scale).clamp(-448, 448), rtol=1e-5, atol=1e-4)
torch.testing.assert_close(descale, expected_scale.reciprocal(), rtol=1e-6, atol=0)
print("kernel matches float32 torch")
"""


@pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="Triton is not installed (torch's CPU build ships without it); test_norm_fp8_kernel_on_a_gpu checks the kernel there")
@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU runs the compiled kernel instead (test_norm_fp8_kernel_on_a_gpu); torch 2.11's wrap_triton refuses the interpreter's functions")
def test_norm_fp8_kernel_in_tritons_interpreter():
    """The Triton kernel itself, run by Triton's interpreter on a CPU: the norm, each image's own shift and scale, each
    row's amax and descale, rows of very different magnitudes, a width that leaves the row's block part-empty, against
    float32 torch."""
    environment = {**os.environ, "TRITON_INTERPRET": "1", "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", NORM_FP8_IN_THE_INTERPRETER], env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "kernel matches" in done.stdout, done.stderr[-3000:]


@pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="Triton is not installed (torch's CPU build ships without it); the GPU tests compile the kernel there")
@pytest.mark.parametrize("integers", ["i32", "i64"])
def test_norm_fp8_kernel_compiles_for_hopper(integers):
    """Triton lowers the kernel for sm_90 without a GPU at FLUX.1-dev's width, with the token count typed as inductor
    may type it, writing e4m3 from float32, nothing in double, and the modulation as one bf16 FMA."""
    pointers = {"x_ptr": "*bf16", "shift_ptr": "*bf16", "scale_ptr": "*bf16", "out_ptr": "*fp8e4nv", "descale_ptr": "*fp32"}
    constants = {"EPS": 1e-6, "WIDTH": 3072, "BLOCK": 4096}
    assert {parameter.name for parameter in norm_fp8._modulated_norm_fp8_kernel.params} == set(pointers) | set(constants) | {"tokens"}
    ptx = hopper_ptx(norm_fp8._modulated_norm_fp8_kernel, {**pointers, "tokens": integers}, constants)
    assert "cvt.rn.satfinite.e4m3x2.f32" in ptx and ".f64" not in ptx
    assert "fma.rn.bf16" in ptx  # the modulation's product and shift made one FMA, as test_norm_fp8_kernel_on_a_gpu's reference rounds them


@pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="Triton is not installed (torch's CPU build ships without it): the op is registered with it")
def test_norm_fp8_op_gives_its_shapes_to_fake_cuda_tensors():
    """The registered op, as the compiler traces it (fake CUDA tensors, no GPU): e4m3 rows, batch x tokens of them, and
    a float32 descale a row."""
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        hidden_states, conditioning = torch.empty(2, 37, 96, dtype=torch.bfloat16, device="cuda"), torch.empty(2, 96, dtype=torch.bfloat16, device="cuda")
        rows, descale = torch.ops.lora_fast.modulated_norm_fp8(hidden_states, conditioning, conditioning, 1e-6)
        assert (rows.shape, rows.dtype, descale.shape, descale.dtype) == ((74, 96), torch.float8_e4m3fn, (74, 1), torch.float32)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="runs our Triton kernel on a CUDA GPU")
def test_norm_fp8_kernel_on_a_gpu():
    """At a single block's width for two images, the op's e4m3 rows equal the norm computed in float64 and rounded to
    bf16 where the kernel rounds but for values at a rounding boundary, one e4m3 step apart, its descales within one
    bf16 step of that reference's, and compiled under CUDA graphs it gives the same bytes. Eager torch, which also
    rounds the modulation's product, agrees with the kernel in 0.961 of the bytes on an H100 at b809ead."""
    hidden_states, shift, scale = norm_case("cuda", 2, 1024, 3072)
    with torch.no_grad():
        rows, descale = modulated_norm_fp8(hidden_states, shift, scale, 1e-6)
        compiled = torch.compile(lambda: modulated_norm_fp8(hidden_states, shift, scale, 1e-6), fullgraph=True, mode="reduce-overhead")
        assert torch.equal(compiled()[0].view(torch.uint8), rows.view(torch.uint8))
    expected, expected_descale, magnitudes = correctly_rounded(hidden_states, shift, scale, 1e-6)
    assert rows.shape == expected.shape == (2048, 3072) and rows.dtype == torch.float8_e4m3fn
    torch.testing.assert_close(descale, expected_descale, rtol=2**-7, atol=0)  # the amax may sit one bf16 step apart
    eager = (reference(hidden_states, shift, scale, 1e-6)[0].view(torch.uint8) == rows.view(torch.uint8)).float().mean().item()
    assert_e4m3_close(rows, expected, agree=0.995, magnitudes=magnitudes, note=f"eager torch's bytes: {eager:.4f} the same")
    assert eager > 0.9


def correctly_rounded(hidden_states: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor, eps: float) -> tuple[torch.Tensor, ...]:
    """The kernel's per-row e4m3 rows and descales in float64, rounded to the input's dtype where it rounds: after the
    norm, after (1 + scale), and once after the modulation's product and shift (one bf16 FMA); and the size of that
    sum's terms scaled as the rows are: where it cancels, a norm a bf16 step apart moves the value by the terms' e4m3
    step, not its own (one value in 6.3 million on an H100 at 04b5cf7)."""
    dtype, x = hidden_states.dtype, hidden_states.double()
    normed = ((x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, unbiased=False, keepdim=True) + eps)).to(dtype).double()
    modulated = normed * (1 + scale.double()).to(dtype).double()[:, None]
    rows, descale = quantize_rows((modulated + shift.double()[:, None]).to(dtype).reshape(-1, x.shape[-1]))
    terms = (modulated.abs() + shift.double().abs()[:, None]).reshape(rows.shape)
    return rows, descale, (terms / descale).float()


@pytest.mark.gpu
@pytest.mark.skipif(bool(unmet_requirements(PRESETS["optimized"])), reason="; ".join(unmet_requirements(PRESETS["optimized"])))
def test_fused_norm_fp8_in_a_compiled_fp8_transformer():
    """With our FP8 linears, the q/k kernel's FA3 FP8 and the GELU kernel, compiled fullgraph under CUDA graphs: no graph
    break, each replay the same output, and the unfused FP8 transformer's size of error against bf16."""
    from test_attention import assert_fused_compiles_at_unfused_error, small_cuda_transformer

    transformer, inputs = small_cuda_transformer()
    with torch.no_grad():
        exact = transformer(**inputs)[0].float()
        quantize(transformer, Quantization.FP8_ROWWISE, keep_originals=False)
        set_attention(transformer, Attention.FA3_FP8, fused_norm_rope=True)
        use_sigmoid_gelu(transformer)
        use_fused_gelu_fp8(transformer)
        unfused = transformer(**inputs)[0]
        assert_fused_compiles_at_unfused_error(transformer, inputs, exact, unfused, lambda: use_fused_norm_fp8(transformer))
