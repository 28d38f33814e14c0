r"""Alphabet mode: backprop through a conv, as matrix products, in four parts.

1. The forward pass ``vec(b) = C·vec(a)``, row by row (the conv of
   :class:`~convmanim.modes.alphabet.AlphabetRelationshipScene`).
2. The upstream gradient arrives: every ``b_{rc}`` turns into
   ``\bar b_{rc} = ∂L/∂b_{rc}``.
3. ``C`` is transposed before the viewer's eyes, and the input gradient
   ``vec(\bar a) = Cᵀ·vec(\bar b)`` plays row by row: the transposed conv of
   the gradient, with the same matrix transposed.
4. The weight gradient ``vec(\bar w) = G·vec(a)``, one step per weight. Row
   ``(i, j)`` of ``G`` holds ``\bar b_{rc}`` at the input that weight
   ``w_{ij}`` multiplied to give ``b_{rc}``: the correlation of the input with
   ``\bar b`` (:class:`~convmanim.gradient.WeightGradientSpec`). On the left,
   ``\bar b``, dilated by the stride, lies over the input ``a``: its cells sit
   on the inputs that weight met, one per output, outlined step by step.

A bar means the loss's gradient: ``\bar x = ∂L/∂x``. Every index comes from
:mod:`convmanim.gradient` and :mod:`convmanim.geometry`.
"""

from __future__ import annotations

import re
from typing import ClassVar

from manim import DR, Animation, FadeIn, FadeOut, ManimColor, Mobject, Transform, config

from ..captions import matrix_caption
from ..captions import subscript as sub
from ..geometry import AnySpec, ConvSpec, SpecError, TransposedConvSpec, cell_of_index, sequence_of
from ..gradient import WeightGradientSpec, weight_uses
from ..labels import LabelMaker, batched
from ..limits import check_render_size, check_symbols
from ..theme import MIN_LABEL_PX, Theme
from .alphabet import (
    CAPTION_SIZE,
    WEIGHT_ROOM,
    AlphabetLayout,
    AlphabetRelationshipScene,
    MatrixView,
    plain_symbol,
    plan_layout,
    subscript,
)

__all__ = ["AlphabetGradientScene", "WeightGradientView", "bar", "plain_bar"]


def bar(symbol: str) -> str:
    r"""LaTeX of the gradient of ``symbol``: ``\bar{b}``."""
    return rf"\bar{{{symbol}}}"


def plain_bar(symbol: str) -> str:
    """The gradient's letter in plain text: ``b`` with a combining macron, ``b̄``."""
    return plain_symbol(symbol) + "\u0304"


_BAR = re.compile(r"\\bar\{([^{}]*)\}")


def unbarred(tex: str) -> str:
    r"""``tex`` without its bars: ``\bar{b}_{01}`` is ``b_{01}``."""
    return _BAR.sub(r"\1", tex)


def bar_factor(maker: LabelMaker, tex: str) -> float:
    r"""How much larger a barred label must be to have its unbarred twin's font size.

    Labels are fitted to their cells by height, and a bar makes a label
    taller: fitted alike, ``\bar b_{01}`` would be drawn in a smaller font than
    ``b_{01}``. 1 for a label without a bar.
    """
    plain = unbarred(tex)
    if plain == tex:
        return 1.0
    return maker.size(tex)[1] / max(maker.size(plain)[1], 1e-9)


def enlarge_bars(view: MatrixView) -> None:
    """Draw every barred label of ``view`` in the font size of its unbarred twin.

    Each grows about its centre, never wider than its cell allows.
    """
    maker = view.labels
    lay = view.layout
    groups: list[tuple[list[Mobject], float]] = [
        (list(view.matrix.entries_all.values()), 0.8 * lay.cell_w),
        ([cell[1] for cell in view.vec_in.cells], 0.8 * view.vec_in.cell_w),
        ([cell[1] for cell in view.vec_out.cells], 0.8 * view.vec_out.cell_w),
        (list(view.in_grid.get_labels()), 0.82 * view.in_grid.plane.cell_size),
        (list(view.out_grid.get_labels()), 0.82 * view.out_grid.plane.cell_size),
    ]
    for labels, widest in groups:
        for label in labels:
            factor = bar_factor(maker, label.get_tex_string())
            if factor != 1.0 and label.width > 0:
                label.scale(min(factor, widest / label.width))


