"""T5-XXL at Flux's full size, random weights, read into FP8 both ways on the CPU (issue 29): saved as a transformers
folder (5 GB shards), then read by `stream_t5` and by transformers' `from_pretrained` followed by `quantize`. Prints
whether every tensor and the encoder's output agree bit for bit. Needs about 21 GiB of RAM and 10 GB of disk.
Usage: python tools/t5_full_size_check.py FOLDER (written once; an existing folder is read as it is)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch
from transformers import T5Config, T5EncoderModel

from lora_fast.config import Quantization
from lora_fast.pipelines import FLUX_DEV_SHAPES
from lora_fast.speed.quantize import Fp8Linear, quantize
from lora_fast.speed.streamed import stream_t5


def save_random_t5(folder: Path) -> None:
    torch.manual_seed(0)
    with torch.device("meta"):
        model = T5EncoderModel(T5Config(**FLUX_DEV_SHAPES.t5))
    model = model.to_empty(device="cpu").to(torch.bfloat16)
    for parameter in model.parameters():
        parameter.data.normal_(0, 0.02)
    model.tie_weights()
    model.save_pretrained(folder, max_shard_size="5GB")


def bits(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.view(torch.uint8) if tensor.dtype is torch.float8_e4m3fn else tensor


def main(folder: Path) -> None:
    if not folder.exists():
        start = time.perf_counter()
        save_random_t5(folder)
        print(f"saved a random T5-XXL to {folder} in {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    streamed = stream_t5(folder, torch.device("cpu"), torch.bfloat16)
    print(f"stream_t5: {time.perf_counter() - start:.0f} s")
    whole = T5EncoderModel.from_pretrained(folder, dtype=torch.bfloat16)
    quantize(whole, Quantization.FP8_ROWWISE, keep_originals=False)
    read, loaded = streamed.state_dict(), whole.state_dict()
    unequal = [key for key in loaded if key not in read or read[key].dtype != loaded[key].dtype or not torch.equal(bits(read[key]), bits(loaded[key]))]
    layers = sum(isinstance(module, Fp8Linear) for module in streamed.modules())
    tokens = torch.randint(0, FLUX_DEV_SHAPES.t5["vocab_size"], (1, 64), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        same_output = torch.equal(streamed(tokens).last_hidden_state, whole(tokens).last_hidden_state)
    print(f"tensors: {len(loaded)}, unequal: {len(unequal)} {unequal[:3]}; FP8 layers: {layers}; "
          f"embedding shared: {streamed.shared.weight is streamed.encoder.embed_tokens.weight}; same output: {same_output}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
