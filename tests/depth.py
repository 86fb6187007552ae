"""How hard the property tests search. The README's test command runs them quick; `.ci/run` sets
LORA_FAST_TEST_DEPTH=deep and runs every search at full depth (CI has 90 minutes, a developer wants five)."""

from __future__ import annotations

import os

DEPTHS = ("quick", "deep")
DEPTH = os.environ.get("LORA_FAST_TEST_DEPTH", "quick")
if DEPTH not in DEPTHS:
    raise ValueError(f"LORA_FAST_TEST_DEPTH={DEPTH!r}: use one of {', '.join(DEPTHS)}")
DEEP = DEPTH == "deep"


def examples(quick: int, deep: int) -> int:
    """How many examples a hypothesis test draws at this depth."""
    return deep if DEEP else quick
