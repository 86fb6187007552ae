import importlib.util
import json
from pathlib import Path

import pytest
import torch

from lora_fast.bench import machine, profiling, report, similarity, timing
from lora_fast.config import PRESETS

STORED = sorted(Path(__file__).parent.parent.glob(".benchmarks/NVIDIA-H200/*/*.json"))


def test_timer_waits_for_the_gpu(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *args: calls.append("sync"))
    first = timing.synced_timer()
    assert calls == ["sync"] and timing.synced_timer() >= first and len(calls) == 2


def test_similarity_orders_images():
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, 32, 32, generator=generator)
    close = (image + 0.01 * torch.randn(image.shape, generator=generator)).clamp(0, 1)
    far = torch.rand(1, 3, 32, 32, generator=generator)
    same, near, other = (similarity.similarity(x, image) for x in (image, close, far))
    assert same["ssim"] == pytest.approx(1.0) and same["psnr_db"] is None
    assert other["ssim"] < near["ssim"] < 1.0 and near["psnr_db"] > other["psnr_db"]


def test_machine_info_has_gpu_versions_and_folder():
    assert machine.gpu_info()["gpu"] == (torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu")
    assert machine.library_versions()["torch"] == torch.__version__
    assert machine.storage_folder_name({"gpu": "NVIDIA H200"}) == "NVIDIA-H200"
    assert machine.storage_folder_name({"gpu": "cpu"}) == "cpu"


def test_stored_h200_results_have_what_the_report_needs():
    assert STORED, "the committed H200 results are missing"
    presets = {row.name for path in STORED for row in report.file_rows(path)}
    assert {"baseline", "no_compile", "baseline_compile", "optimized"} <= presets
    for path in STORED:
        data = json.loads(path.read_text())
        assert data["machine_info"]["gpu"] == "NVIDIA H200" and data["machine_info"]["compute_capability"] == "9.0"
        for bench in data["benchmarks"]:
            info = bench["extra_info"]
            if bench["name"].startswith("test_attention_kernel"):
                assert info["tflops"] > 0 and info["rel_error"] < 0.06
            elif bench["name"].startswith("test_row_quantization"):  # 0024: the one-pass kernel against inductor's
                assert info["us"] > info["memory_bound_us"] > 0 and info["rel_error_vs_inductor"] < 0.02
            elif bench["name"].startswith("test_rms_norm_and_rotary_embedding"):  # 0033: two formulations, compiled
                assert info["gpu_us"] > info["memory_bound_us"] > 0 and info["rel_error_vs_diffusers"] < 1e-3
            elif bench["name"].startswith("test_stacked_pair"):  # 0040: two LoRAs folded at once, against their eager stack
                assert "config" in info and 0 < info["lora_error_latents_vs_stack_reference"] < 0.25 and info.get("recompiles", 0) == 0
            else:
                assert info["recompiles"] == 0 and "config" in info


def test_stored_calibration_separates_exact_from_broken():
    """On the full-size model, every case of the current run carries a calibration whose limit sits between the
    exact-kernel spread and the broken LoRAs, and exact presets are within it."""
    cases = [bench for path in STORED for bench in json.loads(path.read_text())["benchmarks"] if "calibration" in bench["extra_info"]]
    assert len(cases) >= 12
    for bench in cases:
        calibration = similarity.Calibration(**{key: bench["extra_info"]["calibration"][key] for key in ("exact", "broken", "lora_effect")})
        calibration.check()
        assert calibration.exact["lora_error_latents"] < calibration.limits["lora_error_latents"] < calibration.broken["lora_error_latents"]
        if bench["extra_info"]["config"]["quantization"] == "none":
            assert bench["extra_info"]["lora_error_latents"] <= calibration.limits["lora_error_latents"]


def test_report_table_chart_and_readme(tmp_path):
    rows = report.read_rows([path for path in STORED if path.name.startswith("0012_")])
    table = report.markdown(rows)
    assert "| baseline |" in table and "1.00×" in table
    chart = report.bar_chart(rows, tmp_path / "chart.png")
    assert chart.read_bytes()[:4] == b"\x89PNG"
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.README_START}\nold\n{report.README_END}\noutro\n")
    report.replace_readme_section(readme, table)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("outro\n") and "old" not in text and table in text


def test_report_refuses_a_broken_file(tmp_path):
    broken = tmp_path / "half.json"
    broken.write_text('{"benchmarks": [')
    with pytest.raises(report.ReportError, match="not a readable"):
        report.read_rows([broken])


