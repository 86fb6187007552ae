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


def test_group_offloading_moves_no_more_than_one_block_of_any_model_at_a_time(tiny_pipe):
    """T5 keeps its blocks in `encoder.block` and CLIP in `encoder.layers`: diffusers' block-level grouping sees a
    module's own lists only, and moved each text encoder whole; no offloading group may hold two blocks. The undo
    leaves no hook behind (a layer the first pass on streams never ran keeps its execution tracker), nor the instance
    forward diffusers' registry leaves where it hooked (a later compile's undo would put it back on the blocks)."""
    from diffusers.hooks.group_offloading import _GROUP_OFFLOADING, _LAYER_EXECUTION_TRACKER, LayerExecutionTrackerHook

    def block_lists(module):  # the outermost lists of blocks
        for child in module.children():
            yield from [child] if isinstance(child, torch.nn.ModuleList) else block_lists(child)

    def overlaps(module, block):  # one inside the other
        return any(module is part for part in block.modules()) or any(block is part for part in module.modules())

    for name in ("text_encoder", "text_encoder_2", "transformer"):
        model = getattr(tiny_pipe, name)
        blocks = [block for blocks in block_lists(model) for block in blocks]
        undo = _group_offload(model, torch.device("cpu"))  # the grouping is the same on any device; streams need CUDA
        try:
            hooks = [module._diffusers_hook.get_hook(_GROUP_OFFLOADING) for module in model.modules() if hasattr(module, "_diffusers_hook")]
            groups = list({id(hook.group): hook.group for hook in hooks if hook is not None}.values())
            held = [{index for index, block in enumerate(blocks) for module in group.modules if overlaps(module, block)} for group in groups]
            assert len(blocks) >= 2 and len(groups) > len(blocks) and all(len(indices) <= 1 for indices in held), (name, held)
            leaf = next(module for module in model.modules() if hasattr(module, "_diffusers_hook"))
            leaf._diffusers_hook.register_hook(LayerExecutionTrackerHook(lambda: None), _LAYER_EXECUTION_TRACKER)  # what a streamed first pass leaves on a layer it never ran
        finally:
            undo()
        assert not any(hasattr(module, "_diffusers_hook") and module._diffusers_hook.hooks for module in model.modules()), name  # nothing left to clash with the next offload
        assert not any("forward" in vars(module) for module in model.modules()), name  # nor a forward of the hooks' in place of the class's


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="page-locked host memory needs a CUDA GPU")
def test_group_offloading_on_streams_keeps_one_host_copy_of_each_weight():
    """Streamed group offloading transfers from page-locked memory; each weight is pinned where it lies, so the
    tensors diffusers transfers from are the model's own, not a second copy of the model in host memory."""
    from diffusers.hooks.group_offloading import _GROUP_OFFLOADING

    from lora_fast.pipelines import load_pipeline

    pipe = load_pipeline("tiny", device="cpu", dtype=torch.bfloat16)
    for name in ("text_encoder_2", "transformer"):
        model = getattr(pipe, name)
        undo = _group_offload(model, torch.device("cuda"))
        try:
            own = {tensor.data_ptr() for tensor in model.state_dict().values()}
            hooks = [module._diffusers_hook.get_hook(_GROUP_OFFLOADING) for module in model.modules() if hasattr(module, "_diffusers_hook")]
            sources = [tensor for hook in hooks if hook is not None for tensor in hook.group.cpu_param_dict.values()]
            assert sources and all(tensor.is_pinned() and tensor.data_ptr() in own for tensor in sources), name
        finally:
            undo()