def retitle(view: MatrixView, out_tex: str, in_tex: str) -> None:
    """Name ``view``'s output and input grids with ``out_tex`` and ``in_tex`` (size 24).

    Each new title takes the old one's place, no wider than the column of
    the grids (it shrinks to fit, never below its height at 80%).
    """
    lay = view.layout
    room = lay.divider_x - lay.left_x - 0.1
    for k, tex in enumerate((out_tex, in_tex)):
        old = view.titles[k]
        new = view.labels.math(tex, 24)
        if new.width > room:
            new.scale(max(room / new.width, 0.8))
        view.titles.submobjects[k] = new.move_to(old.get_center())


class WeightGradientView(MatrixView):
    r"""The matrix view of ``∂L/∂w``: ``vec(\bar w) = G·vec(a)``.

    A :class:`~convmanim.modes.alphabet.MatrixView` of the
    :class:`~convmanim.gradient.WeightGradientSpec`: its "kernel" is the
    upstream gradient ``\bar b`` (written ``\bar b_{rc}`` in ``G`` and in the
    window's corners), its rows are the weights.

    Parameters
    ----------
    spec
        The weight gradient's conv.
    layout, theme
        As for :class:`~convmanim.modes.alphabet.MatrixView`.
    symbols
        ``(input, forward output)`` letters: ``("a", "b")`` writes ``G``'s
        entries ``\bar b_{rc}``, the output ``\bar w_{ij}``.
    """

    def __init__(self, spec: WeightGradientSpec, layout: AlphabetLayout, theme: Theme,
                 symbols: tuple[str, str]) -> None:
        self.grad_symbol = bar(symbols[1])
        f = spec.forward
        self.grad_wide = max(*f.input_size, *f.output_size) > 10
        super().__init__(spec, layout, theme, (symbols[0], bar("w")))

    def _weight(self, key: int) -> str:
        r"""``\bar b_{rc}``: the upstream gradient of output ``(r, c)``."""
        return subscript(self.grad_symbol, cell_of_index(key, self.spec.kernel_size),
                         self.grad_wide)

    def _build_left(self) -> None:
        r"""The grids and the window, its corners' ``\bar b`` in the font size of a ``b``.

        A corner's box grows with its label, up to the room a cell leaves
        under its own label; where that is not enough, the window carries no
        labels (the matrix and the caption show them).
        """
        super()._build_left()
        kernel = self.kernel
        if not len(kernel.weights):
            return
        room = WEIGHT_ROOM * self.layout.grid_cell
        for label, box in zip(kernel.weights, kernel.boxes):
            factor = min(bar_factor(self.labels, label.get_tex_string()), room / box.height)
            corner = box.get_corner(DR)
            label.scale(factor, about_point=corner)
            box.scale(factor, about_point=corner)
        px = config.pixel_height / config.frame_height
        smallest = min(w.height / bar_factor(self.labels, w.get_tex_string())
                       for w in kernel.weights)
        if smallest * px < MIN_LABEL_PX - 0.01:
            kernel.drop_weights()

    def _build_matrix(self) -> None:
        super()._build_matrix()
        rows, cols = self.index.shape
        self.matrix_title = self._tex(rf"G\;\;({rows}\times {cols})", 30).move_to(
            self.matrix_title.get_center())


