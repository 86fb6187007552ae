"""lora-fast: fast LoRA inference with Flux.1-dev, and the benchmark suite that proves it."""

from .config import PRESETS, OptimizationConfig, get_preset, requirements
from .loras import LoraSlot, LoraSpec, make_lora, read_lora, save_lora
from .optimize import generate, optimize, optimized, restore
from .pipelines import load_pipeline

__all__ = [
    "PRESETS", "OptimizationConfig", "get_preset", "requirements", "LoraSlot", "LoraSpec", "make_lora", "read_lora",
    "save_lora", "generate", "optimize", "optimized", "restore", "load_pipeline",
]
