"""A transformer (and T5) streamed from a saved pipeline folder into FP8 (`streamed_load`, issue 29's 24 GB host
budget): the same images as the pipeline loaded whole and quantized, LoRAs folded from the exact weights re-read from
the files (no copy kept), sharded folders, and folders that cannot work refused by name."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import T5EncoderModel

from lora_fast.bench.parking import parked
from lora_fast.cli import main
from lora_fast.config import PRESETS, VARIANTS, OptimizationConfig
from lora_fast.optimize import optimize, restore
from lora_fast.pipelines import PipelineError, load_pipeline
from lora_fast.speed.quantize import Fp8Linear, base_linears
from lora_fast.speed.streamed import T5_WEIGHTS, WEIGHTS, StoredTensor, load_for, load_streamed, stream_t5, stream_transformer

FOLDED_FP8 = OptimizationConfig(name="folded_fp8", quantization="fp8_rowwise", hotswap=True, fold_lora=True)
STREAMED = OptimizationConfig(name="streamed", quantization="fp8_rowwise", hotswap=True, fold_lora=True, streamed_load=True)


@pytest.fixture(scope="module")
def saved(tiny_pipe, tmp_path_factory):
    """The tiny pipeline saved as a user's checkpoint folder, its transformer in shards with their index."""
    folder = tmp_path_factory.mktemp("saved")
    tiny_pipe.save_pretrained(folder, safe_serialization=True, max_shard_size="20KB")
    return folder


@pytest.mark.parametrize("t5_fp8", [False, True], ids=["t5_exact", "t5_fp8"])
def test_a_streamed_pipeline_makes_the_images_of_one_loaded_whole_through_every_swap(saved, generate, lora_factory, t5_fp8):
    """With T5 in FP8 too (`rtx4090_streamed`'s CPU twin; without it, `rtx4090_streamed-t5_fp8`'s)."""
    assert (saved / "transformer" / f"{WEIGHTS}.index.json").is_file()  # shards
    first, second = lora_factory(rank=4, seed=1), lora_factory(rank=8, seed=2)
    config = dataclasses.replace(STREAMED, text_encoder_fp8=t5_fp8)
    whole, streamed = load_pipeline(str(saved)), load_for(config, str(saved), "cpu")
    t5_layers = [module for module in streamed.text_encoder_2.modules() if isinstance(module, Fp8Linear)]
    assert bool(t5_layers) == t5_fp8 and all(isinstance(layer.origin, StoredTensor) for layer in t5_layers)  # T5 in FP8 is read so too
    optimize(whole, dataclasses.replace(FOLDED_FP8, text_encoder_fp8=t5_fp8), first)
    optimize(streamed, config, first)
    try:
        images = [(generate(whole), generate(streamed))]
        for lora in (second, first):  # a swap, and back to the LoRA given to optimize
            whole.lora_fast.lora.load(lora)
            streamed.lora_fast.lora.load(lora)
            images.append((generate(whole), generate(streamed)))
        assert all(torch.equal(loaded, read) for loaded, read in images)
        assert torch.equal(images[0][1], images[2][1]) and not torch.equal(images[0][1], images[1][1])
    finally:
        restore(whole)
        restore(streamed)


def test_a_streamed_transformer_is_fp8_as_it_arrives_and_the_fold_keeps_no_copy(saved, lora_factory):
    streamed = load_streamed(str(saved), "cpu", "cpu", torch.float32)
    layers = [module for module in streamed.transformer.modules() if isinstance(module, Fp8Linear)]
    assert layers and not any(type(module) is torch.nn.Linear and module.in_features % 16 == 0 == module.out_features % 16
                              for module in streamed.transformer.modules())
    assert all(isinstance(layer.origin, StoredTensor) for layer in layers)
    optimize(streamed, STREAMED, lora_factory(rank=4, seed=1))
    try:
        kept = streamed.lora_fast.lora.folded.base
        assert kept and all(isinstance(original, StoredTensor) for original in kept.values())  # read again from the files, never copied
    finally:
        restore(streamed)


def test_t5_read_into_fp8_has_the_dtypes_and_shared_embedding_of_t5_loaded_whole(saved):
    """In bf16 as on a GPU: transformers reads every tensor of a bf16 T5 in bf16, and T5's token embedding is one
    parameter under two names, read once from the files."""
    whole = T5EncoderModel.from_pretrained(saved / "text_encoder_2", dtype=torch.bfloat16)
    streamed = stream_t5(saved / "text_encoder_2", torch.device("cpu"), torch.bfloat16)
    layers = {name for name, module in streamed.named_modules() if isinstance(module, Fp8Linear)}
    assert layers == set(base_linears(whole)) and layers
    kept, read = {name: tensor for name, tensor in whole.state_dict().items() if name.rpartition(".")[0] not in layers}, streamed.state_dict()
    assert {name: (tensor.dtype, tensor.shape) for name, tensor in read.items() if name in kept} == {name: (tensor.dtype, tensor.shape) for name, tensor in kept.items()}
    assert all(torch.equal(read[name], tensor) for name, tensor in kept.items())
    assert streamed.encoder.embed_tokens.weight is streamed.shared.weight