def test_kernel_summary_groups_gpu_time_by_family():
    kernels = [
        profiling.KernelTime("sm90_xmma_gemm_e4m3bf16_rowwise", 4, 0.040),
        profiling.KernelTime("void flash::FlashAttnFwdSm90<...>", 2, 0.020),
        profiling.KernelTime("_attn_fwd", 1, 0.005),  # SageAttention's Triton kernel: attention, not inductor's
        profiling.KernelTime("triton_red_fused_amax_mul_0", 8, 0.006),
        profiling.KernelTime("triton_poi_fused__scaled_mm__to_copy_add_sigmoid_1", 8, 0.004),  # a matmul's epilogue: inductor's
        profiling.KernelTime("void at::native::vectorized_elementwise_kernel<...>", 3, 0.001),
        profiling.KernelTime("_gelu_cat_fp8_kernel", 2, 0.003),  # ours (lora_fast.speed.gelu_fp8), though "cat" is in its name
        profiling.KernelTime("_norm_rope_kernel", 4, 0.002),
    ]
    summary = report.kernel_summary(profiling.CallProfile(kernels, cpu_ops=[], wall_s=0.1), top=2)
    assert summary["families_s"] == pytest.approx({"matmul": 0.040, "attention": 0.025, "fused by inductor": 0.010, "ours": 0.005, "other": 0.001})
    assert list(summary["families_s"]) == ["matmul", "attention", "fused by inductor", "ours", "other"]
    assert summary["gpu_busy_s"] == pytest.approx(0.081) and [row[0] for row in summary["top"]] == [kernel.name for kernel in kernels[:2]]
    table = report.kernel_table(summary)
    assert "wall 100.0 ms, GPU busy 81.0 ms (81%)" in table and "| matmul | 40.0 | 49.4% |" in table


@pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="Triton is not installed (torch's CPU build ships without it): our kernels are defined with it")
def test_our_kernels_are_filed_under_ours_by_their_names():
    """The profile names a Triton kernel after its function: renaming one of ours must not move it to another family."""
    from lora_fast.speed import gelu_fp8, norm_fp8, norm_rope

    kernels = (norm_rope._norm_rope_kernel, gelu_fp8._gelu_cat_fp8_kernel, norm_fp8._modulated_norm_fp8_kernel)
    assert {report.kernel_family(kernel.fn.__name__) for kernel in kernels} == {"ours"}


def test_idle_gaps_are_grouped_by_the_kernels_around_them():
    spans = [  # (name, start s, end s), out of order as a profiler may list them
        ("block", 0.000100, 0.000200),
        ("gemm", 0.000000, 0.000090),  # 10 µs before "block": shorter than 20 µs, not a gap
        ("copy", 0.000150, 0.000160),  # inside "block" (another stream): no gap, and "block" stays the last to end
        ("gemm", 0.000300, 0.000400),  # 100 µs after "block"
        ("block", 0.000460, 0.000500),  # 60 µs after "gemm"
        ("gemm", 0.000600, 0.000700),  # 100 µs after "block" again
    ]
    gaps = profiling.idle_gaps(spans)
    assert [(gap.name, gap.calls) for gap in gaps] == [("block -> gemm", 2), ("gemm -> block", 1)]
    assert [gap.seconds for gap in gaps] == pytest.approx([200e-6, 60e-6])
    profile = profiling.CallProfile([profiling.KernelTime("gemm", 3, 0.0003)], cpu_ops=[], wall_s=0.001, idle=gaps)
    table = report.kernel_table(report.kernel_summary(profile))
    assert "| block -> gemm | 2 | 0.20 |" in table and "0.3 ms in the groups below" in table


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error a machine without CUDA gives")
def test_profile_on_cpu_is_a_clear_error(capsys):
    from lora_fast.cli import main

    assert main(["profile", "--preset", "baseline"]) == 2
    assert "needs a CUDA GPU" in capsys.readouterr().err


