"""The manim internals convmanim touches: each listed in one module, each checked by name."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import manim
import pytest

from convmanim.manim_internals import INTERNALS

PACKAGE = Path(__file__).resolve().parent.parent / "convmanim"


@pytest.mark.parametrize("name", list(INTERNALS))
def test_each_manim_internal_still_works_as_used(name: str) -> None:
    try:
        INTERNALS[name]()
    except (AssertionError, AttributeError, TypeError) as exc:
        pytest.fail(f"manim internal {name} changed: {exc}")


# The internals the adapter module lists, beyond manim's private names.
_FORBIDDEN_ATTRIBUTES = {"fill_rgbas", "stroke_rgbas", "background_stroke_rgbas"}


def _privates_defined_in(folder: Path) -> set[str]:
    """Every ``_name`` the source under ``folder`` defines (functions, methods, attributes)."""
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


@cache
def _manim_privates() -> frozenset[str]:
    """manim's private names that convmanim does not define for itself."""
    return frozenset(_privates_defined_in(Path(manim.__file__).parent)
                     - _privates_defined_in(PACKAGE))


def test_no_module_but_the_adapter_touches_manim_internals() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "manim_internals.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute):
                if node.attr in _FORBIDDEN_ATTRIBUTES or node.attr in _manim_privates():
                    offenders.append(f"{where} .{node.attr}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("manim"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private or any(part.startswith("_") for part in node.module.split(".")):
                    offenders.append(f"{where} from {node.module} import {private}")
            elif isinstance(node, ast.Import):
                offenders += [f"{where} import {a.name}" for a in node.names
                              if a.name.split(".")[0] in ("unittest", "mock")]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
                    "unittest", "mock"):
                offenders.append(f"{where} from {node.module} import ...")
    assert offenders == []
