"""The results page: made from stored runs alone (the committed one is what the committed runs make), with its
tables, charts and pictures, rendered by headless Chromium without a console error; and the pictures each case stores."""

from __future__ import annotations

import base64
import copy
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from PIL import Image

from lora_fast.bench import page, pictures

ROOT = Path(__file__).parent.parent
STORED = sorted(ROOT.glob(".benchmarks/*/*/*.json"))
IN_CI = os.environ.get("LORA_FAST_CI") == "1"  # .ci/run installs Chromium: missing there is a failure, not a skip


def decoded(text: str) -> torch.Tensor:
    return torch.from_numpy(__import__("numpy").array(Image.open(io.BytesIO(base64.b64decode(text))))).float() / 255


def test_case_pictures_show_the_difference_at_the_lora_effects_gain():
    generator = torch.Generator().manual_seed(0)
    reference = torch.rand(1, 3, 512, 384, generator=generator)
    without = (reference + 0.1 * torch.randn(1, 3, 512, 384, generator=generator)).clamp(0, 1)
    stored = pictures.case_pictures(reference.clone(), reference, without)
    same, effect = decoded(stored["difference"]), decoded(stored["lora_effect"])
    assert decoded(stored["image"]).shape == (256, 192, 3)  # the longer side at 256 px, the aspect kept
    assert same.max() < 0.02, "an identical image must show a black difference"
    assert 0.3 < effect.mean() < 0.9
    white = (pictures.difference_map(reference, without, stored["gain"]) >= 0.999).float().mean()
    assert 0.005 < white < 0.02  # at full size, the LoRA's largest 1% of changes are white: the gain's definition
    half = pictures.case_pictures((reference + 0.5 * (without - reference)), reference, without)
    assert abs(decoded(half["difference"]).mean() - 0.5 * effect.mean()) < 0.08  # half the LoRA's change: half as bright, same gain


def stored_run_with_pictures(tmp_path: Path) -> Path:
    """A copy of a committed H200 run, with pictures added to its cases (committed runs before this page had none)."""
    source = ROOT / ".benchmarks/NVIDIA-H200/Linux-CPython-3.12-64bit/0034_versus_reference_one_process.json"
    data = copy.deepcopy(json.loads(source.read_text()))
    generator = torch.Generator().manual_seed(1)
    reference, without = torch.rand(1, 3, 64, 64, generator=generator), torch.rand(1, 3, 64, 64, generator=generator)
    for bench in data["benchmarks"]:
        bench["extra_info"]["pictures"] = pictures.case_pictures(torch.rand(1, 3, 64, 64, generator=generator), reference, without)
    data["datetime"] = "2099-01-01T00:00:00"  # the newest run of its workload, so its rows (and pictures) are the ones shown
    path = tmp_path / "0001_with_pictures.json"
    path.write_text(json.dumps(data))
    return path


def test_the_page_holds_tables_charts_pictures_and_history(tmp_path):
    run = stored_run_with_pictures(tmp_path)
    text = page.page([*STORED, run])
    assert text == page.page([run, *reversed(STORED)])  # the same files make the same page, whatever their order
    assert text.count("<table class='results'>") == len(page.groups([*STORED, run])) >= 2
    assert "class='chart tradeoff'" in text and "class='chart bars'" in text and "class='chart history'" in text
    assert "<th>Reference H100 (s)</th>" in text and "<td>3.546</td>" in text  # the reference's column beside ours
    shown = page.groups([*STORED, run])
    assert text.count("src='data:image/jpeg;base64,") == 4 * sum(len(group.pictures) for group in shown)
    newest = json.loads(run.read_text())["benchmarks"][0]["extra_info"]["pictures"]["image"]
    assert newest in text  # a configuration's newest pictures are the ones shown
    assert "the images are noise" in text
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text  # nothing fetched at view time