def test_readme_tables_are_the_stored_runs():
    """The README's results are what the report makes of the committed H200 files, nothing typed by hand."""
    folder = Path(__file__).parent.parent / ".benchmarks/NVIDIA-H200/Linux-CPython-3.12-64bit"
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    main_files = [folder / "0019_rest.json", folder / "0016_headline.json", folder / "0023_levers_kept.json"]
    rows, missing = report.only_presets(every := report.read_rows(main_files), report.missing_cases(main_files, every))
    assert report.markdown(rows, missing=missing) in readme
    assert {row.name for row in every} - {row.name for row in rows} == {"optimized-vae", "optimized-sigmoid_gelu"}
    for levers in ("0020_variants.json", "0022_levers_first_batch.json", "0023_levers_kept.json"):
        files = [folder / levers]
        lever_rows = report.read_rows(files)
        assert report.markdown(lever_rows, baseline="optimized", missing=report.missing_cases(files, lever_rows)) in readme
    assert all(not row.flags for row in rows)  # published clean: 10 rounds, CV and clocks within 2%
    recipe = [folder / "0021_remaining_ci_h100.json"]  # the host-bound presets, published with their flags
    recipe_rows = report.read_rows(recipe)
    assert report.markdown(recipe_rows, missing=report.missing_cases(recipe, recipe_rows)) in readme
    assert {row.name for row in recipe_rows if row.flags} == {"no_compile", "reference_recipe"} and "⚠ CV 15.0% > 2%" in readme
    versus = [folder / "0034_versus_reference_one_process.json"]  # issue 12's goals from one process at one commit
    versus_rows = report.read_rows(versus)
    assert report.markdown(versus_rows, missing=report.missing_cases(versus, versus_rows)) in readme
    assert {row.name for row in versus_rows if row.flags} == {"reference_recipe"}
    # the 24 GB presets, 3 rounds each, published with their flags: the ratio pair in one process, the others alone
    capped = [folder / name for name in ("0025_rtx4090_capped_24gb.json", "0028_rtx4090_group_offload_capped_24gb.json", "0030_rtx4090_offload_capped_24gb.json")]
    capped_rows = report.read_rows(capped)
    assert report.markdown(capped_rows, baseline="rtx4090_baseline", missing=report.missing_cases(capped, capped_rows)) in readme
    by_name = {row.name: row for row in capped_rows}
    assert set(by_name) == {name for name in PRESETS if name.startswith("rtx4090_")} - {"rtx4090_streamed"}  # run on the H100 (below)
    for lever, baseline in (("0032_fused_qkv.json", "optimized"), ("0035_unscaled_attention.json", "optimized"), ("0037_autotune_gemm_bf16.json", "no_fp8")):
        files = [folder / lever]  # one lever against its preset in one process
        lever_rows = report.read_rows(files)
        assert report.markdown(lever_rows, baseline=baseline, missing=report.missing_cases(files, lever_rows)) in readme
    assert by_name["rtx4090_optimized"].peak_mem_GiB <= 22 and all(row.peak_host_rss_GiB for row in capped_rows)  # issue 14's goal
    h100 = folder.parent.parent / "NVIDIA-H100-80GB-HBM3/Linux-CPython-3.12-64bit"  # the step caches, timed on the H100 the device lent
    for run in ("0049_step_cache_presets_and_swap.json", "0050_step_cache_sweep.json"):
        files = [h100 / run]
        cache_rows = report.read_rows(files)
        assert report.markdown(cache_rows, baseline="optimized", missing=report.missing_cases(files, cache_rows)) in readme
    streamed = [h100 / "0054_rtx4090_streamed_against_baseline_capped_24gb.json"]  # the 24 GB ratio, one process
    streamed_rows = report.read_rows(streamed)
    assert report.markdown(streamed_rows, baseline="rtx4090_baseline", missing=report.missing_cases(streamed, streamed_rows)) in readme
    by_name = {row.name: row for row in streamed_rows}
    assert set(by_name) == {"rtx4090_streamed", "rtx4090_baseline"} and by_name["rtx4090_streamed"].peak_mem_GiB <= 22  # issue 29's GPU memory goal
    assert by_name["rtx4090_baseline"].median_s / by_name["rtx4090_streamed"].median_s >= 5  # and its speed goal
    resident = [h100 / "0055_rtx4090_streamed_and_t5_fp8_capped_24gb.json"]  # pinned in place; T5 read into FP8 and resident
    resident_rows = report.read_rows(resident)
    assert report.markdown(resident_rows, baseline="rtx4090_streamed", missing=report.missing_cases(resident, resident_rows)) in readme
    by_name = {row.name: row for row in resident_rows}
    assert set(by_name) == {"rtx4090_streamed", "rtx4090_streamed+t5_fp8"}
    assert all(row.peak_host_rss_GiB <= 24 and row.peak_mem_GiB <= 22 and row.recompiles == 0 for row in resident_rows)  # issue 29's host and GPU goals
    static = [h100 / "0056_static_scales_fixed_attention_against_optimized_profiled.json"]  # issue 29's goal 1, one process
    static_rows = report.read_rows(static)
    assert report.markdown(static_rows, baseline="optimized", missing=report.missing_cases(static, static_rows)) in readme
    by_name = {row.name: row for row in static_rows}
    assert by_name["optimized+static_scales"].median_s < by_name["optimized"].median_s and all(row.recompiles == 0 for row in static_rows)
    multiplied = [folder / "0057_multiplied_scales_static_against_optimized_profiled.json"]  # goal 1 on the H200, quantization multiplying
    multiplied_rows = report.read_rows(multiplied)
    assert report.markdown(multiplied_rows, baseline="optimized", missing=report.missing_cases(multiplied, multiplied_rows)) in readme
    by_name = {row.name: row for row in multiplied_rows}
    assert by_name["optimized+static_scales"].median_s < by_name["optimized"].median_s and all(row.recompiles == 0 for row in multiplied_rows)
    fused = [h100 / "0062_norm_rope_8_rows_and_static_scales_against_optimized_profiled.json"]  # our q/k kernel, one process, stopped in its fourth case
    fused_rows = report.read_rows(fused)
    assert report.markdown(fused_rows, baseline="optimized", missing=report.missing_cases(fused, fused_rows)) in readme
    by_name = {row.name: row for row in fused_rows}
    assert set(by_name) == {"optimized", "optimized+norm_rope", "optimized+static_scales"} and all(row.recompiles == 0 for row in fused_rows)
    assert by_name["optimized+norm_rope"].median_s < by_name["optimized"].median_s and "`optimized+static_scales+norm_rope`: selected, no result" in readme
    kernels = [h100 / "0063_gelu_fp8_and_static_scales_norm_rope_gelu_fp8_against_optimized_profiled.json"]  # our GELU kernel, every lever together
    kernel_rows = report.read_rows(kernels)
    assert report.markdown(kernel_rows, baseline="optimized", missing=report.missing_cases(kernels, kernel_rows)) in readme
    by_name = {row.name: row for row in kernel_rows}
    assert by_name["optimized+gelu_fp8"].median_s < by_name["optimized"].median_s and all(row.recompiles == 0 for row in kernel_rows)
    assert by_name["optimized+static_scales+norm_rope+gelu_fp8"].median_s < by_name["optimized+gelu_fp8"].median_s
    bf16 = [h100 / "0065_no_fp8_norm_rope_against_no_fp8_profiled.json"]  # the q/k kernel unscaled, against no_fp8
    bf16_rows = report.read_rows(bf16)
    assert report.markdown(bf16_rows, baseline="no_fp8", missing=report.missing_cases(bf16, bf16_rows)) in readme
    assert bf16_rows[1].median_s < bf16_rows[0].median_s and [row.name for row in bf16_rows] == ["no_fp8", "no_fp8+norm_rope"]
    promoted = [h100 / "0066_optimized_with_both_kernels_against_baseline_profiled.json"]  # optimized with both kernels, against baseline
    promoted_rows = report.read_rows(promoted)
    assert report.markdown(promoted_rows, missing=report.missing_cases(promoted, promoted_rows)) in readme
    by_name = {row.name: row for row in promoted_rows}
    assert by_name["baseline"].median_s / by_name["optimized"].median_s >= 2.35 and by_name["optimized"].recompiles == 0  # issue 29's ratio
    norm = [h100 / "0067_norm_fp8_against_optimized_profiled.json"]  # the norm kernel, against optimized without it
    norm_rows = report.read_rows(norm)
    assert report.markdown(norm_rows, baseline="optimized", missing=report.missing_cases(norm, norm_rows)) in readme
    assert [row.name for row in norm_rows] == ["optimized", "optimized+norm_fp8"] and norm_rows[1].median_s < norm_rows[0].median_s
    three = [h100 / "0068_optimized_with_three_kernels_against_baseline_profiled.json"]  # optimized with all three kernels, against baseline
    three_rows = report.read_rows(three)
    assert report.markdown(three_rows, missing=report.missing_cases(three, three_rows)) in readme
    by_name = {row.name: row for row in three_rows}
    assert by_name["optimized"].median_s <= 2.4 and by_name["baseline"].median_s / by_name["optimized"].median_s >= 2.35  # issue 29's goal 1
    assert by_name["optimized"].recompiles == 0 and by_name["optimized"].config["fused_norm_fp8"]
    head = [h100 / "0070_compile_t5_against_optimized_and_baseline_profiled.json"]  # the same code on another H100, and T5 compiled
    head_rows = report.read_rows(head)
    assert report.markdown(head_rows, missing=report.missing_cases(head, head_rows)) in readme
    by_name = {row.name: row for row in head_rows}
    assert by_name["baseline"].median_s / by_name["optimized"].median_s >= 2.35 and by_name["optimized"].median_s > 2.4  # the ratio held, the bar missed
    assert abs(by_name["optimized+compile_t5"].median_s / by_name["optimized"].median_s - 1) < 0.005  # dropped: no gain beyond noise
    rerecorded = [h100 / "0071_step_cache_presets_with_three_kernels_rerecording.json"]  # why the step-cache presets leave the kernels out
    rerecorded_rows = report.read_rows(rerecorded)
    assert report.markdown(rerecorded_rows, missing=report.missing_cases(rerecorded, rerecorded_rows)) in readme
    assert all(row.config["fused_norm_fp8"] and any("re-recorded" in flag for flag in row.flags) for row in rerecorded_rows)
    at_head = [h100 / "0072_step_cache_presets_on_optimized_kernels_at_head.json"]  # the presets back on the base measured clean
    at_head_rows = report.read_rows(at_head)
    assert report.markdown(at_head_rows, missing=report.missing_cases(at_head, at_head_rows)) in readme
    assert {row.name for row in at_head_rows} == {"optimized_taylorseer", "optimized_fbcache"}
    assert all(not row.config["fused_norm_fp8"] and row.recompiles == 0 and not any("re-recorded" in flag for flag in row.flags) for row in at_head_rows)
    swapped = report.read_json(at_head[0])["benchmarks"][2]["extra_info"]
    assert swapped["recompiles"] == 0 and swapped["cuda_graph_rerecords"] == 0 and len(swapped["swap_s"]) == swapped["loras"] == 5
    folded = [folder / "0059_rtx4090_levers_folded_capped_24gb.json"]  # the folded variant measured under the cap
    folded_rows = report.read_rows(folded)
    assert report.markdown(folded_rows, baseline="rtx4090_optimized", missing=report.missing_cases(folded, folded_rows)) in readme
    assert {row.name for row in folded_rows} == {"rtx4090_optimized", "rtx4090_optimized+t5_fp8", "rtx4090_optimized+folded"}
    assert all(row.peak_mem_GiB <= 22 and row.recompiles == 0 for row in folded_rows)
    swaps = report.read_json(folder / "0058_rtx4090_streamed_hotswap_capped_24gb.json")["benchmarks"][0]["extra_info"]  # issue 29's folded hot-swap
    assert swaps["config"]["name"] == "rtx4090_streamed" and swaps["gpu_memory_cap_GiB"] == 24 and swaps["peak_mem_GiB"] <= 22
    assert swaps["recompiles"] == 0 and swaps["cuda_graph_rerecords"] == 0 and len(swaps["swap_s"]) == swaps["loras"] == 5
    resident_swaps = report.read_json(h100 / "0064_rtx4090_streamed_t5_fp8_hotswap_capped_24gb.json")["benchmarks"][0]["extra_info"]  # T5 too
    assert resident_swaps["config"]["text_encoder_fp8"] and resident_swaps["config"]["text_encoder_offload"] == "none"
    assert resident_swaps["gpu_memory_cap_GiB"] == 24 and resident_swaps["peak_mem_GiB"] <= 22 and resident_swaps["recompiles"] == 0
    assert resident_swaps["cuda_graph_rerecords"] == 0 and len(resident_swaps["swap_s"]) == resident_swaps["loras"] == 5
    levers = [h100 / "0053_rtx4090_levers_capped_24gb.json"]
    lever_rows = report.read_rows(levers)
    assert report.markdown(lever_rows, baseline="rtx4090_optimized", missing=report.missing_cases(levers, lever_rows)) in readme
    assert "`rtx4090_optimized+folded`: selected, no result" in readme  # the case that failed is said, not dropped
    served = report.read_json(h100 / "0051_served_stream_against_generate.json")["benchmarks"][0]["extra_info"]
    assert served["overhead_pct_c1"] <= 3 and f"`overhead_pct_c1` is {served['overhead_pct_c1']:+.2f}%" in readme  # issue 33's goal
    cached = {row.name: row for row in report.read_rows([h100 / "0049_step_cache_presets_and_swap.json"])}
    assert cached["optimized"].median_s / cached["optimized_taylorseer"].median_s >= 1.6 and cached["optimized_taylorseer"].skipped_fraction > 0.5  # issue 28's goal
