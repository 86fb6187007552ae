#!/usr/bin/env bash
# The run behind the stored H200 results: the whole suite at full size, split over 4 GPUs of one host so the
# FP8 compilations (about 4 minutes each) run side by side. Each process writes its own JSON into $OUT.
# Usage (on the device machine, after installing the GPU wheels): OUT=/some/folder bash benchmarks/run_h200x4.sh
set -u
FULL=(--model flux-dev-random --lora-rank 128 --rounds 3 -q -p no:warnings -rs)
# Four processes on one host: without a thread cap each OpenMP pool takes every core and the CPU work (LoRA
# factory, tiny-pipeline tests, compilation) slows to a crawl.
export OMP_NUM_THREADS=8 TORCHINDUCTOR_COMPILE_THREADS=8 PYTHONUNBUFFERED=1
P=benchmarks/test_presets.py
run() {  # run GPU NAME LIMIT_S ARGS...: one pytest process on one GPU, its JSON in $OUT/NAME.json, its log in $OUT/NAME.log
  local gpu=$1 name=$2 limit=$3; shift 3
  CUDA_VISIBLE_DEVICES=$gpu timeout "$limit" python3 -m pytest "$@" --benchmark-json "$OUT/$name.json" >"$OUT/$name.log" 2>&1
  echo "$name: exit $?"
}
{
  run 0 fp8_no_fa3 360 "${FULL[@]}" "$P::test_preset[no_fa3]"
  run 0 rtx4090_24GiB 130 "${FULL[@]}" --gpu-memory-gb 24 "$P::test_preset[rtx4090_offload_eager]"
} &
run 1 bf16_presets 490 "${FULL[@]}" "$P::test_preset[baseline]" "$P::test_preset[no_fp8]" "$P::test_preset[no_fa3_fp8]" \
  "$P::test_preset[baseline_compile]" "$P::test_preset[no_compile_fp8]" "$P::test_hotswap_sequence[no_fp8]" "$P::test_preset[no_compile]" &
{
  run 2 attention_pipelines 280 "${FULL[@]}" "$P::test_attention_pipeline"
  run 2 attention_tests 200 tests/test_attention.py -q -p no:warnings -rs
} &
run 3 fp8_optimized 490 "${FULL[@]}" "$P::test_preset[optimized]" "$P::test_hotswap_sequence[optimized]" &
wait
tail -n 3 "$OUT"/*.log
