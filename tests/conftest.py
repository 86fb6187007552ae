"""Shared fixtures: one tiny pipeline per session, restored after every test that optimizes it."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest
import torch

from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.optimize import restore
from lora_fast.pipelines import TINY, generation_defaults, load_pipeline


@pytest.fixture(scope="session", autouse=True)
def user_data_folder(tmp_path_factory):
    """A data folder of the test session's own (compile-cache signing key): no test reads or writes the user's, and
    the processes tests start inherit it, so a cache one of them signs the next one trusts."""
    previous = os.environ.get("LORA_FAST_DATA_DIR")
    os.environ["LORA_FAST_DATA_DIR"] = str(tmp_path_factory.mktemp("lora-fast-data"))
    yield
    if previous is None:
        del os.environ["LORA_FAST_DATA_DIR"]
    else:
        os.environ["LORA_FAST_DATA_DIR"] = previous


@pytest.fixture(scope="session")
def tiny_pipe():
    return load_pipeline(TINY)


@pytest.fixture
def pipe(tiny_pipe):
    """The session's tiny pipeline, with any optimization undone after the test."""
    yield tiny_pipe
    restore(tiny_pipe)


@pytest.fixture(scope="session")
def generate():
    """generate(pipe, seed=0, **kwargs) -> latents of one tiny image (more sensitive than decoded pixels)."""

    def run(pipe, seed: int = 0, output_type: str = "latent", **kwargs):
        settings = {**generation_defaults(TINY), **kwargs}
        return pipe(prompt="a red cube on a table", generator=torch.Generator().manual_seed(seed), output_type=output_type, **settings).images

    return run


@pytest.fixture(scope="session")
def lora_factory(tiny_pipe):
    """lora_factory(**spec) -> a synthetic LoRA state dict for the tiny transformer."""
    return lambda **spec: make_lora(tiny_pipe.transformer, LoraSpec(**spec))


@pytest.fixture(scope="session")
def deadline():
    """deadline(seconds): a with-block that raises TimeoutError after `seconds`, so a hang fails a test, not the run."""

    @contextlib.contextmanager
    def limit(seconds: int):
        def expire(signum, frame):
            raise TimeoutError(f"still running after {seconds} s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.alarm(seconds)
        try:
            yield
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)

    return limit
