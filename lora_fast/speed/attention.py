"""Attention kernels for the Flux transformer: torch SDPA variants through diffusers' backends, FlashAttention-3
(bf16, and FP8 with per-head scales) as compile-safe custom ops, and SageAttention."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from types import ModuleType

import torch
from diffusers.models.attention_dispatch import AttentionBackendName, _AttentionBackendRegistry, dispatch_attention_fn
from diffusers.models.embeddings import apply_rotary_emb
from diffusers.models.normalization import RMSNorm
from diffusers.models.transformers.transformer_flux import _get_qkv_projections

from ..config import FA3_MODULES, Attention, ConfigError, module_available
from ..quiet import quiet_logger
from .norm_rope import Stream, norm_rope, norm_rope_fp8
from .quantize import E4M3_MAX, saturated_e4m3, unwatched_fp8

# Backends that diffusers' own dispatch runs.
DIFFUSERS_BACKENDS = {
    Attention.SDPA: "native",
    Attention.SDPA_FLASH: "_native_flash",
    Attention.SDPA_CUDNN: "_native_cudnn",
    Attention.SDPA_MATH: "_native_math",
}
RMS_NORMS = (torch.nn.RMSNorm, RMSNorm)  # torch's (diffusers' Flux uses it) and diffusers' own
FLUX_ATTENTION_SHAPE = (1, 4608, 24, 128)  # FLUX.1-dev at 1024x1024: batch, 4096 image + 512 text tokens, heads, head dim


def fa3_module() -> ModuleType:
    """The installed FlashAttention-3 interface: flash_attn_interface (built from source) or fa3_fwd_interface (wheel)."""
    return _first_importable(FA3_MODULES)


@functools.cache  # a failed import searches sys.path again, and the FA3 ops ask for the module on every call
def _first_importable(names: tuple[str, ...]) -> ModuleType:
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ConfigError(f"FlashAttention-3 is not installed (looked for {' and '.join(names)}); pip install fa3-fwd on a Hopper GPU, or pick attention=sdpa")


def check_kernel_installed(attention: Attention) -> None:
    """Raise ConfigError naming the package to install when `attention`'s kernel is missing."""
    if attention in (Attention.FA3, Attention.FA3_FP8, Attention.FA3_FP8_UNSCALED):
        fa3_module()
    elif attention is Attention.SAGE and not module_available("sageattention"):
        raise ConfigError("SageAttention is not installed; pip install sageattention on a CUDA GPU, or pick attention=sdpa")


def fa3_forward(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, **descales: torch.Tensor) -> torch.Tensor:
    """The FA3 package's forward call (eager; use the `fa3` and `fa3_fp8` ops in models)."""
    # The package's forward op, not its public flash_attn_func, which adds an autograd.Function inference never needs.
    return fa3_module()._flash_attn_forward(query, key, value, softmax_scale=query.shape[-1] ** -0.5, **descales)[0]


# Our ops are declared with torch.library's schema API and a CUDA kernel only: torch.library.custom_op adds a
# Python autograd layer that costs tens of microseconds per call, and Flux makes 1596 attention calls per image.
_OPS = torch.library.Library("lora_fast", "DEF")


