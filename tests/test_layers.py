"""The layer rules: arrows only go down, heavy libraries stay at the edges, no import cycles.

Read from the source (every ``import`` statement, also those inside functions and under
``TYPE_CHECKING``), so a lazy import cannot slip through.
"""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "repcount"

#: What each part of the package may import from the package (itself always allowed). The
#: pipeline reads top to bottom in this table: a part only imports parts listed above it.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "records": {"errors"},
    "io": {"errors", "records"},
    "pose": {"errors", "records", "io"},
    "signals": {"errors", "records"},
    "detectors": {"errors", "records", "signals"},
    "evaluation": {"errors", "records", "pose", "signals", "detectors"},
    "session": {"errors", "records", "io", "signals", "detectors"},
    "synth": {"errors", "records", "io", "pose"},
    "ui": {"errors", "records", "signals", "detectors", "evaluation", "session"},
    "commands": {"errors", "records", "io", "pose", "signals", "detectors", "evaluation", "session",
                 "synth", "ui"},
    "cli": {"errors", "commands"},
    "__main__": {"cli"},
    "__init__": set(),
}
#: Where OpenCV may be imported: frame I/O, drawing, the pose backend's colour conversion and
#: the renderer. MediaPipe only in pose/.
CV2_PARTS = {"io", "ui", "pose", "synth"}
MEDIAPIPE_PARTS = {"pose"}


def imports_of(path: Path) -> list[str]:
    """Every module name a file imports (absolute, dotted; relative imports resolved)."""
    names = []
    pkg = ["repcount", *path.relative_to(PKG).parent.parts] if path.is_relative_to(PKG) else []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
            names.append(base)
    return names


def part_of(path: Path) -> str:
    return path.relative_to(PKG).parts[0].removesuffix(".py")


def all_files() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


def test_every_part_has_a_rule():
    assert {part_of(f) for f in all_files()} <= set(ALLOWED)


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_imports_only_lower_layers(part):
    bad = [(f.relative_to(PKG).as_posix(), m) for f in all_files() if part_of(f) == part
           for m in imports_of(f)
           if m.startswith("repcount.") and m.split(".")[1] not in ALLOWED[part] | {part}]
    assert not bad, f"{part} imports a higher layer: {bad}"


@pytest.mark.parametrize("lib, parts", [("cv2", CV2_PARTS), ("mediapipe", MEDIAPIPE_PARTS)])
def test_heavy_libraries_stay_at_the_edges(lib, parts):
    bad = [f.relative_to(PKG).as_posix() for f in all_files() if part_of(f) not in parts
           and any(m.split(".")[0] == lib for m in imports_of(f))]
    assert not bad, f"{lib} imported outside {sorted(parts)}: {bad}"


def module_name(path: Path) -> str:
    parts = ["repcount", *path.relative_to(PKG).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> package modules it imports (``from pkg import name`` counts as ``pkg``)."""
    mods = {module_name(f): f for f in all_files()}
    graph: dict[str, set[str]] = {}
    for name, f in mods.items():
        deps = set()
        for m in imports_of(f):
            while m and m not in mods:
                m = m.rpartition(".")[0]
            if m and m != name:
                deps.add(m)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_checks_can_fail(tmp_path):
    """The checks themselves: a lazy import is seen, a cycle found."""
    f = tmp_path / "m.py"
    f.write_text("def g():\n    import cv2\n    from repcount.commands.live import x\n")
    assert imports_of(f) == ["cv2", "repcount.commands.live"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
