"""The optimization steps `optimize` applies: attention kernels, FP8 (and FP8 read straight from a checkpoint), fused projections, CUDA graphs, offloading, context parallelism, compile caches."""
