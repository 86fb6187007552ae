"""The optimization steps `optimize` applies: attention kernels, FP8, fused projections, CUDA graphs, offloading, context parallelism, compile caches."""
