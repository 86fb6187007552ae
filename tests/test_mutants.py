"""The stored mutation-testing run (`nox -s mutants`, .mutants/scores.json) is what the README shows, every core
module kills at least nine in ten of its sampled mutants, and every survivor written down says why."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
SCORES, SURVIVORS = ROOT / ".mutants" / "scores.json", ROOT / ".mutants" / "survivors.json"


def tool():
    """tools/mutants.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("mutants_tool", ROOT / "tools" / "mutants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_shows_the_stored_mutation_scores():
    mutants = tool()
    record = json.loads(SCORES.read_text())
    assert f"{mutants.README_START}\n{mutants.markdown(record)}\n{mutants.README_END}" in (ROOT / "README.md").read_text()


def test_every_core_module_kills_nine_in_ten_of_its_mutants():
    record = json.loads(SCORES.read_text())
    configured = re.search(r"only_mutate = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(), re.S)[1]
    assert set(record["modules"]) == set(re.findall(r'"([^"]+)"', configured))
    low = {module: row["score"] for module, row in record["modules"].items() if row["score"] is None or row["score"] < 0.9}
    assert not low, f"modules under 90% in {SCORES.name}: {low}"
    assert record["clean_tree"] and re.fullmatch(r"[0-9a-f]{40}", record["commit"])


def test_every_survivor_written_down_says_why_and_did_survive():
    written = json.loads(SURVIVORS.read_text())
    assert set(written) == {"equivalent", "gpu_only"}
    assert all(isinstance(reason, str) and len(reason.split()) >= 5 for kind in written.values() for reason in kind.values())
    status = json.loads(SCORES.read_text())["status"]
    killed = sorted(name for kind in written.values() for name in kind if status.get(name) in ("killed", "timeout"))
    assert not killed, f"written down as surviving, but the stored run killed them: {killed}"
