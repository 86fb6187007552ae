"""How close an image is to a reference: relative error, SSIM and PSNR, the LoRA error, and thresholds calibrated
in the same run (exact kernels against deliberately broken runs)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure


def relative_error(output: torch.Tensor, reference: torch.Tensor) -> float:
    """|output - reference| / |reference| (Frobenius), in float32."""
    output, reference = output.float(), reference.float()
    return ((output - reference).norm() / reference.norm()).item()


def similarity(image: torch.Tensor, reference: torch.Tensor) -> dict[str, float]:
    """SSIM and PSNR (dB; None for identical images) of two image batches in [0, 1], and the relative L2 error."""
    image, reference = image.float().cpu(), reference.float().cpu()
    psnr = peak_signal_noise_ratio(image, reference, data_range=1.0).item()
    return {
        "ssim": structural_similarity_index_measure(image, reference, data_range=1.0).item(),
        "psnr_db": psnr if math.isfinite(psnr) else None,
        "rel_l2": relative_error(image, reference),
    }


@dataclass(frozen=True)
class Render:
    """One generated image (in [0, 1]) and the final latents it was decoded from."""

    image: torch.Tensor
    latents: torch.Tensor

    def cpu(self) -> Render:
        return Render(self.image.float().cpu(), self.latents.float().cpu())


def render(pipe, seed: int = 0, **call_kwargs) -> Render:
    """Generate one image from a CPU generator seeded with `seed`, keeping the final latents as well."""
    captured = {}

    def keep_latents(pipe, step, timestep, tensors):
        captured["latents"] = tensors["latents"]
        return tensors

    generator = torch.Generator("cpu").manual_seed(seed)
    images = pipe(generator=generator, output_type="pt", callback_on_step_end=keep_latents, **call_kwargs).images
    return Render(images, captured["latents"])


def max_abs_difference(image: torch.Tensor, other: torch.Tensor) -> float:
    """The largest difference between two images (pixels in [0, 1]): 0 when they are bit-identical."""
    return (image.float() - other.float()).abs().max().item()


def lora_error(output: torch.Tensor, reference: torch.Tensor, without_lora: torch.Tensor) -> float:
    """How much of the LoRA's effect `output` gets wrong: |output - reference| / |reference - without_lora|.

    0 reproduces the reference; 1 is as far off as leaving the LoRA out. Unlike SSIM this does not depend on
    how much the starting noise dominates a random-weight image."""
    output, reference, without_lora = (tensor.float().cpu() for tensor in (output, reference, without_lora))
    return ((output - reference).norm() / (reference - without_lora).norm()).item()


def distances(output: Render, reference: Render, without_lora: Render) -> dict[str, float]:
    """Distances of `output` from `reference` (0 = identical): lora_error of latents and of images, and 1 - SSIM."""
    return {
        "lora_error_latents": lora_error(output.latents, reference.latents, without_lora.latents),
        "lora_error_image": lora_error(output.image, reference.image, without_lora.image),
        "one_minus_ssim": 1.0 - similarity(output.image, reference.image)["ssim"],
    }


@dataclass(frozen=True)
class Calibration:
    """Similarity thresholds for one model, measured in the same run as the cases they judge.

    For each distance, `exact` is the distance between two exact attention kernels (the arithmetic's noise)
    and `broken` the smallest distance of deliberately broken runs (LoRA dropped, LoRA at a wrong scale).
    The limit is their geometric mean: as many times above the noise as below the nearest fault. A metric
    whose margin is under MIN_MARGIN cannot tell the two apart on this model and is reported, not trusted."""

    exact: dict[str, float]
    broken: dict[str, float]
    lora_effect: float  # |reference - without LoRA| / |reference| of the latents: how much the LoRA changes them
    quantized: dict[str, float] | None = None  # the reference with FP8 linears (its LoRA unfused beside them): FP8's own error
    PRIMARY = "lora_error_latents"
    MIN_MARGIN = 3.0
    QUANTIZED_MIN_MARGIN = 1.25  # FP8's own error sits closer to the faults than the exact spread does; it must still be told apart
    RESOLUTION = 1e-7  # about float32's epsilon: a smaller exact spread is read as this much noise

    @classmethod
    def measure(cls, reference: Render, without_lora: Render, exact_variant: Render, broken_runs: list[Render]) -> Calibration:
        """Calibrate from renders of the reference, of no LoRA, of an exact variant and of broken runs."""
        broken = [distances(run, reference, without_lora) for run in broken_runs]
        return cls(
            exact=distances(exact_variant, reference, without_lora),
            broken={key: min(run[key] for run in broken) for key in broken[0]},
            lora_effect=relative_error(without_lora.latents, reference.latents),
        )

    def with_quantized(self, run: Render, reference: Render, without_lora: Render) -> Calibration:
        """This calibration with FP8's own error, from `run`: the reference made with FP8 linears."""
        return dataclasses.replace(self, quantized=distances(run, reference, without_lora))

    @property
    def limits(self) -> dict[str, float]:
        return {key: math.sqrt(max(self.exact[key], self.RESOLUTION) * self.broken[key]) for key in self.exact}

    @property
    def quantized_limits(self) -> dict[str, float]:
        """The limits a quantized configuration is held to, by the same rule as `limits`: the geometric mean of FP8's
        own error (or the exact spread, when larger) and the nearest fault. Empty before `with_quantized`."""
        return {key: math.sqrt(self._quantized_floor(key) * self.broken[key]) for key in self.exact} if self.quantized else {}

    def _quantized_floor(self, key: str) -> float:
        return max(self.quantized[key], self.exact[key], self.RESOLUTION)

    @property
    def quantized_margins(self) -> dict[str, float]:
        """How many times each quantized limit exceeds FP8's own error (or the exact spread, when larger)."""
        return {key: limit / self._quantized_floor(key) for key, limit in self.quantized_limits.items()}

    @property
    def margins(self) -> dict[str, float]:
        """How many times each limit exceeds the exact spread (and, equally, falls below the nearest fault)."""
        return {key: limit / max(self.exact[key], self.RESOLUTION) for key, limit in self.limits.items()}

    def sensitive(self, metric: str) -> bool:
        return self.margins[metric] >= self.MIN_MARGIN

    def check(self) -> None:
        """Raise when the primary metric cannot separate exact variants from a broken LoRA on this model."""
        if not self.sensitive(self.PRIMARY):
            raise AssertionError(
                f"{self.PRIMARY} cannot separate exact variants ({self.exact[self.PRIMARY]:.3g}) from a broken LoRA "
                f"({self.broken[self.PRIMARY]:.3g}) on this model; give the synthetic LoRA more strength (--lora-strength). "
                f"All figures: {self.to_dict()}"
            )

    def judge(self, measured: dict[str, float]) -> dict[str, bool]:
        """Per sensitive metric: is `measured` (from `distances`) within its limit?"""
        return {key: measured[key] <= limit for key, limit in self.limits.items() if self.sensitive(key)}

    def judge_quantized(self, measured: dict[str, float]) -> dict[str, bool]:
        """Per metric whose quantized limit stands QUANTIZED_MIN_MARGIN apart from FP8's own error and from the faults:
        is `measured` within it? Raises when the primary metric cannot tell FP8's error from a broken LoRA."""
        margins = self.quantized_margins
        if margins[self.PRIMARY] < self.QUANTIZED_MIN_MARGIN:
            raise AssertionError(
                f"{self.PRIMARY}: FP8's own error ({self.quantized[self.PRIMARY]:.3g}) is too close to a broken LoRA ({self.broken[self.PRIMARY]:.3g}) "
                f"to hold FP8 configurations to a limit on this model; give the synthetic LoRA more strength (--lora-strength)"
            )
        return {key: measured[key] <= limit for key, limit in self.quantized_limits.items() if margins[key] >= self.QUANTIZED_MIN_MARGIN}

    def to_dict(self) -> dict[str, object]:
        quantized = {"quantized": self.quantized, "quantized_limits": self.quantized_limits} if self.quantized else {}
        return {"exact": self.exact, "broken": self.broken, "limits": self.limits, "margins": self.margins, "lora_effect": self.lora_effect, **quantized}


