"""Shared test fixtures: an isolated label cache and tiny renders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TINY = "160x90@6"
"""A tiny render: fast, and enough to check structure, timing and colours."""


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep typeset labels in a per-session cache, not the user's."""
    path = tmp_path_factory.mktemp("convmanim-cache")
    old = os.environ.get("CONVMANIM_CACHE")
    os.environ["CONVMANIM_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("CONVMANIM_CACHE", None)
    else:
        os.environ["CONVMANIM_CACHE"] = old


def read_video(path: str | os.PathLike[str]):
    """Every frame of a video on its constant frame grid (held pictures repeated)."""
    from convmanim.video import constant_rate_frames

    return constant_rate_frames(path)
