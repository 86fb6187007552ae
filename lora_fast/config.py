"""Optimization settings as data: one frozen dataclass, presets in one table, and what each one needs."""

from __future__ import annotations

import dataclasses
import enum
import importlib.util
import math
from dataclasses import asdict, dataclass

import torch
import torch._inductor.config


class ConfigError(ValueError):
    """A configuration that cannot work; the message names the conflict and the fix."""


class Attention(str, enum.Enum):
    """Attention kernel used by every attention layer of the transformer."""

    SDPA = "sdpa"  # torch SDPA, torch picks the kernel (cuDNN on Hopper)
    SDPA_FLASH = "sdpa_flash"
    SDPA_CUDNN = "sdpa_cudnn"
    SDPA_MATH = "sdpa_math"
    FA3 = "fa3"  # FlashAttention-3, bf16
    FA3_FP8 = "fa3_fp8"  # FlashAttention-3 with q/k/v quantized to e4m3 with per-head scales
    FA3_FP8_UNSCALED = "fa3_fp8_unscaled"  # the reference recipe's: q/k/v cast to e4m3 with no scales
    SAGE = "sage"  # SageAttention (Triton)


class Compile(str, enum.Enum):
    """How much of the transformer torch.compile sees."""

    NONE = "none"
    REGIONAL = "regional"  # each repeated transformer block, via diffusers' compile_repeated_blocks
    FULL = "full"  # the whole transformer in one graph


class Quantization(str, enum.Enum):
    """Weight/activation quantization of the transformer's linear layers."""

    NONE = "none"
    FP8_ROWWISE = "fp8_rowwise"  # ours (lora_fast.speed.quantize.Fp8Linear): e4m3 weights and activations, per-row scales
    TORCHAO_FP8_ROWWISE = "torchao_fp8_rowwise"  # the same arithmetic through torchao's tensor subclass (the reference's)


class Offload(str, enum.Enum):
    """Where a component's weights live between uses (accelerate's and diffusers' offloading hooks)."""

    NONE = "none"  # resident on the GPU
    MODEL = "model"  # the whole component moves to the GPU when used and back when the next one runs
    GROUP = "group"  # block by block, transfers overlapped with compute on a CUDA stream (diffusers' group offload)
    SEQUENTIAL = "sequential"  # submodule by submodule, every component: least memory, slowest


def _member(kind: type[enum.Enum], value: object, field: str) -> enum.Enum:
    """`value` as a member of `kind`, or a ConfigError naming `field` and the choices."""
    try:
        return kind(value)
    except ValueError:
        raise ConfigError(f"{field}={value!r} is not known; choose one of: {', '.join(member.value for member in kind)}") from None


class Arithmetic(str, enum.Enum):
    """How a configuration's numbers relate to `baseline`'s, and so which LoRA-error limit the suite holds it to."""

    EXACT = "exact"  # the same arithmetic reordered: held to the exact kernels' spread
    QUANTIZED = "quantized"  # FP8 (or int8) arithmetic: held to FP8's own error, measured in the same run
    APPROXIMATE = "approximate"  # steps skipped (a step cache): its error is the trade-off it offers, reported, not held


class CacheMethod(str, enum.Enum):
    """Which diffusers cache hook skips the blocks."""

    NONE = "none"
    FIRST_BLOCK = "first_block"  # adaptive (ParaAttention's FBCache): the other blocks skipped while the first block's residual barely changes
    TAYLORSEER = "taylorseer"  # fixed schedule: a full step every `interval`, the transformer's output between them extrapolated


