"""Serving: one optimized pipeline per GPU, requests routed to the GPU that holds their LoRA."""
