"""Requests of any declared size without a compile: the sizes a server declares (`RequestSizes`) get two compiled
versions of each repeated transformer block and of the VAE decoder, picked per call by the request's shape:

- static, for the sizes asked most (batch 1): a graph for that one shape, with CUDA graphs when the config has them,
  as fast as a pipeline compiled for nothing else;
- dynamic, for every other size and batch in the range: the batch and token dimensions symbolic, without CUDA
  graphs (a graph per shape would hold memory per shape; the dynamic graph holds none). The VAE decoder runs its
  other sizes eager: torch picks its convolutions' memory layout by size, so a dynamic decoder graph would still
  compile again per size bucket.

Both are compiled by the warm-up `optimize` runs at the end, so no request inside the range compiles. A request
outside it is refused before the pipeline runs (`RequestSizeError`). torch.compile keeps the two versions' cache
entries apart because their inductor options differ; one compiled version with automatic dynamic shapes would
serve a static size from its most recent (dynamic) graph, about 2% slower on the H200 (issue 31)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping

import torch

from ..config import RequestSizeError, RequestSizes
from ..undo import Undo

# Which dimensions of each argument of diffusers' Flux blocks vary with the request: images per call (0) and tokens
# (1: image tokens, 1 per 16x16 pixels, or the prompt's; the rotary table's rows count both). Named, not found by
# size: a token count can equal the model width (768 x 1024 gives 3072).
BLOCK_DIMS = {"hidden_states": (0, 1), "encoder_hidden_states": (0, 1), "temb": (0,), "image_rotary_emb": (0,)}


class ShapeDispatch:
    """A module's call, sent to its static compiled version when the request's shape (`key`) is one of
    `static_shapes`, else to `dynamic` with `dims` of its arguments marked dynamic."""

    def __init__(self, module: torch.nn.Module, static: Callable, dynamic: Callable, dims: Mapping[str, tuple[int, ...]],
                 static_shapes: frozenset[tuple[int, ...]], key: Callable[[dict], tuple[int, ...]]) -> None:
        self.module, self.static, self.dynamic, self.dims, self.static_shapes, self.key = module, static, dynamic, dims, static_shapes, key

    def __call__(self, *args, **kwargs):
        named = dict(zip(_positional_names(type(self.module)), args), **kwargs)
        if self.key(named) in self.static_shapes:
            return self.static(*args, **kwargs)
        for name, dims in self.dims.items():
            if name in named:
                named[name] = _marked(named[name], dims)
        return self.dynamic(**named)


@functools.cache
def _positional_names(cls: type) -> tuple[str, ...]:
    return tuple(name for name in inspect.signature(cls.forward).parameters if name != "self")


def _marked(value, dims: tuple[int, ...]):
    """`value` (a tensor, or a tuple of them) contiguous, with `dims` marked dynamic. Contiguous: a view's strides
    follow the size it was cut from, and torch would guard on them as numbers (a recompile per size)."""
    if isinstance(value, (tuple, list)):
        return type(value)(_marked(item, dims) for item in value)
    if not isinstance(value, torch.Tensor):
        return value
    value = value.contiguous()
    for dim in dims:
        torch._dynamo.maybe_mark_dynamic(value, dim)
    return value


def compile_for_sizes(modules: list[torch.nn.Module], *, options: dict, fullgraph: bool, dims: Mapping[str, tuple[int, ...]] | None,
                      key: Callable[[dict], tuple[int, ...]], static_shapes: frozenset[tuple[int, ...]], hookable: bool = False) -> None:
    """Give each of `modules` a static compiled version and, with `dims`, a dynamic one (else its eager call), and a
    `ShapeDispatch` between them in place of `Module.compile`'s call (its undo drops them as it drops that), or with
    `hookable` in place of the module's `forward`, so that hooks on the module run outside the compiled code.
    `options` are the static version's inductor options; the dynamic one has no CUDA graphs."""
    dynamic_options = {**options, "triton.cudagraphs": False, "triton.cudagraph_skip_dynamic_graphs": True}  # also keeps their cache entries apart
    for module in modules:
        call = module.forward if hookable else module._call_impl
        static = torch.compile(call, fullgraph=fullgraph, dynamic=False, options=options or None)
        dynamic = torch.compile(call, fullgraph=fullgraph, options=dynamic_options) if dims else call
        dispatch = ShapeDispatch(module, static, dynamic, dims or {}, static_shapes, key)
        if hookable:
            module.forward = dispatch
        else:
            module._compiled_call_impl = dispatch


def block_key(named: dict) -> tuple[int, ...]:
    """(batch, image tokens, text tokens) of a transformer block's call."""
    return (*named["hidden_states"].shape[:2], named["encoder_hidden_states"].shape[1])


def decoder_key(named: dict) -> tuple[int, ...]:
    """(batch, latent height, latent width) of a VAE decoder call."""
    shape = named["sample"].shape
    return (shape[0], shape[2], shape[3])


def static_block_shapes(sizes: RequestSizes, latent_scale: int) -> frozenset[tuple[int, ...]]:
    """(batch, image tokens, text tokens) of the static sizes: an image token is 2 x 2 latent pixels, each `latent_scale` pixels a side."""
    return frozenset((1, (height // (2 * latent_scale)) * (width // (2 * latent_scale)), sizes.text_tokens) for height, width in sizes.static)


def static_decoder_shapes(sizes: RequestSizes, latent_scale: int) -> frozenset[tuple[int, ...]]:
    """(batch, latent height, latent width) of the static sizes."""
    return frozenset((1, height // latent_scale, width // latent_scale) for height, width in sizes.static)


def warm_up(pipe, sizes: RequestSizes, steps: int = 3) -> None:
    """Run one short request per compiled version and batch kind (CUDA graphs need a few calls to record), so that
    no later request inside `sizes` compiles: each static size at batch 1, and the dynamic versions at a size of
    batch 1 and one of batch 2 (torch specializes a dimension of 1)."""
    for height, width, batch in sizes.warm_up_requests():
        sizes.check(height, width, batch)
        pipe(prompt="", height=height, width=width, num_images_per_prompt=batch, num_inference_steps=steps, output_type="pt",
             max_sequence_length=sizes.text_tokens, generator=torch.Generator().manual_seed(0))


def check_requests(transformer: torch.nn.Module, sizes: RequestSizes, latent_scale: int) -> Undo:
    """Refuse a direct `pipe(...)` call outside `sizes` before the transformer runs (RequestSizeError), judged from
    what the transformer sees: images per call and image tokens (`generate` checks each side too). The undo removes it."""
    fewest, most = (sizes.min_side // (2 * latent_scale)) ** 2, (sizes.max_side // (2 * latent_scale)) ** 2

    def check(module, args, kwargs) -> None:
        batch, tokens = (kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]).shape[:2]
        if not fewest <= tokens <= most or batch > sizes.max_batch:
            raise RequestSizeError(
                f"a request of {batch} images of {tokens} image tokens ({2 * latent_scale} x {2 * latent_scale} pixels each) is outside the sizes this pipeline was prepared for: "
                f"{sizes.min_side} to {sizes.max_side} pixels a side, 1 to {sizes.max_batch} images; pick a size inside them or prepare a wider range"
            )

    return transformer.register_forward_pre_hook(check, with_kwargs=True).remove
