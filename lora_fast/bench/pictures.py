"""Pictures a benchmark case stores beside its timings, as the reference keeps a sample image per configuration:
its image, `baseline`'s, the difference between the two, and the LoRA's own effect (baseline with the LoRA against
without it), both differences at one gain so that they compare at a glance. Thumbnails, as base64 JPEG."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

THUMBNAIL_PX = 256
JPEG_QUALITY = 85
# The differences are scaled so that this quantile of the LoRA's effect is full white: a preset whose map is dark
# next to the LoRA's changes the picture much less than the LoRA does.
EFFECT_QUANTILE = 0.99


def _shrunk(image: torch.Tensor) -> torch.Tensor:
    """The first image of a batch (channels first, in [0, 1]) with its longer side at most THUMBNAIL_PX, by area."""
    image = image[0].float().cpu().clamp(0, 1)
    factor = max(image.shape[-2:]) / THUMBNAIL_PX
    if factor <= 1:
        return image
    size = (round(image.shape[-2] / factor), round(image.shape[-1] / factor))
    return F.interpolate(image[None], size=size, mode="area")[0]


def encoded(image: torch.Tensor) -> str:
    """One image (channels first, in [0, 1]) as a base64 JPEG."""
    pixels = (image.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return base64.b64encode(buffer.getvalue()).decode()


def difference_gain(reference: torch.Tensor, without_lora: torch.Tensor) -> float:
    """The gain that maps the EFFECT_QUANTILE of |reference - without_lora| (per pixel, channels averaged) to white."""
    effect = (reference.float().cpu() - without_lora.float().cpu()).abs().mean(dim=1).flatten()
    level = torch.quantile(effect[: 2**24], EFFECT_QUANTILE).item()
    return 1.0 / level if level > 0 else 1.0


def difference_map(image: torch.Tensor, reference: torch.Tensor, gain: float) -> torch.Tensor:
    """|image - reference| times `gain`, channels averaged, clipped to [0, 1], as a grey batch of one."""
    difference = (image.float().cpu() - reference.float().cpu()).abs().mean(dim=1, keepdim=True) * gain
    return difference.clamp(0, 1).expand(-1, 3, -1, -1)


def case_pictures(image: torch.Tensor, reference: torch.Tensor, without_lora: torch.Tensor) -> dict[str, object]:
    """JSON-ready thumbnails of a case (`image`), of `baseline` with its LoRA (`reference`), of their difference and
    of the LoRA's effect at the same gain, with the gain itself."""
    gain = difference_gain(reference, without_lora)
    return {
        "format": "jpeg", "gain": gain, "quantile": EFFECT_QUANTILE,
        "image": encoded(_shrunk(image)), "baseline": encoded(_shrunk(reference)),
        "difference": encoded(_shrunk(difference_map(image, reference, gain))),
        "lora_effect": encoded(_shrunk(difference_map(reference, without_lora, gain))),
    }


def save_png(image: torch.Tensor, path: Path) -> Path:
    """The first image of a batch at full size as a PNG (never over an existing file)."""
    pixels = (image[0].float().cpu().clamp(0, 1).permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as file:
        Image.fromarray(pixels).save(file, format="PNG")
    return path
