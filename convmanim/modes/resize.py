"""Resize, then convolve: the checkerboard's fix drawn as numbers.

Odena, Dumoulin & Olah ("Deconvolution and Checkerboard Artifacts", Distill,
2016) recommend upsampling with nearest-neighbour resizing and then a
stride-1 convolution, in place of a strided transposed conv. The scene plays
both halves. First the image is upsampled: each of its cells is copied into
an ``r×r`` block of the larger input (:func:`convmanim.upsample.nearest_sources`).
Then the conv runs over it, drawn as the numerical mode's scatter-add with the
overlap overlay: with stride 1 every inner output cell is written by ``k×k``
windows, so the counts are even and no checkerboard forms.

The conv is ``nn.Conv2d(k, padding=p, dilation=d)``, its kernel given as the
layer keeps it. Its scatter is the stride-1 transposed conv with the kernel
turned by 180° and padding ``d(k − 1) − p`` (:func:`convmanim.upsample.turned`),
so the numbers that add up in the output are the conv layer's.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
from manim import DOWN, RIGHT, UP, Mobject, VGroup, config, smooth, squish_rate_func

from ..geometry import SpecError, TransposedConvSpec
from ..labels import math_label
from ..mobjects.flight import Fade, Relocate
from ..mobjects.grid import CellGrid
from ..mobjects.motion import set_visibility
from ..mobjects.plane import PlaneMap
from ..upsample import nearest_size, nearest_sources, turned, upsample_nearest
from ..values import as_values
from .numerical import MARGIN, NumericalParts, NumericalScene
from .numerical_data import default_values, overlap_note_tex

__all__ = ["ResizeConvScene", "ResizeParts"]

PRELUDE_PARTS = (0.6, 2.2, 0.9)
"""Seconds the upsampling holds the image, copies its cells, and hands over to the conv."""
LAG = 0.6
"""Share of the copying over which the image's cells set off one after another."""


@dataclass
class ResizeParts(NumericalParts):
    """:class:`~convmanim.modes.numerical.NumericalParts` and the image before upsampling.

    Attributes
    ----------
    image
        The ``H×W`` image, drawn over the output canvas while it is upsampled.
    image_label
        ``image 3×3`` above it.
    """

    image: CellGrid | None = None
    image_label: Mobject | None = None


