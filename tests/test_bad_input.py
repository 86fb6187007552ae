"""Bad input, round two: nothing a LoRA file holds can hang the process, wedge the slot, raise from deep inside a
library or give a silently wrong image; the CLI checks its arguments before doing work. Tiny pipeline, CPU."""

from __future__ import annotations

import pytest
import torch

from lora_fast.cli import main
from lora_fast.config import OptimizationConfig
from lora_fast.lora.files import LoraError, read_lora
from lora_fast.lora.synthetic import LoraSpec, make_lora, save_lora
from lora_fast.lora.targets import target_modules
from lora_fast.optimize import compiled_graphs, optimize, recompile_guard, restore
from lora_fast.pipelines import PipelineError, load_pipeline

KOHYA_TARGETS = ("attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out", "ff.net.2", "proj_out")
CLIP_Q = "lora_te1_text_model_encoder_layers_0_self_attn_q_proj"


@pytest.fixture
def served(pipe, generate, lora_factory):
    """The tiny pipeline serving one LoRA with peft hot-swap prepared (max rank 8); yields (slot, its image)."""
    optimize(pipe, OptimizationConfig(hotswap=True, max_rank=8), lora_factory(rank=4, seed=5), lora_targets=target_modules(pipe.transformer))
    return pipe.lora_fast.lora, generate(pipe)


def kohya(pipe, **spec):
    return make_lora(pipe.transformer, LoraSpec(rank=4, seed=3, targets=KOHYA_TARGETS, key_format="kohya", **spec))


def with_values(state, suffix, make):
    return {**state, **{key: make(value) for key, value in state.items() if key.endswith(suffix)}}


def refusals(pipe, lora_factory):
    """Each bad LoRA of issue 13, and the words its refusal must contain."""
    good, kohya_lora = lora_factory(rank=4, seed=6), kohya(pipe)
    first_kohya_alpha = next(key for key in kohya_lora if key.endswith(".alpha"))
    return {
        "negative kohya alpha (diffusers' converter loops forever)": ({**kohya_lora, first_kohya_alpha: torch.tensor(-4.0)}, "one positive number"),
        "zero alpha (a silent no-op)": ({**good, "transformer.transformer_blocks.0.attn.to_q.alpha": torch.tensor(0.0)}, "one positive number"),
        "non-scalar alpha": ({**good, "transformer.transformer_blocks.0.attn.to_q.alpha": torch.ones(3)}, "3 values"),
        "rank 0": (with_values(with_values(good, "to_q.lora_A.weight", lambda v: v[:0]), "to_q.lora_B.weight", lambda v: v[:, :0]), "rank 0"),
        "rank 0 kohya": (with_values(with_values(kohya_lora, "lora_down.weight", lambda v: v[:0]), "lora_up.weight", lambda v: v[:, :0]), "rank 0"),
        "integer tensors": (with_values(good, "lora_A.weight", lambda v: v.to(torch.int64)), "dtype int64"),
        "float8 tensors": (with_values(good, "lora_B.weight", lambda v: v.to(torch.float8_e4m3fn)), "dtype float8_e4m3fn"),
        "huge finite weights (NaN image)": (with_values(good, "lora_B.weight", lambda v: v * 1e15), "times the layer's own size"),
        "kohya layer lora-fast does not know": ({**kohya_lora, "lora_unet_double_blocks_0_img_foo.lora_down.weight": torch.ones(4, 32),
                                                 "lora_unet_double_blocks_0_img_foo.lora_up.weight": torch.ones(32, 4)}, "lora_unet_double_blocks_0_img_foo"),
        "T5 weights diffusers drops": ({**kohya_lora, "lora_te2_encoder_block_0_layer_0_SelfAttention_q.lora_down.weight": torch.ones(4, 32),
                                        "lora_te2_encoder_block_0_layer_0_SelfAttention_q.lora_up.weight": torch.ones(32, 4)}, "text_encoder_2"),
        "a key of another kind among kohya keys": ({**kohya_lora, "lora_unet_double_blocks_0_img_attn_proj.hada_w1_a": torch.ones(32, 2)}, "hada_"),
    }


