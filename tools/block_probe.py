"""FLUX.1-dev's two kinds of block at full width (one joint and one single block, random weights), built as `optimized`
builds them (our FP8 linears, FA3 FP8, GELU as a sigmoid, each block compiled with CUDA graphs), timed one block
call at a time at 1024x1024 (4096 image and 512 text tokens) under several ways of scaling activations and inductor
options (static: calibrated scales, each layer's descale inside the weight's scales and the matmul handed a shared
column of ones, attention's scales fixed; rowwise: a scale per activation row; *_norm_rope: query and key made by our
kernel; *_gelu_fp8: the single block's GELU, concatenation and proj_out's quantization by our kernel; *_fused: both
kernels; *_divided: each activation divided by its descale, as at 4998d07, instead of multiplied by the scale). Issue
29: inductor's fused kernels run at two to five times their memory bound; this says which way moves them, per block
and per image (28 steps x (19 joint + 38 single)), without compiling a whole pipeline.

Prints one JSON line per way: milliseconds per joint and single block call (CUDA events), the image's block time,
the first call (compile) seconds, and each kernel's microseconds per call (torch.profiler). With --code, the code
inductor wrote for each way is copied there, so its kernels can be read.

    python tools/block_probe.py --code out/block_code > out/block_probe.jsonl
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="block_probe_cache_"))  # fresh: each way compiles

import torch  # noqa: E402
from diffusers import FluxPipeline, FluxTransformer2DModel  # noqa: E402
from fp8_gemm_probe import milliseconds  # noqa: E402  (tools/ is on the path of a script run from it)
from torch._inductor.cudagraph_trees import reset_cudagraph_trees  # noqa: E402

from lora_fast.bench.profiling import profile_call  # noqa: E402
from lora_fast.config import Attention, Quantization  # noqa: E402
from lora_fast.pipelines import FLUX_DEV_SHAPES  # noqa: E402
from lora_fast.speed.activation_scales import calibrate  # noqa: E402
from lora_fast.speed.activations import use_sigmoid_gelu  # noqa: E402
from lora_fast.speed.attention import set_attention  # noqa: E402
from lora_fast.speed.gelu_fp8 import use_fused_gelu_fp8  # noqa: E402
from lora_fast.speed.quantize import E4M3_MAX, Fp8Linear, quantize, saturated_e4m3  # noqa: E402

IMAGE_SIDE, TEXT_TOKENS, STEPS, JOINT_BLOCKS, SINGLE_BLOCKS = 1024, 512, 28, 19, 38


def static_divided(self: Fp8Linear, flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Static scales as the layer had them at 4998d07: each activation divided by the descale, not multiplied by its reciprocal."""
    return saturated_e4m3(flat.float() / self.input_descale), self.unit_rows[: flat.shape[0]], self.static_weight_scale


