"""lora-fast: fast LoRA inference with Flux.1-dev, and the benchmark suite that proves it."""

from .quiet import quiet_logger

# Importing diffusers' Flux pipeline makes transformers warn that torchvision is missing for an image processor
# (IP-Adapter's) that nothing here uses.
with quiet_logger("transformers.utils.import_utils"):
    from .config import PRESETS, OptimizationConfig, get_preset, requirements
    from .lora.files import LoraError, read_lora
    from .lora.slot import LoraSlot
    from .lora.synthetic import LoraSpec, make_lora, save_lora
    from .optimize import generate, optimize, optimized, restore
    from .pipelines import load_pipeline

__all__ = [
    "PRESETS", "OptimizationConfig", "get_preset", "requirements", "LoraError", "LoraSlot", "LoraSpec", "make_lora", "read_lora",
    "save_lora", "generate", "optimize", "optimized", "restore", "load_pipeline",
]