CASES = [
    "negative kohya alpha (diffusers' converter loops forever)", "zero alpha (a silent no-op)", "non-scalar alpha", "rank 0", "rank 0 kohya",
    "integer tensors", "float8 tensors", "huge finite weights (NaN image)", "kohya layer lora-fast does not know", "T5 weights diffusers drops",
    "a key of another kind among kohya keys",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_lora_is_refused_in_time_and_the_slot_keeps_working(served, generate, lora_factory, deadline, case):
    slot, image = served
    source, words = refusals(slot.pipe, lora_factory)[case]
    graphs = compiled_graphs()
    with deadline(30), pytest.raises(LoraError, match=words):
        slot.load(source)
    assert torch.equal(generate(slot.pipe), image) and compiled_graphs() == graphs
    slot.load(lora_factory(rank=4, seed=7))  # still usable
    assert not torch.equal(generate(slot.pipe), image)


def test_a_folder_is_not_called_missing(tmp_path):
    with pytest.raises(LoraError, match="is a folder"):
        read_lora(tmp_path)


def test_hub_without_network_is_a_clear_error(monkeypatch):
    from diffusers import FluxPipeline

    from lora_fast.hub import HUB_ERRORS

    def unreachable(*args, **kwargs):
        raise HUB_ERRORS[-1]("[Errno -2] Name or service not known")  # the HTTP client's own error, as offline

    monkeypatch.setattr(FluxPipeline, "lora_state_dict", unreachable)
    monkeypatch.setattr(FluxPipeline, "from_pretrained", unreachable)
    with pytest.raises(LoraError, match="check the id and the network"):
        read_lora("some-org/some-lora")
    with pytest.raises(PipelineError, match="network"):
        load_pipeline("some-org/some-model")


def test_short_target_names_are_refused_up_front(pipe, lora_factory):
    with pytest.raises(LoraError, match="lora_targets names 'attn.to_q'.*target_modules"):
        optimize(pipe, OptimizationConfig(hotswap=True, max_rank=8), lora_factory(rank=4), lora_targets=["attn.to_q"])
    assert getattr(pipe, "lora_fast", None) is None


# Swaps are transactional: a failure inside the library puts the previous LoRA back, bit for bit, no recompile.


def failing_after_damage(monkeypatch, target, name, damage):
    """Make the next call of `target.name` do `damage` (half the work) and then fail, as a library call that breaks
    midway would; later calls work again."""
    original, calls = getattr(target, name), []

    def broken(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            return original(*args, **kwargs)
        damage()
        raise RuntimeError("CUDA error: an illegal memory access was encountered")

    monkeypatch.setattr(target, name, broken)


@pytest.mark.parametrize("mode", ["peft hot-swap, compiled", "folded, compiled", "fresh adapter", "CLIP part, after the transformer's"])
def test_a_swap_that_fails_inside_the_library_puts_the_previous_lora_back(pipe, generate, lora_factory, monkeypatch, mode):
    config = {
        "peft hot-swap, compiled": OptimizationConfig(name="swap", hotswap=True, max_rank=8, compile="regional"),
        "folded, compiled": OptimizationConfig(name="fold", hotswap=True, fold_lora=True, compile="regional"),
        "fresh adapter": OptimizationConfig(name="fresh"),
        "CLIP part, after the transformer's": OptimizationConfig(name="fold", hotswap=True, fold_lora=True, compile="regional"),
    }[mode]
    optimize(pipe, config, lora_factory(rank=4, seed=1))
    image = generate(pipe)
    graphs = compiled_graphs()
    transformer = pipe.transformer
    second = lora_factory(rank=4, seed=2)
    if mode.startswith("CLIP"):
        clip_q = "text_encoder.text_model.encoder.layers.0.self_attn.q_proj"
        second = {**second, f"{clip_q}.lora_A.weight": torch.ones(4, 32), f"{clip_q}.lora_B.weight": torch.ones(32, 4) * 0.01}
        failing_after_damage(monkeypatch, pipe, "load_lora_into_text_encoder", lambda: None)
    elif config.fold_lora:
        from lora_fast.lora import fold

        layer = transformer.get_submodule("transformer_blocks.0.attn.to_q")
        failing_after_damage(monkeypatch, fold, "_write_weight", lambda: layer.weight.data.mul_(3))
    elif mode == "fresh adapter":  # a real half-made adapter beside the old one, then a failure
        original = transformer.load_lora_adapter
        monkeypatch.setattr(transformer, "load_lora_adapter", lambda *args, **kwargs: (original(*args, **kwargs), 1 / 0))
    else:
        import peft.utils.hotswap

        lora_b = next(value for name, value in transformer.named_parameters() if "lora_B" in name)
        failing_after_damage(monkeypatch, peft.utils.hotswap, "hotswap_adapter_from_state_dict", lambda: lora_b.data.fill_(7.0))
    with pytest.raises(LoraError, match="previous LoRA is active again"):
        pipe.lora_fast.lora.load(second)
    monkeypatch.undo()
    with recompile_guard(config):
        assert torch.equal(generate(pipe), image)
    assert compiled_graphs() == graphs or mode == "fresh adapter"
    pipe.lora_fast.lora.load(lora_factory(rank=4, seed=2))  # the slot still works
    assert not torch.equal(generate(pipe), image)


# A LoRA's CLIP part hot-swaps with it: the text encoder is not compiled, so it is loaded as a plain adapter.


def test_text_encoder_part_is_loaded_and_swapped_away(pipe, generate):
    with_clip = kohya(pipe)
    with_clip[f"{CLIP_Q}.lora_down.weight"] = torch.randn(4, 32, generator=torch.Generator().manual_seed(0))
    with_clip[f"{CLIP_Q}.lora_up.weight"] = torch.randn(32, 4, generator=torch.Generator().manual_seed(1)) * 0.3
    without_clip = kohya(pipe)
    expected = {}
    for name, lora in (("with", with_clip), ("without", without_clip)):
        optimize(pipe, OptimizationConfig(), lora)
        expected[name] = generate(pipe)
        restore(pipe)
    assert not torch.allclose(expected["with"], expected["without"], atol=1e-4)  # the CLIP part matters
    config = OptimizationConfig(name="swap", hotswap=True, fold_lora=True, compile="regional")
    optimize(pipe, config, without_clip)
    generate(pipe)
    graphs = compiled_graphs()
    with recompile_guard(config):
        pipe.lora_fast.lora.load(with_clip)
        assert torch.allclose(generate(pipe), expected["with"], atol=1e-4)
        pipe.lora_fast.lora.load(without_clip)  # the CLIP adapter goes with the LoRA it came with
        assert torch.allclose(generate(pipe), expected["without"], atol=1e-4)
    assert compiled_graphs() == graphs


def test_kohya_conversion_is_exact_and_complete(pipe, generate):
    """Our kohya converter gives the same image as the diffusers keys of the same LoRA, mod layers and the
    final layer (whose halves BFL and diffusers order differently) included."""
    from lora_fast.lora.files import to_diffusers_keys

    spec = LoraSpec(rank=3, alpha=6.0, seed=4, targets=KOHYA_TARGETS)
    diffusers_keys = make_lora(pipe.transformer, spec)
    converted, text = to_diffusers_keys(make_lora(pipe.transformer, LoraSpec(**{**spec.__dict__, "key_format": "kohya"})), pipe)
    assert not text and converted.keys() == diffusers_keys.keys()
    assert all(torch.allclose(converted[key], diffusers_keys[key], atol=1e-6) for key in converted)
    final = {"lora_unet_final_layer_adaLN_modulation_1.lora_down.weight": torch.eye(2, 32),
             "lora_unet_final_layer_adaLN_modulation_1.lora_up.weight": torch.cat([torch.ones(32, 2), 2 * torch.ones(32, 2)])}
    swapped, _ = to_diffusers_keys(final, pipe)
    assert torch.equal(swapped["transformer.norm_out.linear.lora_B.weight"][:32], 2 * torch.ones(32, 2))  # (shift, scale) -> (scale, shift)


# The CLI checks its arguments before any work and prints one line with status 2 for every known error.


def one_line_error(capsys, argv) -> str:
    """Run the CLI; it must exit 2 with exactly one error line and no traceback (progress bars may come before)."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in err and err.rstrip().endswith(errors[0]), err
    return errors[0]


@pytest.mark.parametrize("argv, words", [
    (["--steps", "0"], "0 must be at least 1"),
    (["--steps", "-3"], "-3 must be at least 1"),
    (["--height", "0"], "must be at least 16"),
    (["--height", "-64"], "must be at least 16"),
    (["--width", "70"], "multiple of 16"),
    (["--seed", str(2**64)], "must be from 0 to"),
    (["--seed", "-1"], "must be from 0 to"),
    (["--device", "cuda:7"], "CUDA GPU"),
    (["--device", "meta"], "runs on cpu or cuda"),
    (["--device", "no such thing"], "not a device name"),
    (["--gpu-memory-gb", "0"], "must be above 0"),
    (["--gpu-memory-gb", "lots"], "not a number"),
    (["--device", "cpu", "--gpu-memory-gb", "24"], "this run is on the CPU"),
    (["--lora-rank", "0"], "must be at least 1"),
    (["--step-cache", "teacache"], "give taylorseer[:INTERVAL], first_block[:THRESHOLD] or none"),
    (["--step-cache", "taylorseer:0"], "interval=0: give a whole number at least 1"),
    (["--step-cache", "first_block:-1"], "threshold=-1.0: give a finite number at least 0"),
    (["--step-cache", "none:3"], "the method none takes no value"),
])
def test_cli_refuses_bad_arguments_in_one_line(tmp_path, capsys, argv, words):
    assert words in one_line_error(capsys, ["generate", "--prompt", "x", "--out", str(tmp_path / "a.png"), *argv])
    assert not (tmp_path / "a.png").exists()


def test_cli_step_cache_replaces_the_presets(tmp_path, capsys):
    assert main(["generate", "--prompt", "x", "--out", str(tmp_path / "a.png"), "--step-cache", "taylorseer:2"]) == 0
    assert "preset baseline+taylorseer2" in capsys.readouterr().out and (tmp_path / "a.png").exists()


def test_cli_refuses_an_output_it_could_not_write_before_generating(tmp_path, capsys, monkeypatch):
    import lora_fast.speed.streamed

    monkeypatch.setattr(lora_fast.speed.streamed, "load_for", lambda *a, **k: pytest.fail("work started before the output was checked"))
    assert "not an image format" in one_line_error(capsys, ["generate", "--prompt", "x", "--out", str(tmp_path / "image.xyz")])
    assert "is a folder" in one_line_error(capsys, ["generate", "--prompt", "x", "--out", str(tmp_path)])
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    assert "cannot write into" in one_line_error(capsys, ["generate", "--prompt", "x", "--out", str(a_file / "sub" / "a.png")])


def test_an_output_never_replaces_an_input_even_with_overwrite(tmp_path, capsys, monkeypatch, lora_factory):
    """--out naming the --lora file (its PNG used to replace the LoRA), a file in the --model folder, or a stored
    result: refused before any work, with --overwrite too, and the input is untouched."""
    import lora_fast.speed.streamed

    monkeypatch.setattr(lora_fast.speed.streamed, "load_for", lambda *a, **k: pytest.fail("work started before the output was checked"))
    lora = tmp_path / "style.png"  # a LoRA file whose name PIL would write an image to
    lora.write_bytes(b"the user's LoRA")
    model = tmp_path / "model"
    model.mkdir()
    for out, inputs in ((lora, ["--lora", f"{lora}:0.8"]), (model / "preview.png", ["--model", str(model)])):
        assert "which this run reads" in one_line_error(capsys, ["generate", "--prompt", "x", *inputs, "--out", str(out), "--overwrite"])
    assert lora.read_bytes() == b"the user's LoRA" and not (model / "preview.png").exists()
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".benchmarks").mkdir()
    assert "which this run reads" in one_line_error(capsys, ["warm", "--preset", "baseline_compile", "--out", ".benchmarks/0001_run.json"])


def test_cli_pickle_flag_is_real(tmp_path, capsys, lora_factory):
    torch.save(lora_factory(rank=4), tmp_path / "lora.pt")
    out = tmp_path / "a.png"
    assert "--allow-pickle" in one_line_error(capsys, ["generate", "--prompt", "x", "--lora", str(tmp_path / "lora.pt"), "--out", str(out), "--steps", "1"])
    assert main(["generate", "--prompt", "x", "--lora", str(tmp_path / "lora.pt"), "--out", str(out), "--steps", "1", "--allow-pickle"]) == 0
    assert out.exists()


def test_cli_does_not_save_a_nan_image(tmp_path, capsys, tiny_pipe):
    broken = load_pipeline("tiny")
    with torch.no_grad():
        broken.transformer.proj_out.weight.fill_(3e38)  # overflows: the image is NaN
    broken.save_pretrained(tmp_path / "broken")
    out = tmp_path / "a.png"
    assert "NaN or inf" in one_line_error(capsys, ["generate", "--model", str(tmp_path / "broken"), "--prompt", "x", "--out", str(out), "--steps", "1"])
    assert not out.exists()


def test_cli_quiet_on_a_plain_generation(tmp_path):
    """No warnings a user cannot act on: tokenizer truncation of a short prompt, diffusers' empty text-encoder
    LoRA notice, experimental-backend notices. In a process of its own: library loggers keep the stderr they
    found at import, which a test's capture does not see."""
    import subprocess
    import sys
    from pathlib import Path

    lora = save_lora(make_lora(load_pipeline("tiny").transformer, LoraSpec(rank=4)), tmp_path / "l.safetensors")
    command = [sys.executable, "-m", "lora_fast", "generate", "--prompt", "a lighthouse on a cliff at dusk", "--lora", str(lora),
               "--out", str(tmp_path / "a.png"), "--steps", "2"]
    run = subprocess.run(command, cwd=Path(__file__).parent.parent, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for noise in ("truncated", "No LoRA keys", "experimental", "Token indices", "torchvision"):
        assert noise not in run.stderr, run.stderr
