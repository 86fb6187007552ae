"""FP8 linear layers: ours (`Fp8Linear`, the default) and torchao's (the reference recipe's).

Ours stores an e4m3 weight with one scale per output row as plain buffers, quantizes each activation row on
the fly and makes one `torch._scaled_mm` call: the arithmetic of torchao's dynamic rowwise float8. We write our
own because torchao's tensor subclass cost 200 to 290 s to compile per process on the H200 (bf16: 25 s), and
because a folded LoRA must rewrite the weight in place, which a subclass does not allow."""

from __future__ import annotations

import functools
from typing import Protocol

import torch

from ..config import Quantization
from ..undo import Undo
from .fuse import fused_rows

E4M3_MAX = torch.finfo(torch.float8_e4m3fn).max
UNIT_ROWS = 1 << 20  # rows of the column of ones that static-scaled layers share (4 MiB a device): batch x tokens at most


class StoredWeight(Protocol):
    """Where a layer's exact weight can be read again (`lora_fast.speed.streamed.StoredTensor`)."""

    def read(self, device: torch.device | str = "cpu") -> torch.Tensor: ...


def saturated_e4m3(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` (already scaled) cast to e4m3, values past its range held at its largest."""
    return tensor.clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn)


def quantize_rows(tensor: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """e4m3 values and float32 descales (rows, 1) of a 2-D tensor, each row scaled to the e4m3 range: one division
    per row, then each value multiplied (a division per value costs inductor's instruction-bound kernels more)."""
    scale = E4M3_MAX / tensor.abs().amax(dim=-1, keepdim=True).float().clamp(min=1e-12)
    return saturated_e4m3(tensor.float() * scale), scale.reciprocal()


@functools.cache
def unit_column(device: torch.device) -> torch.Tensor:
    """A column of ones that every static-scaled layer on `device` hands the rowwise matmul as its activation scales
    (their descale moved into the weight's row scales), so that no layer makes a column of its own on each call:
    that was one more kernel per layer, 418 a step. Its address is static: CUDA graphs read it where it is."""
    column = torch.ones(UNIT_ROWS, 1, dtype=torch.float32, device=device)
    if device.type == "cuda":
        torch._dynamo.mark_static_address(column)
    return column


class Fp8Linear(torch.nn.Module):
    """A linear layer with an e4m3 weight and per-row scales; activations are quantized per row on each call, or
    with one calibrated scale (`static_input`)."""

    def __init__(self, in_features: int, out_features: int, bias: torch.Tensor | None, device: torch.device) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.register_buffer("weight", torch.empty(out_features, in_features, dtype=torch.float8_e4m3fn, device=device))
        self.register_buffer("weight_scale", torch.empty(out_features, 1, dtype=torch.float32, device=device))
        self.register_buffer("bias", None if bias is None else bias.detach().to(device, copy=True))
        # One calibrated descale for every activation row (`lora_fast.speed.activation_scales`), used once `static_input`:
        # the matmul then takes it inside the weight's row scales (`static_weight_scale`) and a shared column of ones.
        self.register_buffer("input_descale", torch.ones(1, 1, dtype=torch.float32, device=device))
        self.register_buffer("input_scale", torch.ones(1, 1, dtype=torch.float32, device=device), persistent=False)  # its reciprocal
        self.register_buffer("static_weight_scale", torch.empty(out_features, 1, dtype=torch.float32, device=device), persistent=False)
        self.static_input = False
        self.unit_rows: torch.Tensor | None = None  # `unit_column` of the layer's device, once static
        self.origin: StoredWeight | None = None  # where the exact weight lies (a streamed layer): a fold reads it from there

    @classmethod
    def from_linear(cls, linear: torch.nn.Linear, device: torch.device | None = None) -> Fp8Linear:
        """The FP8 copy of `linear` on `device` (default: `linear`'s), whose own weight is left as it is."""
        layer = cls(linear.in_features, linear.out_features, linear.bias, device or linear.weight.device)
        layer.set_weight(linear.weight.detach())
        return layer

    @torch.no_grad()
    def set_weight(self, weight: torch.Tensor, rows: slice = slice(None)) -> None:
        """Quantize `weight` into this layer's buffers (or their `rows`: each row has its own scale) in place:
        same tensors, same addresses, so compiled code and CUDA graphs that read them stay valid."""
        quantized, descale = quantize_rows(weight.to(self.weight.device))
        self.weight[rows].copy_(quantized)
        self.weight_scale[rows].copy_(descale)
        self.static_weight_scale[rows].copy_(descale * self.input_descale)

    @torch.no_grad()
    def use_static_input(self, descale: torch.Tensor) -> None:
        """Quantize every activation row with one `descale` (a tensor of one value, on any device) from now on, in place."""
        self.input_descale.copy_(descale.reshape(1, 1))
        self.input_scale.copy_(self.input_descale.reciprocal())
        self.static_weight_scale.copy_(self.weight_scale * self.input_descale)
        self.unit_rows = unit_column(self.weight.device)
        self.static_input = True

    def dense_weight(self) -> torch.Tensor:
        """The weight this layer computes with, dequantized to float32."""
        return self.weight.float() * self.weight_scale

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        output = self.product(input)
        if self.bias is not None:  # added outside the matmul: not every _scaled_mm kernel takes a bias with rowwise scales
            output = output + self.bias.to(input.dtype)
        return output

    def product(self, input: torch.Tensor) -> torch.Tensor:
        """The layer's output without its bias (a kernel that reads it next can add the bias itself)."""
        output = self.matmul(*self.quantized(input.reshape(-1, self.in_features)), input.dtype)
        return output.reshape(*input.shape[:-1], self.out_features)

    def matmul(self, rows: torch.Tensor, row_descale: torch.Tensor, weight_descale: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """e4m3 activation `rows` (rows, in_features) times the weight, with the scales `quantized` gives: (rows, out_features)."""
        if rows.device.type == "cpu":  # the same arithmetic in float32: torch's CPU _scaled_mm takes per-row scales only from 2.13
            return ((rows.float() * row_descale) @ (self.weight.float() * weight_descale).t()).to(dtype)
        return torch._scaled_mm(rows, self.weight.t(), scale_a=row_descale, scale_b=weight_descale.t(), out_dtype=dtype, use_fast_accum=True)

    def quantized(self, flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The e4m3 rows of `flat` (rows, in_features) and the matmul's scales for them and for the weight."""
        if self.static_input:  # no amax pass: the producer can write e4m3 at once (values past the scale saturate)
            return saturated_e4m3(flat.float() * self.input_scale), *self.static_scales(flat.shape[0])
        rows, row_descale = quantize_rows(flat)
        return rows, row_descale, self.weight_scale

    def static_scales(self, rows: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The matmul's scales for `rows` activation rows quantized at the calibrated scale: ones, and the weight's with it."""
        if rows > self.unit_rows.shape[0]:
            raise ValueError(f"{rows} activation rows (batch x tokens) is more than the {UNIT_ROWS} static FP8 scales take; split the batch")
        return self.unit_rows[:rows], self.static_weight_scale

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}, e4m3 rowwise"


def unwatched_fp8(layer: torch.nn.Module) -> bool:
    """Whether `layer` is our FP8 linear and nothing watches its calls (calibration's and offloading's hooks run in
    forward), so a fused kernel may compute its input or output instead of calling it."""
    return isinstance(layer, Fp8Linear) and not (layer._forward_pre_hooks or layer._forward_hooks or "forward" in vars(layer))


def lora_layer(root: torch.nn.Module, name: str) -> torch.nn.Module | None:
    """The linear layer a LoRA on module `name` changes (the base layer under a peft wrapper, ours FP8 included),
    or None when `root` has no such linear layer."""
    try:
        layer = root.get_submodule(name)
    except AttributeError:
        return None
    layer = getattr(layer, "base_layer", layer)
    return layer if isinstance(layer, (torch.nn.Linear, Fp8Linear)) else None


def dense_weight(layer: torch.nn.Module) -> torch.Tensor:
    """The weight a linear layer computes with (dequantized to float32 for ours FP8)."""
    return layer.dense_weight() if isinstance(layer, Fp8Linear) else layer.weight.detach()


def base_linears(transformer: torch.nn.Module, text_stream: bool = True) -> list[str]:
    """Names of the linear layers FP8 applies to: every nn.Linear whose sizes the FP8 matmul takes (multiples of
    16), LoRA factors excepted (they stay in the model's dtype so hot-swap can copy into them), and without
    `text_stream` the joint blocks' text-stream attention projections too (see `text_stream_projections`). The
    layers a model keeps in float32 itself (its `_keep_in_fp32_modules`: T5's `wo`, whose input T5 casts to that
    layer's weight dtype) stay as they are."""
    skipped = set() if text_stream else text_stream_projections(transformer)
    wider = set(getattr(transformer, "_keep_in_fp32_modules", None) or ())

    def is_base(name: str, module: torch.nn.Module) -> bool:
        lora_factor = ".lora_A." in f".{name}." or ".lora_B." in f".{name}."
        sizes_fit = isinstance(module, torch.nn.Linear) and module.in_features % 16 == 0 and module.out_features % 16 == 0
        kept_wide = name.rpartition(".")[2] in wider
        return sizes_fit and not lora_factor and not kept_wide and module not in skipped and fused_rows(transformer, name) is None  # fused away: unused

    return [name for name, module in transformer.named_modules() if is_base(name, module)]


def text_stream_projections(transformer: torch.nn.Module) -> set[torch.nn.Module]:
    """The linear layers (peft's wrappers unwrapped) of the text stream's q/k/v and output projections in Flux's
    joint blocks: 3072 x 3072 on 512 tokens, where an e4m3 matmul is no faster than bf16 and its activation
    quantization is pure cost."""
    layers = set()
    for block in transformer.modules():
        attention = getattr(block, "attn", None)
        if attention is None or getattr(attention, "added_kv_proj_dim", None) is None:
            continue
        fused = [attention.to_added_qkv] if getattr(attention, "to_added_qkv", None) is not None else []
        for layer in (attention.add_q_proj, attention.add_k_proj, attention.add_v_proj, attention.to_add_out, *fused):
            layers.add(getattr(layer, "base_layer", layer))
    return layers


def quantize(
    transformer: torch.nn.Module, quantization: Quantization, text_stream: bool = True, keep_originals: bool = True, device: torch.device | None = None
) -> Undo | None:
    """FP8 on the transformer's base linear layers (the text stream's attention projections only with
    `text_stream`); the returned undo puts the original layers back. Without `keep_originals` the original
    layers are freed instead of parked in host memory (Flux's are 22 GiB) and there is no undo (None). Ours
    builds each FP8 layer on `device` (default: its layer's), one layer at a time, so a transformer in host
    memory reaches the GPU already in FP8."""
    if quantization is Quantization.TORCHAO_FP8_ROWWISE:
        return _quantize_torchao(transformer, text_stream, keep_originals)
    originals = {name: transformer.get_submodule(name) for name in base_linears(transformer, text_stream)}
    devices = {name: layer.weight.device for name, layer in originals.items()}
    for name, layer in originals.items():
        transformer.set_submodule(name, Fp8Linear.from_linear(layer, device))
        if keep_originals:
            layer.to("cpu")  # parked off the GPU: the point of FP8 is the memory it frees
    if not keep_originals:
        return None  # the original layers go with this function's references to them

    def undo() -> None:
        for name, layer in originals.items():
            transformer.set_submodule(name, layer.to(devices[name]))

    return undo


def _quantize_torchao(transformer: torch.nn.Module, text_stream: bool, keep_originals: bool) -> Undo | None:
    """torchao's float8 dynamic rowwise on the same layers; the bf16 weights are parked on the CPU for the undo."""
    from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, PerRow, quantize_

    names = set(base_linears(transformer, text_stream))
    parked = {name: transformer.get_submodule(name).weight.detach().to("cpu") for name in names} if keep_originals else {}
    quantize_(transformer, Float8DynamicActivationFloat8WeightConfig(granularity=PerRow()), filter_fn=lambda module, name: name in names)
    if not keep_originals:
        return None

    def undo() -> None:
        for name, weight in parked.items():
            module = transformer.get_submodule(name)
            module.weight = torch.nn.Parameter(weight.to(module.weight.device), requires_grad=False)
            module.__dict__.pop("extra_repr", None)  # torchao sets a per-instance repr

    return undo
