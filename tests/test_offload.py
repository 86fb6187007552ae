"""Offloading per component on a GPU (tiny pipeline): each placement gives the resident image, leaves the
components where the config says between uses, and the undo puts everything back where it started: on the
GPU, or in host memory for a pipeline loaded there (as on a 24 GB card, which cannot hold Flux's whole)."""

from __future__ import annotations

import pytest
import torch

from lora_fast.bench.similarity import relative_error
from lora_fast.config import Offload, OptimizationConfig
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.optimize import optimized
from lora_fast.speed.offload import _group_offload, placements

PLACEMENTS = {
    "all model-offloaded": dict(offload="model", text_encoder_offload="model"),
    "text encoders only": dict(text_encoder_offload="model"),
    "group offload on streams": dict(offload="group", text_encoder_offload="group"),
    "sequential": dict(offload="sequential", text_encoder_offload="sequential"),
    "FP8 resident, compiled, graphs; text encoders offloaded": dict(
        quantization="fp8_rowwise", compile="regional", cuda_graphs=True, text_encoder_offload="model"
    ),
}


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="offloading moves weights between a GPU and the CPU")
@pytest.mark.parametrize("start", ["cuda", "cpu"])
@pytest.mark.parametrize("case", list(PLACEMENTS))
def test_each_placement_gives_the_resident_image_and_undoes(case, start):
    from lora_fast.pipelines import load_pipeline

    pipe = load_pipeline("tiny", device=start, dtype=torch.bfloat16)
    lora = make_lora(pipe.transformer, LoraSpec(rank=4))
    settings = PLACEMENTS[case]

    def run():
        return pipe(prompt="a cube", generator=torch.Generator().manual_seed(0), output_type="latent", height=64, width=64, num_inference_steps=4).images

    with optimized(pipe, OptimizationConfig(name="resident", hotswap=True, quantization=settings.get("quantization", "none")), lora, device="cuda"):
        resident = run().float().cpu()
    config = OptimizationConfig(name=case, hotswap=True, **settings)
    with optimized(pipe, config, lora, device="cuda"):
        run()
        image = run().float().cpu()  # a second image: offloading between images works too
        where = {name: {parameter.device.type for parameter in getattr(pipe, name).parameters()} for name in placements(config)}
    assert relative_error(image, resident) < 1e-2
    for name, placement in placements(config).items():
        if placement is Offload.NONE:
            assert where[name] == {"cuda"}, (name, where[name])
        elif placement is Offload.GROUP:  # the group in use, or the one prefetched for the next call, may still be there
            assert where[name] != {"cuda"}, (name, where[name])
        else:  # on the CPU between uses (sequential: on the meta device, its weights in CPU memory)
            assert "cuda" not in where[name], (name, where[name])
    assert all(parameter.device.type == start for name in placements(config) for parameter in getattr(pipe, name).parameters())


def test_group_offloading_moves_each_block_of_every_model_on_its_own(tiny_pipe):
    """T5 keeps its blocks in `encoder.block` and CLIP in `encoder.layers`: diffusers groups only a module's own
    children, so each text encoder moved whole unless told where its blocks are (`block_parents`)."""
    from diffusers.hooks.group_offloading import _GROUP_OFFLOADING

    for name in ("text_encoder", "text_encoder_2", "transformer"):
        model = getattr(tiny_pipe, name)
        undo = _group_offload(model, torch.device("cpu"))  # the grouping is the same on any device; streams need CUDA
        try:
            def group(module):
                hook = module._diffusers_hook.get_hook(_GROUP_OFFLOADING) if hasattr(module, "_diffusers_hook") else None
                return None if hook is None else hook.group
            lists = [child for module in model.modules() for child in module.children() if isinstance(child, torch.nn.ModuleList)]
            blocks = [block for blocks in lists if group(blocks[0]) is not None for block in blocks]
            assert len(blocks) >= 2 and len({id(group(block)) for block in blocks}) == len(blocks), name
        finally:
            undo()
        assert not any(hasattr(module, "_diffusers_hook") and module._diffusers_hook.get_hook(_GROUP_OFFLOADING) for module in model.modules())
