"""One of the racing processes of test_suite's concurrent-save test: waits at the barrier file, then saves its results."""

import sys
import time
from pathlib import Path

from pytest_benchmark.storage.file import FileStorage

from lora_fast.bench.suite import save_atomically


class StaleListing(FileStorage):
    """A storage whose listing is always stale: every save first tries the number 0001, as writers that scanned
    the folder at the same instant would, so each save meets the clash that racing writers meet now and then."""

    @property
    def _next_num(self) -> str:
        return "0001"


storage_path, name, count, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
storage = StaleListing(storage_path, logger=None)
while time.time() < start:  # the barrier: every process saves from the same instant on
    pass
for index in range(count):
    save_atomically(storage, {"name": name, "index": index}, "run")  # one name for all, as autosaves made at one instant have
