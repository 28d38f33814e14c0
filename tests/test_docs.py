"""The examples in the docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import convmanim

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(convmanim.__path__, "convmanim.")
    if not m.name.endswith("__main__")
)


def test_every_module_is_listed():
    assert "convmanim.geometry" in MODULES and "convmanim.modes.numerical_data" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
