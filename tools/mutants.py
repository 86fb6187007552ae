"""Mutation testing (`nox -s mutants`): mutmut changes one thing at a time in the modules pyproject.toml's
[tool.mutmut] names and runs the tests that reach the changed function; a mutant no test notices is a gap in the
tests, or a change written down with its reason in .mutants/survivors.json: equivalent (no test can tell it from
the original) or GPU-only (the code runs only with CUDA, which the H200 suite exercises and a CPU cannot).

What this adds to mutmut, in one line each: string-literal mutants are left out (in these modules strings are
messages, whose wording tests match loosely on purpose); a seeded sample of at most --sample mutants per module is
run, so a whole run fits in about half an hour on two cores; a mutant whose function mutmut saw no test call (the
suite's pytest hooks run in the pytest processes tests start) is run against its module's guarding tests; the
score of each module is stored in .mutants/scores.json.

    python tools/mutants.py [--sample 20] [--seed 0] [--max-children 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / ".mutants"
NOTHING = "lora_fast.no_such_module.*"  # a name that matches no mutant: the first pass makes the mutants and the test map only
KILLED = ("killed", "timeout")
# The tests that guard each module, for the mutants mutmut could not map to a test.
GUARDS = {
    "lora_fast/config.py": ["tests/test_config.py", "tests/test_bad_input.py"],
    "lora_fast/optimize.py": ["tests/test_config.py", "tests/test_hotswap.py", "tests/test_workflows.py"],
    "lora_fast/lora/fold.py": ["tests/test_fold_fp8.py", "tests/test_stacking.py"],
    "lora_fast/lora/slot.py": ["tests/test_loras.py", "tests/test_stacking.py", "tests/test_hotswap.py"],
    "lora_fast/lora/files.py": ["tests/test_loras.py", "tests/test_lora_formats.py", "tests/test_bad_input.py"],
    "lora_fast/lora/formats.py": ["tests/test_lora_formats.py"],
    "lora_fast/speed/quantize.py": ["tests/test_fold_fp8.py"],
    "lora_fast/speed/offload.py": ["tests/test_offload.py", "tests/test_config.py"],
    "lora_fast/bench/similarity.py": ["tests/test_similarity.py", "tests/test_measure_report.py"],
    "lora_fast/bench/suite.py": ["tests/test_suite.py", "tests/test_checked_first.py", "tests/test_reliability.py"],
    "lora_fast/bench/report.py": ["tests/test_gate.py", "tests/test_measure_report.py", "tests/test_page.py"],
}
GUARD_LIMIT_S = 600


def mutmut(args: list[str]) -> None:
    """Run mutmut's command line in this process, without string-literal mutants."""
    import mutmut.mutation.mutators as mutators
    from mutmut.__main__ import cli

    mutators.mutation_operators[:] = [(kind, operator) for kind, operator in mutators.mutation_operators if operator is not mutators.operator_string]
    try:
        cli.main(args, standalone_mode=False)
    except AssertionError:  # mutmut asserts that a name filter matched something: the first pass's NOTHING does not
        pass


def exit_codes() -> dict[str, dict[str, int | None]]:
    """Each mutated module -> its mutants -> mutmut's exit code for it (None: not run yet)."""
    codes = {}
    for meta in sorted((ROOT / "mutants" / "lora_fast").rglob("*.py.meta")):
        module = str(meta.relative_to(ROOT / "mutants")).removesuffix(".meta")
        codes[module] = json.loads(meta.read_text())["exit_code_by_key"]
    return codes


def sample(codes: dict[str, dict[str, int | None]], size: int, seed: int) -> dict[str, list[str]]:
    """At most `size` mutants of each module, drawn with `seed` from the sorted names (the same draw for the same code)."""
    return {module: sorted(random.Random(f"{seed}:{module}").sample(sorted(names), min(size, len(names)))) for module, names in codes.items()}


def run_guards(module: str, name: str) -> str:
    """`name` active in the mutants copy, against `module`'s guarding tests in a fresh pytest: killed, survived or timeout."""
    env = {**os.environ, "MUTANT_UNDER_TEST": name, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *GUARDS[module]], cwd=ROOT / "mutants",
                              env=env, capture_output=True, timeout=GUARD_LIMIT_S)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if done.returncode == 0 else "killed"


