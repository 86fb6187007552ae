#!/usr/bin/env bash
# A full-size run on 4 GPUs of one host, one pytest process per GPU so the FP8 compilations (about 4 minutes
# each) run side by side; each process writes its own JSON and log into $OUT. The jobs below are the latest
# stored run (the git history has the earlier ones).
# Usage (on the device machine, after installing the GPU wheels): OUT=/some/folder bash benchmarks/run_h200x4.sh
set -u
FULL=(--model flux-dev-random --lora-rank 128 --rounds 3 --profile-kernels -q -p no:warnings -rs)
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
  run 0 attention_tests 200 tests/test_attention.py -q -p no:warnings -rs
  run 0 attention_kernels 120 benchmarks/test_attention_speed.py -q -p no:warnings -rs
  CUDA_VISIBLE_DEVICES=0 timeout 220 python3 -m lora_fast profile --model flux-dev-random --preset no_fp8 >"$OUT/profile_no_fp8.txt" 2>&1
  echo "profile: exit $?"
} &
run 1 fp8_optimized 560 "${FULL[@]}" "$P::test_preset[optimized]" "$P::test_hotswap_sequence[optimized]" &
run 2 fp8_no_fa3 560 "${FULL[@]}" "$P::test_preset[no_fa3]" "$P::test_preset[no_compile]" &
run 3 bf16 560 "${FULL[@]}" "$P::test_preset[baseline]" "$P::test_preset[no_fp8]" "$P::test_preset[no_fa3_fp8]" "$P::test_preset[no_compile_fp8]" \
  "$P::test_preset[baseline_compile]" "$P::test_attention_pipeline[fa3_fp8]" "$P::test_attention_pipeline[sage]" "$P::test_attention_pipeline[sdpa_cudnn]" &
wait
tail -n 3 "$OUT"/*.log
