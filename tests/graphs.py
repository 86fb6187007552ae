"""A torch.compile backend for tests that read what dynamo traced: each graph kept and run as traced."""

from __future__ import annotations

from collections.abc import Callable

import torch


def recording_backend() -> tuple[Callable[[torch.fx.GraphModule, list], Callable], list[torch.fx.GraphModule]]:
    """The backend, and the list it appends each traced graph to."""
    graphs: list[torch.fx.GraphModule] = []

    def backend(graph: torch.fx.GraphModule, example_inputs: list) -> Callable:
        graphs.append(graph)
        return graph.forward

    return backend, graphs
