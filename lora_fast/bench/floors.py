"""How fast an image could be: the work of one denoising step (linear layers and attention, in FLOPs, counted from
the transformer) over the rates the GPU was measured to reach (`CEILINGS`, from probe runs on the lent H200: an
8192^3 matmul in bf16 and FP8, FA3 at Flux's attention shape). A floor per step, so time can be set beside it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

# Measured rates (TFLOP/s) per GPU name, the ones a floor is judged by.
CEILINGS = {"NVIDIA H200": {"bf16_gemm": 779.0, "fp8_gemm": 1403.0, "fa3_bf16_attention": 551.0, "fa3_fp8_attention": 659.0}}
IMAGE_STREAM = ("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0", "ff.net.0.proj", "ff.net.2")  # a joint block's image-token layers


@dataclass(frozen=True)
class StepWork:
    """One denoising step's work at a request size, in TFLOP, and its floor in seconds at the GPU's measured rates."""

    image_tokens: int
    text_tokens: int
    linear_tflop: float
    attention_tflop: float
    floor_s: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def step_work(transformer: torch.nn.Module, image_tokens: int, text_tokens: int, gpu: str, fp8: bool) -> StepWork:
    """The linear and attention FLOPs of one transformer call on one image (2 per multiply-add; a joint block's image
    layers see the image tokens, its text layers the text tokens, a single block's layers both; attention is
    Q K^T and P V over all tokens in every block), and the floor with FP8 or bf16 matmuls and FA3 on `gpu`."""
    linear, attention, tokens = 0, 0, image_tokens + text_tokens
    for block in transformer.transformer_blocks:
        for name, layer in block.named_modules():
            if isinstance(layer, torch.nn.Linear) and not name.startswith("norm"):
                linear += 2 * layer.in_features * layer.out_features * (image_tokens if name in IMAGE_STREAM else text_tokens)
        attention += 4 * block.attn.inner_dim * tokens * tokens
    for block in transformer.single_transformer_blocks:
        linear += sum(2 * layer.in_features * layer.out_features * tokens for name, layer in block.named_modules()
                      if isinstance(layer, torch.nn.Linear) and not name.startswith("norm"))
        attention += 4 * block.attn.inner_dim * tokens * tokens
    rates = CEILINGS.get(gpu)
    floor = None if rates is None else (linear / rates["fp8_gemm" if fp8 else "bf16_gemm"] + attention / rates["fa3_bf16_attention"]) / 1e12
    return StepWork(image_tokens, text_tokens, linear / 1e12, attention / 1e12, floor)
