"""Measurement, the benchmark suite and its report: clocks, profiles, similarity, memory, machine facts, storage."""
