"""Serving on Ray Serve: an HTTP API in front of one optimized pipeline per GPU, each request routed by its LoRA set to replicas that hold it."""