def scores(drawn: dict[str, list[str]], status: dict[str, str], written: dict[str, dict[str, str]]) -> dict:
    """Per module: mutants drawn, killed (a test failed or timed out), written down (equivalent or GPU-only, each
    with its reason in survivors.json), the survivors left, and the score: killed over drawn less written down."""
    table = {}
    for module, names in drawn.items():
        killed = [name for name in names if status[name] in KILLED]
        noted = {kind: sorted(name for name in names if status[name] not in KILLED and name in written[kind]) for kind in written}
        survived = sorted(name for name in names if status[name] not in KILLED and not any(name in written[kind] for kind in written))
        counted = len(names) - sum(map(len, noted.values()))
        table[module] = {
            "drawn": len(names), "killed": len(killed), **{kind: len(found) for kind, found in noted.items()}, "survived": survived,
            "score": round(len(killed) / counted, 3) if counted else None,
        }
    return table


README_START, README_END = "<!-- mutants:start -->", "<!-- mutants:end -->"


def markdown(record: dict) -> str:
    """The stored scores as the README shows them: one row per module, and the run they come from."""
    lines = ["| module | drawn | killed | equivalent | GPU-only | survived | score |", "|---|---|---|---|---|---|---|"]
    for module, row in record["modules"].items():
        score = "–" if row["score"] is None else f"{100 * row['score']:.0f}%"
        lines.append(f"| `{module}` | {row['drawn']} | {row['killed']} | {row['equivalent']} | {row['gpu_only']} | {len(row['survived'])} | {score} |")
    state = "clean tree" if record["clean_tree"] else "uncommitted changes"
    lines += ["", f"From `.mutants/scores.json`: commit {record['commit'][:10]} ({state}), {record['when']}, a sample of {record['sample']} per module "
                  f"(seed {record['seed']}), {record['operators']}."]
    return "\n".join(lines)


def write_readme(readme: Path, record: dict) -> None:
    """Put `markdown(record)` between the README's mutants markers."""
    text = readme.read_text()
    head, rest = text.split(README_START, 1)
    readme.write_text(f"{head}{README_START}\n{markdown(record)}\n{README_END}{rest.split(README_END, 1)[1]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=20, help="mutants drawn per module (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--readme-only", action="store_true", help="only write the stored scores into README.md")
    args = parser.parse_args(argv)
    if args.readme_only:
        write_readme(ROOT / "README.md", json.loads((RESULTS / "scores.json").read_text()))
        return 0
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()  # the code mutmut copies now
    clean = not subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    mutmut(["run", "--max-children", str(args.max_children), NOTHING])  # makes the mutants and maps tests to functions
    drawn = sample(exit_codes(), args.sample, args.seed)
    mutmut(["run", "--max-children", str(args.max_children), *[name for names in drawn.values() for name in names]])
    from mutmut.stats import status_by_exit_code

    codes = exit_codes()
    status = {name: status_by_exit_code[codes[module].get(name)] for module, names in drawn.items() for name in names}
    for module, names in drawn.items():
        for name in names:
            if status[name] == "no tests":
                status[name] = run_guards(module, name)
                print(f"{name}: {status[name]} by {', '.join(GUARDS[module])}", flush=True)
    written = json.loads((RESULTS / "survivors.json").read_text())
    table = scores(drawn, status, {kind: written[kind] for kind in ("equivalent", "gpu_only")})
    record = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit, "clean_tree": clean, "sample": args.sample,
              "seed": args.seed, "operators": "mutmut's, without string literals", "status": status, "modules": table}
    (RESULTS / "scores.json").write_text(json.dumps(record, indent=1) + "\n")
    write_readme(ROOT / "README.md", record)
    for module, row in table.items():
        print(f"{module:30} killed {row['killed']:2} of {row['drawn']:2}, written down {row['equivalent']} equivalent, {row['gpu_only']} GPU-only: score {row['score']}")
        for name in row["survived"]:
            print(f"    survived: {name}")
    return 0 if all(row["score"] is None or row["score"] >= 0.9 for row in table.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