def test_the_committed_page_is_what_the_committed_runs_make():
    committed = ROOT / "docs/results.html"
    assert committed.read_text() == page.page(STORED), "regenerate it: nox -s report"
    chart = (ROOT / "docs/tradeoff.svg").read_text()
    shown = page.chart_group(page.groups(STORED))
    assert chart == page.tradeoff_svg(shown.rows, shown.title)
    assert page.cache_curves(shown.rows), "the committed chart draws the stored step-cache sweep"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def render(html_path: Path, screenshot: Path) -> tuple[str, str]:
    """The page's DOM after its scripts ran, and Chromium's log (console messages included), with a screenshot."""
    browser = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]
    url = html_path.resolve().as_uri()
    dom = subprocess.run([*browser, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    shot = subprocess.run([*browser, "--window-size=1300,2400", f"--screenshot={screenshot}", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0 and shot.returncode == 0, dom.stderr[-2000:] + shot.stderr[-2000:]
    return dom.stdout, dom.stderr + shot.stderr


def console_errors(log: str, dom: str) -> list[str]:
    """Uncaught errors the page met: Chromium's console lines, and the count the page's own error handler kept."""
    lines = [line for line in log.splitlines() if "CONSOLE" in line and ("Error" in line or "Uncaught" in line)]
    return lines + (["the page's error handler counted errors"] if "data-errors=" in dom else [])


def test_the_page_renders_in_headless_chromium_without_console_errors(tmp_path):
    if chromium() is None:
        if IN_CI:
            pytest.fail("Chromium is missing in CI; .ci/run installs it")
        pytest.skip("needs Chromium (Debian: apt-get install chromium; .ci/run installs it)")
    out = Path(os.environ.get("LORA_FAST_ARTIFACTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    html_path = tmp_path / "results.html"
    html_path.write_text(page.page([*STORED, stored_run_with_pictures(tmp_path)]))
    dom, log = render(html_path, out / "results-page.png")
    assert console_errors(log, dom) == []
    assert dom.count("class=\"results\"") >= 2 and "chart tradeoff" in dom and dom.count("<img") >= 4
    assert Image.open(out / "results-page.png").size == (1300, 2400)
    # the control: a page whose script throws is caught by both checks
    broken = tmp_path / "broken.html"
    broken.write_text(page.page(STORED).replace("</body>", "<script>undefined_function()</script></body>"))
    dom, log = render(broken, tmp_path / "broken.png")
    assert console_errors(log, dom), "a script error went unnoticed"


def test_a_mixed_shapes_run_gets_its_cost_chart_with_the_floor(tmp_path):
    sizes = [{"height": side, "width": side, "megapixels": side * side / 1e6, "s": 0.3 * side / 512, "steps": 4,
              "step_work": {"image_tokens": (side // 16) ** 2, "text_tokens": 512, "linear_tflop": 10.0 * side / 512, "attention_tflop": 2.0 * side / 512,
                            "floor_s": 0.01 * side / 512}} for side in (512, 1024, 2048)]
    info = {"cost_by_size": sizes, "recompiles": 0, "prepare_s": 100.0, "worst_first_request_ratio": 1.2, "peak_reserved_gib": 40.0,
            "per_image_s_by_batch": {"1": 0.3, "2": 0.25}}
    stored = tmp_path / "0001_sizes.json"
    stored.write_text(json.dumps({"machine_info": {"gpu": "NVIDIA H200"}, "benchmarks": [{"name": "test_mixed_shapes[optimized]", "stats": {}, "extra_info": info}]}))
    made = page.page([stored])
    assert "id='sizes'" in made and "class='chart cost'" in made and "floor: GEMM + attention" in made
    assert "2048x2048: 1.200 s" in made and "worst first request 1.20x" in made


def test_the_tradeoff_chart_joins_one_caches_settings_and_names_what_they_skipped():
    """A step cache's settings on one base are one curve (fastest first); another method or base is another; each
    cached point names its skipped share; a stored share outside 0 to 1 is refused naming the field."""
    from dataclasses import replace

    from lora_fast.bench.report import ReportError, file_rows
    from lora_fast.config import PRESETS, StepCache, cached_variant

    source = ROOT / ".benchmarks/NVIDIA-H200/Linux-CPython-3.12-64bit/0034_versus_reference_one_process.json"
    row = next(row for row in file_rows(source) if row.name == "optimized")

    def cached(base, cache, seconds, skipped):
        config = cached_variant(base, cache)
        return replace(row, name=config.name, config=config.to_dict(), median_s=seconds, lora_error=0.3, skipped_fraction=skipped)

    taylor = [cached(PRESETS["optimized"], StepCache("taylorseer", interval=interval), 3 - interval / 4, 1 - 1 / interval) for interval in (2, 4, 3)]
    other = [cached(PRESETS["no_fp8"], StepCache("taylorseer", interval=2), 2.0, 0.5), cached(PRESETS["optimized"], StepCache("first_block"), 2.5, 0.0)]
    curves = page.cache_curves([row, *taylor, *other])
    assert [[point.name for point in curve] for curve in curves] == [["optimized+taylorseer4", "optimized+taylorseer3", "optimized+taylorseer2"]]
    chart = page.tradeoff_svg([row, *taylor, *other])
    assert chart.count("<polyline") == 1 and "optimized+taylorseer4: 2.000 s, LoRA error 0.300, skips 75% of blocks" in chart
    assert f"1 optimized: {row.median_s:.3f} s, LoRA error {row.lora_error:.3f}</text>" in chart  # no cache, no share

    data = json.loads(source.read_text())
    data["benchmarks"][0]["extra_info"]["step_cache_runs"] = {"skipped_fraction": 1.5}
    with pytest.raises(ReportError, match="step_cache_runs.skipped_fraction"):
        file_rows(source, data)


def test_a_served_stream_gets_its_table_with_the_overhead_red_past_the_goal(tmp_path):
    def stored(name: str, overhead: float) -> Path:
        served = {str(level): {"images_per_s": 0.3 * level ** 0.5, "p50_s": 3.0 + level, "p95_s": 3.5 + level, "latency_s": [3.0]} for level in (1, 4, 16)}
        info = {"overhead_pct_c1": overhead, "served": served, "replicas": 1, "requests": 16, "direct_images_per_s": 0.35,
                "workload": {"model": "flux-dev-random", "height": 1024, "width": 1024, "steps": 28}}
        path = tmp_path / name
        path.write_text(json.dumps({"machine_info": {"gpu": "NVIDIA H200"}, "benchmarks": [{"name": "test_served_stream[no_fa3]", "stats": {}, "extra_info": info}]}))
        return path

    made = page.page([stored("0001_served.json", 1.25), stored("0002_served.json", 4.5)])
    assert "id='serving'" in made and "Served at 16: images/s / p50 s / p95 s" in made
    rows = [line for line in made.splitlines() if "test_served_stream" in line]
    assert len(rows) == 2 and "+1.25%" in rows[0] and "+4.50%" in rows[1]
    assert "class=flagged" not in rows[0] and "class=flagged" in rows[1]
    assert "0.600 / 7.000 / 7.500" in rows[0]  # concurrency 4: images/s, p50, p95


def test_a_case_that_timed_its_phases_gets_them_in_a_table_with_the_rest_of_its_image(tmp_path):
    info = {"phases": {"text_s": [0.9, 1.1, 1.0], "denoise_s": [3.0, 3.2, 3.1], "decode_s": [0.2, 0.4, 0.3]},
            "workload": {"model": "flux-dev-random", "height": 1024, "width": 1024, "steps": 28}}
    path = tmp_path / "0001_phased.json"
    path.write_text(json.dumps({"machine_info": {"gpu": "NVIDIA H100 80GB HBM3"}, "benchmarks": [{"name": "test_preset[rtx4090_streamed]", "stats": {"median": 4.6}, "extra_info": info}]}))
    made = page.page([path])
    row = next(line for line in made.splitlines() if "test_preset[rtx4090_streamed]" in line and "<td>" in line)
    assert "id='phases'" in made and "<td>1.000</td><td>3.100</td><td>0.300</td><td>0.200</td><td>4.600</td>" in row
