"""GELU as a sigmoid: the same function as torch's tanh-approximated GELU, swapped in and out of the transformer."""

from __future__ import annotations

import torch

from lora_fast.bench.similarity import relative_error
from lora_fast.config import OptimizationConfig
from lora_fast.optimize import optimize, restore
from lora_fast.speed.activations import SigmoidGelu, gelu_tanh


def test_sigmoid_form_is_torchs_tanh_gelu():
    values = torch.linspace(-30, 30, 200_001)
    reference = torch.nn.functional.gelu(values.double(), approximate="tanh")  # float64: its cancellation is far below float32's
    assert (gelu_tanh(values).double() - reference).abs().max() < 4e-6  # a few float32 ulps of the largest values
    assert torch.equal(gelu_tanh(torch.tensor([-1e4, 0.0, 1e4])), torch.tensor([-0.0, 0.0, 1e4]))  # no overflow to nan
    halves = values.to(torch.bfloat16)
    ours, torchs = gelu_tanh(halves).double(), torch.nn.functional.gelu(halves, approximate="tanh").double()
    x = halves.double()
    truth = x * torch.sigmoid((8 / torch.pi) ** 0.5 * (x + 0.044715 * x**3))  # tanh form without its cancellation, in float64
    tiny = 1e-30  # values this small may be flushed to 0
    assert ((ours - truth).abs() <= 2**-8 * truth.abs() + tiny).all()  # one bf16 rounding of the true value, tails included
    # torch's 1 + tanh(u) cancels for negative x: it drifts from the truth by up to float32's epsilon times |x|
    assert ((ours - torchs).abs() <= 2**-8 * torchs.abs() + 2**-23 * x.abs()).all()


def test_every_tanh_gelu_is_swapped_and_put_back(pipe, generate):
    transformer = pipe.transformer
    torch_gelus = [name for name, module in transformer.named_modules() if isinstance(module, torch.nn.GELU)]
    exact = generate(pipe)
    optimize(pipe, OptimizationConfig(name="sigmoid_gelu", sigmoid_gelu=True))
    try:
        assert torch_gelus and all(isinstance(transformer.get_submodule(name), SigmoidGelu) for name in torch_gelus)
        assert all(module.gelu is gelu_tanh for module in transformer.modules() if getattr(module, "approximate", None) == "tanh" and hasattr(module, "proj"))
        swapped = generate(pipe)
    finally:
        restore(pipe)
    assert all(isinstance(transformer.get_submodule(name), torch.nn.GELU) for name in torch_gelus)
    assert not any("gelu" in vars(module) for module in transformer.modules())
    assert 0 < relative_error(swapped, exact) < 1e-5 or torch.equal(swapped, exact)
