"""The package's imports point down only, and stay small enough to read.

Layers, lowest first; a module may import its own layer and those below it.
An import cycle between layers is impossible by construction; inside a layer
the import graph is checked for cycles too. `TYPE_CHECKING` imports count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "harness"
LAYERS = (
    (
        "ground",
        (
            "harness.errors",
            "harness.labels",
            "harness.units",
            "harness.local_registry",
            "harness.tempdirs",
        ),
    ),
    ("model", ("harness.model", "harness.project")),
    ("verdict", ("harness.verdict",)),
    ("engines", ("harness.engines",)),
    ("steps", ("harness.steps",)),
    ("run", ("harness.run",)),
    ("results", ("harness.results",)),
    ("report", ("harness.report",)),
    ("lint", ("harness.lint",)),
    ("check", ("harness.check",)),
    ("pytest_plugin", ("harness.pytest_plugin",)),
    ("cli", ("harness.cli", "harness.__main__")),
)
FACE = "harness"  # the lazy package face imports nothing eagerly
MAX_FUNCTION_LINES = 60


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return [(line, name) for line, name in found if name.startswith("harness.")]


def _target(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_imports_point_down_only() -> None:
    modules = _modules()
    upward = []
    for module, path in modules.items():
        if module == FACE:
            continue
        rank = _layer(module)
        for line, name in _imports(path, module):
            target = _target(name, modules)
            if target is None or target == FACE:
                continue
            if _layer(target) > rank:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} -> {target}")
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {
        m: {t for _, n in _imports(p, m) if (t := _target(n, modules)) not in (None, m, FACE)}
        for m, p in modules.items()
    }
    # A package's __init__ importing its own submodules is how a package is assembled.
    for module in graph:
        graph[module] = {t for t in graph[module] if not module or not t.startswith(module + ".")}
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt] if nxt in stack else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def _names_harness(node: ast.Import | ast.ImportFrom, name: str) -> bool:
    module = getattr(node, "module", "") or ""
    return module.startswith("harness") or name.startswith("harness")


def test_the_package_face_is_lazy() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    eager = [
        node.lineno
        for node in tree.body
        if isinstance(node, ast.ImportFrom | ast.Import)
        and any(_names_harness(node, a.name) for a in node.names)
    ]
    assert not eager, f"harness/__init__.py imports harness modules eagerly at lines {eager}"


def _functions() -> list[tuple[str, int]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE.parent)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                out.append((f"{where}:{node.lineno} {node.name}", length))
    return out


def test_no_function_is_longer_than_sixty_lines() -> None:
    long = [f"{where} ({n} lines)" for where, n in _functions() if n > MAX_FUNCTION_LINES]
    assert not long, "functions over 60 lines:\n" + "\n".join(long)


@pytest.mark.parametrize("module", ["harness.engines.base", "harness.engines"])
def test_an_adapter_imports_cheaply(module: str) -> None:
    """A third-party adapter needs only the engine contract: no pydantic, no model, no runner."""
    import subprocess
    import sys

    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.startswith(('harness', 'pydantic'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(done.stdout)
    assert not [m for m in loaded if m.startswith("pydantic")], loaded
    assert len([m for m in loaded if m.startswith("harness")]) <= 5, loaded
