"""Arithmetic mode: the slanted input and output planes with the sliding kernel.

The input plane (blue, with dashed padding) lies below; the output plane
(cyan) floats above it. The kernel's shadow slides over the input and four
lines join its corners to the output cell it writes. A transposed conv is drawn
as its equivalent direct conv: the input with ``s − 1`` zeros inserted between
units, padded by ``d(k − 1) − p`` (plus ``a`` on the bottom and right), and the
kernel rotated by 180°.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Animation, Mobject, VGroup, config

from ..geometry import AnySpec, ConvSpec
from ..labels import math_label
from ..mobjects.grid import CellGrid
from ..mobjects.kernel import CellHighlight, Connectors, KernelWindow
from ..mobjects.plane import PlaneMap
from .base import ConvScene, fmt_size
from .formulas import output_size_formula, spec_summary

__all__ = ["ArithmeticScene"]

MARGIN = 0.35
PANEL_GAP = 0.5
PLANE_GAP = 0.9  # vertical gap between the planes, in cells


@dataclass
class ArithmeticParts:
    """The mobjects of an :class:`ArithmeticScene`, in z-order."""

    input_grid: CellGrid
    kernel: KernelWindow
    connectors: Connectors
    output_grid: CellGrid
    highlight: CellHighlight
    input_label: Mobject
    output_label: Mobject
    panel: VGroup
    formula: Mobject | None


MIN_WEIGHT_PIXELS = 10
"""Below this height (in pixels) the kernel's weights are not shown by default."""


def _glyph_pixels(label: Mobject, plane: PlaneMap) -> float:
    """Height in pixels of a label laid into ``plane``, measured along the plane.

    The bounding box of a slanted label is taller than its letters; this
    maps the label back to the flat picture it was laid from, and scales its
    height by the shorter of the plane's cell sides.
    """
    m = plane.in_plane_matrix()[:2, :2]
    flat = label.get_all_points()[:, :2] @ np.linalg.inv(m).T
    side = min(np.linalg.norm(plane.row[:2]), np.linalg.norm(plane.col[:2])) / plane.cell_size
    px = config.pixel_height / config.frame_height
    return float(np.ptp(flat[:, 1])) * side * px


