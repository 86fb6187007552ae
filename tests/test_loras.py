import re

import pytest
import torch
from safetensors.torch import save_file

from lora_fast.config import OptimizationConfig
from lora_fast.lora.files import LoraError, read_lora
from lora_fast.lora.slot import LoraSlot
from lora_fast.lora.synthetic import LoraSpec, make_lora, save_lora
from lora_fast.lora.targets import target_modules
from lora_fast.optimize import optimize, restore
from lora_fast.pipelines import load_pipeline

# Kohya stores grouped layers together; these targets make whole groups in both block kinds.
KOHYA_TARGETS = ("attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out", "ff.net.2", "proj_out")


def relative_change(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()


def test_factory_is_seeded_and_shaped(tiny_pipe, lora_factory):
    first, again, other = lora_factory(rank=4, seed=3), lora_factory(rank=4, seed=3), lora_factory(rank=4, seed=4)
    assert first.keys() == again.keys() and all(torch.equal(first[k], again[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first)
    modules = target_modules(tiny_pipe.transformer)
    assert len(first) == 2 * len(modules)
    for module in modules:
        layer = tiny_pipe.transformer.get_submodule(module)
        assert first[f"transformer.{module}.lora_A.weight"].shape == (4, layer.in_features)
        assert first[f"transformer.{module}.lora_B.weight"].shape == (layer.out_features, 4)


def test_factory_strength_sets_relative_update(tiny_pipe, lora_factory):
    state = lora_factory(rank=4, strength=0.5, alpha=8)
    module = "transformer_blocks.0.attn.to_q"
    delta = state[f"transformer.{module}.lora_B.weight"] @ state[f"transformer.{module}.lora_A.weight"]
    weight = tiny_pipe.transformer.get_submodule(module).weight
    assert delta.norm() / weight.norm() == pytest.approx(0.5, rel=1e-4)


def test_block_subset(tiny_pipe, lora_factory):
    state = lora_factory(rank=2, blocks=(1,))
    assert state and all(".1." in key for key in state)


@pytest.mark.parametrize("key_format", ["diffusers", "kohya"])
def test_file_round_trip_gives_same_image(pipe, generate, tmp_path, key_format):
    spec = LoraSpec(rank=6, alpha=3.0, seed=2, targets=KOHYA_TARGETS, key_format=key_format)
    state = make_lora(pipe.transformer, spec)
    if key_format == "kohya":
        assert all(key.startswith("lora_unet_") for key in state)
    path = save_lora(state, tmp_path / "style.safetensors", spec=spec)
    assert read_lora(path).keys() == state.keys()
    base = generate(pipe)
    optimize(pipe, OptimizationConfig(), path)
    from_file = generate(pipe)
    pipe.lora_fast.lora.load(state)
    assert torch.allclose(generate(pipe), from_file, atol=1e-6)
    assert relative_change(from_file, base) > 0.01


def test_both_key_formats_are_the_same_lora(pipe, generate):
    images = []
    for key_format in ("diffusers", "kohya"):
        state = make_lora(pipe.transformer, LoraSpec(rank=5, alpha=10.0, seed=9, targets=KOHYA_TARGETS, key_format=key_format))
        optimize(pipe, OptimizationConfig(), state)
        images.append(generate(pipe))
        restore(pipe)
    assert torch.allclose(images[0], images[1], atol=1e-4)


def test_lora_changes_image_and_scale_zero_gives_base(pipe, generate, lora_factory):
    base = generate(pipe)
    optimize(pipe, OptimizationConfig(), lora_factory(rank=8, seed=1))
    assert relative_change(generate(pipe), base) > 0.01
    assert torch.allclose(generate(pipe, joint_attention_kwargs={"scale": 0.0}), base, atol=1e-6)


def test_restore_removes_lora(pipe, generate, lora_factory):
    base = generate(pipe)
    optimize(pipe, OptimizationConfig(hotswap=True, max_rank=8), lora_factory(rank=8))
    restore(pipe)
    assert torch.equal(generate(pipe), base)
    assert not getattr(pipe.transformer, "peft_config", None)


def test_save_refuses_to_overwrite(tmp_path, lora_factory):
    path = save_lora(lora_factory(rank=2), tmp_path / "a.safetensors")
    before = path.read_bytes()
    with pytest.raises(LoraError, match="already exists"):
        save_lora(lora_factory(rank=3), path)
    assert path.read_bytes() == before


# Bad input: each gives LoraError naming the problem, and the active LoRA keeps working.


@pytest.fixture
def served(pipe, generate, lora_factory):
    """The tiny pipeline serving one LoRA with hot-swap prepared (max rank 8); yields (slot, its image)."""
    optimize(pipe, OptimizationConfig(hotswap=True, max_rank=8), lora_factory(rank=4, seed=5))
    return pipe.lora_fast.lora, generate(pipe)


def write(path, data: bytes):
    path.write_bytes(data)
    return path


def bad_sources(tmp_path, lora_factory):
    good = lora_factory(rank=4, seed=6)
    wide = make_lora(load_pipeline("tiny", seed=0).transformer, LoraSpec(rank=4))
    wide = {key: torch.cat([value, value], dim=1 if "lora_A" in key else 0) for key, value in wide.items()}
    truncated = tmp_path / "truncated.safetensors"
    save_file(good, truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    torch.save(good, tmp_path / "lora.bin")
    return {
        "missing file": (tmp_path / "absent.safetensors", "not found"),
        "empty file": (write(tmp_path / "empty.safetensors", b""), "not a readable"),
        "truncated file": (truncated, "not a readable"),
        "pickle file": (tmp_path / "lora.bin", "pickle"),
        "other model width": (wide, "another width"),
        "rank above max": (lora_factory(rank=9), "exceeds the prepared maximum 8"),
        "targets outside prepared": (lora_factory(rank=4, targets=("proj_mlp", "ff.net.2")), "outside the prepared set"),
        "text encoder weights of another width": ({**good, "text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight": torch.zeros(4, 48),
                                                   "text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_B.weight": torch.zeros(32, 4)}, "another width"),
        "text encoder weights without B": ({**good, "text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight": torch.zeros(4, 32)}, "no lora_B"),
        "keys for another model": ({"unet.down_blocks.0.attentions.0.proj_in.lora_A.weight": torch.zeros(4, 32),
                                    "unet.down_blocks.0.attentions.0.proj_in.lora_B.weight": torch.zeros(32, 4)}, "another model"),
        "kohya keys for another model": ({"lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight": torch.zeros(4, 32),
                                          "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight": torch.zeros(32, 4)}, "not a Flux LoRA|another model"),
        "A without B": ({key: value for key, value in good.items() if not key.endswith("attn.to_q.lora_B.weight")}, "no lora_B weight"),
        "B rank differs from A": ({**good, **{key: value[:, :2] for key, value in good.items() if key.endswith("to_q.lora_B.weight")}}, "do not fit"),
        "NaN weights": ({**good, **{key: torch.full_like(value, float("nan")) for key, value in list(good.items())[:1]}}, "NaN or inf"),
        "inf weights": ({**good, **{key: torch.full_like(value, float("inf")) for key, value in list(good.items())[-1:]}}, "NaN or inf"),
    }


BAD = [
    "missing file", "empty file", "truncated file", "pickle file", "other model width", "rank above max", "targets outside prepared",
    "text encoder weights of another width", "text encoder weights without B", "keys for another model", "kohya keys for another model", "A without B", "B rank differs from A",
    "NaN weights", "inf weights",
]


@pytest.mark.parametrize("case", BAD)
def test_bad_lora_is_refused_and_previous_stays(served, generate, tmp_path, lora_factory, case):
    slot, image = served
    source, message = bad_sources(tmp_path, lora_factory)[case]
    with pytest.raises(LoraError, match=message):
        slot.load(source)
    assert torch.equal(generate(slot.pipe), image)


def test_pickle_loads_only_when_allowed(served, generate, tmp_path, lora_factory):
    slot, image = served
    state = lora_factory(rank=4, seed=7)
    torch.save(state, tmp_path / "trusted.pt")
    slot.load(tmp_path / "trusted.pt", allow_pickle=True)
    assert not torch.equal(generate(slot.pipe), image)


def test_user_file_is_not_modified(served, tmp_path, lora_factory):
    slot, _ = served
    path = save_lora(lora_factory(rank=3, seed=8, targets=("attn.to_q",)), tmp_path / "mine.safetensors")
    before = path.read_bytes()
    slot.load(path)
    assert path.read_bytes() == before


def test_hotswap_prepared_after_load_is_refused(pipe, lora_factory):
    slot = LoraSlot(pipe, hotswap=True, max_rank=8)
    slot.loaded = 1
    with pytest.raises(LoraError, match="before the first LoRA"):
        slot.prepare()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_the_finite_check_names_each_broken_tensor_among_empty_and_good_ones(bad):
    state = {name: torch.ones(2, 3) for name in ("a.lora_A.weight", "b.lora_A.weight", "c.lora_A.weight", "d.lora_A.weight", "e.lora_A.weight")}
    state["b.lora_A.weight"] = torch.ones(0, 3)  # empty: skipped, so the broken tensor's place among the maxima is not its place in the dict
    state["c.lora_A.weight"][1, 2] = bad
    with pytest.raises(LoraError, match=r"NaN or inf values in 1 tensors \(first: c\.lora_A\.weight\)"):
        read_lora(state)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="reading a LoRA to a GPU needs one")
def test_a_lora_read_to_the_gpu_arrives_whole_and_is_checked_there():
    from lora_fast.lora.slot import pinned

    lora = {"transformer.x.lora_A.weight": torch.randn(4, 8), "transformer.x.lora_B.weight": torch.randn(8, 4)}
    state = read_lora(pinned(lora), device="cuda")
    assert all(tensor.is_cuda for tensor in state.values()) and all(torch.equal(state[key].cpu(), lora[key]) for key in lora)
    lora["transformer.x.lora_B.weight"][3, 1] = float("nan")
    with pytest.raises(LoraError, match=r"NaN or inf values in 1 tensors \(first: transformer\.x\.lora_B\.weight\)"):
        read_lora(pinned(lora), device="cuda")


def test_a_file_declaring_gigabytes_is_refused_from_its_header(served, generate, tmp_path):
    """A safetensors file of a few bytes on disk (sparse) declaring a 4 GiB tensor: refused before anything is read,
    naming the file and the tensor, without the memory it declares; the slot keeps its LoRA."""
    import json
    import struct

    slot, image = served
    header = json.dumps({"transformer.single_transformer_blocks.0.proj_out.lora_A.weight": {"dtype": "F32", "shape": [65536, 16384], "data_offsets": [0, 2**32]}}).encode()
    sparse = tmp_path / "sparse.safetensors"
    with open(sparse, "wb") as file:
        file.write(struct.pack("<Q", len(header)) + header)
        file.truncate(8 + len(header) + 2**32)  # 4 GiB long, nothing on disk

    from peak_load import peak_above_now

    def load() -> None:
        with pytest.raises(LoraError, match=r"sparse.safetensors: 'transformer.single_transformer_blocks.0.proj_out.lora_A.weight' declares 4 GiB"):
            slot.load(sparse)

    assert peak_above_now(load) < 2**28  # 256 MiB at the peak, for a file declaring 4 GiB
    assert torch.equal(generate(slot.pipe), image)


def poisoned(state: dict) -> dict:
    """`state` with every value NaN: any check that reads a tensor's values refuses it as NaN."""
    return {key: torch.full_like(value, float("nan")) for key, value in state.items()}


def test_a_file_is_checked_from_its_header_before_any_tensor_is_read(served, generate, tmp_path, lora_factory, monkeypatch):
    """Layers and shapes are refused from the header: a file that is also NaN throughout is refused for its layers,
    not its values, which are never read (the NaN file with sound layers shows they would be refused if read)."""
    slot, image = served
    good = lora_factory(rank=4, seed=6)
    key = "transformer.transformer_blocks.0.attn.to_q.lora_A.weight"
    cases = {
        "sound layers": (good, r"NaN or inf values in \d+ tensors"),
        "a shape of another width": ({**good, key: torch.zeros(4, 48)}, r"LoRA shapes for transformer_blocks\.0\.attn\.to_q .* do not fit"),
        "layers of another model": ({"unet.down_blocks.0.proj_in.lora_A.weight": torch.zeros(4, 32), "unet.down_blocks.0.proj_in.lora_B.weight": torch.zeros(32, 4)},
                                    "another model"),
        "a factor without its pair": ({k: v for k, v in good.items() if k != key.replace("lora_A", "lora_B")}, "no lora_B weight"),
    }
    read = spy_on_tensor_reads(monkeypatch)
    for name, (state, message) in cases.items():
        path = tmp_path / f"{name.replace(' ', '_')}.safetensors"
        save_file(poisoned(state), path)
        read.clear()
        with pytest.raises(LoraError, match=message):
            slot.load(path)
        assert bool(read) == (name == "sound layers"), (name, read)  # only a file whose header passed is read
    assert torch.equal(generate(slot.pipe), image)


def spy_on_tensor_reads(monkeypatch) -> list[str]:
    """The names of the tensors .safetensors readers read from now on, one-element ones (alphas) left out."""
    import safetensors

    read, original = [], safetensors.safe_open

    class Spied:
        def __init__(self, *args, **kwargs):
            self.handle = original(*args, **kwargs)

        def __enter__(self):
            self.opened = self.handle.__enter__()
            return self

        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)

        def get_tensor(self, key):
            tensor = self.opened.get_tensor(key)
            if tensor.numel() > 1:
                read.append(key)
            return tensor

        def __getattr__(self, name):
            return getattr(self.opened, name)

    monkeypatch.setattr(safetensors, "safe_open", Spied)
    return read


def test_a_hub_id_reads_its_repository_and_file(monkeypatch, lora_factory):
    import diffusers

    asked = []
    monkeypatch.setattr(diffusers.FluxPipeline, "lora_state_dict", lambda repo, weight_name=None: asked.append((repo, weight_name)) or lora_factory(rank=2))
    read_lora("org/name/style.safetensors")
    read_lora("org/name")
    assert asked == [("org/name", "style.safetensors"), ("org/name", None)]


def test_a_header_declaring_more_than_the_file_holds_is_refused_naming_the_file(tmp_path):
    import json
    import struct

    header = json.dumps({"transformer.x.lora_A.weight": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}).encode()
    short = write(tmp_path / "short.safetensors", struct.pack("<Q", len(header)) + header + bytes(16))
    with pytest.raises(LoraError, match=r"short\.safetensors is not a readable \.safetensors file \(SafetensorError"):
        read_lora(short)


def test_a_rank_above_the_layer_is_measured_without_a_rank_squared_matrix():
    """|B A| / |W| of a rank-20,000 LoRA on a 4x4 layer: the right ratio, without the 1.6 GB rank x rank products
    (a hostile file of 640 KB of factors made the check allocate gigabytes)."""
    from lora_fast.lora.files import check_layers

    root = torch.nn.Module()
    root.x = torch.nn.Linear(4, 4, bias=False)
    generator = torch.Generator().manual_seed(0)
    root.x.weight.data = torch.randn(4, 4, generator=generator)
    down, up = torch.randn(20_000, 4, generator=generator), torch.randn(4, 20_000, generator=generator)
    raised = []

    def check() -> None:
        with pytest.raises(LoraError, match="changes its layer by") as error:
            check_layers(root, {"p.x.lora_A.weight": down, "p.x.lora_B.weight": up}, "p")
        raised.append(str(error.value))

    from peak_load import peak_above_now

    assert peak_above_now(check) < 2**28  # 256 MiB; the rank x rank products alone are 3.2 GB
    expected = ((up.double() @ down.double()).norm() / root.x.weight.double().norm()).item()
    assert float(re.search(r"changes its layer by ([0-9.e+]+) times", raised[0])[1]) == pytest.approx(expected, rel=5e-3)  # printed to 3 digits


def test_loading_takes_at_most_twice_the_bytes_of_the_lora(tmp_path):
    """A rank-512 LoRA on every layer of a 1024-wide Flux transformer (106 MiB of factors), loaded into a folded
    slot and a peft slot, twice each in a fresh process: each load's peak above the memory in use before it, less
    the originals a folded slot keeps on its first load, is about twice the file's tensor bytes at most."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    def measure(attempt: int) -> dict[str, float]:
        folder = tmp_path / str(attempt)
        folder.mkdir()
        done = subprocess.run([sys.executable, str(Path(__file__).parent / "peak_load.py"), str(folder)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.splitlines()[-1])

    ratios = measure(1)
    if min(ratios.values()) <= 0:  # no load takes nothing: the resident-memory peak was disturbed (at 4302d55 in CI, -0.04 beside the
        ratios = measure(2)  # usual 1.4, while the other test worker ran: pages reclaimed under memory pressure); measured once more
    assert set(ratios) == {"folded load 1", "folded load 2", "peft load 1", "peft load 2"}
    assert all(0 < ratio <= 2.25 for ratio in ratios.values()), ratios  # about twice: measured 1.0-2.0 (a peft load holds the file and the new adapter)


def test_text_from_a_file_is_printed_with_control_characters_escaped(served, tmp_path):
    """A key name carrying terminal escapes, a carriage return and a bidi override reaches the message escaped."""
    slot, _ = served
    hostile = "unet.\x1b[2J\rfake: all good\u202e.lora_A.weight"
    path = tmp_path / "hostile.safetensors"
    save_file({hostile: torch.zeros(4, 32)}, path)
    with pytest.raises(LoraError) as error:
        slot.load(path)
    message = str(error.value)
    assert "\\x1b[2J\\rfake: all good\\u202e" in message and message.isprintable()


def test_an_alpha_below_one_is_a_valid_alpha(tiny_pipe, lora_factory):
    """alpha / rank scales B: an alpha of 0.5 on a rank-4 LoRA applies it at an eighth, it is not refused."""
    from lora_fast.lora.files import to_diffusers_keys

    state = lora_factory(rank=4, seed=2)
    module = "transformer.transformer_blocks.0.attn.to_q"
    converted = to_diffusers_keys(read_lora({**state, f"{module}.alpha": torch.tensor(0.5)}), tiny_pipe)[0]
    assert torch.equal(converted[f"{module}.lora_B.weight"], state[f"{module}.lora_B.weight"] * (0.5 / 4))


def test_a_plain_slot_takes_many_loras_in_turn(pipe, generate, lora_factory):
    """Without hot-swap each load is a fresh peft adapter under a name of its own: the third LoRA loads like the first."""
    optimize(pipe, OptimizationConfig(), lora_factory(rank=4, seed=1))
    first = generate(pipe)
    for seed in (2, 3, 1):
        pipe.lora_fast.lora.load(lora_factory(rank=4, seed=seed))
    assert torch.equal(generate(pipe), first)


def test_a_failed_clip_load_names_the_library_error(served, generate, lora_factory, monkeypatch):
    slot, image = served

    def fail(*args, **kwargs):
        raise RuntimeError("the CLIP adapter could not be made")

    monkeypatch.setattr(slot.pipe, "load_lora_into_text_encoder", fail)
    clip = {"text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight": torch.randn(4, 32) * 0.01,
            "text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_B.weight": torch.randn(32, 4) * 0.01}
    with pytest.raises(LoraError, match="RuntimeError: the CLIP adapter could not be made"):
        slot.load({**lora_factory(rank=4, seed=7), **clip})
    assert torch.equal(generate(slot.pipe), image)


def test_a_broken_file_is_named_by_its_path(tmp_path, lora_factory):
    path = tmp_path / "style.safetensors"
    save_file(poisoned(lora_factory(rank=2)), path)
    with pytest.raises(LoraError, match=f"^{re.escape(str(path))} has NaN or inf values"):
        read_lora(path)