def rowwise_divided(self: Fp8Linear, flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-row scales as the layer had them at 4998d07: each value divided by amax / 448, not multiplied by 448 / amax."""
    descale = flat.abs().amax(dim=-1, keepdim=True).float().clamp(min=1e-12) / E4M3_MAX
    return saturated_e4m3(flat.float() / descale), descale, self.weight_scale


class Way(NamedTuple):
    static: bool  # calibrated activation scales
    quantized: Callable[[Fp8Linear, torch.Tensor], tuple[torch.Tensor, ...]] | None  # in place of the layer's (`Fp8Linear.quantized`)
    norm_rope: bool = False  # query and key made by our kernel (lora_fast.speed.norm_rope)
    gelu_fp8: bool = False  # the single block's GELU, concatenation and proj_out's quantization by our kernel (lora_fast.speed.gelu_fp8)
    options: dict = {"deterministic": True}  # inductor's, beside triton.cudagraphs: what `optimized` compiles with


WAYS = {  # in the order run: a run stopped by its time limit keeps the lines printed. At 4998d07 pointwise autotuning,
    # coordinate descent and a column of ones made by each layer on each call were ways too; none paid
    # (logs/2026-12-06b_block_probe.jsonl); the divided ways are b99f032's A/B (logs/2026-12-06c_block_probe_multiplied.jsonl)
    "static": Way(True, None),
    "static_fused": Way(True, None, norm_rope=True, gelu_fp8=True),
    "rowwise": Way(False, None),
    "rowwise_fused": Way(False, None, norm_rope=True, gelu_fp8=True),
    "static_norm_rope": Way(True, None, norm_rope=True),
    "rowwise_norm_rope": Way(False, None, norm_rope=True),
    "rowwise_gelu_fp8": Way(False, None, gelu_fp8=True),
    "static_divided": Way(True, static_divided),
    "rowwise_divided": Way(False, rowwise_divided),
}


@contextlib.contextmanager
def layer_quantization(quantized: Callable[[Fp8Linear, torch.Tensor], tuple[torch.Tensor, ...]] | None) -> Iterator[None]:
    original = Fp8Linear.quantized
    if quantized is not None:
        Fp8Linear.quantized = quantized
    try:
        yield
    finally:
        Fp8Linear.quantized = original


def build(seed: int = 0) -> FluxTransformer2DModel:
    shapes = {**FLUX_DEV_SHAPES.transformer, "num_layers": 1, "num_single_layers": 1}
    torch.manual_seed(seed)
    with torch.device("cuda"):
        transformer = FluxTransformer2DModel(**shapes).to(torch.bfloat16)
    return transformer.eval().requires_grad_(False)


def model_inputs() -> dict:
    latent_side = IMAGE_SIDE // 16
    generator = torch.Generator("cuda").manual_seed(1)

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=generator, device="cuda", dtype=torch.bfloat16)

    return dict(
        hidden_states=randn(1, latent_side**2, 64), encoder_hidden_states=randn(1, TEXT_TOKENS, 4096), pooled_projections=randn(1, 768),
        timestep=torch.tensor([0.5], device="cuda"), guidance=torch.tensor([3.5], device="cuda"),
        img_ids=FluxPipeline._prepare_latent_image_ids(1, latent_side, latent_side, "cuda", torch.bfloat16),
        txt_ids=torch.zeros(TEXT_TOKENS, 3, device="cuda", dtype=torch.bfloat16), return_dict=False,
    )


def block_inputs(transformer: FluxTransformer2DModel, inputs: dict) -> dict[str, tuple[torch.nn.Module, tuple, dict]]:
    """Each block kind's module and the arguments it gets in one forward."""
    blocks = {"joint": transformer.transformer_blocks[0], "single": transformer.single_transformer_blocks[0]}
    seen = {}

    def record(kind: str, module: torch.nn.Module, args: tuple, kwargs: dict) -> None:
        seen.setdefault(kind, (module, args, kwargs))

    handles = [block.register_forward_pre_hook(functools.partial(record, kind), with_kwargs=True) for kind, block in blocks.items()]
    transformer(**inputs)
    for handle in handles:
        handle.remove()
    return seen


def output_code(cache: Path, since: float) -> list[Path]:
    """The modules inductor wrote (a `call` and its kernels' source) since `since`."""
    return [path for path in cache.rglob("*.py") if path.stat().st_mtime >= since and "def call(" in path.read_text(errors="ignore")]


def probe(way: str, code_dir: Path | None) -> dict:
    static, quantized, norm_rope, gelu_fp8, options = WAYS[way]
    torch._dynamo.reset()
    reset_cudagraph_trees()
    transformer = build()
    quantize(transformer, Quantization.FP8_ROWWISE, keep_originals=False)
    set_attention(transformer, Attention.FA3_FP8, fused_norm_rope=norm_rope)
    use_sigmoid_gelu(transformer)
    if gelu_fp8:
        use_fused_gelu_fp8(transformer)
    inputs = model_inputs()
    if static:
        calibrate(transformer, lambda: transformer(**inputs))
    started = time.time()
    result: dict = {"way": way, "inductor_options": options}
    with layer_quantization(quantized):
        calls = block_inputs(transformer, inputs)  # eager: the arguments each block gets
        transformer.compile_repeated_blocks(fullgraph=True, options={"triton.cudagraphs": True, **options})
        for kind, (block, args, kwargs) in calls.items():
            def call(block=block, args=args, kwargs=kwargs):
                torch.compiler.cudagraph_mark_step_begin()
                return block(*args, **kwargs)

            first = time.perf_counter()
            call()
            torch.cuda.synchronize()
            result[f"{kind}_first_call_s"] = round(time.perf_counter() - first, 1)
            result[f"{kind}_ms"] = round(milliseconds(call), 4)
            profile = profile_call(lambda call=call: [call() for _ in range(10)])
            result[f"{kind}_kernels_us"] = [[kernel.name[:120], kernel.calls // 10, round(kernel.seconds / 10 * 1e6, 1)] for kernel in profile.kernels[:30]]
            result[f"{kind}_gpu_busy_ms"] = round(profile.gpu_busy_s / 10 * 1e3, 4)
    result["image_blocks_s"] = round(STEPS * (JOINT_BLOCKS * result["joint_ms"] + SINGLE_BLOCKS * result["single_ms"]) / 1e3, 4)
    if code_dir is not None:
        target = code_dir / way
        target.mkdir(parents=True, exist_ok=True)
        for path in output_code(Path(os.environ["TORCHINDUCTOR_CACHE_DIR"]), started):
            shutil.copy(path, target / path.name)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ways", nargs="+", choices=list(WAYS), default=list(WAYS))
    parser.add_argument("--code", type=Path, default=None, help="a folder for the code inductor wrote, one subfolder per way")
    args = parser.parse_args()
    print(json.dumps({"gpu": torch.cuda.get_device_name(), "torch": torch.__version__}), flush=True)
    for way in args.ways:
        try:
            print(json.dumps(probe(way, args.code)), flush=True)
        except Exception as error:  # one way failing (an option the torch build lacks) does not stop the others
            print(json.dumps({"way": way, "error": f"{type(error).__name__}: {str(error)[:400]}"}), flush=True)


if __name__ == "__main__":
    main()