class ArithmeticScene(ConvScene):
    """The slanted view of a convolution or a transposed convolution.

    Set :attr:`spec` to a :class:`~convmanim.ConvSpec` for a convolution, or
    to ``ConvSpec(...).transposed()`` for its transposed convolution.

    Attributes
    ----------
    show_weights
        Write ``w_{ab}`` small in the kernel's cells. ``None`` (the default)
        shows them for transposed convs only, where they show the 180°
        rotation, and only when they are at least :data:`MIN_WEIGHT_PIXELS`
        high at the render's resolution (1080p and up for small grids).

    Examples
    --------
    .. manim:: StridedPaddedConv
        :save_last_frame:

        from convmanim import ArithmeticScene, ConvSpec

        class StridedPaddedConv(ArithmeticScene):
            spec = ConvSpec(5, 3, stride=2, padding=1)
    """

    spec: ClassVar[AnySpec] = ConvSpec(5, 3, stride=2, padding=1)
    show_weights: ClassVar[bool | None] = None

    # ---------------------------------------------------------------- build
    def build_parts(self) -> ArithmeticParts:
        """Lay out the planes, the kernel, the labels and the side panel."""
        theme = self.get_theme()
        spec = self.spec
        direct = spec.direct()
        grid_h, grid_w = direct.grid_size
        oh, ow = spec.output_size

        panel = self._build_panel()
        fw, fh = config.frame_width, config.frame_height
        panel.to_edge(RIGHT, buff=MARGIN)
        region_left = -fw / 2 + MARGIN
        region_right = panel.get_left()[0] - PANEL_GAP
        region_top, region_bottom = fh / 2 - MARGIN, -fh / 2 + MARGIN

        in_label = self.text(rf"input ${fmt_size(spec.input_size)}$", font_size=30)
        out_label = self.text(rf"output ${fmt_size(spec.output_size)}$", font_size=30)

        # Lay both planes out at one unit per cell, then scale to fit.
        in_plane = PlaneMap.slanted(1.0)
        lo, hi = in_plane.bounds(grid_h, grid_w)
        out_unit = PlaneMap.slanted(1.0)
        olo, ohi = out_unit.bounds(oh, ow)
        centre_x = (lo[0] + hi[0]) / 2
        out_plane = out_unit.shifted(
            np.array([centre_x - (olo[0] + ohi[0]) / 2, hi[1] + PLANE_GAP - olo[1], 0.0])
        )
        olo, ohi = out_plane.bounds(oh, ow)
        left = min(lo[0], olo[0])
        label_room = max(in_label.width, out_label.width) + 0.25
        right_in = hi[0]
        right_out = ohi[0]
        width_avail = region_right - region_left
        height_avail = region_top - region_bottom
        # Fit: the planes scale, the labels (beside the rightmost corners) do not.
        scale = min(
            (width_avail - label_room) / (max(right_in, right_out) - left),
            height_avail / (ohi[1] - lo[1]),
        )
        scale = min(scale, 1.1)
        in_plane = in_plane.scaled(scale)
        out_plane = out_plane.scaled(scale)
        lo, hi = in_plane.bounds(grid_h, grid_w)
        olo, ohi = out_plane.bounds(oh, ow)
        total_left = min(lo[0], olo[0])
        total_right = max(hi[0], ohi[0]) + label_room
        dx = (region_left + region_right) / 2 - (total_left + total_right) / 2
        dy = (region_top + region_bottom) / 2 - (lo[1] + ohi[1]) / 2
        in_plane = in_plane.shifted(np.array([dx, dy, 0.0]))
        out_plane = out_plane.shifted(np.array([dx, dy, 0.0]))

        input_grid = CellGrid(
            in_plane, direct.grid_size,
            filled=direct.input_mask(),
            fill_color=theme.input_fill,
            theme=theme,
        )
        output_grid = CellGrid(out_plane, (oh, ow), fill_color=theme.output_fill, theme=theme)
        show_weights = spec.is_transposed if self.show_weights is None else self.show_weights
        weights = None
        if show_weights:
            tap = direct.tap_weight()
            kh, kw = direct.kernel_size
            weights = [
                [
                    math_label(f"w_{{{tap[a, b, 0]}{tap[a, b, 1]}}}", color=theme.text)
                    for b in range(kw)
                ]
                for a in range(kh)
            ]
        kernel = KernelWindow(in_plane, direct, theme, weight_labels=weights)
        # shown by default only where they can be read
        if (self.show_weights is None and len(kernel.weights)
                and min(_glyph_pixels(w, in_plane) for w in kernel.weights) < MIN_WEIGHT_PIXELS):
            kernel.weights.submobjects = []
        highlight = CellHighlight(out_plane, spec.step_cell(0), theme)
        connectors = Connectors(kernel.footprint(), highlight.corners(), theme)

        in_label.next_to(in_plane.point(grid_h, grid_w), RIGHT, buff=0.2)
        out_label.next_to(out_plane.point(oh, ow), RIGHT, buff=0.2).shift(0.15 * UP)

        formula = None
        if self.intro:
            formula = output_size_formula(spec, color=theme.text, font_size=30)
        return ArithmeticParts(
            input_grid=input_grid,
            kernel=kernel,
            connectors=connectors,
            output_grid=output_grid,
            highlight=highlight,
            input_label=in_label,
            output_label=out_label,
            panel=panel,
            formula=formula,
        )

    def _build_panel(self) -> VGroup:
        spec = self.spec
        title = self.text(
            r"\textbf{Transposed convolution}" if spec.is_transposed else r"\textbf{Convolution}",
            font_size=38,
        )
        lines: list[Mobject] = [title]
        lines += [self.text(t, font_size=28, math=True) for t in spec_summary(spec)]
        panel = VGroup(*lines).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        panel.to_edge(UP, buff=MARGIN + 0.2)
        return panel

    def place_formula(self, formula: Mobject) -> None:
        """Under the side panel, scaled to the panel's width."""
        panel = self.parts.panel
        width = config.frame_width / 2 - MARGIN - panel.get_left()[0]
        if formula.width > width:
            formula.scale_to_fit_width(width)
        formula.next_to(panel, DOWN, aligned_edge=LEFT, buff=0.5)

    # ---------------------------------------------------------------- steps
    def add_parts(self) -> None:
        """Input plane, kernel, connectors, output plane, highlight: bottom to top."""
        p = self.parts
        self.add(p.panel, p.input_label, p.output_label, p.input_grid)
        self.add(p.kernel, p.connectors, p.output_grid, p.highlight)

    def still_parts(self) -> list[Mobject]:
        """The panel, the grid labels and the input plane: no step changes them."""
        p = self.parts
        return [p.panel, p.input_label, p.output_label, p.input_grid]

    def set_step(self, step: int) -> None:
        """Put the kernel, highlight and connectors on ``step`` at once."""
        p = self.parts
        p.kernel.move_to_step(step)
        p.highlight.move_to_cell(self.spec.step_cell(step))
        p.connectors.put_at(p.kernel.footprint(), p.highlight.corners())

    def step_animations(self, step: int) -> list[Animation]:
        """Glide the kernel and the highlight; the connectors follow exactly."""
        p = self.parts
        cell = self.spec.step_cell(step)
        anims = [p.kernel.animate_to_step(step), p.highlight.animate_to_cell(cell)]
        anims.append(p.connectors.animate_to(p.kernel.footprint(), p.highlight.corners()))
        return anims

    def intro_formula(self) -> Mobject | None:
        """The output-size formula with the numbers put in."""
        return self.parts.formula
