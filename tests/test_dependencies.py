"""Dependencies: what the package imports is declared, and what it declares it imports."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported() -> dict[str, set[str]]:
    """Each top-level module imported by the package, and the files that import it."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "convmanim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(path.name)
    return found


def _distributions(module: str) -> set[str]:
    return {d.lower().replace("_", "-") for d in packages_distributions().get(module, [])}


def test_every_third_party_import_is_declared() -> None:
    runtime = {_name(r) for r in PYPROJECT["dependencies"]}
    extras = {_name(r) for reqs in PYPROJECT["optional-dependencies"].values() for r in reqs}
    missing = []
    for module, files in sorted(_imported().items()):
        if module in sys.stdlib_module_names or module == "convmanim":
            continue
        # a module not installed here (manim_slides beside manim 0.22) by its own name
        dists = _distributions(module) or {_name(module)}
        if module == "manim_slides":  # the slides extra, imported only to make a deck
            assert dists & extras, module
            continue
        if not dists & runtime:
            missing.append(f"{module} ({', '.join(sorted(files))})")
    assert missing == []


def test_every_runtime_dependency_is_imported() -> None:
    imported = set()
    for module in _imported():
        imported |= _distributions(module) | {module.lower()}
    unused = [r for r in PYPROJECT["dependencies"] if _name(r) not in imported]
    assert unused == []
