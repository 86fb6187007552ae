"""The one error every LoRA problem raises."""

from ..errors import QuotingError


class LoraError(QuotingError, ValueError):
    """A LoRA that cannot be used as asked; the message names the problem and the fix."""
