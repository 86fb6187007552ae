"""What running under pytest-xdist (the README's test command: -n 2) asks of every test process: each worker takes its
share of the cores, and the pytest runs that tests start are sessions of their own, not workers."""

from __future__ import annotations

import os

import pytest
import torch


def pytest_configure(config: pytest.Config) -> None:
    """A worker's torch threads (and those of the processes it starts) are the cores over the workers: two workers
    with a thread per core each wait on each other's spinning threads (CI at full depth took 15 min instead of 11)."""
    workers = getattr(config, "workerinput", {}).get("workercount")
    if workers:
        share = max(1, (os.cpu_count() or 1) // workers)
        torch.set_num_threads(share)
        os.environ["OMP_NUM_THREADS"] = str(share)


@pytest.fixture(scope="session", autouse=True)
def children_are_not_xdist_workers():
    """The pytest runs tests start must not inherit the variables that tell an xdist worker what it is
    (pytest-benchmark stores no results under them)."""
    worker = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("PYTEST_XDIST_")}
    yield
    os.environ.update(worker)