def test_what_the_command_line_and_server_load_is_streamed_when_the_config_asks(saved):
    streamed, whole = load_for(VARIANTS["no_fa3-graphs+streamed"], str(saved), "cpu"), load_for(PRESETS["no_fa3"], str(saved), "cpu")
    assert isinstance(streamed.transformer.proj_out, Fp8Linear) and type(whole.transformer.proj_out) is torch.nn.Linear


def test_folders_a_streamed_load_cannot_read_are_refused_by_name(saved, tmp_path):
    with pytest.raises(PipelineError, match="no model_index.json.*lora-fast save --model tiny"):
        load_streamed("tiny", "cpu", "cpu", torch.float32)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((saved / "transformer" / "config.json").read_text())
    with pytest.raises(PipelineError, match="no readable safetensors weights"):
        stream_transformer(broken, torch.device("cpu"), torch.float32)
    index = json.loads((saved / "transformer" / f"{WEIGHTS}.index.json").read_text())
    shard = sorted(set(index["weight_map"].values()))[0]
    state = load_file(saved / "transformer" / shard)
    (broken / f"{WEIGHTS}.index.json").write_text(json.dumps({"weight_map": {key: shard for key in state if key != "proj_out.weight"}}))
    save_file(state, broken / shard)
    with pytest.raises(PipelineError, match=r"do not fit its config.json \(\d+ missing, first \['"):
        stream_transformer(broken, torch.device("cpu"), torch.float32)
    t5 = tmp_path / "t5"
    t5.mkdir()
    (t5 / "config.json").write_text((saved / "text_encoder_2" / "config.json").read_text())
    state = {key: value for shard in (saved / "text_encoder_2").glob("*.safetensors") for key, value in load_file(shard).items()}
    save_file({key: value for key, value in state.items() if not key.endswith("SelfAttention.q.weight")}, t5 / T5_WEIGHTS)
    with pytest.raises(PipelineError, match=r"t5's weights do not fit its config.json \(2 missing, first \['encoder.block.0.layer.0.SelfAttention.q"):
        stream_t5(t5, torch.device("cpu"), torch.float32)


def test_a_hub_id_out_of_reach_is_a_clear_error(monkeypatch):
    import huggingface_hub

    from lora_fast.hub import HUB_ERRORS

    def unreachable(*args, **kwargs):
        raise HUB_ERRORS[-1]("[Errno -2] Name or service not known")  # the HTTP client's own error, as offline

    monkeypatch.setattr(huggingface_hub, "snapshot_download", unreachable)
    with pytest.raises(PipelineError, match="could not fetch Flux pipeline 'some-org/some-flux'.*network"):
        load_streamed("some-org/some-flux", "cpu", "cpu", torch.float32)


def test_save_writes_a_folder_once_and_never_over_one(tmp_path, capsys):
    out = tmp_path / "tiny_pipeline"
    assert main(["save", "--model", "tiny", "--out", str(out), "--device", "cpu"]) == 0
    assert (out / "model_index.json").is_file() and (out / "transformer" / WEIGHTS).is_file()
    written = {path: path.stat().st_mtime_ns for path in out.rglob("*")}
    assert main(["save", "--model", "tiny", "--out", str(out), "--device", "cpu"]) == 2
    assert "already exists; give a new or empty folder" in capsys.readouterr().err
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*")} == written
    streamed = load_streamed(str(out), "cpu", "cpu", torch.float32)
    assert streamed.transformer.proj_out.weight.dtype is torch.float8_e4m3fn


def test_a_pipeline_parked_on_disk_frees_every_stored_weight_and_reads_it_back_bit_for_bit(tiny_pipe, saved, generate):
    """What the suite does to its own pipeline while a streamed case runs, so that the case's memory is its own."""
    models = {name: model for name, model in tiny_pipe.components.items() if isinstance(model, torch.nn.Module)}
    weights = {name: {key: value.clone() for key, value in model.state_dict().items()} for name, model in models.items()}
    image = generate(tiny_pipe)
    unique = {value.data_ptr(): value.nbytes for model in models.values() for value in model.state_dict().values()}
    with parked(tiny_pipe, saved) as freed:
        assert freed == sum(unique.values()) and all(value.numel() == 0 for model in models.values() for value in model.state_dict().values())
    assert all(torch.equal(value, models[name].state_dict()[key]) for name, stored in weights.items() for key, value in stored.items())
    assert torch.equal(generate(tiny_pipe), image)
