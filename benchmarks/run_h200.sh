#!/usr/bin/env bash
# Full-size runs on one H200, one pytest process at a time (a process timed beside another is not a figure we
# publish). Each job writes $OUT/<job>.json and $OUT/<job>.log; the presets of one ratio share a process.
# Usage (on the GPU machine, after installing the GPU wheels): OUT=/some/folder bash benchmarks/run_h200.sh JOB...
# Jobs:
#   gpu_tests, headline, rest, reversed, planted   the runs behind 0016 to 0019
#   remaining        no_compile and the reference's recipe, whose torchao compile takes minutes
#   levers           issue 12's kept levers, each against optimized, profiled (the first batch: this job at 687c117)
#   swap             the hot-swap sequence of optimized alone
#   warm_versus      compiles optimized and reference_recipe in parallel into the on-disk inductor cache (nothing timed),
#                    so that `versus`, on the same machine, does not spend its call on torchao's cold compile (about 400 s)
#   versus           issue 12's goals from one process: baseline, optimized, no_fp8 and reference_recipe, profiled (0034)
#   fused            the fused q/k/v projections against optimized, profiled
#   unscaled         FA3 on unscaled FP8 casts (the reference's attention) against optimized, profiled
#   artifact         optimized's first call in a fresh process from a compile cache `lora-fast warm` shipped
#   row_quant        a one-pass row quantization kernel and torchao's arithmetic against inductor's (0024: without torchao's)
#   rope             the q/k RMSNorm and rotary embedding written two ways, each compiled
#   rtx4090, rtx4090_group, rtx4090_offload, rtx4090_swap   the 24 GB presets and their hot-swap sequences under a
#                    24 GB cap, the pipeline in host memory as on the card (they need pytest-timeout)
#   autotune, autotune_fp8   inductor's GEMM autotuning against no_fp8 and optimized, profiled; a per-case limit keeps
#                    the file when the autotuned compile runs too long (it needs pytest-timeout)
#   gaps             `lora-fast profile` of optimized and no_fp8, one process each: kernels, CPU ops and where the GPU waits
#   rtx4090_cli      `lora-fast generate` of rtx4090_optimized under the cap, from a fresh process: peak GPU and host memory
#   rtx4090_streamed `lora-fast save` of flux-dev-random as a folder, then `lora-fast generate` of rtx4090_streamed from it under
#                    the cap in a fresh process: peak host memory with the transformer read into FP8 layer by layer (issue 29)
#   rtx4090_streamed_suite   the suite's rtx4090_streamed case (its pipeline read from the session's, saved as a folder) and
#                    rtx4090_baseline after it, one process: the 24 GB ratio (568 s for both, 0054)
#   rtx4090_streamed_swap   rtx4090_streamed's hot-swap sequence under the cap: each fold re-reads its exact weights from the folder
#                    (0064: with T5 in FP8 and resident, before the preset kept it so)
#   rtx4090_streamed_levers rtx4090_streamed (T5 in FP8, every text encoder resident) beside rtx4090_streamed-t5_fp8 (T5 in bf16,
#                    offloaded) under the cap, one process: time, GPU and host peaks, LoRA error with T5 in FP8 (issue 29)
#   rtx4090_levers   rtx4090_optimized beside its single-lever variants under a 24 GB cap, one process (issue 29): T5 in FP8
#                    and resident (+t5_fp8), the LoRA folded into the FP8 weights (+folded)
#   serving          optimized alone, a stacked pair of LoRAs, and a 30-round soak of swaps between single LoRAs, stacks
#                    and strengths, in one process (issue 27: swap medians, stack time and error, reproducibility)
#   soak             300 swap-and-image rounds of optimized at 4 steps, from cold caches
#   readiness        optimized's every-layer readiness (against naming the first LoRA's layers) and a 160-round soak of swaps
#                    between singles and stacks (20 of each set), at 4 steps, then tools/first_call_probe.py from cold caches (issue 27), default and with inductor's
#                    deterministic mode, in the time left
#   sizes, sizes_no_fp8   optimized (no_fp8) compiled for one size, then prepared for a range of sizes, given a shuffled
#                    sequence of 34 requests (8 sizes, batches 1-4) at 4 steps and its static size timed at 28, in one process (issue 31)
#   session          at 4 steps: sizes' two cases in one process, then in another a 40-round soak of swaps between singles
#                    and stacks and readiness for a LoRA on any layer (issues 31 and 27), each file kept if the other runs long
#   determinism      optimized (kernels chosen deterministically) and optimized-deterministic (inductor's default: timed) from
#                    cold caches in one process, then optimized in a second process from the cache the first left: image
#                    time and each one's first image against its last (issue 27)
#   serving_stream   a mixed-LoRA stream through the Ray Serve app against generate, no_fa3 (issue 33); needs the wheels of
#                    tools/serve_wheels.sh carried as .whl_serve instead of .whl (Ray does not fit beside FA3)
#   cache            optimized-kernels, optimized_taylorseer, optimized_fbcache, no_fp8-norm_rope and no_fp8_taylorseer in one process
#                    (issue 28: the cached presets' ratio to their base, LoRA error, share of blocks skipped), then optimized_taylorseer's
#                    hot-swap sequence (0049 ran it when those bases were optimized and no_fp8)
#   cache_sweep      optimized-kernels and each step-cache setting of the sweep on it, in one process: the time against LoRA error
#                    curve (issue 28; 0050 ran it when that base was optimized)
#   static_scales    optimized against optimized+static_scales (one calibrated activation scale per FP8 layer), profiled,
#                    one process (issue 29: the amax passes' time, the share that saturated, the FP8 limit)
#   norm_rope_kernel the kernel's tests (on the GPU), tools/norm_rope_probe.py (its tilings against inductor's code),
#                    then tools/block_probe.py's static and rowwise ways with and without it
#   norm_rope        optimized against optimized-norm_rope (inductor's q/k code), profiled, one process (issue 29; three
#                    compiled FP8 cases take about 500 s, a fourth did not fit in 585; 0061-0062 ran it as optimized+norm_rope)
#   fused_kernels    both kernels' GPU tests, tools/gelu_fp8_probe.py and norm_rope_probe.py (tilings against inductor's
#                    code), then tools/block_probe.py with and without them (static and rowwise scales)
#   gelu_fp8         optimized, optimized-gelu_fp8, optimized+static_scales, profiled, one process (issue 29; 0063 ran it before
#                    optimized had the kernels, as optimized+gelu_fp8 and optimized+static_scales+norm_rope+gelu_fp8)
#   norm_rope_bf16   no_fp8 against no_fp8-norm_rope (the q/k kernel unscaled, bf16 out, against inductor's code), profiled, one
#                    process (issue 29: no_fp8 at 3.5 s; 0065 ran it as no_fp8+norm_rope)
#   promoted         our three kernels' GPU tests, then baseline and optimized (all three in it), profiled, one process (issue 29;
#                    0066 ran it with two)
#   norm_fp8         the norm kernel's and GELU kernel's GPU tests (whole rows too), tools/norm_fp8_probe.py and gelu_fp8_probe.py,
#                    then optimized against optimized-norm_fp8, profiled, one process (issue 29; 0067 ran it before optimized
#                    had the norm kernel, as optimized+norm_fp8)
#   norm_rounding    the norm kernel's GPU tests, then optimized alone, profiled (issue 29; 0069 timed d8860c4's kernel, which
#                    rounded in integer arithmetic so that LLVM could not contract the modulation into a bf16 FMA: 0.025 s slower)
#   t5_compile       the norm kernel's GPU tests, then baseline, optimized and optimized+compile_t5 (T5's blocks compiled: eager,
#                    its launches set the text phase's 0.04 s), profiled, one process (issue 29)
#   cached_kernels   optimized_taylorseer and optimized_fbcache, then the first's hot-swap sequence, one process (0071 ran it at
#                    53afe84, when those presets had our three kernels; since 2349b6d they have none: 0073 is its run at 1b6f3bf)
#   rerecord_probe   tools/rerecord_probe.py: optimized (our three kernels) under TaylorSeer, 6 images with the garbage collector
#                    off, then with it run after every step, each in its own process, torch's reason for each CUDA-graph
#                    re-record kept (0071's re-records; issue 29)
#   rerecord_then_cached   rerecord_probe with the collector off alone, then optimized_taylorseer and optimized_fbcache (on
#                    optimized-kernels since 2349b6d) and the first's hot-swap sequence, one process, in the time left
#   fp8_gemm_probe   tools/fp8_gemm_probe.py: rowwise FP8 matmuls against unit scales and bf16 at Flux's shapes (issue 29)
#   block_probe      tools/block_probe.py: one joint and one single block of optimized, timed under ways of scaling activations
#                    and inductor options, with their kernels and the code inductor wrote, in the call's time left (issue 29)
#   cache_gpu_tests  tests/test_step_cache.py on the GPU: a cache under CUDA graphs, swapped (issue 28)
#   mixed            test_mixed_shapes[optimized] alone at 4 steps, in under 5 minutes (sizes' second case)
#   pictures         the reference's eight presets in one process, 3 rounds each, for the results page's pictures (each
#                    case stores its thumbnails); a per-case limit keeps the file if one compile runs long (pytest-timeout)
# Set LORA_FAST_COMMIT (and LORA_FAST_TREE_CLEAN=1) when the tree travels without its own .git.
set -u
FULL=(--model flux-dev-random --resolution 1024 --steps 28 --lora-rank 128 -v -p no:warnings -rs --durations=0)
P=benchmarks/test_presets.py
cases() { local prefix=$1; shift; for name in "$@"; do printf '%s\n' "$P::$prefix[$name]"; done; }
CACHED=($(cases test_preset optimized_taylorseer optimized_fbcache) "$P::test_hotswap_sequence[optimized_taylorseer]")  # the step-cache presets, then a swap sequence
with_peak_rss() {  # with_peak_rss LIMIT_S COMMAND...: run it under a time limit and print its peak resident host memory
  local limit=$1; shift
  python3 -c 'import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); print(f"exit {code}; peak host RSS {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20:.2f} GiB")' \
    timeout "$limit" "$@"
}
bench() {  # bench JOB LIMIT_S ARGS...
  local job=$1 limit=$2; shift 2
  rm -rf /tmp/pytest-of-*/pytest-*/saved_pipeline*  # a process stopped by its limit leaves its saved pipeline (33 GB at full size)
  timeout "$limit" python3 -m pytest "${FULL[@]}" "$@" --benchmark-json "$OUT/$job.json" >"$OUT/$job.log" 2>&1
  echo "$job: exit $? after ${SECONDS}s"
  if [ -f "$OUT/$job.partial.json" ]; then echo "$job: stopped early; its finished cases are in $job.partial.json"; fi
}
run_gpu_tests() {  # run_gpu_tests LIMIT_S LOG PYTEST_ARGS...: the GPU-marked tests among PYTEST_ARGS, into $OUT/LOG.log
  local limit=$1 log=$2; shift 2
  timeout "$limit" python3 -m pytest "$@" -m gpu -v -p no:warnings -rs >"$OUT/$log.log" 2>&1
  echo "$log: exit $?"
}
probe_rerecords() {  # probe_rerecords GC_MODE LIMIT_S: tools/rerecord_probe.py in its own process, torch's re-record reasons kept
  TORCH_LOGS="+cudagraphs" timeout "$2" python3 tools/rerecord_probe.py --gc "$1" >"$OUT/rerecord_probe_$1.jsonl" 2>/tmp/rerecord_probe.log
  echo "rerecord_probe --gc $1: exit $? after ${SECONDS}s"
  grep -m 60 "Re-recording" /tmp/rerecord_probe.log | cut -c1-2000 >"$OUT/rerecord_reasons_$1.log"
}
for job in "$@"; do
  case $job in
    gpu_tests) run_gpu_tests 450 gpu_tests tests;;
    serving) bench serving 570 --rounds 5 --soak-rounds 30 --timeout 200 -o timeout_func_only=true $(cases test_preset optimized) \
      "benchmarks/test_lora_serving.py::test_stacked_pair[optimized]" "benchmarks/test_lora_serving.py::test_lora_soak[optimized]";;
    readiness) bench readiness 420 --steps 4 --rounds 4 --soak-rounds 160 "benchmarks/test_lora_serving.py::test_every_layer_ready[optimized]" \
        "benchmarks/test_lora_serving.py::test_lora_soak[optimized]"
      for mode in default deterministic; do
        (export TORCHINDUCTOR_CACHE_DIR=/tmp/probe_cache_$mode; [ $mode = deterministic ] && export TORCHINDUCTOR_DETERMINISTIC=1
         timeout $((585 - SECONDS)) python3 tools/first_call_probe.py --config optimized --steps 4 >"$OUT/probe_$mode.json" 2>"$OUT/probe_$mode.log"
         echo "probe $mode: exit $?") &
      done; wait;;
    sizes|sizes_no_fp8) config=optimized; [ $job = sizes_no_fp8 ] && config=no_fp8
      bench $job 570 --rounds 5 --sequence-steps 4 $(cases test_preset $config) "benchmarks/test_mixed_shapes.py::test_mixed_shapes[$config]";;
    session) bench session_sizes 330 --steps 4 --rounds 5 --timeout 250 -o timeout_func_only=true $(cases test_preset optimized) \
        "benchmarks/test_mixed_shapes.py::test_mixed_shapes[optimized]"
      bench session_loras $((560 - SECONDS)) --steps 4 --rounds 4 --soak-rounds 40 "benchmarks/test_lora_serving.py::test_lora_soak[optimized]" \
        "benchmarks/test_lora_serving.py::test_every_layer_ready[optimized]";;
    determinism) bench determinism 330 --rounds 10 $(cases test_preset optimized) $(cases test_variant optimized-deterministic)
      bench determinism_warm $((570 - SECONDS)) --rounds 10 $(cases test_preset optimized);;
    serving_stream) bench serving_stream 595 "benchmarks/test_serving.py::test_served_stream[no_fa3]";;
    cache) bench cache 570 --rounds 5 --timeout 200 -o timeout_func_only=true $(cases test_variant optimized-kernels) \
      $(cases test_preset optimized_taylorseer optimized_fbcache) $(cases test_variant no_fp8-norm_rope) $(cases test_preset no_fp8_taylorseer) \
      "$P::test_hotswap_sequence[optimized_taylorseer]";;
    cache_sweep) bench cache_sweep 570 --rounds 5 --timeout 200 -o timeout_func_only=true $(cases test_variant optimized-kernels) \
      $(cases test_cache_sweep optimized-kernels+taylorseer2 optimized-kernels+taylorseer3 optimized-kernels+taylorseer4 optimized-kernels+taylorseer7 optimized-kernels+fbcache0.1 optimized-kernels+fbcache0.3 optimized-kernels+fbcache1);;
    fp8_gemm_probe) timeout 90 python3 tools/fp8_gemm_probe.py >"$OUT/fp8_gemm_probe.jsonl" 2>&1; echo "fp8_gemm_probe: exit $?";;
    block_probe) timeout $((585 - SECONDS)) python3 tools/block_probe.py --code "$OUT/block_code" >"$OUT/block_probe.jsonl" 2>"$OUT/block_probe.log"; echo "block_probe: exit $? after ${SECONDS}s";;
    static_scales) bench static_scales 450 --rounds 10 --profile-kernels $(cases test_preset optimized) $(cases test_variant optimized+static_scales);;
    # the q/k kernel alone: its tests, its tilings against inductor's code, then both blocks with and without it
    norm_rope_kernel) timeout 150 python3 -m pytest tests/test_attention.py -k norm_rope -v -p no:warnings -rs >"$OUT/norm_rope_tests.log" 2>&1
      echo "norm_rope tests: exit $?"
      (cd tools && timeout 120 python3 norm_rope_probe.py >"$OUT/norm_rope_probe.jsonl" 2>"$OUT/norm_rope_probe.log"; echo "norm_rope_probe: exit $?")
      timeout $((585 - SECONDS)) python3 tools/block_probe.py --ways static static_norm_rope rowwise rowwise_norm_rope >"$OUT/block_probe.jsonl" 2>"$OUT/block_probe.log"
      echo "block_probe: exit $? after ${SECONDS}s";;
    norm_rope) bench norm_rope 400 --rounds 10 --profile-kernels $(cases test_preset optimized) $(cases test_variant optimized-norm_rope);;
    fused_kernels) run_gpu_tests 200 fused_kernel_tests tests/test_gelu_fp8.py tests/test_attention.py -k "gelu or norm_rope" -s
      (cd tools && for probe in gelu_fp8_probe norm_rope_probe; do timeout 120 python3 $probe.py >"$OUT/$probe.jsonl" 2>"$OUT/$probe.log"; echo "$probe: exit $?"; done)
      timeout $((585 - SECONDS)) python3 tools/block_probe.py --ways static static_fused rowwise rowwise_fused rowwise_gelu_fp8 >"$OUT/block_probe.jsonl" 2>"$OUT/block_probe.log"
      echo "block_probe: exit $? after ${SECONDS}s";;
    gelu_fp8) bench gelu_fp8 585 --rounds 10 --profile-kernels $(cases test_preset optimized) $(cases test_variant optimized-gelu_fp8 optimized+static_scales);;
    norm_rope_bf16) bench norm_rope_bf16 400 --rounds 10 --profile-kernels $(cases test_preset no_fp8) $(cases test_variant no_fp8-norm_rope);;
    # the norm kernel and the GELU kernel's whole rows: GPU tests, both probes, then optimized against optimized+norm_fp8
    norm_fp8) run_gpu_tests 150 norm_fp8_tests tests/test_norm_fp8.py tests/test_gelu_fp8.py
      (cd tools && for probe in norm_fp8_probe gelu_fp8_probe; do timeout 100 python3 $probe.py >"$OUT/$probe.jsonl" 2>"$OUT/$probe.log"; echo "$probe: exit $?"; done)
      bench norm_fp8 $((585 - SECONDS)) --rounds 10 --profile-kernels $(cases test_preset optimized) $(cases test_variant optimized-norm_fp8);;
    # both kernels in optimized: their GPU tests, then optimized's ratio to baseline, profiled, one process
    promoted) run_gpu_tests 150 fused_kernel_tests tests/test_norm_fp8.py tests/test_gelu_fp8.py tests/test_attention.py -k "gelu or norm"
      bench promoted $((480 - SECONDS)) --rounds 10 --profile-kernels $(cases test_preset baseline optimized);;
    norm_rounding) run_gpu_tests 120 norm_fp8_tests tests/test_norm_fp8.py
      bench norm_rounding $((585 - SECONDS)) --rounds 10 --profile-kernels $(cases test_preset optimized);;
    t5_compile) run_gpu_tests 100 norm_fp8_tests tests/test_norm_fp8.py
      bench t5_compile $((585 - SECONDS)) --rounds 10 --profile-kernels $(cases test_preset baseline optimized) $(cases test_variant optimized+compile_t5);;
    cached_kernels) bench cached_kernels 570 --rounds 5 --timeout 250 -o timeout_func_only=true "${CACHED[@]}";;
    rerecord_probe) probe_rerecords off $(( (585 - SECONDS) / 2 )); probe_rerecords collect $((585 - SECONDS));;  # half the time left each
    rerecord_then_cached) probe_rerecords off 220
      bench cached_head $((585 - SECONDS)) --rounds 5 --timeout 200 -o timeout_func_only=true "${CACHED[@]}";;
    cache_gpu_tests) run_gpu_tests 300 cache_gpu_tests tests/test_step_cache.py;;
    mixed) bench mixed 285 --steps 4 --rounds 5 "benchmarks/test_mixed_shapes.py::test_mixed_shapes[optimized]";;
    soak) bench soak 570 --steps 4 --soak-rounds 300 "benchmarks/test_lora_serving.py::test_lora_soak[optimized]";;
    pictures) bench pictures 570 --rounds 3 --timeout 170 -o timeout_func_only=true \
      $(cases test_preset baseline optimized no_fp8 no_fa3 baseline_compile no_fa3_fp8 no_compile_fp8 no_compile);;
    headline) bench headline 570 --rounds 10 $(cases test_preset baseline optimized no_fp8 no_fa3 no_fa3_fp8);;
    rest) bench rest 400 --rounds 10 $(cases test_preset baseline baseline_compile no_compile_fp8) $(cases test_hotswap_sequence optimized);;
    reversed) bench reversed 400 --rounds 10 --reverse-cases $(cases test_preset baseline optimized no_fp8);;
    planted) bench planted 200 --rounds 10 --plant-slowdown 0.05 $(cases test_preset baseline);;
    remaining) bench remaining 570 --rounds 10 $(cases test_preset baseline no_compile reference_recipe);;
    levers) bench levers 575 --rounds 10 --profile-kernels $(cases test_preset baseline optimized no_fp8) \
      $(cases test_variant optimized-vae optimized-gelu_fp8-sigmoid_gelu) $(cases test_hotswap_sequence optimized);;
    # the 24 GB presets: the ratio pair in one process; a per-case limit (test function
    # only: the first case also pays the session's setup, whose four reference images are model-offloaded under a cap)
    # keeps each file when one case is too slow (rtx4090_baseline needs about 170 s: a first call and three rounds)
    rtx4090) bench rtx4090 570 --rounds 3 --gpu-memory-gb 24 --timeout 260 -o timeout_func_only=true $(cases test_preset rtx4090_optimized rtx4090_baseline);;
    # one process each: pytest-benchmark writes its file only when the process ends, so a stopped pair loses both;
    # each job takes one device call (the session's setup alone, four model-offloaded reference images, is about 3 min)
    rtx4090_group) bench rtx4090_group 450 --rounds 3 --gpu-memory-gb 24 --timeout 220 -o timeout_func_only=true $(cases test_preset rtx4090_group_offload);;
    rtx4090_offload) bench rtx4090_offload 570 --rounds 3 --gpu-memory-gb 24 --timeout 250 -o timeout_func_only=true $(cases test_preset rtx4090_offload) \
      "$P::test_hotswap_sequence[rtx4090_offload]";;
    rtx4090_levers) bench rtx4090_levers 575 --rounds 3 --gpu-memory-gb 24 --timeout 240 -o timeout_func_only=true $(cases test_preset rtx4090_optimized) \
      $(cases test_variant rtx4090_optimized+t5_fp8 rtx4090_optimized+folded);;
    rtx4090_swap) bench rtx4090_swap 420 --gpu-memory-gb 24 --timeout 220 -o timeout_func_only=true "$P::test_hotswap_sequence[rtx4090_optimized]";;
    rtx4090_streamed_swap) bench rtx4090_streamed_swap 560 --gpu-memory-gb 24 --timeout 330 -o timeout_func_only=true "$P::test_hotswap_sequence[rtx4090_streamed]";;
    rtx4090_cli) with_peak_rss 400 python3 -m lora_fast generate --model flux-dev-random --preset rtx4090_optimized --gpu-memory-gb 24 --lora-rank 128 \
      --height 1024 --width 1024 --steps 28 --prompt "a lighthouse on a cliff at dusk" --out "$OUT/rtx4090_optimized.png" >"$OUT/rtx4090_cli.log" 2>&1
      echo "rtx4090_cli: exit $?";;
    rtx4090_streamed) timeout 240 python3 -m lora_fast save --model flux-dev-random --device cuda --out /tmp/flux-dev-random >"$OUT/rtx4090_streamed_save.log" 2>&1
      echo "rtx4090_streamed save: exit $? after ${SECONDS}s"
      with_peak_rss $((580 - SECONDS)) python3 -m lora_fast generate --model /tmp/flux-dev-random --preset rtx4090_streamed --gpu-memory-gb 24 \
        --lora-rank 128 --height 1024 --width 1024 --steps 28 --prompt "a lighthouse on a cliff at dusk" --out "$OUT/rtx4090_streamed.png" >"$OUT/rtx4090_streamed.log" 2>&1
      echo "rtx4090_streamed: exit $? after ${SECONDS}s"
      rm -rf /tmp/flux-dev-random;;  # 33 GB: the suite's own copy does not fit beside it on a 64 GiB disk
    rtx4090_streamed_suite) bench rtx4090_streamed_suite 575 --rounds 3 --gpu-memory-gb 24 --timeout 300 -o timeout_func_only=true $(cases test_preset rtx4090_streamed rtx4090_baseline);;
    rtx4090_streamed_levers) bench rtx4090_streamed_levers 575 --rounds 3 --gpu-memory-gb 24 --timeout 300 -o timeout_func_only=true $(cases test_preset rtx4090_streamed) \
      $(cases test_variant rtx4090_streamed-t5_fp8);;
    warm_versus) for preset in optimized reference_recipe; do
        timeout 540 python3 -m lora_fast warm --model flux-dev-random --preset $preset --lora-rank 128 --height 1024 --width 1024 \
          --steps 2 --out "/tmp/warm_$preset.bin" --overwrite >"$OUT/warm_$preset.log" 2>&1 &
      done; wait; echo "warm_versus: done after ${SECONDS}s";;
    # 5 rounds: with 10 and optimized's hot-swap sequence it ran past one device call (logs/2026-11-29f_versus_with_swap_stopped.log)
    versus) bench versus 525 --rounds 5 --profile-kernels $(cases test_preset baseline optimized no_fp8 reference_recipe);;
    gaps) for preset in optimized no_fp8; do
        timeout 270 python3 -m lora_fast profile --model flux-dev-random --preset $preset --lora-rank 128 --height 1024 --width 1024 \
          --steps 28 --rounds 3 --top 30 >"$OUT/gaps_$preset.log" 2>&1; echo "gaps $preset: exit $?"
      done;;
    swap) bench swap 240 $(cases test_hotswap_sequence optimized);;
    unscaled) bench unscaled 360 --rounds 10 --profile-kernels $(cases test_preset optimized) $(cases test_variant optimized-norm_rope+unscaled_attention);;
    autotune) bench autotune 520 --rounds 5 --profile-kernels --timeout 330 -o timeout_func_only=true $(cases test_preset no_fp8) $(cases test_variant no_fp8+autotune_gemm);;
    autotune_fp8) bench autotune_fp8 520 --rounds 5 --profile-kernels --timeout 330 -o timeout_func_only=true $(cases test_preset optimized) $(cases test_variant optimized+autotune_gemm);;
    fused) bench fused 360 --rounds 10 --profile-kernels $(cases test_preset optimized) $(cases test_variant optimized-norm_rope+fused_qkv);;
    # issue 12's warm first call from a cache a server ships: `lora-fast warm` writes it in one process; a fresh
    # process, whose on-disk compile caches are empty, loads it and times optimized (first call, then 3 rounds)
    artifact) (
      export TORCHINDUCTOR_CACHE_DIR=$(mktemp -d)
      timeout 240 python3 -m lora_fast warm --model flux-dev-random --preset optimized --height 1024 --width 1024 --steps 2 \
        --out "$OUT/optimized.cache" --overwrite >"$OUT/artifact_warm.log" 2>&1; echo "artifact warm: exit $?"
      export TORCHINDUCTOR_CACHE_DIR=$(mktemp -d)
      bench artifact 300 --rounds 3 --compile-cache "$OUT/optimized.cache" $(cases test_preset optimized));;
    row_quant|rope) timeout 120 python3 -m pytest "benchmarks/test_${job}_speed.py" -v -p no:warnings -rs --benchmark-json "$OUT/$job.json" >"$OUT/$job.log" 2>&1
      echo "$job: exit $?";;
    *) echo "unknown job $job"; exit 2;;
  esac
done
tail -n 4 "$OUT"/*.log
