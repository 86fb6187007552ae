"""A pytest plugin (`-p tests.plant_fp8_error`) that breaks our FP8 layer on purpose: each output 10% too large, as a
wrong descale would make it. A quantized benchmark case must then fail its FP8 limit (tests/test_suite.py)."""

from lora_fast.speed.quantize import Fp8Linear

_forward = Fp8Linear.forward


def _forward_too_large(self, input):
    return _forward(self, input) * 1.1


Fp8Linear.forward = _forward_too_large
