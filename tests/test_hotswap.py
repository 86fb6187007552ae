"""Hot-swap on a compiled tiny transformer (CPU inductor): no recompiles, same image as a fresh load.

Compiling costs tens of seconds on CPU, so one compiled pipeline serves a whole sequence of swaps."""

import pytest
import torch

from lora_fast.config import OptimizationConfig
from lora_fast.optimize import compiled_graphs, optimize, recompile_guard, restore

HOTSWAP_COMPILED = OptimizationConfig(name="test_hotswap", compile="regional", hotswap=True, max_rank=16)
# Rank pairs both ways (7 -> 13 -> 7), equal ranks (11 -> 11), then a subset of the targets.
SEQUENCE = [dict(rank=7, seed=1), dict(rank=13, seed=2), dict(rank=7, seed=3), dict(rank=11, seed=4), dict(rank=11, seed=5),
            dict(rank=9, seed=6, targets=("attn.to_q", "proj_out"))]


def fresh_image(pipe, generate, lora):
    optimize(pipe, OptimizationConfig(), lora)
    try:
        return generate(pipe)
    finally:
        restore(pipe)


def test_compiled_hotswap_sequence_never_recompiles(pipe, generate, lora_factory):
    loras = [lora_factory(**spec) for spec in SEQUENCE]
    expected = [fresh_image(pipe, generate, lora) for lora in loras]
    optimize(pipe, HOTSWAP_COMPILED, loras[0])
    first = generate(pipe)  # compiles
    assert torch.allclose(first, expected[0], atol=1e-4)
    graphs = compiled_graphs()
    with recompile_guard(HOTSWAP_COMPILED):
        for lora, want in zip(loras[1:], expected[1:]):
            pipe.lora_fast.lora.load(lora)
            image = generate(pipe)
            assert torch.allclose(image, want, atol=1e-4), "hot-swapped image differs from a fresh load"
    assert compiled_graphs() == graphs


def test_swap_without_hotswap_recompiles(pipe, generate, lora_factory):
    """Negative control: the recompile check above can fail."""
    config = OptimizationConfig(name="control", compile="regional", hotswap=False, max_rank=16)
    optimize(pipe, config, lora_factory(rank=7, seed=1))
    generate(pipe)
    pipe.lora_fast.lora.load(lora_factory(rank=13, seed=2))
    with pytest.raises(torch._dynamo.exc.RecompileError):
        with recompile_guard(config):
            generate(pipe)


def test_optimize_leaves_global_config_alone(pipe, lora_factory):
    before = (torch._dynamo.config.save_config(), torch._inductor.config.save_config(), torch.get_default_dtype())
    optimize(pipe, HOTSWAP_COMPILED, lora_factory(rank=4))
    restore(pipe)
    assert (torch._dynamo.config.save_config(), torch._inductor.config.save_config(), torch.get_default_dtype()) == before


def test_restore_uncompiles(pipe, lora_factory):
    optimize(pipe, HOTSWAP_COMPILED, lora_factory(rank=4))
    assert any(getattr(m, "_compiled_call_impl", None) for m in pipe.transformer.modules())
    restore(pipe)
    assert not any(getattr(m, "_compiled_call_impl", None) for m in pipe.transformer.modules())


def test_restore_keeps_the_users_other_compiled_code(pipe, lora_factory):
    """restore drops what optimize compiled, not everything torch.compile holds in the process."""
    users_function = torch.compile(lambda x: torch.sin(x) * 2, fullgraph=True)
    users_function(torch.ones(3))
    graphs = compiled_graphs()
    optimize(pipe, HOTSWAP_COMPILED, lora_factory(rank=4))
    restore(pipe)
    with torch._dynamo.config.patch(error_on_recompile=True):
        users_function(torch.ones(3))  # still compiled: a recompile would raise
    assert compiled_graphs() == graphs
