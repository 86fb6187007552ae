"""What every step of `optimize` returns: a call that puts back exactly what the step changed."""

from collections.abc import Callable, Iterable
from typing import Any

Undo = Callable[[], None]


def swap_forwards(replacements: Iterable[tuple[Any, Callable]]) -> Undo:
    """Give each module of `replacements` its instance `forward`; the undo puts back the instance forward each had
    before, or none (its class's)."""
    replacements = list(replacements)
    earlier = [(module, vars(module).get("forward")) for module, _ in replacements]
    for module, forward in replacements:
        module.forward = forward

    def undo() -> None:
        for module, forward in earlier:
            if forward is None:
                vars(module).pop("forward", None)
            else:
                module.forward = forward

    return undo
