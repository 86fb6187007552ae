"""torch.compile helpers for tests: a backend that keeps what dynamo traced, and a module compiled for a while."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch


def recording_backend() -> tuple[Callable[[torch.fx.GraphModule, list], Callable], list[torch.fx.GraphModule]]:
    """The backend, and the list it appends each traced graph to."""
    graphs: list[torch.fx.GraphModule] = []

    def backend(graph: torch.fx.GraphModule, example_inputs: list) -> Callable:
        graphs.append(graph)
        return graph.forward

    return backend, graphs


@contextlib.contextmanager
def compiled_forward(module: torch.nn.Module, **options) -> Iterator[None]:
    """`module`'s forward compiled with `options` (an instance attribute) while the block runs, then taken off: the
    module keeps no forward of its own, as monkeypatch's undo would leave (the class's, bound)."""
    module.forward = torch.compile(type(module).forward.__get__(module), **options)
    try:
        yield
    finally:
        del module.forward
        torch._dynamo.reset()
