"""What every step of `optimize` returns: a call that puts back exactly what the step changed."""

from collections.abc import Callable

Undo = Callable[[], None]