def _cuda_op(schema: str, kernel: Callable[..., torch.Tensor], fake: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Declare lora_fast::<schema> with `kernel` on CUDA and `fake` for tracing; returns the op."""
    name = schema.split("(", 1)[0]
    _OPS.define(schema)
    _OPS.impl(name, kernel, "CUDA")
    torch.library.register_fake(f"lora_fast::{name}", fake, lib=_OPS)
    return getattr(torch.ops.lora_fast, name).default


def _fa3_kernel(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    return fa3_forward(query, key, value)


def _fa3_fp8_kernel(query, key, value, query_descale, key_descale, value_descale) -> torch.Tensor:
    return fa3_forward(query, key, value, q_descale=query_descale, k_descale=key_descale, v_descale=value_descale)


def _sage_kernel(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    import sageattention

    return sageattention.sageattn(query, key, value, tensor_layout="NHD", smooth_k=False)


def _like_query(query: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
    return torch.empty(query.shape, dtype=torch.bfloat16 if query.dtype == torch.float8_e4m3fn else query.dtype, device=query.device)


# FlashAttention-3 on (batch, seq, heads, head_dim) bf16 tensors (called through `fa3_attention`).
fa3 = _cuda_op("fa3(Tensor query, Tensor key, Tensor value) -> Tensor", _fa3_kernel, _like_query)
# FlashAttention-3 on e4m3 tensors with (batch, heads) float32 descale factors; returns bf16.
fa3_fp8 = _cuda_op(
    "fa3_fp8(Tensor query, Tensor key, Tensor value, Tensor query_descale, Tensor key_descale, Tensor value_descale) -> Tensor",
    _fa3_fp8_kernel, _like_query,
)
# SageAttention (int8 QK, Triton) on (batch, seq, heads, head_dim) tensors; `key` must already be mean-centred.
sage = _cuda_op("sage(Tensor query, Tensor key, Tensor value) -> Tensor", _sage_kernel, _like_query)


def fa3_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """FlashAttention-3 in bf16. A Python function around the op: torch.compile of a bare op overload hit
    dynamo's recompile limit on the H200, while a function calling it compiles once."""
    return fa3(query, key, value)


def quantize_per_head(tensor: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(batch, seq, heads, dim) -> e4m3 tensor and (batch, heads) descale, each head scaled to the e4m3 range.

    Plain torch, outside the op, so inductor fuses it with the ops before it. The amax is taken in two
    steps, over the contiguous head dim first, then over tokens."""
    amax = tensor.abs().amax(dim=3).amax(dim=1).float().clamp(min=1e-6)
    scale = (E4M3_MAX / amax).to(tensor.dtype)  # rounded once, so the descale undoes exactly the scale applied
    return saturated_e4m3(tensor * scale[:, None, :, None]), scale.float().reciprocal()


def within_scale(bound: torch.Tensor, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The scale (0-dim, `like`'s dtype) for a (batch, seq, heads, head_dim) tensor like `like` known to satisfy
    |tensor| <= bound (a 0-dim tensor), and its descale (batch, heads): no pass over the data to find them."""
    scale = (E4M3_MAX / bound.float().clamp(min=1e-6)).to(like.dtype)
    return scale, scale.float().reciprocal().expand(like.shape[0], like.shape[2]).contiguous()


def quantize_within(tensor: torch.Tensor, bound: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Like `quantize_per_head`, for a tensor known to satisfy |tensor| <= bound (a 0-dim tensor): one scale for
    every head, so the cast fuses into the op that makes `tensor`."""
    scale, descale = within_scale(bound, tensor)
    return saturated_e4m3(tensor * scale), descale


def rms_norm_bound(*norms: torch.nn.Module) -> torch.Tensor | None:
    """Largest |value| the RMSNorm layers `norms` can output, sqrt(dim) * max|weight| (an RMS-normalised vector
    has norm sqrt(dim)); rotary embeddings keep it, as they rotate pairs. None unless each is a weighted RMSNorm."""
    if not norms or not all(isinstance(norm, RMS_NORMS) and norm.weight is not None for norm in norms):
        return None
    return torch.stack([norm.weight.detach().abs().max().float() * norm.weight.numel() ** 0.5 for norm in norms]).max()


def fa3_fp8_attention(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, query_bound: torch.Tensor | None = None, key_bound: torch.Tensor | None = None
) -> torch.Tensor:
    """Scaled FP8 FlashAttention-3 on bf16 inputs: query and key scaled by their known bounds when given (see
    `rms_norm_bound`), otherwise per head like `value`."""
    q8, q_descale = quantize_per_head(query) if query_bound is None else quantize_within(query, query_bound)
    k8, k_descale = quantize_per_head(key) if key_bound is None else quantize_within(key, key_bound)
    v8, v_descale = quantize_per_head(value)
    return fa3_fp8(q8, k8, v8, q_descale, k_descale, v_descale)


def fa3_fp8_unscaled_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """The reference recipe's FP8 attention: a plain cast to e4m3 with no scales (its replica's kernel, and the
    error ours is compared with)."""
    ones = torch.ones(query.shape[0], query.shape[2], dtype=torch.float32, device=query.device)
    return fa3_fp8(*(tensor.to(torch.float8_e4m3fn) for tensor in (query, key, value)), ones, ones, ones)


def sage_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """SageAttention with its key smoothing done here in plain torch: sageattn's own smoothing writes into `key`."""
    return sage(query, key - key.mean(dim=1, keepdim=True), value)


# Our kernels, which diffusers' dispatch cannot reach: it looks for other FA3 packages and SageAttention >= 2.1.1.
KERNELS: dict[Attention, Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]] = {
    Attention.FA3: fa3_attention,
    Attention.FA3_FP8: fa3_fp8_attention,
    Attention.FA3_FP8_UNSCALED: fa3_fp8_unscaled_attention,
    Attention.SAGE: sage_attention,
}


class KernelFluxAttnProcessor:
    """Flux attention (joint and single blocks) with a kernel of ours (FA3, FA3 FP8, SageAttention).

    diffusers only dispatches to its own backend names, so a kernel of ours needs its own processor; the
    projections, norms and rotary embedding are diffusers' own functions, so LoRA layers apply as usual."""

    def __init__(self, kernel: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
        self.kernel = kernel

    def attend(self, attn, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        """The kernel on (batch, seq, heads, head_dim) query, key and value of layer `attn`."""
        return self.kernel(query, key, value)

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, image_rotary_emb=None):
        if attention_mask is not None:
            raise ValueError("this attention kernel takes no attention mask; use attention=sdpa for masked attention")
        hidden_states = self.attention(attn, hidden_states, encoder_hidden_states, image_rotary_emb)
        if encoder_hidden_states is None:
            return hidden_states
        return self.output_projections(attn, hidden_states, encoder_hidden_states.shape[1])

    def output_projections(self, attn, attended: torch.Tensor, context_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """A joint block's image and text outputs of layer `attn` from its attention output (the text's tokens first)."""
        context, hidden_states = attended[:, :context_length], attended[:, context_length:]
        return attn.to_out[1](attn.to_out[0](hidden_states.contiguous())), attn.to_add_out(context.contiguous())

    def attention(self, attn, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor | None, image_rotary_emb) -> torch.Tensor:
        """Layer `attn`'s attention output (batch, text + image tokens, heads x head_dim), before its output projections."""
        query, key, value, context_query, context_key, context_value = _get_qkv_projections(attn, hidden_states, encoder_hidden_states)
        query = attn.norm_q(query.unflatten(-1, (-1, attn.head_dim)))
        key = attn.norm_k(key.unflatten(-1, (-1, attn.head_dim)))
        value = value.unflatten(-1, (-1, attn.head_dim))
        if attn.added_kv_proj_dim is not None:
            query = torch.cat([attn.norm_added_q(context_query.unflatten(-1, (-1, attn.head_dim))), query], dim=1)
            key = torch.cat([attn.norm_added_k(context_key.unflatten(-1, (-1, attn.head_dim))), key], dim=1)
            value = torch.cat([context_value.unflatten(-1, (-1, attn.head_dim)), value], dim=1)
        if image_rotary_emb is not None:
            query = apply_rotary_emb(query, image_rotary_emb, sequence_dim=1)
            key = apply_rotary_emb(key, image_rotary_emb, sequence_dim=1)
        return self.attend(attn, query, key, value).flatten(2, 3).to(query.dtype)


def fixed_scale_fp8_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, scales: torch.Tensor, descales: torch.Tensor) -> torch.Tensor:
    """FP8 FlashAttention-3 with scales fixed beforehand (`fix_fp8_scales`): `scales` (3, heads) for query, key and
    value, `descales` (3, images, heads) their inverses, a row per image, sliced here: the call computes no scale."""
    quantized = [saturated_e4m3(tensor * scale.to(tensor.dtype)[:, None]) for tensor, scale in zip((query, key, value), scales)]
    return fa3_fp8(*quantized, *batch_descales(descales, query.shape[0]))


def batch_descales(descales: torch.Tensor, batch: int) -> torch.Tensor:
    """Fixed FP8 attention's descales (3, images, heads) for a call of `batch` images: (3, batch, heads) views."""
    if batch > descales.shape[1]:
        raise ValueError(f"{batch} images in one call is more than the {descales.shape[1]} that fixed FP8 attention scales take; split the batch")
    return descales[:, :batch]


class Fp8FluxAttnProcessor(KernelFluxAttnProcessor):
    """FP8 FlashAttention-3 in Flux: query and key come out of RMSNorm (then rotary), so their scales come from
    the norm weights and cost no pass over the data; value is scaled per head from its amax. A layer whose scales
    were fixed (`fix_fp8_scales`, with static activation scales) uses those and computes none."""

    def __init__(self) -> None:
        super().__init__(fa3_fp8_attention)

    def attend(self, attn, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        if fixed_fp8_scales(attn):
            return fixed_scale_fp8_attention(query, key, value, attn.fp8_scales, attn.fp8_descales)
        query_bound, key_bound = norm_bounds(attn)
        return self.kernel(query, key, value, query_bound, key_bound)


class NormRopeFp8FluxAttnProcessor(Fp8FluxAttnProcessor):
    """`Fp8FluxAttnProcessor` with query and key made by one kernel of ours (`lora_fast.speed.norm_rope`): bias,
    RMSNorm, rotary embedding and e4m3 scaling in one pass over both streams, where inductor makes two to four kernels."""

    def attention(self, attn, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor | None, image_rotary_emb) -> torch.Tensor:
        bounds = norm_bounds(attn)
        if not norm_rope_applies(attn, image_rotary_emb, bounds):
            return super().attention(attn, hidden_states, encoder_hidden_states, image_rotary_emb)
        return self.attend_streams(attn, *norm_rope_inputs(attn, hidden_states, encoder_hidden_states), image_rotary_emb, bounds)

    def attend_streams(self, attn, queries: list[Stream], keys: list[Stream], value: torch.Tensor, image_rotary_emb,
                       bounds: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Layer `attn`'s attention output from its query and key streams before their norms, its value (what
        `norm_rope_inputs` gives; a block whose projections' input our norm kernel made gives its own) and its
        `norm_bounds`."""
        dtype = value.dtype
        if fixed_fp8_scales(attn):
            query_scale, key_scale, value_scale = attn.fp8_scales
            value, descales = saturated_e4m3(value * value_scale.to(dtype)[:, None]), batch_descales(attn.fp8_descales, value.shape[0])
        else:
            (query_scale, query_descale), (key_scale, key_descale) = (within_scale(bound, value) for bound in bounds)
            query_scale, key_scale = (scale.float().expand(attn.heads) for scale in (query_scale, key_scale))
            value, value_descale = quantize_per_head(value)
            descales = (query_descale, key_descale, value_descale)
        query, key = norm_rope_fp8(queries, image_rotary_emb, query_scale), norm_rope_fp8(keys, image_rotary_emb, key_scale)
        return fa3_fp8(query, key, value, *descales).flatten(2, 3).to(dtype)


class NormRopeFluxAttnProcessor(KernelFluxAttnProcessor):
    """`KernelFluxAttnProcessor` for attention in the model's dtype (FA3) with query and key made by our kernel
    (`lora_fast.speed.norm_rope`) unscaled: each projection's bias (ours FP8 only), RMSNorm and rotary embedding in one pass."""

    def attention(self, attn, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor | None, image_rotary_emb) -> torch.Tensor:
        if not norm_rope_applies(attn, image_rotary_emb, norm_bounds(attn)):
            return super().attention(attn, hidden_states, encoder_hidden_states, image_rotary_emb)
        queries, keys, value = norm_rope_inputs(attn, hidden_states, encoder_hidden_states)
        query, key = norm_rope(queries, image_rotary_emb), norm_rope(keys, image_rotary_emb)
        return self.attend(attn, query, key, value).flatten(2, 3).to(value.dtype)


def norm_rope_applies(attn, image_rotary_emb, bounds: tuple[torch.Tensor | None, torch.Tensor | None]) -> bool:
    """Whether our q/k kernel can make layer `attn`'s query and key: a rotary embedding to apply, weighted RMSNorms
    (their `norm_bounds`), and separate q and k projections."""
    return image_rotary_emb is not None and None not in bounds and not attn.fused_projections


def norm_rope_inputs(attn, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor | None) -> tuple[list[Stream], list[Stream], torch.Tensor]:
    """Layer `attn`'s query and key streams before their norms (the text stream's first in a joint block) and its value
    (batch, text + image tokens, heads, head_dim): what our q/k kernel and the attention kernel take."""
    joint = encoder_hidden_states is not None and attn.added_kv_proj_dim is not None

    def streams(projection: str, norm: str, added_projection: str, added_norm: str) -> list[Stream]:
        image = Stream(*unbiased(getattr(attn, projection), hidden_states), getattr(attn, norm))
        return [Stream(*unbiased(getattr(attn, added_projection), encoder_hidden_states), getattr(attn, added_norm)), image] if joint else [image]

    value = attn.to_v(hidden_states).unflatten(-1, (-1, attn.head_dim))
    if joint:
        value = torch.cat([attn.add_v_proj(encoder_hidden_states).unflatten(-1, (-1, attn.head_dim)), value], dim=1)
    return streams("to_q", "norm_q", "add_q_proj", "norm_added_q"), streams("to_k", "norm_k", "add_k_proj", "norm_added_k"), value


def unbiased(layer: torch.nn.Module, input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """`layer`'s output on `input` and the bias still to add to it: our FP8 layer leaves its bias to the kernel that
    reads the output next, unless something watches its calls (calibration's and offloading's hooks run in forward)."""
    if unwatched_fp8(layer) and layer.bias is not None:
        return layer.product(input), layer.bias
    return layer(input), None


def norm_bounds(attn) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """The largest |query| and |key| layer `attn`'s RMSNorms can output (None where one is not a weighted RMSNorm)."""
    joint = attn.added_kv_proj_dim is not None
    return rms_norm_bound(attn.norm_q, *((attn.norm_added_q,) if joint else ())), rms_norm_bound(attn.norm_k, *((attn.norm_added_k,) if joint else ()))


FIXED_SCALE_IMAGES = 64  # images per call that fixed FP8 attention scales take: their descales hold a row per image


def fp8_attentions(transformer: torch.nn.Module) -> dict[str, torch.nn.Module]:
    """The attention layers of `transformer` that run FP8 FlashAttention-3 with scales, by name."""
    return {name: module for name, module in transformer.named_modules() if isinstance(getattr(module, "processor", None), Fp8FluxAttnProcessor)}


def value_projections(attn) -> list[torch.nn.Module]:
    """The layers whose outputs make `attn`'s value (the text stream's too, in a joint block)."""
    return [attn.to_v] + ([attn.add_v_proj] if attn.added_kv_proj_dim is not None else [])


def head_amax(attn, projected: torch.Tensor) -> torch.Tensor:
    """Largest |value| per head of a value projection's output (batch, tokens, heads x head_dim): (heads,) float32."""
    return projected.detach().abs().unflatten(-1, (-1, attn.head_dim)).amax(dim=(0, 1, 3)).float()


@torch.no_grad()
def fix_fp8_scales(attn, value_amax: torch.Tensor, headroom: float) -> None:
    """Fix layer `attn`'s FP8 scales: query and key from their norms' bounds, as each call computed them, and value
    per head from its calibrated largest value times `headroom` (past it a value saturates). Buffers: a swap or a
    new calibration writes them in place, so compiled code and CUDA graphs stay valid."""
    query_bound, key_bound = norm_bounds(attn)
    if query_bound is None or key_bound is None:
        raise ValueError(f"fixed FP8 attention scales need weighted RMSNorms on query and key; {type(attn.norm_q).__name__} has no bound")
    heads = value_amax.numel()
    bounds = torch.stack([query_bound.expand(heads), key_bound.expand(heads), value_amax.to(query_bound.device) * headroom]).clamp(min=1e-6)
    scales = (E4M3_MAX / bounds).to(torch.bfloat16).float()  # rounded to the model's dtype, as the tensors they multiply
    descales = scales.reciprocal()[:, None, :].expand(3, FIXED_SCALE_IMAGES, heads).contiguous()
    if getattr(attn, "fp8_scales", None) is None:
        attn.register_buffer("fp8_scales", scales, persistent=False)
        attn.register_buffer("fp8_descales", descales, persistent=False)
    else:
        attn.fp8_scales.copy_(scales)
        attn.fp8_descales.copy_(descales)
    attn.fp8_scales_fixed = True


def fixed_fp8_scales(attn) -> bool:
    """Whether layer `attn` attends with its fixed FP8 scales (like `Fp8Linear.static_input`: off while they are measured again)."""
    return getattr(attn, "fp8_scales_fixed", False)


def free_fp8_scales(attn) -> None:
    """Back to scales computed on each call, the fixed ones' buffers dropped."""
    attn.fp8_scales_fixed = False
    for name in ("fp8_scales", "fp8_descales"):
        if hasattr(attn, name):
            delattr(attn, name)


def exact_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """SDPA math in float32 on (batch, seq, heads, head_dim) tensors: what every kernel's error is measured against."""
    query, key, value = (tensor.float().transpose(1, 2) for tensor in (query, key, value))
    with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
        return torch.nn.functional.scaled_dot_product_attention(query, key, value).transpose(1, 2)


def attention_function(attention: Attention) -> Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]:
    """The bare attention call `attention` makes inside the transformer, on (batch, seq, heads, head_dim) tensors."""
    if attention in KERNELS:
        check_kernel_installed(attention)
        return KERNELS[attention]
    return functools.partial(dispatch_attention_fn, backend=AttentionBackendName(DIFFUSERS_BACKENDS[attention]))


def set_attention(transformer: torch.nn.Module, attention: Attention, fused_norm_rope: bool = False) -> Callable[[], None]:
    """Switch every attention layer of `transformer` to `attention` (FA3's query and key, FP8 or not, made by our one
    kernel with `fused_norm_rope`); returns a function that restores the previous state exactly: the processors, each one's
    diffusers backend, and diffusers' process-wide default backend."""
    processors = transformer.attn_processors
    backends = {name: getattr(processor, "_attention_backend", None) for name, processor in processors.items()}
    active_backend = _AttentionBackendRegistry._active_backend

    def restore() -> None:
        transformer.set_attn_processor(dict(processors))  # diffusers empties the dict it is given
        for name, processor in processors.items():
            if hasattr(processor, "_attention_backend"):  # diffusers' set_attention_backend changed it in place
                processor._attention_backend = backends[name]
        _AttentionBackendRegistry.set_active_backend(active_backend)

    if attention in KERNELS:
        check_kernel_installed(attention)
        if attention is Attention.FA3_FP8:
            processor = NormRopeFp8FluxAttnProcessor() if fused_norm_rope else Fp8FluxAttnProcessor()
        else:
            processor = (NormRopeFluxAttnProcessor if fused_norm_rope else KernelFluxAttnProcessor)(KERNELS[attention])
        transformer.set_attn_processor(processor)
    else:
        with quiet_logger("diffusers.models.modeling_utils"):  # "an experimental feature" on every switch: nothing to act on
            transformer.set_attention_backend(DIFFUSERS_BACKENDS[attention])
    return restore