class AlphabetGradientScene(AlphabetRelationshipScene):
    r"""Backprop through a conv, in four parts, as matrix products.

    The forward pass, ``\bar b`` arriving, ``\bar a = Cᵀ\bar b``, and
    ``\bar w = G·vec(a)`` (see :mod:`convmanim.modes.alphabet_gradient`).

    ``spec`` is the forward convolution (one channel each way).

    Attributes
    ----------
    symbols
        ``(input, output)`` letters, ``("a", "b")`` by default; the gradients
        are the same letters with a bar.
    fade_time
        Seconds of the change of view before the weight gradient (half to
        fade the input gradient's view out, half to fade the next one in).

    Examples
    --------
    .. manim:: Backprop
        :save_last_frame:

        from convmanim import AlphabetGradientScene, ConvSpec

        class Backprop(AlphabetGradientScene):
            spec = ConvSpec(4, 3)
    """

    spec: ClassVar[AnySpec] = ConvSpec(4, 3)
    symbols: ClassVar[tuple[str, str] | None] = None  # type: ignore[assignment]
    fade_time: ClassVar[float] = 1.5

    parts: tuple[MatrixView, MatrixView, WeightGradientView]  # type: ignore[assignment]

    # ------------------------------------------------------------ settings
    @classmethod
    def _forward(cls) -> ConvSpec:
        spec = cls.spec
        if isinstance(spec, TransposedConvSpec):
            raise SpecError(f"{cls.__name__}.spec: backprop is through a conv; give the "
                            "forward ConvSpec, not its transposed conv")
        if sequence_of(spec) is not None:
            raise SpecError(f"{spec.describe()}: the alphabet mode's gradient scene draws a 2-D "
                            "conv (as a 1-D one: a height-1 ConvSpec, or -i 1xN -k 1xK)")
        if spec.has_channels:
            raise SpecError(f"{spec.describe()}: the alphabet mode's gradient scene draws one "
                            "channel (in_channels = out_channels = groups = 1)")
        return spec

    @classmethod
    def _symbols(cls) -> tuple[str, str]:
        return ("a", "b") if cls.symbols is None else check_symbols(cls.symbols)

    @classmethod
    def part_steps(cls) -> tuple[int, int, int, int]:
        """Steps of each part: the conv's rows, one arrival, ``Cᵀ``'s rows, ``G``'s rows."""
        f = cls._forward()
        k = f.kernel_size[0] * f.kernel_size[1]
        return (f.num_outputs, 1, f.transposed().num_outputs, k)

    @classmethod
    def num_steps(cls) -> int:
        """All four parts' steps."""
        return sum(cls.part_steps())

    def check_size(self) -> None:
        """The size limits for the conv, its transposed conv and the weight gradient's conv."""
        forward = self._forward()
        animated = self.still_step is None
        for spec in (forward, forward.transposed(), WeightGradientSpec(forward)):
            check_render_size(spec, "alphabet", animated=animated)

    @classmethod
    def step_captions(cls) -> list[str]:
        """The conv's rows, the arrival, ``Cᵀ``'s rows, then each weight's gradient."""
        f = cls._forward()
        a, b = (plain_symbol(s) for s in cls._symbols())
        ga, gb = plain_bar(a), plain_bar(b)
        n1, _, n3, n4 = cls.part_steps()
        total = cls.num_steps()
        out = row_captions_plain(f, (a, b), 0, total)
        out.append(f"Step {n1 + 1} of {total}: the upstream gradient {gb} = dL/d{b} arrives, "
                   f"one number {gb}rc for each output {b}rc.")
        out += row_captions_plain(f.transposed(), (gb, ga), n1 + 1, total)
        out += [weight_caption(f, e, (a, b), n1 + 1 + n3, total) for e in range(n4)]
        return out

    @classmethod
    def pace_restarts(cls) -> list[int]:
        """Each part starts slow again."""
        n1, n2, n3, _ = cls.part_steps()
        return [0, n1, n1 + n2, n1 + n2 + n3]

    @classmethod
    def fade_frame_counts(cls, fps: float) -> list[int]:
        """Frames of the change of view before the weight gradient: out, then in."""
        half = max(1, round(cls.fade_time / 2 * fps))
        return [half, half]

    @classmethod
    def planned_duration(cls, fps: float | None = None) -> float:
        """Every step, the transposition, the change of view and the final hold."""
        fps = float(fps or config.frame_rate)
        frames = (sum(cls.step_frame_counts(fps)) + sum(cls.transpose_frame_counts(fps))
                  + sum(cls.fade_frame_counts(fps)))
        return (frames + max(1, round(cls.end_hold * fps))) / fps

    # ---------------------------------------------------------------- build
    def build_parts(self) -> tuple[MatrixView, MatrixView, WeightGradientView]:
        """The three views, with one cell size, and the arrival's labels."""
        self.check_size()
        forward = self._forward()
        transposed = forward.transposed()
        wspec = WeightGradientSpec(forward)
        plans = [plan_layout(s) for s in (forward, transposed, wspec)]
        cell = (min(p.cell_w for p in plans), min(p.cell_h for p in plans))
        theme = self.get_theme()
        a, b = self._symbols()
        conv = MatrixView(forward, plan_layout(forward, cell=cell), theme, (a, b))
        tconv = MatrixView(transposed, plan_layout(transposed, cell=cell), theme,
                           (bar(b), bar(a)))
        wview = WeightGradientView(wspec, plan_layout(wspec, cell=cell), theme, (a, b))
        for view in (tconv, wview):
            enlarge_bars(view)
        ga, gb, gw = bar(a), bar(b), bar("w")
        size = r"\;({}\times {})"
        retitle(tconv,
                rf"{ga} = \partial L/\partial {a}" + size.format(*forward.input_size),
                rf"{gb} = \partial L/\partial {b}" + size.format(*forward.output_size))
        retitle(wview,
                rf"{gw} = \partial L/\partial w" + size.format(*forward.kernel_size),
                rf"\text{{input }} {a}" + size.format(*forward.input_size))
        self._build_arrival(conv, theme, b)
        return conv, tconv, wview

    def _build_arrival(self, conv: MatrixView, theme: Theme, b: str) -> None:
        r"""The labels part 2 turns ``b`` into: ``\bar b_{rc}``, its titles and its caption."""
        maker = LabelMaker(theme.text)
        spec = conv.spec
        n = spec.output_size[0] * spec.output_size[1]
        gb = bar(b)

        def entry(i: int) -> Mobject:
            return maker.math(subscript(gb, cell_of_index(i, spec.output_size), conv.wide),
                              28, theme.cell_text)

        self.arrival_grid = {cell_of_index(i, spec.output_size): entry(i) for i in range(n)}
        self.arrival_vec = [entry(i) for i in range(n)]
        size = rf"{spec.output_size[0]}\times {spec.output_size[1]}"
        self.arrival_title = maker.math(
            rf"{gb} = \partial L/\partial {b}\;({size})", 24)
        self.arrival_vec_title = maker.math(rf"\mathrm{{vec}}({gb})", 26)
        self.arrival_caption = maker.math(
            rf"{gb}_{{rc}} = \partial L/\partial {b}_{{rc}}"
            r"\text{: the loss's gradient arrives at each output}", CAPTION_SIZE)

    # ------------------------------------------------------------ storyboard
    def construct(self) -> None:
        """Forward pass, arrival, transposition and input gradient, weight gradient."""
        self.camera.background_color = ManimColor(self.get_theme().background)
        self.parts = batched(self.build_parts)
        conv, tconv, wview = self.parts
        self.steps_played = []
        if self.still_step is not None:
            self._show_still(self.still_step)
            return
        n1, _, n3, n4 = self.part_steps()
        self.add(*conv.all_parts())
        self._view = conv
        self.freeze_still_parts()
        self.play_each_step(conv, n1)
        self.thaw_still_parts()
        self.play_arrival(conv, n1)
        self.transpose(conv, tconv)
        self._view = tconv
        self.freeze_still_parts()
        self.play_each_step(tconv, n3, offset=n1 + 1)
        self.thaw_still_parts()
        self.change_view(tconv, wview)
        self._view = wview
        self.freeze_still_parts()
        self.play_each_step(wview, n4, offset=n1 + 1 + n3)
        self.hold_frames(max(1, round(self.end_hold * config.frame_rate)))

    def _show_still(self, step: int) -> None:
        n1, _, n3, _ = self.part_steps()
        if not 0 <= step < self.num_steps():
            raise SpecError(f"step must be in 0..{self.num_steps() - 1} "
                            f"({self.num_steps()} steps), got {step}")
        conv, tconv, wview = self.parts
        if step <= n1:
            self.add(*conv.all_parts())
            conv.set_step(min(step, n1 - 1))
            if step == n1:
                self._arrive_now(conv)
        elif step < n1 + 1 + n3:
            self.add(*tconv.all_parts())
            tconv.set_step(step - n1 - 1)
        else:
            self.add(*wview.all_parts())
            wview.set_step(step - n1 - 1 - n3)

    # ----------------------------------------------------------- part 2
    def _arrival_pairs(self, conv: MatrixView) -> list[tuple[Mobject, Mobject]]:
        """``(label on screen, what it becomes)``: the output grid's, vec(b)'s, the titles."""
        pairs: list[tuple[Mobject, Mobject]] = []
        for cell, target in self.arrival_grid.items():
            label = conv.out_grid.get_label(*cell)
            if label is not None:
                pairs.append((label, target))
        for i, target in enumerate(self.arrival_vec):
            pairs.append((conv.vec_out.get_cell(i)[1], target))
        pairs.append((conv.titles[0], self.arrival_title))
        pairs.append((conv.vec_titles[1], self.arrival_vec_title))
        maker = self.parts[0].labels
        for label, target in pairs:
            ratio = bar_factor(maker, target.get_tex_string()) / bar_factor(
                maker, label.get_tex_string())
            target.scale_to_fit_height(label.height * ratio).move_to(label.get_center())
        return pairs

    def _leaving(self, conv: MatrixView) -> list[Mobject]:
        """What part 2 fades out: the last row's highlights and its dot product."""
        return [conv.kernel, conv.out_highlight, conv.shaded, conv.row_band, conv.marks,
                conv.caption]

    def _arrive_now(self, conv: MatrixView) -> None:
        """Part 2's end state at once (a still)."""
        for label, target in self._arrival_pairs(conv):
            label.become(target)
            label.tex_string = target.get_tex_string()
        self.remove(*self._leaving(conv))
        self.add(self._placed_caption(conv))

    def _placed_caption(self, conv: MatrixView) -> Mobject:
        lay = conv.layout
        cap = self.arrival_caption
        if cap.width > lay.caption_width:
            cap.scale_to_fit_width(lay.caption_width)
        return cap.move_to([lay.caption_x, lay.caption_y, 0])

    def play_arrival(self, conv: MatrixView, step: int) -> None:
        r"""Part 2: each output ``b_{rc}`` turns into its gradient ``\bar b_{rc}``."""
        glide, hold = self.step_frames(step) if self.smooth else (0, self.still_frames(step))
        self.cue_step(step, glide + hold)
        shown = {id(m) for m in self.mobjects}
        leaving = [m for m in self._leaving(conv) if id(m) in shown]
        anims: list[Animation] = [FadeOut(m) for m in leaving]
        visible = set(map(id, conv.out_grid.family_members_with_points()))
        visible |= set(map(id, conv.vec_out.shown.family_members_with_points()))
        visible |= set(map(id, conv.titles.family_members_with_points()))
        visible |= set(map(id, conv.vec_titles.family_members_with_points()))
        later: list[tuple[Mobject, Mobject]] = []
        pairs = self._arrival_pairs(conv)
        for label, target in pairs:
            if id(label.family_members_with_points()[0]) in visible:
                anims.append(Transform(label, target))
            else:
                later.append((label, target))
        caption = self._placed_caption(conv)
        anims.append(FadeIn(caption))
        self.play_frames(anims, glide)
        for label, target in later:  # hidden entries of vec(b): the same, unseen
            label.become(target)
        for label, target in pairs:
            label.tex_string = target.get_tex_string()  # it is that label now
        self.hold_frames(hold)
        self.remove(caption)
        self.steps_played.append(step)
        self.step_done(step)

    def transpose_fades(self, conv: MatrixView) -> list[Mobject]:
        """What fades before ``C`` is transposed: what part 2 left on screen."""
        shown = {id(m) for m in self.mobjects}
        return [m for m in super().transpose_fades(conv) if id(m) in shown]

    # ----------------------------------------------------------- part 4
    def change_view(self, tconv: MatrixView, wview: WeightGradientView) -> None:
        """Fade the input gradient's view out and the weight gradient's in, at its first step."""
        out, into = self.fade_frame_counts(config.frame_rate)
        tconv.hide_marks()
        self.play_frames([FadeOut(m) for m in list(self.mobjects)], out)
        self.remove(*self.mobjects)
        wview.set_step(0)
        wview.hide_marks()
        self.play_frames([FadeIn(m) for m in wview.all_parts()
                          if m is not wview.marks and m is not wview.caption], into)
        self.remove(*self.mobjects)
        self.add(*wview.all_parts())
        wview.show_marks(0)


def row_captions_plain(spec: AnySpec, symbols: tuple[str, str], offset: int,
                       total: int) -> list[str]:
    """:func:`~convmanim.captions.matrix_caption` of every row, with plain-text symbols."""
    return [matrix_caption(spec, e, symbols, offset=offset, total=total)
            for e in range(spec.num_outputs)]


def weight_caption(spec: ConvSpec, step: int, symbols: tuple[str, str], offset: int,
                   total: int) -> str:
    """Step ``step`` of the weight gradient in words: which products ``w̄_ij`` sums."""
    a, b = symbols
    i, j = cell_of_index(step, spec.kernel_size)
    terms = [f"{plain_bar(b)}{sub(*out)} {a}{sub(*cell)}"
             for out, _, cell in weight_uses(spec, step) if cell is not None]
    product = " + ".join(terms) if terms else "0"
    return (f"Step {offset + step + 1} of {total}: w{sub(i, j)} met the input at every output; "
            f"row {step + 1} of G times vec({a}) gives w̄{sub(i, j)} = {product}.")