class ResizeConvScene(NumericalScene):
    """Nearest-neighbour upsampling by :attr:`factor`, then a stride-1 conv, with its overlap.

    Set :attr:`spec` with :meth:`resize_spec` (the conv over the upsampled
    image, as the scatter view draws it) and :attr:`factor`;
    :attr:`input_values` is the image *before* upsampling and
    :attr:`kernel_values` the conv's kernel (``nn.Conv2d``'s; the scatter
    draws it turned by 180°).

    Examples
    --------
    .. manim:: ResizeThenConv
        :save_last_frame:

        from convmanim.modes.resize import ResizeConvScene

        class ResizeThenConv(ResizeConvScene):
            spec = ResizeConvScene.resize_spec(3, 2, kernel_size=3, padding=1)
            still_step = 35
    """

    spec: ClassVar[TransposedConvSpec] = TransposedConvSpec.from_torch(6, 3, padding=1)  # type: ignore[assignment]
    factor: ClassVar[int] = 2
    overlap: ClassVar[bool] = True

    parts: ResizeParts

    @staticmethod
    def resize_spec(image_size: int | tuple[int, int], factor: int, *, kernel_size: int = 3,
                    padding: int = 1, dilation: int = 1) -> TransposedConvSpec:
        """``nn.Conv2d(k, padding=p, dilation=d)`` over the image upsampled by ``factor``.

        As the scatter view draws it: the stride-1 ``ConvTranspose2d`` with
        padding ``d(k − 1) − p`` (and the kernel turned by 180°).

        Raises
        ------
        SpecError
            If ``padding`` is more than ``d(k − 1)`` (a window of padding alone).
        """
        reach = dilation * (kernel_size - 1)
        if not 0 <= padding <= reach:
            raise SpecError(f"the conv's padding must be 0 to d(k − 1) = {reach}, got {padding}")
        return TransposedConvSpec.from_torch(nearest_size(image_size, factor), kernel_size,
                                             1, reach - padding, 0, dilation)

    @classmethod
    def conv_padding(cls) -> int:
        """The conv's own padding ``p`` (``d(k − 1)`` minus the scatter's)."""
        f = cls.spec.forward
        return f.dilation[0] * (f.kernel_size[0] - 1) - f.padding[0]

    # ------------------------------------------------------------ settings
    @classmethod
    def image_size(cls) -> tuple[int, int]:
        """The image before upsampling: the spec's input over :attr:`factor`.

        Raises
        ------
        SpecError
            If the spec is not a one-channel stride-1 transposed conv, or the
            factor does not divide its input.
        """
        spec, r = cls.spec, cls.factor
        if not isinstance(spec, TransposedConvSpec) or spec.stride != (1, 1) or \
                spec.has_channels:
            raise SpecError(f"{cls.__name__}.spec must be a one-channel stride-1 transposed "
                            "conv (ResizeConvScene.resize_spec)")
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or not 2 <= r <= 4:
            raise SpecError(f"{cls.__name__}.factor must be a whole number from 2 to 4, "
                            f"got {r!r}")
        return nearest_size(spec.input_size, int(r), inverse=True)

    @classmethod
    def image_values(cls) -> np.ndarray:
        """The image before upsampling: :attr:`input_values`, or seeded integers 0–3."""
        size = cls.image_size()
        if cls.input_values is None:
            return np.random.default_rng(cls.seed).integers(0, 4, size).astype(float)
        return as_values("input_values", cls.input_values, (1, *size), plain=True)

    @classmethod
    def conv_kernel(cls) -> np.ndarray:
        """The conv's kernel, as ``nn.Conv2d`` keeps it: :attr:`kernel_values`, or seeded."""
        spec = cls.spec
        if cls.kernel_values is None:
            return default_values(spec, cls.seed)[1]
        return as_values("kernel_values", cls.kernel_values, spec.weight_shape, plain=True)

    @classmethod
    def values(cls) -> tuple[np.ndarray, np.ndarray]:
        """The upsampled image (the scatter's input) and the scatter's kernel (turned 180°)."""
        if cls.mode != "convolution":
            raise SpecError(f"{cls.__name__}: resize-then-conv has no {cls.mode} mode")
        low = cls.image_values()
        return upsample_nearest(low, int(cls.factor)), turned(cls.conv_kernel())

    @classmethod
    def prelude_frame_counts(cls, fps: float) -> list[int]:
        """Frames of the upsampling: the hold, the copying, the hand-over."""
        return [max(1, round(seconds * fps)) for seconds in PRELUDE_PARTS]

    @classmethod
    def planned_duration(cls, fps: float | None = None) -> float:
        """Seconds of video: the upsampling, then the scatter's steps."""
        fps = float(fps or config.frame_rate)
        return super().planned_duration(fps) + sum(cls.prelude_frame_counts(fps)) / fps

    @classmethod
    def prelude_caption(cls) -> str:
        """What the upsampling shows, in words (its subtitle)."""
        h, w = cls.image_size()
        big = cls.spec.input_size
        r = int(cls.factor)
        return (f"First the {h}×{w} image is upsampled by {r}, nearest neighbour: each cell is "
                f"copied into a {r}×{r} block of the {big[0]}×{big[1]} input.")

    # ---------------------------------------------------------------- build
    def build_parts(self) -> ResizeParts:
        """The scatter's parts, and the image to upsample over the output canvas."""
        base = super().build_parts()
        parts = ResizeParts(**{f.name: getattr(base, f.name) for f in fields(base)})
        if self.still_step is not None:
            return parts
        theme = self.get_theme()
        low = self.image_values()
        h, w = low.shape
        source = base.input_grid
        u = source.plane.cell_size
        canvas = base.output_grid
        rows, cols = canvas.grid_size
        centre = canvas.plane.point(rows / 2, cols / 2)
        plane = PlaneMap.flat(u, centre + np.array([-w * u / 2, h * u / 2, 0.0]))
        # each image cell shows the input's own label of a cell of its block: the same
        # number at the same size
        labels: dict[tuple[int, int], Mobject] = {}
        src = nearest_sources((h, w), int(self.factor))
        for (y, x), _ in np.ndenumerate(src[..., 0]):
            cell = (int(src[y, x, 0]), int(src[y, x, 1]))
            if cell not in labels:
                labels[cell] = source.get_label(y, x).copy()
        parts.image = CellGrid(plane, (h, w), fill_color=theme.input_fill, theme=theme)
        parts.image.set_labels(labels, height=None, max_width=1e9)
        parts.image_label = self._grid_label("image", (h, w)).next_to(parts.image, UP,
                                                                      buff=0.12)
        return parts

    def _build_header(self) -> VGroup:
        """Title, what is resized and convolved, the cropped border and the overlap rule."""
        spec = self.spec
        theme = self.get_theme()
        h, w = self.image_size()
        big = spec.input_size
        f = spec.forward
        r = int(self.factor)
        conv = rf"k = {f.kernel_size[0]},\; p = {self.conv_padding()}"
        if f.dilation != (1, 1):
            conv += rf",\; d = {f.dilation[0]}"
        line = (rf"\text{{nearest }} \times {r}:\; {h}\times {w} \to {big[0]}\times {big[1]},"
                rf"\;\; \text{{then a conv }} {conv}")
        parts = [r"\text{drawn as scatter-add (kernel turned by } 180^\circ\text{)}"]
        if f.padding != (0, 0):
            parts.append(r"\text{dashed cells are cropped}")
        parts.append(r"\text{circled: how many windows wrote the cell}")
        notes = [r",\;\; ".join(parts)]
        notes += overlap_note_tex(spec)
        rows: list[Mobject] = [
            VGroup(self.text(r"\textbf{Resize, then convolve}", font_size=36),
                   self.text(line, font_size=28, math=True)).arrange(RIGHT, buff=0.45),
            *(math_label(n, font_size=24, color=theme.muted) for n in notes),
        ]
        header = VGroup(*rows).arrange(DOWN, buff=0.12)
        width = config.frame_width - 2 * MARGIN
        if header.width > width:
            header.scale_to_fit_width(width)
        return header.to_edge(UP, buff=MARGIN)

    # ---------------------------------------------------------- storyboard
    def construct(self) -> None:
        """Upsample the image into the input, then play the scatter's steps."""
        if self.still_step is not None:
            super().construct()
            return
        from manim import ManimColor

        from ..labels import batched

        self.camera.background_color = ManimColor(self.get_theme().background)
        self.parts = batched(self.build_parts)
        self.steps_played = []
        self.add_parts()
        self.play_prelude()
        self.play_steps()

    def play_prelude(self) -> None:
        """The image's cells are copied into their blocks of the input; then the conv's canvas.

        The canvas (output grid, overlay, sums) waits under the image while its
        cells are copied, and fades in as the image fades out.
        """
        p = self.parts
        assert p.image is not None and p.image_label is not None
        hold, copy_frames, hand = self.prelude_frame_counts(config.frame_rate)
        self.add_subcaption(self.prelude_caption(),
                            duration=(hold + copy_frames + hand) / config.frame_rate)
        kept = {id(m) for m in (p.header, p.input_label, *p.input_grids)}
        waiting = [m for m in self.mobjects if id(m) not in kept]
        self.remove(*waiting)
        grid = p.input_grid
        big_h, big_w = grid.grid_size
        src = nearest_sources(self.image_size(), int(self.factor))
        # copies fly from the image's cells into their blocks; the input's own
        # labels wait, invisible, and show when the copies land
        copies: list[Mobject] = []
        hidden: list[Mobject] = []
        flights = []
        n = max(1, big_h * big_w - 1)
        for order, ((y, x), _) in enumerate(np.ndenumerate(src[..., 0])):
            label = grid.get_label(y, x)
            copy = label.copy().move_to(p.image.cell_center(*(int(v) for v in src[y, x])))
            set_visibility(label, 0.0)
            hidden.append(label)
            copies.append(copy)
            start = LAG * order / n
            flights.append(Relocate(copy, label.get_center(), introducer=True,
                                    rate_func=squish_rate_func(smooth, start, start + 1 - LAG)))
        self.add(p.image_label, p.image)
        self.hold_frames(hold)
        handover = [Fade(p.image, fade_in=False), Fade(p.image_label, fade_in=False),
                    *(Fade(m, fade_in=True) for m in waiting)]
        if not self.smooth:  # no motion: the copies land at once, then the conv's canvas
            self.play_frames(flights, 0)
            self.hold_frames(copy_frames)
        else:
            self.play_frames(flights, copy_frames)
        self.remove(*copies)
        for label in hidden:
            set_visibility(label, 1.0)
        if not self.smooth:
            self.play_frames(handover, 0)
            self.hold_frames(hand)
        else:
            self.play_frames(handover, hand)
