"""The package reads by concern: imports flow one way between its layers, no module imports itself back in a
circle, and each subpackage says what it is for."""

import ast
import importlib
from pathlib import Path

import lora_fast

PACKAGE = Path(lora_fast.__file__).parent
# Lowest first: a module may import from its own layer or a lower one, never a higher one.
LAYERS = (
    ("lora_fast.config", "lora_fast.undo", "lora_fast.hub", "lora_fast.atomic", "lora_fast.quiet", "lora_fast.errors", "lora_fast.outputs"),
    ("lora_fast.pipelines",),
    ("lora_fast.speed",),
    ("lora_fast.lora",),
    ("lora_fast.optimize",),
    ("lora_fast.serve",),
    ("lora_fast.bench",),
    ("lora_fast.cli", "lora_fast.__main__", "lora_fast"),
)


def _layer(module: str) -> int:
    """The layer of `module`: its own entry, or that of the closest package listed."""
    for index, members in enumerate(LAYERS):
        if module in members or any(module.startswith(member + ".") for member in members if member != "lora_fast"):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports (relative imports resolved)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module.split(".") if parts[-1] == "__init__" else module.split(".")[:-1]
        graph[module] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                if target.split(".")[0] == "lora_fast":
                    graph[module].add(target)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle among `graph`'s modules, as the modules along it, or None."""
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state and (found := visit(target, path + [target])):
                return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return None


def test_imports_flow_down_the_layers_without_a_circle():
    graph = import_graph()
    upward = [(module, target) for module, targets in graph.items() for target in targets if _layer(target) > _layer(module)]
    assert not upward, f"imports against the layers (module -> what it imports): {upward}"
    assert cycle(graph) is None, f"import circle: {' -> '.join(cycle(graph))}"


def test_the_checks_see_an_upward_import_and_a_circle():
    """The two checks above can fail: an import of `optimize` from `speed`, and a made-up circle."""
    assert _layer("lora_fast.optimize") > _layer("lora_fast.speed.quantize")
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_each_subpackage_says_what_it_is_for():
    for init in PACKAGE.glob("*/__init__.py"):
        module = importlib.import_module(f"lora_fast.{init.parent.name}")
        assert module.__doc__ and module.__doc__.strip().count("\n") == 0, f"{init}: one line on what the subpackage is for"


def test_public_names_stay_at_the_top():
    for name in ("PRESETS", "OptimizationConfig", "LoraSlot", "LoraSpec", "LoraError", "make_lora", "read_lora", "save_lora",
                 "optimize", "restore", "generate", "load_pipeline"):
        assert hasattr(lora_fast, name), name