@dataclass(frozen=True)
class StepCache:
    """Step-cache settings; the defaults are diffusers' own. `threshold` is the first-block cache's: the relative
    mean change of the first block's residual from the last full step below which a step reuses the other blocks'
    residual. `interval`, `warmup_steps` and `max_order` are TaylorSeer's: after `warmup_steps` full steps, one
    full step in every `interval`, the transformer's output in between from a Taylor series of order `max_order`
    through the full steps (diffusers' lite mode: every block skipped, the output predicted)."""

    method: CacheMethod = CacheMethod.NONE
    threshold: float = 0.05
    interval: int = 5
    warmup_steps: int = 3
    max_order: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", _member(CacheMethod, self.method, "step_cache.method"))
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)) or not math.isfinite(self.threshold) or self.threshold < 0:
            raise ConfigError(f"step cache threshold={self.threshold!r}: give a finite number at least 0 (0 skips nothing; diffusers' default is 0.05)")
        for name, low in (("interval", 1), ("warmup_steps", 1), ("max_order", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"step cache {name}={value!r}: give a whole number at least {low}")

    @property
    def enabled(self) -> bool:
        return self.method is not CacheMethod.NONE

    @property
    def adaptive(self) -> bool:
        """Whether the blocks it runs depend on the image (the first-block cache), not on a fixed schedule."""
        return self.method is CacheMethod.FIRST_BLOCK

    @property
    def label(self) -> str:
        """A short name for the settings that matter to its method, e.g. `fbcache0.1`, `taylorseer3`."""
        if self.method is CacheMethod.FIRST_BLOCK:
            return f"fbcache{self.threshold:g}"
        return f"taylorseer{self.interval}" if self.method is CacheMethod.TAYLORSEER else "none"

    def full_steps(self, steps: int) -> list[int]:
        """The steps TaylorSeer computes in full out of `steps` (the first block cache decides while it runs)."""
        return [step for step in range(steps) if step < self.warmup_steps or (step - self.warmup_steps - 1) % self.interval == 0]

    def to_dict(self) -> dict:
        return {**asdict(self), "method": self.method.value}


@dataclass(frozen=True)
class OptimizationConfig:
    """Every optimization switch for one run. Impossible combinations raise ConfigError at construction."""

    name: str = "custom"
    attention: Attention = Attention.SDPA
    compile: Compile = Compile.NONE
    quantization: Quantization = Quantization.NONE
    hotswap: bool = False
    max_rank: int = 128
    offload: Offload = Offload.NONE  # the transformer's
    text_encoder_offload: Offload = Offload.NONE  # CLIP's and T5's (T5-XXL is 9.5 GB in bf16 and runs once per image)
    text_stream_fp8: bool = True  # False keeps the joint blocks' text-stream attention projections (512 tokens) in the model's dtype
    text_encoder_fp8: bool = False  # T5's linear layers as our FP8 ones too: 4.7 GB instead of 9.5 GB, so it can stay on a 24 GB card
    static_activation_scales: bool = False  # our FP8 layers' activations at one calibrated scale per layer, not per row on each call
    fits_gpu_memory_gib: float | None = None  # the card memory this configuration is made for (None: any)
    cuda_graphs: bool = False  # compile with mode="reduce-overhead": each compiled block replays as one CUDA graph
    inductor_options: tuple[tuple[str, bool | int], ...] = ()  # torch.compile's inductor options for the transformer, as (name, value) pairs
    # inductor's deterministic mode on everything compiled (blocks and VAE decoder): kernel configurations chosen without
    # timing them on the GPU, so a fresh process's first image equals its later ones (issue 27)
    deterministic_kernels: bool = False
    sigmoid_gelu: bool = False  # Flux's GELU(tanh) computed as x * sigmoid(2u): the same function in fewer instructions once compiled
    compile_vae: bool = False  # torch.compile the VAE decoder too (one image size per run: it compiles once)
    # torch.compile T5's blocks: eager, T5-XXL's kernel launches take longer than its arithmetic on a GPU (CLIP stays
    # eager: a LoRA may write into its layers, and T5 takes none)
    compile_t5: bool = False
    fold_lora: bool = False  # write each LoRA into the weights (W + B A) instead of running it beside them
    fuse_qkv: bool = False  # one matmul for each attention's q, k and v (diffusers' fused projections); needs fold_lora
    # query and key's bias, RMSNorm, rotary embedding (and e4m3 scaling) in one Triton kernel of ours before FA3 (FP8 or
    # not), where inductor makes two to four (lora_fast.speed.norm_rope); needs attention=fa3 or fa3_fp8
    fused_norm_rope: bool = False
    # each GELU's bias and activation and the next FP8 linear's input quantization (in a single block with the concatenation
    # of attention's output) in one Triton kernel of ours, where inductor makes one or two (lora_fast.speed.gelu_fp8);
    # needs our FP8 linears and sigmoid_gelu
    fused_gelu_fp8: bool = False
    # each modulated LayerNorm (a single block's, a joint block's four) and the per-row FP8 quantization of the input of
    # the linears after it in one Triton kernel of ours, where inductor makes a looped reduction (lora_fast.speed.norm_fp8);
    # its block forwards use the GELU kernel and hand query and key to the q/k kernel, so it needs both, with attention=fa3_fp8
    fused_norm_fp8: bool = False
    # the transformer (and T5, with text_encoder_fp8) read from its checkpoint folder one tensor at a time, each FP8 layer
    # quantized on the GPU as it arrives; a fold re-reads the exact originals from the files instead of keeping copies
    # (lora_fast.speed.streamed)
    streamed_load: bool = False
    fullgraph: bool = True
    recompile_is_error: bool = True
    ulysses_degree: int = 1  # context parallelism: ranks that split attention heads after an all-to-all (Ulysses)
    ring_degree: int = 1  # ranks that pass key/value chunks around a ring; the job needs ulysses x ring ranks
    step_cache: StepCache = StepCache()  # skip blocks on steps whose result can be reused or predicted (lora_fast.speed.step_cache)
    notes: str = ""

    def __post_init__(self) -> None:
        enums = (("attention", Attention), ("compile", Compile), ("quantization", Quantization), ("offload", Offload), ("text_encoder_offload", Offload))
        for name, kind in enums:
            object.__setattr__(self, name, _member(kind, getattr(self, name), name))
        object.__setattr__(self, "inductor_options", tuple((str(name), value) for name, value in self.inductor_options))
        if isinstance(self.step_cache, dict):  # as to_dict wrote it
            object.__setattr__(self, "step_cache", StepCache(**self.step_cache))
        self._check_step_cache()
        self._check_compile_settings()
        if min(self.ulysses_degree, self.ring_degree) < 1:
            raise ConfigError(f"ulysses_degree={self.ulysses_degree}, ring_degree={self.ring_degree}: each degree is a number of ranks, at least 1")
        if self.context_parallel > 1:
            self._check_context_parallel()
        if self.max_rank < 1:
            raise ConfigError(f"max_rank={self.max_rank} must be at least 1: it is the largest LoRA rank hot-swap will accept")
        if self.quantization is Quantization.TORCHAO_FP8_ROWWISE and self.offload is not Offload.NONE:
            raise ConfigError(
                f"quantization={self.quantization.value} with offload={self.offload.value}: torchao's FP8 weights are tensor "
                "subclasses the offloading hooks do not move; use quantization=fp8_rowwise (ours) or offload=none"
            )
        if Offload.SEQUENTIAL in (self.offload, self.text_encoder_offload) and self.offload is not self.text_encoder_offload:
            raise ConfigError(
                "sequential offload moves every component, submodule by submodule; set offload and text_encoder_offload "
                "both to sequential, or pick model or group offload per component"
            )
        if self.offload is Offload.GROUP and self.compiled:
            raise ConfigError("offload=group with compile: group offloading swaps weights in and out under the compiled blocks; use compile=none or offload=model")
        if self.cuda_graphs and not self.compiled:
            raise ConfigError("cuda_graphs=True needs compile=regional or full: torch.compile records the graphs")
        if self.cuda_graphs and self.offload is not Offload.NONE:
            raise ConfigError(
                f"cuda_graphs=True with offload={self.offload.value}: a graph replays fixed weight addresses, and "
                "offloading moves the weights; drop one of the two"
            )
        if self.fold_lora and not self.hotswap:
            raise ConfigError("fold_lora=True rewrites the weights in place on every load, which is a hot-swap: set hotswap=True")
        if self.fuse_qkv and not self.fold_lora:
            raise ConfigError(
                "fuse_qkv=True without fold_lora: peft's LoRA layers wrap to_q, to_k and to_v, which the fused "
                "projection bypasses, so the LoRA would be silently lost; set fold_lora=True (with hotswap=True) or fuse_qkv=False"
            )
        if self.fused_norm_rope and (self.attention not in NORM_ROPE_ATTENTION or self.fuse_qkv):
            raise ConfigError(
                f"fused_norm_rope=True with attention={self.attention.value}{' and fuse_qkv=True' if self.fuse_qkv else ''}: the kernel makes FA3's "
                "query and key from the separate q and k projections; set attention=fa3 or fa3_fp8 without fuse_qkv, or drop fused_norm_rope"
            )
        if self.fused_gelu_fp8 and (self.quantization is not Quantization.FP8_ROWWISE or not self.sigmoid_gelu):
            raise ConfigError(
                f"fused_gelu_fp8=True with quantization={self.quantization.value} and sigmoid_gelu={self.sigmoid_gelu}: the kernel writes the e4m3 "
                "input of our FP8 proj_out and computes GELU as a sigmoid; set quantization=fp8_rowwise and sigmoid_gelu=True, or drop fused_gelu_fp8"
            )
        if self.fused_norm_fp8 and not (self.fused_gelu_fp8 and self.fused_norm_rope and self.attention is Attention.FA3_FP8 and not self.static_activation_scales):
            raise ConfigError(
                f"fused_norm_fp8=True with fused_gelu_fp8={self.fused_gelu_fp8}, fused_norm_rope={self.fused_norm_rope}, attention={self.attention.value} "
                f"and static_activation_scales={self.static_activation_scales}: the kernel writes per-row e4m3 rows in block forwards that use the "
                "GELU kernel and the q/k kernel's FP8 attention; set fused_gelu_fp8=True, fused_norm_rope=True, attention=fa3_fp8 "
                "and static_activation_scales=False, or drop fused_norm_fp8"
            )
        if self.streamed_load:
            self._check_streamed_load()
        if self.static_activation_scales and self.quantization is not Quantization.FP8_ROWWISE:
            raise ConfigError(
                f"static_activation_scales=True with quantization={self.quantization.value}: the scales are our FP8 layers'; "
                "set quantization=fp8_rowwise or drop static_activation_scales"
            )
        if self.static_activation_scales and self.fuse_qkv and self.attention is Attention.FA3_FP8:
            raise ConfigError(
                "static_activation_scales=True with fuse_qkv=True and attention=fa3_fp8: attention's value scales are "
                "calibrated on the separate value projection, which the fused one replaces; drop fuse_qkv or static_activation_scales"
            )
        if self.fold_lora and self.quantization is Quantization.TORCHAO_FP8_ROWWISE:
            raise ConfigError(
                "fold_lora=True with torchao FP8: torchao's weights are tensor subclasses that cannot be rewritten in "
                "place; use quantization=fp8_rowwise (ours) or fold_lora=False"
            )
        if self.offload is Offload.SEQUENTIAL and self.compiled:
            raise ConfigError(
                "offload=sequential with compile: the per-submodule hooks break every graph; use offload=model or compile=none"
            )
        if self.offload is not Offload.NONE and self.compiled and self.recompile_is_error and self.fullgraph:
            raise ConfigError(
                f"offload={self.offload.value} with a fullgraph compile that errors on recompiles: moving weights "
                "between devices recompiles; set fullgraph=False and recompile_is_error=False, or offload=none"
            )

    def _check_compile_settings(self) -> None:
        if self.inductor_options and not self.compiled:
            raise ConfigError("inductor_options apply to the compiled transformer: set compile=regional or full, or drop them")
        known = torch._inductor.config.get_config_copy() if self.inductor_options else {}  # a copy of every option: only when asked
        for name, _ in self.inductor_options:
            if name == "triton.cudagraphs":
                raise ConfigError("inductor_options=triton.cudagraphs: CUDA graphs are the cuda_graphs field; set cuda_graphs=True instead")
            if name not in known:
                raise ConfigError(f"inductor_options: {name!r} is not one of torch._inductor.config's options; see torch/_inductor/config.py")
        if self.deterministic_kernels and not (self.compiled or self.compile_vae or self.compile_t5):
            raise ConfigError("deterministic_kernels applies to what inductor compiles: set compile=regional or full (or compile_vae or compile_t5), or drop it")
        timed = sorted(name for name, value in self.inductor_options if name in TIMED_KERNEL_OPTIONS and value)
        if self.deterministic_kernels and timed:
            raise ConfigError(f"deterministic_kernels picks kernels without timing them, and inductor_options {timed} time them; drop one of the two")
        if not self.text_stream_fp8 and self.quantization is Quantization.NONE:
            raise ConfigError("text_stream_fp8=False keeps some linears out of FP8, and quantization=none has none in it; pick an FP8 quantization or drop it")
        if self.compile_vae and self.offload in (Offload.MODEL, Offload.SEQUENTIAL):
            raise ConfigError(
                f"compile_vae=True with offload={self.offload.value}: the VAE moves with the transformer and a compiled "
                "decoder recompiles when its weights change device; set compile_vae=False or offload=none"
            )
        if self.compile_t5 and self.text_encoder_offload in (Offload.GROUP, Offload.SEQUENTIAL):
            raise ConfigError(
                f"compile_t5=True with text_encoder_offload={self.text_encoder_offload.value}: its hooks move T5's weights under the compiled "
                "blocks; set text_encoder_offload=model or none, or compile_t5=False"
            )

    def _check_streamed_load(self) -> None:
        if self.quantization is not Quantization.FP8_ROWWISE:
            raise ConfigError(f"streamed_load=True quantizes each layer as it is read, with lora-fast's FP8 linear; quantization={self.quantization.value}: set quantization=fp8_rowwise")
        if not self.fold_lora:
            raise ConfigError("streamed_load=True gives a transformer whose layers are FP8 from the start, and peft's adapters wrap bf16 linear layers: set fold_lora=True (with hotswap=True)")
        if self.fuse_qkv:
            raise ConfigError("streamed_load=True with fuse_qkv=True: q, k and v are fused in bf16 before quantization, and a streamed transformer arrives quantized; drop one")
        if self.offload is not Offload.NONE:
            raise ConfigError(f"streamed_load=True puts the FP8 transformer on the GPU to stay, and offload={self.offload.value} moves it: set offload=none")

    def _check_step_cache(self) -> None:
        if not isinstance(self.step_cache, StepCache):
            raise ConfigError(f"step_cache={self.step_cache!r}: give a lora_fast.speed.step_cache.StepCache")
        if not self.step_cache.enabled:
            return
        if self.compile is Compile.FULL:
            raise ConfigError("a step cache with compile=full: the cache decides between blocks in Python, outside the graph; use compile=regional or none")
        if self.context_parallel > 1:
            raise ConfigError("a step cache with context parallelism: each rank would decide on its own share of the image and the ranks could part ways; drop one")

    def _check_context_parallel(self) -> None:
        if self.attention not in CONTEXT_PARALLEL_ATTENTION:
            choices = ", ".join(attention.value for attention in CONTEXT_PARALLEL_ATTENTION)
            raise ConfigError(
                f"context parallelism runs attention through diffusers' Ulysses/ring path, which calls diffusers' own "
                f"backends; attention={self.attention.value} is not one of them: use attention={choices}"
            )
        if self.ring_degree > 1 and self.attention is Attention.SDPA:
            raise ConfigError(
                "ring attention merges each rank's partial attention by its log-sum-exp, which diffusers' native SDPA "
                "backend does not return; use attention=sdpa_cudnn or sdpa_flash (GPU), or ulysses_degree instead"
            )
        if self.offloaded:
            raise ConfigError("context parallelism with offload: each rank holds its whole model; set offload and text_encoder_offload to none")
        if self.cuda_graphs:
            raise ConfigError("context parallelism with cuda_graphs=True: collectives inside recorded graphs are not validated here; set cuda_graphs=False")
        if self.static_activation_scales:
            raise ConfigError("context parallelism with static_activation_scales=True: each rank would calibrate on its own share of the image; drop one")

    @property
    def context_parallel(self) -> int:
        """How many ranks one image is split over (1: no context parallelism)."""
        return self.ulysses_degree * self.ring_degree

    @property
    def offloaded(self) -> bool:
        """True when some component moves between the CPU and the GPU."""
        return (self.offload, self.text_encoder_offload) != (Offload.NONE, Offload.NONE)

    @property
    def compiled(self) -> bool:
        return self.compile is not Compile.NONE

    @property
    def arithmetic(self) -> Arithmetic:
        """Exact, quantized (FP8 linears or attention, SageAttention's int8) or approximate (a step cache skips blocks)."""
        if self.step_cache.enabled:
            return Arithmetic.APPROXIMATE
        quantized_attention = self.attention in (Attention.FA3_FP8, Attention.FA3_FP8_UNSCALED, Attention.SAGE)
        if self.quantization is not Quantization.NONE or self.text_encoder_fp8 or quantized_attention:
            return Arithmetic.QUANTIZED
        return Arithmetic.EXACT

    @property
    def lossy(self) -> bool:
        """True when some arithmetic is approximate (FP8, int8, skipped steps), not just reordered."""
        return self.arithmetic is not Arithmetic.EXACT

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (enums as their values)."""
        def plain(value):
            return value.value if isinstance(value, enum.Enum) else [list(item) for item in value] if isinstance(value, tuple) else value

        return {**{key: plain(value) for key, value in asdict(self).items()}, "step_cache": self.step_cache.to_dict()}


# The attention kernels our q/k kernel (`fused_norm_rope`) writes for.
NORM_ROPE_ATTENTION = (Attention.FA3, Attention.FA3_FP8)

# inductor options that choose kernels by timing them on the GPU, which its deterministic mode turns off.
TIMED_KERNEL_OPTIONS = ("max_autotune", "max_autotune_gemm", "max_autotune_pointwise", "coordinate_descent_tuning", "triton.multi_kernel")

# The attention kernels diffusers' context-parallel path can call (its backends native, _native_flash, _native_cudnn).
CONTEXT_PARALLEL_ATTENTION = (Attention.SDPA, Attention.SDPA_FLASH, Attention.SDPA_CUDNN)


def _preset(name: str, notes: str, **settings) -> OptimizationConfig:
    return OptimizationConfig(name=name, notes=notes, **settings)


_FAST = dict(compile=Compile.REGIONAL, hotswap=True, fold_lora=True, cuda_graphs=True, compile_vae=True, sigmoid_gelu=True, deterministic_kernels=True)
_FP8_FAST = dict(quantization=Quantization.FP8_ROWWISE, fused_gelu_fp8=True, **_FAST)  # our GELU -> e4m3 kernel needs our FP8 linears
# optimized's settings: our three kernels feed FA3 FP8 and our FP8 linears
_OPTIMIZED = dict(attention=Attention.FA3_FP8, fused_norm_rope=True, fused_norm_fp8=True, **_FP8_FAST)
# The step-cache presets' base: optimized without our three kernels, as a GPU measured them clean (0049, 0072). With
# the kernels, the cached blocks' CUDA graphs were recorded again every few steps at full size in the suite's cases
# (0071: 399 and 1083 re-records in 5 images; the tiny pipeline on a GPU records none, nor does a plain process with
# the garbage collector off, tools/rerecord_probe.py), for a reason not yet found.
_WITHOUT_OUR_KERNELS = dict(fused_norm_rope=False, fused_gelu_fp8=False, fused_norm_fp8=False)
_CACHED = {**_OPTIMIZED, **_WITHOUT_OUR_KERNELS}
_EAGER = dict(hotswap=True, fold_lora=True)
_24GB = dict(fits_gpu_memory_gib=24.0)  # an RTX 4090's memory; peak at most 22 GiB leaves room for the CUDA context

# The reference's eight rows (huggingface/lora-fast README) as ablations of our `optimized`, its own recipe
# replicated, then settings for 24 GB consumer GPUs. "FP8" switches both the linears and FA3 to FP8 (the
# reference's FA3 processor casts to FP8 even in its no_fp8 rows).
PRESETS: dict[str, OptimizationConfig] = {
    preset.name: preset
    for preset in (
        _preset("baseline", "eager, SDPA, each LoRA a new peft adapter (no hot-swap)"),
        _preset(
            "optimized", "FP8 linears + FA3 FP8 + regional compile + CUDA graphs + LoRA folded into the weights + compiled VAE decoder + GELU as a sigmoid"
            " + kernels chosen deterministically + our kernels for query and key (norm, rotary, FP8), for GELU into FP8 and for each modulated norm into FP8",
            **_OPTIMIZED,
        ),
        _preset("no_fp8", "optimized without FP8 (linears and FA3 in the model's dtype: bf16 on a GPU)", attention=Attention.FA3, fused_norm_rope=True, **_FAST),
        _preset("no_fa3", "optimized without FA3 (SDPA)", **_FP8_FAST),
        _preset("baseline_compile", "compile without hot-swap: every new LoRA recompiles", compile=Compile.REGIONAL, recompile_is_error=False),
        _preset("no_fa3_fp8", "no FP8, SDPA, regional compile, CUDA graphs, folded LoRA", **_FAST),
        _preset("no_compile_fp8", "no FP8, FA3, eager, folded LoRA", attention=Attention.FA3, **_EAGER),
        _preset(
            "no_compile", "FP8 linears + FA3 FP8 without compile (FP8 is slow eager)",
            attention=Attention.FA3_FP8, quantization=Quantization.FP8_ROWWISE, **_EAGER,
        ),
        _preset(
            "reference_recipe", "the reference's optimized: torchao FP8, FA3 on unscaled FP8 casts, peft hot-swap, regional compile",
            attention=Attention.FA3_FP8_UNSCALED, quantization=Quantization.TORCHAO_FP8_ROWWISE, compile=Compile.REGIONAL, hotswap=True,
        ),
        _preset(
            "rtx4090_baseline", "24 GB card: eager, SDPA, each LoRA a new adapter, every component offloaded between uses",
            offload=Offload.MODEL, text_encoder_offload=Offload.MODEL, **_24GB,
        ),
        _preset(
            "rtx4090_optimized", "24 GB card: FP8 transformer resident, SDPA, compile, CUDA graphs, peft hot-swap; text encoders group-offloaded",
            quantization=Quantization.FP8_ROWWISE, compile=Compile.REGIONAL, cuda_graphs=True, hotswap=True, deterministic_kernels=True,
            text_encoder_offload=Offload.GROUP, **_24GB,
        ),
        _preset(
            "rtx4090_streamed", "24 GB card: rtx4090_optimized read from a checkpoint folder layer by layer into FP8 (T5 too, resident: nothing crosses the bus"
            " per image), LoRAs folded from the exact weights re-read from the files",
            quantization=Quantization.FP8_ROWWISE, compile=Compile.REGIONAL, cuda_graphs=True, hotswap=True, fold_lora=True, streamed_load=True,
            deterministic_kernels=True, text_encoder_fp8=True, **_24GB,
        ),
        _preset(
            "rtx4090_group_offload", "24 GB card: bf16, eager, hot-swap, transformer and text encoders group-offloaded on CUDA streams",
            hotswap=True, offload=Offload.GROUP, text_encoder_offload=Offload.GROUP, **_24GB,
        ),
        _preset(
            "rtx4090_offload", "24 GB card: model offload, compile without fullgraph, hot-swap",
            compile=Compile.REGIONAL, hotswap=True, offload=Offload.MODEL, text_encoder_offload=Offload.MODEL, fullgraph=False,
            recompile_is_error=False, **_24GB,
        ),
        _preset(
            "optimized_taylorseer", "optimized-kernels with TaylorSeer step caching at diffusers' defaults: 3 full steps, then one in 5, the output extrapolated between",
            step_cache=StepCache(CacheMethod.TAYLORSEER), **_CACHED,
        ),
        _preset(
            "optimized_fbcache", "optimized-kernels with first-block caching at diffusers' default threshold 0.05: the other blocks skipped while the first block's residual barely changes",
            step_cache=StepCache(CacheMethod.FIRST_BLOCK), **_CACHED,
        ),
        _preset(
            "no_fp8_taylorseer", "no_fp8 without our q/k kernel, with TaylorSeer step caching at diffusers' defaults",
            attention=Attention.FA3, step_cache=StepCache(CacheMethod.TAYLORSEER), **_FAST,
        ),
        _preset(
            "context_parallel", "2 GPUs, one image: FP8 linears, cuDNN SDPA, regional compile, folded LoRA, Ulysses over 2 ranks (torchrun)",
            quantization=Quantization.FP8_ROWWISE, attention=Attention.SDPA_CUDNN, ulysses_degree=2, **{**_FAST, "cuda_graphs": False},
        ),
    )
}

# The norm kernel's block forwards use the q/k kernel, the GELU kernel and per-row scales: a variant without one drops it too.
_WITHOUT_NORM_ROPE = dataclasses.replace(
    PRESETS["optimized"], name="optimized-norm_rope", fused_norm_rope=False, fused_norm_fp8=False,
    notes="optimized with inductor's code for query and key (and so without the norm kernel)",
)
_WITHOUT_GELU_FP8 = dataclasses.replace(
    PRESETS["optimized"], name="optimized-gelu_fp8", fused_gelu_fp8=False, fused_norm_fp8=False,
    notes="optimized with inductor's code for each GELU and the next FP8 linear's quantization (and so without the norm kernel)",
)
# Single-change variants of presets that the suite times beside them, to measure one lever at a time.
VARIANTS: dict[str, OptimizationConfig] = {
    variant.name: variant
    for variant in (
        dataclasses.replace(PRESETS["optimized"], name="optimized+unfused", fold_lora=False, notes="optimized with peft's unfused hot-swap"),
        dataclasses.replace(PRESETS["optimized"], name="optimized-graphs", cuda_graphs=False, notes="optimized without CUDA graphs"),
        dataclasses.replace(
            PRESETS["optimized"], name="optimized+multi_kernel", inductor_options=(("triton.multi_kernel", 1),), deterministic_kernels=False,
            notes="optimized with inductor's multi-kernel: persistent reductions benchmarked against looped ones",
        ),
        dataclasses.replace(PRESETS["optimized"], name="optimized-vae", compile_vae=False, notes="optimized with the VAE decoder eager"),
        dataclasses.replace(PRESETS["optimized"], name="optimized+compile_t5", compile_t5=True, notes="optimized with T5's blocks compiled"),
        dataclasses.replace(_WITHOUT_GELU_FP8, name="optimized-gelu_fp8-sigmoid_gelu", sigmoid_gelu=False, notes="optimized-gelu_fp8 with torch's tanh GELU"),
        dataclasses.replace(
            PRESETS["optimized"], name="optimized-text_fp8", text_stream_fp8=False, notes="optimized with the text stream's attention projections in bf16",
        ),
        dataclasses.replace(_WITHOUT_NORM_ROPE, name="optimized-norm_rope+fused_qkv", fuse_qkv=True, notes="optimized-norm_rope with q, k and v in one matmul per attention"),
        dataclasses.replace(
            _WITHOUT_NORM_ROPE, name="optimized-norm_rope+unscaled_attention", attention=Attention.FA3_FP8_UNSCALED,
            notes="optimized-norm_rope with FA3 on q, k and v cast to e4m3 without scales (the reference's attention)",
        ),
        dataclasses.replace(
            PRESETS["optimized"], name="optimized+autotune_gemm", inductor_options=(("max_autotune_gemm", True),), deterministic_kernels=False,
            notes="optimized with inductor's GEMM autotuning: each matmul shape timed against its Triton templates at compile time",
        ),
        dataclasses.replace(
            PRESETS["optimized"], name="optimized+static_scales", static_activation_scales=True, fused_norm_fp8=False,
            notes="optimized with one calibrated activation scale per FP8 layer and per head of attention's value: no amax pass, the producer writes e4m3"
                  " (the norm kernel's per-row scales dropped)",
        ),
        _WITHOUT_NORM_ROPE,
        _WITHOUT_GELU_FP8,
        dataclasses.replace(
            PRESETS["optimized"], name="optimized-kernels", **_WITHOUT_OUR_KERNELS,
            notes="optimized with inductor's code where our three kernels were (q/k, GELU, modulated norms): the step-cache presets' base",
        ),
        dataclasses.replace(
            PRESETS["optimized"], name="optimized-norm_fp8", fused_norm_fp8=False,
            notes="optimized with inductor's code for each modulated LayerNorm and the FP8 quantization of the next linears' input",
        ),
        dataclasses.replace(PRESETS["no_fa3"], name="no_fa3-graphs+static_scales", cuda_graphs=False, static_activation_scales=True,
                            notes="no_fa3-graphs with static activation scales (runs on a CPU)"),
        dataclasses.replace(
            PRESETS["optimized"], name="optimized-deterministic", deterministic_kernels=False,
            notes="optimized with inductor's default kernel choice: reduction kernels timed on the GPU as they first run, so a fresh process's first image may differ from the later ones",
        ),
        dataclasses.replace(PRESETS["no_fp8"], name="no_fp8-norm_rope", fused_norm_rope=False, notes="no_fp8 with inductor's code for query and key"),
        dataclasses.replace(
            PRESETS["no_fp8"], name="no_fp8+autotune_gemm", inductor_options=(("max_autotune_gemm", True),), deterministic_kernels=False,
            notes="no_fp8 with inductor's GEMM autotuning: each matmul shape timed against its Triton templates at compile time",
        ),
        dataclasses.replace(PRESETS["no_fp8"], name="no_fp8+unfused", fold_lora=False, notes="no_fp8 with peft's unfused hot-swap"),
        dataclasses.replace(PRESETS["no_fa3_fp8"], name="no_fa3_fp8-graphs", cuda_graphs=False, notes="no_fa3_fp8 without CUDA graphs (runs on a CPU)"),
        dataclasses.replace(PRESETS["no_fa3"], name="no_fa3-graphs", cuda_graphs=False, notes="no_fa3 without CUDA graphs: FP8 linears, compiled, on a CPU too"),
        dataclasses.replace(
            PRESETS["rtx4090_optimized"], name="rtx4090_optimized+t5_fp8", text_encoder_fp8=True, text_encoder_offload=Offload.NONE,
            notes="rtx4090_optimized with T5 in FP8 and every text encoder resident: nothing crosses the bus per image",
        ),
        dataclasses.replace(
            PRESETS["rtx4090_optimized"], name="rtx4090_optimized+folded", fold_lora=True,
            notes="rtx4090_optimized with the LoRA folded into the FP8 weights (the exact base copies in host memory) instead of peft's unfused layers",
        ),
        dataclasses.replace(
            PRESETS["rtx4090_streamed"], name="rtx4090_streamed-t5_fp8", text_encoder_fp8=False, text_encoder_offload=Offload.GROUP,
            notes="rtx4090_streamed with T5 in bf16 and the text encoders group-offloaded: they cross the bus every image",
        ),
        dataclasses.replace(PRESETS["no_fa3"], name="no_fa3-graphs+streamed", cuda_graphs=False, streamed_load=True,
                            notes="no_fa3-graphs read from a checkpoint folder layer by layer into FP8 (runs on a CPU)"),
        dataclasses.replace(PRESETS["context_parallel"], name="context_parallel-4", ulysses_degree=4, notes="context_parallel with Ulysses over 4 ranks"),
        dataclasses.replace(PRESETS["context_parallel"], name="context_parallel-8", ulysses_degree=8, notes="context_parallel with Ulysses over 8 ranks"),
        dataclasses.replace(
            PRESETS["context_parallel"], name="context_parallel-ring2x4", ulysses_degree=4, ring_degree=2,
            notes="context_parallel over 8 ranks: rings of 2 across groups of 4 Ulysses ranks",
        ),
    )
}


def cached_variant(base: OptimizationConfig, cache: StepCache) -> OptimizationConfig:
    """`base` with the step cache `cache`, named `<base>+<cache label>` (e.g. `optimized+taylorseer3`)."""
    return dataclasses.replace(base, name=f"{base.name}+{cache.label}", step_cache=cache, notes=f"{base.name} with the step cache {cache.label}")


# The trade-off between time and LoRA error, a point per setting: TaylorSeer's interval and the first-block cache's
# threshold around the cached presets' defaults (those are the presets optimized_taylorseer and optimized_fbcache),
# on their base `optimized-kernels`; on a CPU, the defaults and the two ends on the tiny pipeline's compiled preset (each compiles anew).
CACHE_SWEEP_SETTINGS = (
    *(StepCache(CacheMethod.TAYLORSEER, interval=interval) for interval in (2, 3, 4, 7)),
    *(StepCache(CacheMethod.FIRST_BLOCK, threshold=threshold) for threshold in (0.1, 0.3, 1.0)),
)
TINY_CACHE_SETTINGS = tuple(StepCache(method, **setting) for method, setting in (
    (CacheMethod.TAYLORSEER, {}), (CacheMethod.TAYLORSEER, {"interval": 2}), (CacheMethod.FIRST_BLOCK, {}), (CacheMethod.FIRST_BLOCK, {"threshold": 1.0})))
CACHE_SWEEP: dict[str, OptimizationConfig] = {
    config.name: config
    for base, settings in ((VARIANTS["optimized-kernels"], CACHE_SWEEP_SETTINGS), (VARIANTS["no_fa3_fp8-graphs"], TINY_CACHE_SETTINGS))
    for config in (cached_variant(base, cache) for cache in settings)
}


def attention_variant(attention: Attention | str, base: OptimizationConfig | None = None) -> OptimizationConfig:
    """`base` (default `no_fp8`: hot-swap, regional compile, bf16 linears) with another attention backend, named
    `<base>+<attention>`: how backends are compared on the whole pipeline."""
    attention, base = Attention(attention), base or PRESETS["no_fp8"]
    fused_norm_rope = base.fused_norm_rope and attention in NORM_ROPE_ATTENTION  # our q/k kernel feeds FA3 only
    fused_norm_fp8 = base.fused_norm_fp8 and attention is Attention.FA3_FP8  # the norm kernel's blocks, FA3 FP8 only
    return dataclasses.replace(
        base, name=f"{base.name}+{attention.value}", attention=attention, fused_norm_rope=fused_norm_rope, fused_norm_fp8=fused_norm_fp8,
    )


def get_preset(name: str) -> OptimizationConfig:
    """The preset called `name`; an unknown name raises ConfigError listing the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown preset {name!r}; known presets: {', '.join(PRESETS)}") from None


class RequestSizeError(ConfigError):
    """A request outside the sizes a pipeline was prepared for; the message names the range."""


@dataclass(frozen=True)
class RequestSizes:
    """The requests a server accepts: height and width each from `min_side` to `max_side` pixels, multiples of 16,
    any aspect ratio, 1 to `max_batch` images per call. `optimize(..., sizes=...)` prepares every one of them up front
    (`lora_fast.speed.shapes`): the `static` sizes (height, width) at batch 1 and a prompt of `text_tokens` (the
    pipeline's max_sequence_length) get graphs of their own (the fastest), every other request one dynamic graph."""

    min_side: int = 512
    max_side: int = 2048
    max_batch: int = 4
    static: tuple[tuple[int, int], ...] = ((1024, 1024),)
    text_tokens: int = 512

    def __post_init__(self) -> None:
        if not (16 <= self.min_side <= self.max_side) or self.min_side % 16 or self.max_side % 16:
            raise ConfigError(f"sizes from {self.min_side} to {self.max_side}: give multiples of 16, the smaller first (e.g. 512 to 2048)")
        if isinstance(self.max_batch, bool) or not isinstance(self.max_batch, int) or self.max_batch < 1:
            raise ConfigError(f"max_batch={self.max_batch!r}: give a whole number of images per call, at least 1")
        for height, width in self.static:
            if not (self.takes(height) and self.takes(width)):
                raise ConfigError(f"static size {height}x{width} is not inside {self.min_side} to {self.max_side} pixels a side in multiples of 16; widen the range or drop it")

    def check(self, height: int, width: int, batch: int = 1) -> None:
        """RequestSizeError unless a request of `batch` images of height x width is inside these sizes."""
        for name, side in (("height", height), ("width", width)):
            if not self.takes(side):
                raise RequestSizeError(
                    f"{name} {side!r} is outside the sizes this pipeline was prepared for: {self.min_side} to {self.max_side} pixels, multiples of 16; "
                    "pick a size inside them, or prepare a wider range (optimize(..., sizes=RequestSizes(...)), lora-fast --min-side/--max-side)"
                )
        if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= self.max_batch:
            raise RequestSizeError(f"{batch!r} images per call is outside the prepared 1 to {self.max_batch}; split the request or prepare a larger max_batch")

    def takes(self, side: object) -> bool:
        """Whether `side` is a whole number of pixels inside these sizes: from min_side to max_side, a multiple of 16."""
        return not isinstance(side, bool) and isinstance(side, int) and self.min_side <= side <= self.max_side and not side % 16

    def to_dict(self) -> dict:
        return asdict(self)

    def warm_up_requests(self) -> list[tuple[int, int, int]]:
        """(height, width, batch) of the requests that compile every graph: each static size, then the smallest size of
        another area (a static area takes the static graph) at batch 1 and, when batches are allowed, at batch 2 (torch gives a
        dimension of 1 its own graph). When every size in the range is static, batch 2 of the first static size."""
        static_areas = {height * width for height, width in self.static}
        sides = range(self.min_side, self.max_side + 1, 16)
        other = min(((height, width) for height in sides for width in sides if height * width not in static_areas), key=lambda size: size[0] * size[1], default=None)
        requests = [(height, width, 1) for height, width in self.static] + ([(*other, 1)] if other else [])
        return requests + ([(*(other or self.static[0]), 2)] if self.max_batch > 1 else [])


@dataclass(frozen=True)
class Requirements:
    """What a configuration needs from the machine. `packages` holds groups of importable modules, any one of a
    group will do; `min_capability` applies on a GPU."""

    cuda: bool = False
    min_capability: tuple[int, int] | None = None
    packages: tuple[tuple[str, ...], ...] = ()
    markers: tuple[str, ...] = ()


# Importable module names for optional packages, per feature.
FA3_MODULES = ("flash_attn_interface", "fa3_fwd_interface")
INSTALL_NAMES = {"flash_attn_interface": "flash-attn-3 (built from source)", "fa3_fwd_interface": "fa3-fwd"}
_ATTENTION_NEEDS = {
    Attention.SDPA_FLASH: ((8, 0), ()),
    Attention.SDPA_CUDNN: ((8, 0), ()),
    Attention.FA3: ((9, 0), (FA3_MODULES,)),
    Attention.FA3_FP8: ((9, 0), (FA3_MODULES,)),
    Attention.FA3_FP8_UNSCALED: ((9, 0), (FA3_MODULES,)),
    Attention.SAGE: ((8, 0), (("sageattention",),)),
}
# FP8 matmuls need sm_89 on a GPU; ours also runs on the CPU (torch's reference kernel: slow, for tests).
_QUANT_NEEDS = {Quantization.FP8_ROWWISE: ((8, 9), ()), Quantization.TORCHAO_FP8_ROWWISE: ((8, 9), (("torchao",),))}


def requirements(config: OptimizationConfig) -> Requirements:
    """What `config` needs: CUDA, a compute capability, optional packages. Feeds skip markers and checks."""
    capability: tuple[int, int] | None = None
    packages: list[tuple[str, ...]] = []
    cuda = config.cuda_graphs or config.offloaded or config.quantization is Quantization.TORCHAO_FP8_ROWWISE
    if config.attention in _ATTENTION_NEEDS:
        capability, modules = _ATTENTION_NEEDS[config.attention]
        packages += modules
        cuda = True
    if config.quantization in _QUANT_NEEDS:
        needed, modules = _QUANT_NEEDS[config.quantization]
        capability = max(capability or (0, 0), needed)
        packages += modules
    if config.text_encoder_fp8:
        capability = max(capability or (0, 0), _QUANT_NEEDS[Quantization.FP8_ROWWISE][0])
    markers = ["gpu"] if cuda else ["cpu"]
    if capability is not None and capability >= (9, 0):
        markers.append("h100")
    if config.fits_gpu_memory_gib is not None and config.fits_gpu_memory_gib <= 24:
        markers.append("rtx4090")
    if config.context_parallel > 1:
        markers.append("multigpu")
    return Requirements(cuda=cuda, min_capability=capability, packages=tuple(packages), markers=tuple(markers))


def module_available(name: str) -> bool:
    """True when `name` can be imported."""
    return importlib.util.find_spec(name) is not None


def cuda_capability() -> tuple[int, int] | None:
    """Compute capability of GPU 0, or None without CUDA."""
    return torch.cuda.get_device_capability(0) if torch.cuda.is_available() else None


def unmet_requirements(config: OptimizationConfig) -> list[str]:
    """Reasons this machine cannot run `config`; empty when it can."""
    needs = requirements(config)
    reasons = []
    capability = cuda_capability()
    if needs.cuda and capability is None:
        reasons.append(f"{config.name!r} needs a CUDA GPU")
    elif needs.min_capability and capability is not None and capability < needs.min_capability:
        want = ".".join(map(str, needs.min_capability))
        reasons.append(f"{config.name!r} needs compute capability >= {want}, this GPU has {capability[0]}.{capability[1]}")
    if config.context_parallel > 1 and job_ranks() != config.context_parallel:
        reasons.append(
            f"{config.name!r} splits each image over ulysses_degree x ring_degree = {config.ulysses_degree} x {config.ring_degree} = "
            f"{config.context_parallel} ranks, this process is in a job of {job_ranks()}: launch it with `torchrun --nproc-per-node "
            f"{config.context_parallel}` after lora_fast.speed.parallel.init_distributed()"
        )
    for alternatives in needs.packages:
        if not any(module_available(name) for name in alternatives):
            installs = " or ".join(INSTALL_NAMES.get(name, name) for name in alternatives)
            reasons.append(f"{config.name!r} needs {' or '.join(alternatives)} (pip install {installs})")
    return reasons


def job_ranks() -> int:
    """How many ranks the torch.distributed job of this process has (1 outside a job)."""
    distributed = torch.distributed
    return distributed.get_world_size() if distributed.is_available() and distributed.is_initialized() else 1


def check_runnable(config: OptimizationConfig) -> None:
    """Raise ConfigError naming every unmet requirement of `config` on this machine."""
    reasons = unmet_requirements(config)
    if reasons:
        raise ConfigError("; ".join(reasons))
