"""Flux pipelines: the embedded tiny one, the full-size FLUX.1-dev architecture with random weights, or real weights."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
from transformers import CLIPTextConfig, CLIPTextModel, PreTrainedTokenizerFast, T5Config, T5EncoderModel

from .errors import QuotingError
from .hub import HUB_ERRORS

TINY = "tiny"
FLUX_DEV_RANDOM = "flux-dev-random"
DEFAULT_PROMPT = "a lighthouse on a cliff at dusk, oil painting"  # what the benchmarks and `profile` generate


class PipelineError(QuotingError, ValueError):
    """A pipeline source that cannot be loaded; the message says why and what to pass instead."""


@dataclass(frozen=True)
class FluxShapes:
    """Every size that defines a Flux pipeline built from code."""

    transformer: dict
    vae: dict
    clip: dict
    t5: dict
    clip_max_length: int
    t5_max_length: int
    # Generation defaults that suit the model's size.
    height: int
    width: int
    steps: int
    guidance_scale: float


# Ids that byte_tokenizer gives CLIP's special tokens: pad and eos share <|endoftext|> (0), bos is 1.
CLIP_TOKEN_IDS = dict(pad_token_id=0, eos_token_id=0, bos_token_id=1)

SCHEDULER = dict(
    shift=3.0, use_dynamic_shifting=True, base_shift=0.5, max_shift=1.15, base_image_seq_len=256, max_image_seq_len=4096
)

# 2 double + 2 single blocks, width 32; VAE with 3 levels (64x64 image -> 16x16 latents -> 64 image tokens).
TINY_SHAPES = FluxShapes(
    transformer=dict(
        patch_size=1, in_channels=16, num_layers=2, num_single_layers=2, attention_head_dim=16, num_attention_heads=2,
        joint_attention_dim=32, pooled_projection_dim=32, guidance_embeds=True, axes_dims_rope=(4, 6, 6),
    ),
    vae=dict(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
        block_out_channels=(8, 16, 16), layers_per_block=1, latent_channels=4, norm_num_groups=4, sample_size=64,
        scaling_factor=0.3611, shift_factor=0.1159, use_quant_conv=False, use_post_quant_conv=False,
    ),
    clip=dict(
        vocab_size=300, hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
        max_position_embeddings=77, projection_dim=32, hidden_act="quick_gelu", **CLIP_TOKEN_IDS,
    ),
    t5=dict(
        vocab_size=300, d_model=32, d_ff=37, d_kv=8, num_layers=2, num_heads=4, relative_attention_num_buckets=8,
        feed_forward_proj="gated-gelu",
    ),
    clip_max_length=77, t5_max_length=64, height=64, width=64, steps=4, guidance_scale=3.5,
)

# FLUX.1-dev: 19 double + 38 single blocks of width 3072 (24 heads of 128), 16-channel VAE, CLIP-L and T5-XXL.
FLUX_DEV_SHAPES = FluxShapes(
    transformer=dict(
        patch_size=1, in_channels=64, num_layers=19, num_single_layers=38, attention_head_dim=128, num_attention_heads=24,
        joint_attention_dim=4096, pooled_projection_dim=768, guidance_embeds=True, axes_dims_rope=(16, 56, 56),
    ),
    vae=dict(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=16, norm_num_groups=32,
        sample_size=1024, scaling_factor=0.3611, shift_factor=0.1159, use_quant_conv=False, use_post_quant_conv=False,
    ),
    clip=dict(
        vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
        max_position_embeddings=77, projection_dim=768, hidden_act="quick_gelu", **CLIP_TOKEN_IDS,
    ),
    t5=dict(
        vocab_size=32128, d_model=4096, d_ff=10240, d_kv=64, num_layers=24, num_heads=64,
        relative_attention_num_buckets=32, feed_forward_proj="gated-gelu",
    ),
    clip_max_length=77, t5_max_length=512, height=1024, width=1024, steps=28, guidance_scale=3.5,
)

BUILT_SHAPES = {TINY: TINY_SHAPES, FLUX_DEV_RANDOM: FLUX_DEV_SHAPES}


def byte_tokenizer(bos: str | None, eos: str, pad: str, max_length: int) -> PreTrainedTokenizerFast:
    """A byte-level tokenizer made offline: one id per byte of UTF-8 plus special tokens. Random weights need no vocabulary."""
    specials = [token for token in (pad, bos, eos, "<unk>") if token]
    specials = list(dict.fromkeys(specials))
    vocab = {token: index for index, token in enumerate(specials)}
    for char in sorted(pre_tokenizers.ByteLevel.alphabet()):  # alphabet() order varies between runs
        vocab.setdefault(char, len(vocab))
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    template = f"{bos} $A {eos}" if bos else f"$A {eos}"
    tokenizer.post_processor = processors.TemplateProcessing(
        single=template, special_tokens=[(token, vocab[token]) for token in (bos, eos) if token]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token=bos, eos_token=eos, pad_token=pad, unk_token="<unk>", model_max_length=max_length
    )


@contextlib.contextmanager
def _building(device: torch.device, dtype: torch.dtype, seed: int) -> Iterator[None]:
    """Create parameters directly on `device` in `dtype` from a forked RNG; every global setting is restored after."""
    previous_dtype = torch.get_default_dtype()
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), torch.device(device):
        torch.manual_seed(seed)
        torch.set_default_dtype(dtype)
        try:
            yield
        finally:
            torch.set_default_dtype(previous_dtype)


def build_random_pipeline(
    shapes: FluxShapes, *, device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32, seed: int = 0, draw_on: str | torch.device | None = None
) -> FluxPipeline:
    """A FluxPipeline of the given shapes with random weights on `device` (no CPU copy of GPU-sized weights).
    The weights are drawn on `draw_on` (default: `device`), one component at a time, each moved to `device` before
    the next: a GPU draws Flux's 17 billion in seconds where a CPU takes minutes, and the same seed gives the same
    weights as a pipeline built on that GPU."""
    device = torch.device(device)
    with _building(torch.device(draw_on or device), dtype, seed):
        transformer = FluxTransformer2DModel(**shapes.transformer).to(device)
        vae = AutoencoderKL(**shapes.vae).to(device)
        text_encoder = CLIPTextModel(CLIPTextConfig(**shapes.clip)).to(device)
        text_encoder_2 = T5EncoderModel(T5Config(**shapes.t5)).to(device)
    for model in (transformer, vae, text_encoder, text_encoder_2):
        model.eval().requires_grad_(False)
    return FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(**SCHEDULER),
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=byte_tokenizer("<|startoftext|>", "<|endoftext|>", "<|endoftext|>", shapes.clip_max_length),
        text_encoder_2=text_encoder_2,
        tokenizer_2=byte_tokenizer(None, "</s>", "<pad>", shapes.t5_max_length),
        transformer=transformer,
    )


def model_dtype(device: str | torch.device) -> torch.dtype:
    """The dtype a pipeline runs in on `device`: bfloat16 on CUDA, float32 on the CPU."""
    return torch.bfloat16 if torch.device(device).type == "cuda" else torch.float32


def load_pipeline(
    source: str = TINY, *, device: str | torch.device = "cpu", dtype: torch.dtype | None = None, seed: int = 0,
    draw_on: str | torch.device | None = None,
) -> FluxPipeline:
    """A FluxPipeline from `source`: "tiny" (embedded), "flux-dev-random" (full size, random), a local folder or a hub id.

    dtype defaults to `model_dtype(device)`; `seed` fixes the random weights of the built pipelines, drawn on
    `draw_on` (see `build_random_pipeline`). A pipeline that will run offloaded on a GPU loads in host memory with
    the GPU's dtype, its random weights drawn on the GPU (`offload.loading_device`)."""
    device = torch.device(device)
    dtype = dtype or model_dtype(device)
    if source in BUILT_SHAPES:
        pipe = build_random_pipeline(BUILT_SHAPES[source], device=device, dtype=dtype, seed=seed, draw_on=draw_on)
    else:
        pipe = _from_pretrained(source, dtype).to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def local_folder(source: str) -> Path | None:
    """The saved pipeline folder `source` names, or None when it is a hub id; PipelineError for a path that is not one."""
    path = Path(source).expanduser()
    if path.exists() and not (path / "model_index.json").is_file():
        raise PipelineError(f"{source!r} is a path without model_index.json; pass a saved Flux pipeline folder, a hub id, or 'tiny'")
    looks_like_path = path.is_absolute() or source.startswith((".", "~")) or source.count("/") > 1
    if not path.exists() and looks_like_path:
        raise PipelineError(f"pipeline folder {source!r} does not exist; pass a saved Flux pipeline folder, a hub id, or 'tiny'")
    return path if path.exists() else None


def _from_pretrained(source: str, dtype: torch.dtype) -> FluxPipeline:
    folder = local_folder(source)
    try:
        return FluxPipeline.from_pretrained(source if folder is None else os.fspath(folder), torch_dtype=dtype)
    except HUB_ERRORS as error:
        raise PipelineError(
            f"could not load Flux pipeline {source!r} ({error.__class__.__name__}: {str(error).splitlines()[0]}); "
            "check the hub id and your network or HF token, or pass a local folder or 'tiny'"
        ) from error


def generation_defaults(source: str) -> dict:
    """Image size, steps and guidance that suit `source` (full-size defaults for real weights)."""
    shapes = BUILT_SHAPES.get(source, FLUX_DEV_SHAPES)
    return dict(height=shapes.height, width=shapes.width, num_inference_steps=shapes.steps, guidance_scale=shapes.guidance_scale,
                max_sequence_length=shapes.t5_max_length)
