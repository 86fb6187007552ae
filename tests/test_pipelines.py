import pytest
import torch

from lora_fast.bench.similarity import relative_error
from lora_fast.pipelines import FLUX_DEV_SHAPES, TINY, PipelineError, load_pipeline


def test_same_seed_same_weights_and_image(tiny_pipe, generate):
    again = load_pipeline(TINY, seed=0)
    for name in ("transformer", "vae", "text_encoder", "text_encoder_2"):
        ours, theirs = getattr(tiny_pipe, name).state_dict(), getattr(again, name).state_dict()
        assert all(torch.equal(ours[key], theirs[key]) for key in ours), name
    assert torch.equal(generate(tiny_pipe), generate(again))


def test_other_seed_other_weights(tiny_pipe):
    other = load_pipeline(TINY, seed=1)
    assert not torch.equal(other.transformer.proj_out.weight, tiny_pipe.transformer.proj_out.weight)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="draws the weights on a GPU")
def test_weights_drawn_on_the_gpu_arrive_in_host_memory_as_a_gpu_build_has_them():
    on_gpu = load_pipeline(TINY, device="cuda", seed=3)
    in_host = load_pipeline(TINY, device="cpu", dtype=torch.bfloat16, seed=3, draw_on="cuda")
    for name in ("transformer", "vae", "text_encoder", "text_encoder_2"):
        ours, theirs = getattr(in_host, name).state_dict(), getattr(on_gpu, name).state_dict()
        assert all(ours[key].device.type == "cpu" and torch.equal(ours[key], theirs[key].cpu()) for key in ours), name


def test_building_restores_global_torch_state():
    dtype, rng = torch.get_default_dtype(), torch.get_rng_state()
    load_pipeline(TINY, dtype=torch.bfloat16)
    assert torch.get_default_dtype() == dtype
    assert torch.equal(torch.get_rng_state(), rng)


def test_image_generation_shape(tiny_pipe, generate):
    image = generate(tiny_pipe, output_type="pt")
    assert image.shape == (1, 3, 64, 64)
    assert torch.isfinite(image).all() and image.std() > 0.01


# Identical weights can still give latents that differ in the last bits: from_pretrained builds modules in another
# order and CPUs differ in how they split float32 sums across threads (4.8e-7 seen on another 2-core machine).
# A thousand times that is still far below what a change of one weight by 1e-3 of its size does (checked below).
ROUND_TRIP_TOLERANCE = 1e-5


def test_saved_folder_round_trip(tiny_pipe, generate, tmp_path):
    tiny_pipe.save_pretrained(tmp_path / "tiny-flux")
    loaded = load_pipeline(str(tmp_path / "tiny-flux"))
    for name in ("transformer", "vae", "text_encoder", "text_encoder_2"):
        ours, theirs = getattr(tiny_pipe, name).state_dict(), getattr(loaded, name).state_dict()
        assert ours.keys() == theirs.keys() and all(torch.equal(ours[key], theirs[key]) for key in ours), name
    assert relative_error(generate(loaded), generate(tiny_pipe)) < ROUND_TRIP_TOLERANCE
    # Negative control: the tolerance is tight enough to see one layer's weights off by 1e-3 of their size.
    with torch.no_grad():
        loaded.transformer.proj_out.weight.mul_(1 + 1e-3)
    assert relative_error(generate(loaded), generate(tiny_pipe)) > 10 * ROUND_TRIP_TOLERANCE


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="does not exist"):
        load_pipeline(str(tmp_path / "nowhere"))


def test_folder_without_model_index_is_a_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="model_index.json"):
        load_pipeline(str(tmp_path))


def test_full_size_shapes_are_flux_dev():
    with torch.device("meta"):
        from diffusers import FluxTransformer2DModel

        transformer = FluxTransformer2DModel(**FLUX_DEV_SHAPES.transformer)
    assert len(transformer.transformer_blocks) == 19 and len(transformer.single_transformer_blocks) == 38
    assert transformer.inner_dim == 3072
    assert 11.8e9 < sum(p.numel() for p in transformer.parameters()) < 12.0e9
