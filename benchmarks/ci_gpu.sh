#!/usr/bin/env bash
# The body of the GPU workflow (.github/workflows/gpu.yml), runnable by hand on any GPU machine with the packages
# installed: one nox session's benchmarks (stored under .benchmarks/<GPU>/ and written to $OUT/run.json), the
# regression gate against the stored runs under $REFERENCE, and the report table into the job summary.
# Usage: OUT=out REFERENCE=.benchmarks bash benchmarks/ci_gpu.sh h100|rtx4090 [pytest arguments, e.g. -k optimized]
set -euo pipefail
session=${1:?usage: ci_gpu.sh h100|rtx4090 [pytest arguments]}
shift
out=${OUT:?set OUT to a folder for the results}
reference=${REFERENCE:-.benchmarks}
summary=${GITHUB_STEP_SUMMARY:-$out/summary.md}
mkdir -p "$out"
export LORA_FAST_COMMIT=${LORA_FAST_COMMIT:-$(git rev-parse HEAD)}
if [ -z "${LORA_FAST_TREE_CLEAN:-}" ]; then
  git diff --quiet HEAD && LORA_FAST_TREE_CLEAN=1 || LORA_FAST_TREE_CLEAN=0
  export LORA_FAST_TREE_CLEAN
fi
rm -f "$out/run.json" "$out/summary.part"
status=0
nox --no-venv -s "$session" -- --benchmark-json "$out/run.json" "$@" || status=$?
echo "## lora-fast: nox -s $session on $(python -c 'import torch; print(torch.cuda.get_device_name(0))')" >"$out/summary.part"
python -m lora_fast.bench.report "$out/run.json" >>"$out/summary.part" || status=$?
printf '\n```\n' >>"$out/summary.part"
python -m lora_fast.bench.report "$out/run.json" --gate "$reference" >>"$out/summary.part" || status=$?
printf '```\n' >>"$out/summary.part"
cat "$out/summary.part" | tee -a "$summary"
exit "$status"
