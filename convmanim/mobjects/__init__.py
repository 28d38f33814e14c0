"""Reusable Manim mobjects; each builds the animations for its own step changes."""

from .grid import CellGrid, cell_polygon, place_in_cell
from .kernel import CellHighlight, Connectors, KernelWindow
from .plane import PlaneMap

__all__ = [
    "CellGrid",
    "CellHighlight",
    "Connectors",
    "KernelWindow",
    "PlaneMap",
    "cell_polygon",
    "place_in_cell",
]
