"""The pure core stays pure: no OpenCV or MediaPipe below the edges, no upward imports.

Read from the source (every ``import`` statement, also those inside functions), so a lazy
import cannot slip through.
"""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "repcount"
#: Core folders and modules: pure numpy/scipy over records.
CORE = ["signals", "detectors", "evaluation", "records.py"]
HEAVY = ("cv2", "mediapipe")
#: What each core folder may import from the package (arrows only go down).
ALLOWED = {
    "signals": {"records", "signals", "errors"},
    "detectors": {"records", "signals", "detectors", "errors"},
}


def imports_of(path: Path) -> list[str]:
    """Every module name a file imports (absolute, dotted)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def files_of(part: str) -> list[Path]:
    p = PKG / part
    return [p] if p.is_file() else sorted(p.rglob("*.py"))


@pytest.mark.parametrize("part", CORE)
def test_core_imports_no_heavy_library(part):
    bad = [(f.relative_to(PKG).as_posix(), m) for f in files_of(part) for m in imports_of(f)
           if m.split(".")[0] in HEAVY]
    assert not bad, f"cv2/mediapipe imported in the core: {bad}"


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_core_imports_only_lower_layers(part):
    bad = [(f.relative_to(PKG).as_posix(), m) for f in files_of(part) for m in imports_of(f)
           if m.startswith("repcount.") and m.split(".")[1] not in ALLOWED[part]]
    assert not bad, f"{part} imports a higher layer: {bad}"


def test_the_check_sees_lazy_imports(tmp_path):
    """The check itself: an import inside a function is found."""
    f = tmp_path / "m.py"
    f.write_text("def g():\n    import cv2\n    from repcount.commands.live import x\n")
    assert imports_of(f) == ["cv2", "repcount.commands.live"]
