"""Where grid cells land on screen: a flat or slanted affine map."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SLANT_COL", "SLANT_ROW", "PlaneMap"]

SLANT_COL = np.array([0.894, 0.447, 0.0])
"""Screen direction of one column step in the slanted view (up and to the right)."""

SLANT_ROW = np.array([0.624, -0.578, 0.0])
"""Screen direction of one row step in the slanted view (down and to the right)."""


@dataclass(frozen=True, eq=False)
class PlaneMap:
    """An affine map from grid coordinates ``(row, col)`` to screen points.

    Grid point ``(r, c)`` is the corner between rows ``r-1, r`` and columns
    ``c-1, c``; cell ``(r, c)`` spans ``[r, r+1] × [c, c+1]``.

    Attributes
    ----------
    origin
        Screen point of grid corner ``(0, 0)`` (the top-left corner).
    col
        Screen vector of one step along a row (to the next column).
    row
        Screen vector of one step down a column (to the next row).
    """

    origin: np.ndarray
    col: np.ndarray
    row: np.ndarray

    @classmethod
    def flat(cls, cell_size: float = 1.0, origin: np.ndarray | None = None) -> PlaneMap:
        """A front-facing grid: columns go right, rows go down."""
        return cls(
            origin=np.zeros(3) if origin is None else np.asarray(origin, dtype=float),
            col=np.array([cell_size, 0.0, 0.0]),
            row=np.array([0.0, -cell_size, 0.0]),
        )

    @classmethod
    def slanted(cls, cell_size: float = 1.0, origin: np.ndarray | None = None) -> PlaneMap:
        """The original tool's slanted plane, seen from above and in front."""
        return cls(
            origin=np.zeros(3) if origin is None else np.asarray(origin, dtype=float),
            col=SLANT_COL * cell_size,
            row=SLANT_ROW * cell_size,
        )

    @property
    def cell_size(self) -> float:
        """Screen length of one column step."""
        return float(np.linalg.norm(self.col))

    def point(self, r: float, c: float) -> np.ndarray:
        """Screen point of grid coordinates ``(r, c)``."""
        return self.origin + c * self.col + r * self.row

    def vector(self, dr: float, dc: float) -> np.ndarray:
        """Screen displacement of ``dr`` rows and ``dc`` columns."""
        return dc * self.col + dr * self.row

    def cell_center(self, r: float, c: float) -> np.ndarray:
        """Screen centre of cell ``(r, c)``."""
        return self.point(r + 0.5, c + 0.5)

    def rect_corners(self, r0: float, c0: float, r1: float, c1: float) -> np.ndarray:
        """Corners of the grid rectangle ``[r0, r1] × [c0, c1]``.

        Returns
        -------
        numpy.ndarray
            ``(4, 3)``: top-left, top-right, bottom-right, bottom-left.
        """
        return np.array(
            [self.point(r0, c0), self.point(r0, c1), self.point(r1, c1), self.point(r1, c0)]
        )

    def cell_corners(self, r: int, c: int) -> np.ndarray:
        """Corners of cell ``(r, c)``, as :meth:`rect_corners`."""
        return self.rect_corners(r, c, r + 1, c + 1)

    def in_plane_matrix(self) -> np.ndarray:
        """3×3 matrix that lays flat screen content (a label) into the plane.

        A label's ``x`` follows the columns and its ``y`` runs against the
        rows, at the scale of :attr:`cell_size`.
        """
        size = self.cell_size
        m = np.eye(3)
        m[:, 0] = self.col / size
        m[:, 1] = -self.row / size
        return m

    def shifted(self, offset: np.ndarray) -> PlaneMap:
        """The same map, moved by ``offset``."""
        return PlaneMap(self.origin + np.asarray(offset, dtype=float), self.col, self.row)

    def scaled(self, factor: float, about: np.ndarray | None = None) -> PlaneMap:
        """The same map, scaled by ``factor`` about the screen point ``about``."""
        about = np.zeros(3) if about is None else np.asarray(about, dtype=float)
        origin = about + (self.origin - about) * factor
        return PlaneMap(origin, self.col * factor, self.row * factor)

    def bounds(self, rows: float, cols: float) -> tuple[np.ndarray, np.ndarray]:
        """Screen bounding box ``(min, max)`` of the grid ``[0, rows] × [0, cols]``."""
        pts = self.rect_corners(0, 0, rows, cols)
        return pts.min(axis=0), pts.max(axis=0)
