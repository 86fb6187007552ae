"""Error messages that quote text from files (LoRA key names, stored results, compile-cache items) print it with
control characters escaped, so a hostile name cannot move the cursor, clear the terminal or fake a line."""

from __future__ import annotations


def printable(text: str) -> str:
    """`text` with every character that is not printable (controls, line and bidi marks) as a \\x, \\u escape."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


class QuotingError(Exception):
    """Base of the errors whose message may quote a file: the message is made printable once, here."""

    def __init__(self, message: str = "") -> None:
        super().__init__(printable(str(message)))
