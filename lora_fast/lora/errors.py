"""The one error every LoRA problem raises."""


class LoraError(ValueError):
    """A LoRA that cannot be used as asked; the message names the problem and the fix."""
