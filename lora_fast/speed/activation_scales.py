"""Static activation scales for our FP8 layers: one scale per layer, calibrated on one image, instead of each
activation row's largest value found on every call. Without the amax pass the kernel that makes an activation (norm
and modulation, GELU) can write e4m3 directly.

A row's own scale keeps its full precision whatever its size; one scale for all rows keeps e4m3's 3 mantissa
bits for every value within its 14 binades below the scale, so rows up to about 10^4 apart lose nothing. The scale
is the calibration's largest value times HEADROOM; a value past it saturates. `clipped_shares` counts that, run
eagerly over compiled code (`torch.compiler.set_stance("force_eager")`: nothing recompiles), and
`recalibrate_if_clipping` measures again when a share passes its threshold (after a swap, say). The scales are
buffers written in place: compiled code and CUDA graphs stay valid. FP8 attention's value gets one calibrated scale per
head the same way (`lora_fast.speed.attention.fix_fp8_scales`), so no call looks for its largest value either."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch

from ..undo import Undo
from .attention import fix_fp8_scales, fixed_fp8_scales, fp8_attentions, free_fp8_scales, head_amax, value_projections
from .quantize import E4M3_MAX, Fp8Linear

HEADROOM = 4.0  # two binades above the calibration's largest activation
CLIPPED_SHARE_LIMIT = 1e-4  # more values of a layer saturating than this share asks for a new calibration


def fp8_layers(module: torch.nn.Module) -> dict[str, Fp8Linear]:
    return {name: layer for name, layer in module.named_modules() if isinstance(layer, Fp8Linear)}


@contextlib.contextmanager
def _watching(
    layers: dict[str, Fp8Linear], seen: Callable[[str, Fp8Linear, torch.Tensor], None],
    attentions: dict[str, torch.nn.Module], seen_value: Callable[[str, torch.nn.Module, torch.Tensor], None],
) -> Iterator[None]:
    """Each layer's input handed to `seen`, and each of `attentions`' value projections' outputs to `seen_value`, for
    the length of the block, compiled code run eagerly meanwhile."""
    handles = [layer.register_forward_pre_hook(lambda module, args, name=name: seen(name, module, args[0])) for name, layer in layers.items()]
    handles += [
        projection.register_forward_hook(lambda module, args, output, name=name, attn=attn: seen_value(name, attn, output))
        for name, attn in attentions.items() for projection in value_projections(attn)
    ]
    try:
        with torch.compiler.set_stance("force_eager"), torch.no_grad():
            yield
    finally:
        for handle in handles:
            handle.remove()


def calibrate(transformer: torch.nn.Module, run: Callable[[], object], headroom: float = HEADROOM) -> Undo:
    """Run `run` (one image) with every FP8 layer quantizing per row as before and its largest input recorded, then
    switch each layer to one scale of largest x `headroom`; FP8 attention's value likewise, per head. The undo goes
    back to scales found on each call."""
    layers, attentions = fp8_layers(transformer), fp8_attentions(transformer)
    largest: dict[str, torch.Tensor] = {}

    def record(name: str, layer: torch.nn.Module, input: torch.Tensor) -> None:
        value = head_amax(layer, input) if name in attentions else input.detach().abs().amax().float()
        largest[name] = torch.maximum(largest[name], value) if name in largest else value

    with _watching(layers, record, attentions, record):
        run()
    missing = [name for name in [*layers, *attentions] if name not in largest]
    if missing:
        raise RuntimeError(f"FP8 layer {missing[0]} did not run in the calibration image; static activation scales need every layer to run once")
    for name, layer in layers.items():
        layer.use_static_input(largest[name].clamp(min=1e-12) * headroom / E4M3_MAX)  # on the layer's device: no read-back
    for name, attn in attentions.items():
        fix_fp8_scales(attn, largest[name], headroom)

    def undo() -> None:
        for layer in layers.values():
            layer.static_input = False
        for attn in attentions.values():
            free_fp8_scales(attn)

    return undo


def clipped_shares(transformer: torch.nn.Module, run: Callable[[], object]) -> dict[str, float]:
    """Per FP8 layer with static scales (and attention value, named `<attention>.value`): the share of its inputs over
    `run` (one image) past its scale's range."""
    layers = {name: layer for name, layer in fp8_layers(transformer).items() if layer.static_input}
    attentions = {name: attn for name, attn in fp8_attentions(transformer).items() if fixed_fp8_scales(attn)}
    clipped: dict[str, torch.Tensor] = {}  # counted where the layer runs, read back once at the end (not a sync per call)
    totals: dict[str, int] = {}

    def tally(name: str, values: torch.Tensor, bound: torch.Tensor) -> None:
        past = (values.detach().float().abs() > bound).sum()
        clipped[name] = clipped[name] + past if name in clipped else past
        totals[name] = totals.get(name, 0) + values.numel()

    def count(name: str, layer: Fp8Linear, input: torch.Tensor) -> None:
        tally(name, input, E4M3_MAX * layer.input_descale)

    def count_value(name: str, attn: torch.nn.Module, projected: torch.Tensor) -> None:
        tally(f"{name}.value", projected.unflatten(-1, (-1, attn.head_dim)), E4M3_MAX / attn.fp8_scales[2][:, None])

    with _watching(layers, count, attentions, count_value):
        run()
    return {name: int(count) / totals[name] for name, count in clipped.items()}


def recalibrate_if_clipping(transformer: torch.nn.Module, run: Callable[[], object], limit: float = CLIPPED_SHARE_LIMIT) -> bool:
    """Count what saturates over `run`; past `limit` in any layer, calibrate every layer again on `run`. True when it did."""
    if max(clipped_shares(transformer, run).values(), default=0.0) <= limit:
        return False
    for layer in fp8_layers(transformer).values():
        layer.static_input = False
    for attn in fp8_attentions(transformer).values():
        attn.fp8_scales_fixed = False  # measured per call meanwhile; calibrate writes the same buffers again
    calibrate(transformer, run)
    return True
