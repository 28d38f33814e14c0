"""Pixel shuffle: a conv makes ``C·r²`` channels, ``PixelShuffle(r)`` makes them one image.

Sub-pixel convolution (Shi et al., 2016) upsamples by computing ``r²`` small
channels per output channel and interleaving them: cell ``(y, x)`` of channel
``c·r² + i·r + j`` becomes cell ``(y·r + i, x·r + j)`` of channel ``c`` of an
``r``-times larger image. On the left lie the conv's ``C·r²`` output
channels, each a grid of numbers in its own colour, the ``r²`` channels of
one output channel in an ``r×r`` block (the places they take in every block
of the image); on the right the image, empty. Each step moves one channel:
its cells leave their grid and fly to their places, keeping their colour, so
the image ends as a mosaic of the channels. :class:`PixelUnshuffleScene`
plays the reverse: the image's cells, coloured by the channel they go to, fly
into ``C·r²`` small grids.

The numbers are the conv's (:meth:`~convmanim.ConvSpec.apply`, PyTorch's
``conv2d``) and every place comes from the geometry core's index maps
(:func:`convmanim.upsample.pixel_unshuffle_sources` and
:func:`~convmanim.upsample.pixel_shuffle_sources`); this module only draws
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from manim import DEFAULT_FONT_SIZE, DOWN, UP, Animation, Mobject, VGroup, config, smooth

from .. import interrupt
from ..geometry import ConvSpec, SpecError
from ..labels import LabelMaker, math_label
from ..mobjects.flight import Relocate
from ..mobjects.grid import CellGrid, cell_polygon, place_in_cell
from ..mobjects.motion import OnBegin
from ..mobjects.palette import channel_color
from ..mobjects.plane import PlaneMap
from ..upsample import (
    pixel_shuffle,
    pixel_unshuffle,
    pixel_unshuffle_sources,
    shuffled_shape,
    subpixel_places,
    unshuffled_shape,
)
from ..values import as_values, format_value
from .base import ConvScene
from .numerical_data import default_bias, default_values

__all__ = ["MAX_SHUFFLE_FACTOR", "PixelShuffleScene", "PixelUnshuffleScene", "ShuffleParts"]

MAX_SHUFFLE_FACTOR = 4
"""The largest factor drawn: ``r² = 16`` channels per image channel already fill a frame."""
MAX_IMAGE_SIDE = 32
"""Cells along a side of the large image (the numerical mode's limit)."""
MARGIN = 0.3
HEADER_GAP = 0.3
LABEL_GAP = 0.1
CAPTION_GAP = 0.3
GRID_GAP = 0.25
"""Between the grids of an ``r×r`` block, as a fraction of a cell, plus :data:`GRID_GAP_MIN`."""
GRID_GAP_MIN = 0.12
GROUP_GAP = 0.35
"""Between the blocks of two image channels (in frame units)."""
MIDDLE_GAP = 0.9
"""Between the two sides, or two columns (in frame units)."""
ROW_GAP = 0.4
"""Between the small channels' row and the image's row, stacked (in frame units)."""
MAX_CELL = 0.9
NUMBER_HEIGHT = 0.42
NUMBER_WIDTH = 0.78
MIN_NUMBER_PX = 10.0
NAME_FONT = 20
MIN_NAME_PX = 11.0
CAPTION_FONT = 30
LAG = 0.5
"""Share of a move over which the cells of one channel set off one after another."""


@dataclass
class ShuffleParts:
    """The mobjects of a pixel (un)shuffle scene.

    Attributes
    ----------
    header
        Title and the line that says what is shuffled.
    left_label, right_label
        ``conv output 4×3×3`` and ``PixelShuffle(2): 1×6×6`` above each side.
    left_grids, right_grids
        The dashed grids the cells leave and reach: ``(C·r², H, W)`` and
        ``(C, rH, rW)`` for a shuffle (the other way round to unshuffle),
        one per channel.
    names
        Each grid's channel name, left grids first.
    tiles
        ``tiles[step]``: the cells that move at ``step``, each a filled cell
        in its colour with its number, keyed by the cell it leaves
        ``(channel, row, column)`` of the left side.
    homes, places
        Where each tile's centre starts and ends, keyed as :attr:`tiles`.
    captions
        Per step, what moves where.
    values
        The left side's numbers, ``(channels, rows, columns)``.
    """

    header: VGroup
    left_label: Mobject
    right_label: Mobject
    left_grids: list[CellGrid]
    right_grids: list[CellGrid]
    names: list[Mobject]
    tiles: list[dict[tuple[int, int, int], VGroup]]
    homes: dict[tuple[int, int, int], np.ndarray]
    places: dict[tuple[int, int, int], np.ndarray]
    captions: dict[int, Mobject]
    values: np.ndarray


class PixelShuffleScene(ConvScene):
    r"""A conv makes ``C·r²`` channels and ``PixelShuffle(r)`` moves them into one image.

    Set :attr:`spec` to the conv (its ``out_channels`` a multiple of
    ``factor²``) and :attr:`factor` to ``r``. One step per conv output
    channel: its cells fly to their places in the ``r``-times larger image.

    Attributes
    ----------
    factor
        ``r``, 2 to 4 (1 moves nothing).
    seed, input_values, kernel_values, bias_values
        The conv's numbers, as in :class:`~convmanim.NumericalScene`
        (seeded small integers by default).
    unshuffle
        Play ``PixelUnshuffle(r)`` instead, of the spec's input (its kernel is
        not used): see :class:`PixelUnshuffleScene`.

    Examples
    --------
    .. manim:: SubPixel
        :save_last_frame:

        from convmanim import ConvSpec
        from convmanim.modes.shuffle import PixelShuffleScene

        class SubPixel(PixelShuffleScene):
            spec = ConvSpec(3, 3, padding=1, out_channels=4)
    """

    spec: ClassVar[ConvSpec] = ConvSpec(3, 3, padding=1, out_channels=4)  # type: ignore[assignment]
    factor: ClassVar[int] = 2
    seed: ClassVar[int] = 0
    input_values: ClassVar[np.ndarray | None] = None
    kernel_values: ClassVar[np.ndarray | None] = None
    bias_values: ClassVar[np.ndarray | None] = None
    unshuffle: ClassVar[bool] = False
    settled_step_time: ClassVar[float] = 1.5
    glide: ClassVar[float] = 0.6

    parts: ShuffleParts

    # ------------------------------------------------------------ settings
    @classmethod
    def _factor(cls) -> int:
        r = cls.factor
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or \
                not 2 <= r <= MAX_SHUFFLE_FACTOR:
            raise SpecError(f"{cls.__name__}.factor must be a whole number from 2 to "
                            f"{MAX_SHUFFLE_FACTOR}, got {r!r}")
        return int(r)

    @classmethod
    def shapes(cls) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """The left and right sides' shapes: ``(C·r², H, W)`` and ``(C, rH, rW)`` to shuffle.

        Raises
        ------
        SpecError
            If the channels (or, to unshuffle, the sides) do not divide, or
            the image is larger than :data:`MAX_IMAGE_SIDE`.
        """
        spec = cls.spec
        if not isinstance(spec, ConvSpec):
            raise SpecError(f"{cls.__name__}.spec must be a ConvSpec (the conv that makes the "
                            f"channels), got {type(spec).__name__}")
        r = cls._factor()
        if cls.unshuffle:
            image = spec.input_shape
            left, right = image, unshuffled_shape(image, r)
        else:
            channels = (spec.out_channels, *spec.output_size)
            try:
                left, right = channels, shuffled_shape(channels, r)
            except SpecError as exc:
                raise SpecError(f"{exc} (the conv's out_channels)") from None
        big = image if cls.unshuffle else right
        if max(big[1:]) > MAX_IMAGE_SIDE:
            raise SpecError(f"the image would be {big[1]}×{big[2]}: at most {MAX_IMAGE_SIDE} "
                            "cells a side can be read")
        return left, right

    @classmethod
    def values(cls) -> tuple[np.ndarray, np.ndarray]:
        """The left side's numbers, and the right side's (the core's shuffle of them)."""
        spec = cls.spec
        left, _ = cls.shapes()
        r = cls._factor()
        if cls.unshuffle:
            if cls.input_values is None:
                x = np.random.default_rng(cls.seed).integers(0, 10, left).astype(float)
            else:
                x = as_values("input_values", cls.input_values, left, plain=left[0] == 1)
                x = np.asarray(x, dtype=float).reshape(left)
            return x, pixel_unshuffle(x, r)
        x, w = default_values(spec, cls.seed)
        if cls.input_values is not None:
            x = as_values("input_values", cls.input_values, spec.input_shape,
                          plain=spec.in_channels == 1)
        if cls.kernel_values is not None:
            w = as_values("kernel_values", cls.kernel_values, spec.weight_shape,
                          plain=spec.weight_shape[:2] == (1, 1))
        bias = default_bias(spec, cls.seed) if cls.bias_values is None else \
            as_values("bias_values", cls.bias_values, spec.bias_shape)
        out = np.asarray(spec.apply(np.asarray(x, float).reshape(spec.input_shape),
                                    np.asarray(w, float).reshape(spec.weight_shape),
                                    bias=np.asarray(bias, float)), dtype=float)
        out = out.reshape(left)
        return out, pixel_shuffle(out, r)

    @classmethod
    def check_attributes(cls) -> None:
        """The base checks, then the shapes and values (one line naming what is wrong)."""
        super().check_attributes()
        cls.values()

    @classmethod
    def num_steps(cls) -> int:
        """One step per small channel: ``C·r²``."""
        left, right = cls.shapes()
        return right[0] if cls.unshuffle else left[0]

    @classmethod
    def check_step(cls, step: int) -> None:
        """Raise :class:`~convmanim.SpecError` unless ``0 <= step < num_steps()``."""
        n = cls.num_steps()
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or \
                not 0 <= step < n:
            raise SpecError(f"step must be in 0..{n - 1} ({n} channels), got {step!r}")

    @classmethod
    def moves(cls) -> np.ndarray:
        """``(C·r², H, W, 3)``: the image cell of each cell of the small channels.

        For a shuffle, where cell ``(y, x)`` of channel ``n`` lands; to
        unshuffle, where it comes from. From the geometry core
        (:func:`~convmanim.upsample.pixel_unshuffle_sources`).
        """
        left, right = cls.shapes()
        return pixel_unshuffle_sources(left if cls.unshuffle else right, cls._factor())

    @classmethod
    def places(cls) -> np.ndarray:
        """``(C·r², 4)``: each small channel's image channel, block row, block column and place.

        From :func:`~convmanim.upsample.subpixel_places`.
        """
        left, right = cls.shapes()
        return subpixel_places((right if cls.unshuffle else left)[0], cls._factor())

    @classmethod
    def _rows_and_columns(cls, step: int) -> tuple[list[int], list[int]]:
        cells = cls.moves()[step].reshape(-1, 3)
        return sorted({int(v) for v in cells[:, 1]}), sorted({int(v) for v in cells[:, 2]})

    @classmethod
    def step_captions(cls) -> list[str]:
        """Which channel moves where, in plain words and numbers."""
        left, right = cls.shapes()
        image = left if cls.unshuffle else right
        n = cls.num_steps()
        out = []
        for e in range(n):
            rows, cols = cls._rows_and_columns(e)
            c = int(cls.moves()[e, 0, 0, 0])
            where = (f"rows {_listed(rows)} and columns {_listed(cols)} of image channel {c} "
                     f"({image[1]}×{image[2]})")
            if cls.unshuffle:
                out.append(f"Step {e + 1} of {n}: {where} become channel {e}.")
            else:
                out.append(f"Step {e + 1} of {n}: channel {e} moves to {where}.")
        return out

    # ---------------------------------------------------------------- build
    def build_parts(self) -> ShuffleParts:
        """Compute the numbers, lay out both sides, build the tiles that move."""
        theme = self.get_theme()
        r = self._factor()
        left_shape, right_shape = self.shapes()
        left_values, _ = self.values()
        moves = self.moves()
        block = self.places()
        maker = LabelMaker(theme.cell_text)
        header = self._header(left_shape, right_shape)
        if self.unshuffle:
            left_label = self.text(rf"image ${_shape(left_shape)}$", font_size=26)
            right_label = self.text(rf"PixelUnshuffle$({r})$: ${_shape(right_shape)}$",
                                    font_size=26)
        else:
            left_label = self.text(rf"conv output ${_shape(left_shape)}$", font_size=26)
            right_label = self.text(rf"PixelShuffle$({r})$: ${_shape(right_shape)}$",
                                    font_size=26)
        small, image = (right_shape, left_shape) if self.unshuffle else (left_shape, right_shape)
        names = [self._name(n) for n in range(left_shape[0])] + \
            [self._name(n) for n in range(right_shape[0])]
        captions: dict[int, Mobject] = {}
        steps = range(self.num_steps()) if self.still_step is None else \
            range(self.still_step, self.still_step + 1)
        for e in steps:
            rows, cols = self._rows_and_columns(e)
            c = int(moves[e, 0, 0, 0])
            where = (rf"\text{{rows }} {_listed(rows, tex=True)} \text{{, columns }} "
                     rf"{_listed(cols, tex=True)} \text{{ of image channel }} {c}")
            tex = rf"{where} \;\to\; \text{{channel }} {e}" if self.unshuffle else \
                rf"\text{{channel }} {e} \;\to\; {where}"
            captions[e] = math_label(tex, font_size=CAPTION_FONT, color=theme.text)
        # ------------------------------------------------------- layout
        name_h = max(m.height for m in names)
        caption_h = max([m.height for m in captions.values()] +
                        [math_label(r"\text{channel } 0 \to 0", font_size=CAPTION_FONT,
                                    color=theme.text).height])
        top = header.get_bottom()[1] - HEADER_GAP
        bottom = -config.frame_height / 2 + MARGIN + caption_h + CAPTION_GAP
        small_label, big_label = (right_label, left_label) if self.unshuffle else \
            (left_label, right_label)
        layout = _Layout(small=small, image=image, factor=r, name_h=name_h,
                         name_w=max(m.width for m in names),
                         small_label=small_label, big_label=big_label,
                         image_first=self.unshuffle)
        best = max(("side", "stacked"), key=layout.cell_size_for(top - bottom))
        u = layout.cell_size_for(top - bottom)(best)
        if u <= 0:
            raise SpecError(f"{self._what()}: {small[0]} grids of {small[1]}×{small[2]} "
                            f"and an image of {_plain(image)} do not fit the frame")
        small_at, big_at, small_names, big_names = layout.place(best, u, top, bottom, block)
        small_planes = [PlaneMap.flat(u, o) for o in small_at]
        big_planes = [PlaneMap.flat(u, o) for o in big_at]
        left_planes, right_planes = (big_planes, small_planes) if self.unshuffle else \
            (small_planes, big_planes)
        left_name_at, right_name_at = (big_names, small_names) if self.unshuffle else \
            (small_names, big_names)
        for mob, at in zip(names, left_name_at + right_name_at):
            mob.move_to(at)
        for caption in captions.values():
            if caption.width > config.frame_width - 2 * MARGIN:
                caption.scale_to_fit_width(config.frame_width - 2 * MARGIN)
            caption.move_to([0.0, -config.frame_height / 2 + MARGIN + caption_h / 2, 0.0])
        # ------------------------------------------------------- numbers
        n_small = small[0]
        texts = {format_value(v) for v in left_values.ravel()}
        digit = maker.size("0", DEFAULT_FONT_SIZE)[1]
        widest = max(maker.size(t, DEFAULT_FONT_SIZE)[0] for t in texts)
        factor = min(NUMBER_HEIGHT * u / digit, NUMBER_WIDTH * u / widest)
        px = digit * factor * config.pixel_height / config.frame_height
        if px < MIN_NUMBER_PX * (1 - 1e-9):
            raise SpecError(
                f"{self._what()}: at {config.pixel_height}p the numbers of {n_small} grids of "
                f"{small[1]}×{small[2]} and a {_plain(image)} image would be "
                f"{np.floor(px * 10) / 10:.1f} px high, "
                f"less than {MIN_NUMBER_PX:g} px; use fewer channels, a smaller input or a "
                "higher quality"
            )
        left_grids = [CellGrid(p, left_shape[1:], fill_color=theme.output_fill, theme=theme,
                               filled=np.zeros(left_shape[1:], bool)) for p in left_planes]
        right_grids = [CellGrid(p, right_shape[1:], fill_color=theme.output_fill, theme=theme,
                                filled=np.zeros(right_shape[1:], bool)) for p in right_planes]
        tiles: list[dict[tuple[int, int, int], VGroup]] = [{} for _ in range(self.num_steps())]
        homes: dict[tuple[int, int, int], np.ndarray] = {}
        places: dict[tuple[int, int, int], np.ndarray] = {}
        for n in range(n_small):
            for y in range(small[1]):
                for x in range(small[2]):
                    c, yy, xx = (int(v) for v in moves[n, y, x])
                    small_key, big_key = (n, y, x), (c, yy, xx)
                    left_key, right_key = (big_key, small_key) if self.unshuffle else \
                        (small_key, big_key)
                    plane = left_planes[left_key[0]]
                    color = self._channel_color(int(block[n, 3]), r)
                    tile = cell_polygon(plane, left_key[1], left_key[2], fill_color=color,
                                        fill_opacity=1.0, stroke_color=theme.stroke,
                                        stroke_width=theme.grid_stroke_width)
                    number = maker.math(format_value(left_values[left_key]), DEFAULT_FONT_SIZE,
                                        theme.ink_on(color)).scale(factor)
                    place_in_cell(number, plane, left_key[1], left_key[2], height=None,
                                  max_width=1e9)
                    tiles[n][left_key] = VGroup(tile, number)
                    homes[left_key] = plane.cell_center(left_key[1], left_key[2])
                    places[left_key] = right_planes[right_key[0]].cell_center(
                        right_key[1], right_key[2])
        return ShuffleParts(
            header=header, left_label=left_label, right_label=right_label,
            left_grids=left_grids, right_grids=right_grids, names=names, tiles=tiles,
            homes=homes, places=places, captions=captions, values=left_values,
        )

    @classmethod
    def _what(cls) -> str:
        """What the scene shows, for an error message."""
        r = cls._factor()
        if cls.unshuffle:
            return f"PixelUnshuffle({r}) of a {_plain(cls.spec.input_shape)} image"
        return f"PixelShuffle({r}) after {cls.spec.describe()}"

    @staticmethod
    def _channel_color(place: int, r: int) -> str:
        """The colour of a small channel: one hue per ``place`` in the ``r×r`` block.

        There are eight hues: the places after the eighth (``r ≥ 3``) take
        their lighter shades.
        """
        return channel_color(place, shade=0 if place < 8 else 1, shades=2 if r * r > 8 else 1)

    def _name(self, n: int) -> Mobject:
        label = math_label(rf"\text{{channel }} {n}", font_size=NAME_FONT,
                           color=self.get_theme().text)
        px = label.height * config.pixel_height / config.frame_height
        if px < MIN_NAME_PX:
            label.scale(MIN_NAME_PX / px)
        return label

    def _header(self, left: tuple[int, int, int], right: tuple[int, int, int]) -> VGroup:
        spec = self.spec
        theme = self.get_theme()
        r = self._factor()
        if self.unshuffle:
            title = "Pixel unshuffle"
            line = (rf"{_shape(left)} \to {_shape(right)}:\;\; \text{{each }} {r}\times {r}"
                    rf"\text{{ block gives one cell to each of }} {r * r} \text{{ channels}}")
            note = (r"\text{the inverse of PixelShuffle: a space-to-depth step that "
                    r"keeps every number}")
        else:
            title = "Pixel shuffle"
            k, p = spec.kernel_size, spec.padding
            conv = rf"\text{{conv }} k = {_pair(k)},\; p = {_pair(p)}"
            if spec.stride != (1, 1):
                conv += rf",\; s = {_pair(spec.stride)}"
            line = (rf"{conv}:\;\; C_{{in}} = {spec.in_channels} \to C r^2 = {right[0]}\cdot "
                    rf"{r}^2 = {left[0]} \text{{ channels, then PixelShuffle}}({r})")
            note = (rf"\text{{each }} {r}\times {r}\text{{ block of the image takes one cell from "
                    rf"each of }} {r * r} \text{{ channels (sub-pixel convolution)}}")
        rows: list[Mobject] = [
            self.text(rf"\textbf{{{title}}}", font_size=36),
            math_label(line, font_size=26, color=theme.text),
            math_label(note, font_size=24, color=theme.muted),
        ]
        header = VGroup(*rows).arrange(DOWN, buff=0.12)
        if header.width > config.frame_width - 2 * MARGIN:
            header.scale_to_fit_width(config.frame_width - 2 * MARGIN)
        return header.to_edge(UP, buff=MARGIN)

    # ---------------------------------------------------------------- steps
    def add_parts(self) -> None:
        """Header, labels and dashed grids, then every tile at its home."""
        p = self.parts
        self._caption: Mobject | None = None
        self.add(p.header, p.left_label, p.right_label, *p.names, *p.left_grids,
                 *p.right_grids)
        for tiles in p.tiles:
            self.add(*tiles.values())

    def still_parts(self) -> list[Mobject]:
        """Header, labels and the dashed grids: no step changes them."""
        p = self.parts
        return [p.header, p.left_label, p.right_label, *p.names, *p.left_grids, *p.right_grids]

    def _swap_caption(self, step: int | None) -> None:
        if self._caption is not None:
            self.remove(self._caption)
        self._caption = None if step is None else self.parts.captions.get(step)
        if self._caption is not None:
            self.add(self._caption)

    def set_step(self, step: int) -> None:
        """Show ``step`` at once: the channels up to it moved, the others at home."""
        self.check_step(step)
        p = self.parts
        for e, tiles in enumerate(p.tiles):
            for key, tile in tiles.items():
                tile.move_to(p.places[key] if e <= step else p.homes[key])
        self._swap_caption(step)

    def step_animations(self, step: int) -> list[Animation]:
        """Channel ``step``'s cells fly to their places, one after another; the caption changes."""
        p = self.parts
        tiles = list(p.tiles[step].items())
        anims: list[Animation] = [OnBegin(self._swap_caption, step)]
        n = max(1, len(tiles) - 1)
        for order, (key, tile) in enumerate(tiles):
            start = LAG * order / n
            anims.append(Relocate(tile, p.places[key], rate_func=_squish(start,
                                                                          start + 1 - LAG)))
        # the moving channel passes over the rest
        anims.append(OnBegin(self.add, *(t for _, t in tiles)))
        return anims

    def play_steps(self) -> None:
        """Hold the channels at home, then move one channel per step."""
        self.freeze_still_parts()
        fps = config.frame_rate
        self.hold_frames(max(1, round(0.5 * fps)))
        for step in range(self.num_steps()):
            interrupt.check()
            glide, hold = self.step_frames(step)
            self.cue_step(step, glide + hold)
            if self.smooth:
                self.play_frames(self.step_animations(step), glide)
            else:
                self.set_step(step)
                self.hold_frames(glide)
            self.hold_frames(hold)
            self.steps_played.append(step)
            self.step_done(step)
        self.hold_frames(max(1, round(self.end_hold * fps)))

    @classmethod
    def planned_duration(cls, fps: float | None = None) -> float:
        """Seconds of video: the opening hold, every step, the end hold."""
        fps = float(fps or config.frame_rate)
        return super().planned_duration(fps) + max(1, round(0.5 * fps)) / fps


class PixelUnshuffleScene(PixelShuffleScene):
    """``PixelUnshuffle(r)``: an image's cells move into ``C·r²`` smaller channels.

    The image is the spec's input (``in_channels × H × W``, both sides a
    multiple of ``factor``; the kernel is not used), seeded integers 0–9 by
    default or :attr:`input_values`. Its cells are coloured by the channel
    they go to, so the ``r×r`` mosaic shows before anything moves.
    """

    spec: ClassVar[ConvSpec] = ConvSpec(4, 1)  # type: ignore[assignment]
    unshuffle: ClassVar[bool] = True


@dataclass(frozen=True)
class _Layout:
    """Where the small channels and the image go, in one of two arrangements.

    ``"side"``: the small channels' ``r×r`` blocks in a column on one side,
    the image channels in a column on the other. ``"stacked"``: the blocks
    in a row above (or, to unshuffle, below) the image channels, each image
    channel under its own block. Every size is affine in the cell size ``u``.
    """

    small: tuple[int, int, int]
    image: tuple[int, int, int]
    factor: int
    name_h: float
    name_w: float
    small_label: Mobject
    big_label: Mobject
    image_first: bool

    def _gap(self, u: float) -> float:
        return GRID_GAP * u + GRID_GAP_MIN

    def _named(self) -> float:
        return self.name_h + LABEL_GAP

    def _slot(self, u: float) -> float:
        """Width a small grid takes in its block: the grid, or its name if wider."""
        return max(self.small[2] * u, self.name_w)

    def block(self, u: float) -> tuple[float, float]:
        """Width and height of one image channel's ``r×r`` block of small grids."""
        r, (_, h, _) = self.factor, self.small
        return (r * self._slot(u) + (r - 1) * self._gap(u),
                r * (h * u + self._named()) + (r - 1) * self._gap(u))

    def picture(self, u: float) -> tuple[float, float]:
        """Width and height of one image channel with its name."""
        return self.image[2] * u, self.image[1] * u + self._named()

    def size(self, arrangement: str, u: float) -> tuple[float, float]:
        """Width and height of everything below the header and above the caption."""
        (bw, bh), (iw, ih) = self.block(u), self.picture(u)
        c = self.image[0]
        sl, bl = self.small_label, self.big_label
        if arrangement == "side":
            width = max(bw, sl.width) + MIDDLE_GAP + max(iw, bl.width)
            height = max(sl.height, bl.height) + LABEL_GAP + \
                max(c * bh, c * ih) + (c - 1) * GROUP_GAP
            return width, height
        column = max(bw, iw)
        width = max(c * column + (c - 1) * MIDDLE_GAP, sl.width, bl.width)
        height = sl.height + bl.height + 2 * LABEL_GAP + bh + ih + ROW_GAP
        return width, height

    def cell_size_for(self, room: float):  # type: ignore[no-untyped-def]
        """``arrangement -> u``: the largest cell size that fits the frame (0 if none)."""
        width = config.frame_width - 2 * MARGIN

        def solve(arrangement: str) -> float:
            def fits(u: float) -> bool:
                w, h = self.size(arrangement, u)
                return w <= width and h <= room

            if not fits(1e-6):
                return 0.0
            lo, hi = 1e-6, MAX_CELL
            if fits(hi):
                return hi
            for _ in range(40):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if fits(mid) else (lo, mid)
            return lo

        return solve

    def place(self, arrangement: str, u: float, top: float, bottom: float,
              block_of: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray],
                                             list[np.ndarray], list[np.ndarray]]:
        """Top-left corners of the small grids and the image grids, and their names' centres.

        ``block_of`` is :func:`~convmanim.upsample.subpixel_places`: each small
        channel's image channel and its row and column in the block.
        """
        (bw, bh), (iw, ih) = self.block(u), self.picture(u)
        width, height = self.size(arrangement, u)
        y0 = (top + bottom) / 2 + height / 2
        c = self.image[0]
        gap, named = self._gap(u), self._named()
        sl, bl = self.small_label, self.big_label
        block_at: list[np.ndarray] = []   # top-left of each block (names included)
        image_at: list[np.ndarray] = []   # top-left of each image channel (name included)
        if arrangement == "side":
            small_w, big_w = max(bw, sl.width), max(iw, bl.width)
            x0 = -width / 2
            small_x, big_x = (x0 + big_w + MIDDLE_GAP, x0) if self.image_first else \
                (x0, x0 + small_w + MIDDLE_GAP)
            label_h = max(sl.height, bl.height) + LABEL_GAP
            sl.move_to([small_x + small_w / 2, y0 - sl.height / 2, 0.0])
            bl.move_to([big_x + big_w / 2, y0 - bl.height / 2, 0.0])
            for g in range(c):
                block_at.append(np.array([small_x + (small_w - bw) / 2,
                                          y0 - label_h - g * (bh + GROUP_GAP), 0.0]))
                image_at.append(np.array([big_x + (big_w - iw) / 2,
                                          y0 - label_h - g * (ih + GROUP_GAP), 0.0]))
        else:
            column = max(bw, iw)
            x0 = -(c * column + (c - 1) * MIDDLE_GAP) / 2
            rows = [(sl, bh, True), (bl, ih, False)]
            if self.image_first:
                rows.reverse()
            y = y0
            for label, h, is_small in rows:
                label.move_to([0.0, y - label.height / 2, 0.0])
                y -= label.height + LABEL_GAP
                for g in range(c):
                    left = x0 + g * (column + MIDDLE_GAP)
                    if is_small:
                        block_at.append(np.array([left + (column - bw) / 2, y, 0.0]))
                    else:
                        image_at.append(np.array([left + (column - iw) / 2, y, 0.0]))
                y -= h + ROW_GAP
        _, h, w = self.small
        slot = self._slot(u)
        small_origins, small_names = [], []
        for g, i, j, _ in (tuple(int(v) for v in row) for row in block_of):
            corner = block_at[g] + np.array([j * (slot + gap) + (slot - w * u) / 2,
                                             -i * (h * u + named + gap), 0.0])
            small_names.append(corner + np.array([w * u / 2, -self.name_h / 2, 0.0]))
            small_origins.append(corner + np.array([0.0, -named, 0.0]))
        image_origins = [a + np.array([0.0, -named, 0.0]) for a in image_at]
        image_names = [a + np.array([iw / 2, -self.name_h / 2, 0.0]) for a in image_at]
        return small_origins, image_origins, small_names, image_names


def _plain(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


def _squish(start: float, end: float):  # type: ignore[no-untyped-def]
    from manim import squish_rate_func

    return squish_rate_func(smooth, start, end)


def _shape(shape: tuple[int, ...]) -> str:
    return r"\times ".join(str(n) for n in shape)


def _pair(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else rf"({pair[0]}, {pair[1]})"


def _listed(items: list[int], *, tex: bool = False) -> str:
    """``0, 2, 4``, or ``0, 2, …, 30`` when long."""
    shown = [str(n) for n in items]
    if len(shown) > 4:
        shown = [*shown[:2], r"\dots" if tex else "…", shown[-1]]
    return ", ".join(shown)
