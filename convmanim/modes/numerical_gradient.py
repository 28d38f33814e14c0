r"""Numerical mode: backprop through a conv, with numbers, in four parts.

1. The forward pass ``y = x ⋆ w``: the gather view, output cell by output
   cell (``vec(y) = C·vec(x)``).
2. The upstream gradient arrives: each ``y`` in the output grid turns into
   its ``∂L/∂y``.
3. The input gradient ``∂L/∂x = Cᵀ·∂L/∂y``: the scatter view of the
   transposed conv of ``∂L/∂y`` with the same weights, each gradient value
   times the kernel added into its window of ``∂L/∂x``.
4. The weight gradient ``∂L/∂w``: the gather view of the input correlated
   with ``∂L/∂y`` (:class:`~convmanim.gradient.WeightGradientSpec`). The
   window is ``∂L/∂y``, dilated by the stride, its values in the corners of
   the input cells a weight met, one step per weight.

Parts 1, 3 and 4 are the numerical mode's own views: while a part plays, the
scene is a *stage* class, a :class:`~convmanim.modes.numerical.NumericalScene`
with the part's spec and values (the forward conv; its transposed conv; the
weight gradient's conv), the scene's theme and pace, its own titles, and
step numbers and subtitle cues counted through the whole scene. Every number
comes from :mod:`convmanim.gradient` and :mod:`convmanim.geometry`.
"""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np
from manim import DOWN, UP, FadeIn, FadeOut, ManimColor, Mobject, Transform, VGroup, config

from ..captions import number
from ..geometry import AnySpec, ConvSpec, Pair, SpecError, TransposedConvSpec, sequence_of
from ..gradient import (
    WeightGradientSpec,
    default_upstream,
    input_gradient,
    weight_gradient,
)
from ..labels import batched, math_label
from ..values import as_values
from .numerical import MARGIN, NumericalParts, NumericalScene
from .numerical_data import default_values

__all__ = ["NumericalGradientScene"]

_STEP = re.compile(r"^Step \d+ of \d+")


class _Stage:
    """Makes a subclass of a :class:`NumericalGradientScene` one of its parts.

    A stage class derives from this mixin and from the scene's own class, so
    it keeps the scene's theme, pace and hooks; the mixin gives it back the
    step arithmetic of :class:`~convmanim.modes.numerical.NumericalScene`
    for the part's spec, with its steps, cues and durations counted through
    the whole scene (:attr:`whole`, :attr:`stage_offset`).
    """

    whole: ClassVar[type[NumericalGradientScene]]
    stage_offset: ClassVar[int] = 0
    stage_title: ClassVar[str] = ""
    stage_note: ClassVar[str] = ""
    stage_labels: ClassVar[tuple[str, str]] = ("", "")

    @classmethod
    def num_steps(cls) -> int:
        """The part's steps."""
        return NumericalScene.num_steps.__func__(cls)  # type: ignore[attr-defined]

    @classmethod
    def check_step(cls, step: int) -> None:
        """A step of the part."""
        NumericalScene.check_step.__func__(cls, step)  # type: ignore[attr-defined]

    @classmethod
    def step_captions(cls) -> list[str]:
        """The part's captions, numbered within the part."""
        return NumericalScene.step_captions.__func__(cls)  # type: ignore[attr-defined]

    @classmethod
    def step_durations(cls) -> list[float]:
        """The part's share of the whole scene's step durations."""
        start = cls.stage_offset
        return cls.whole.step_durations()[start:start + cls.num_steps()]

    def _build_header(self) -> VGroup:
        return _header(self, self.stage_title, self.stage_note)  # type: ignore[arg-type]

    def _tensor_labels(self, spec: AnySpec, transposed_canvas: bool = False) -> tuple[
            Mobject, Mobject]:
        name_in, name_out = self.stage_labels
        return (self._grid_label(name_in, spec.input_size),  # type: ignore[attr-defined]
                self._grid_label(name_out, spec.output_size))  # type: ignore[attr-defined]

    def cue_step(self, step: int, frames: int) -> None:
        """The whole scene's cue for the part's ``step``."""
        super().cue_step(self.stage_offset + step, frames)  # type: ignore[misc]

    def step_done(self, step: int) -> None:
        """The end of the whole scene's step."""
        super().step_done(self.stage_offset + step)  # type: ignore[misc]


def _header(scene: NumericalScene, title: str, note: str) -> VGroup:
    """A part's title, and its formula in words below it, at the top of the frame."""
    theme = scene.get_theme()
    rows: list[Mobject] = [scene.text(rf"\textbf{{{title}}}", font_size=36)]
    if note:
        rows.append(math_label(note, font_size=26, color=theme.muted))
    header = VGroup(*rows).arrange(DOWN, buff=0.12)
    width = config.frame_width - 2 * MARGIN
    if header.width > width:
        header.scale_to_fit_width(width)
    return header.to_edge(UP, buff=MARGIN)


def _pair(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else rf"{pair[0]}\times {pair[1]}"


def _renumber(captions: list[str], offset: int, total: int) -> list[str]:
    """Captions numbered ``Step offset+1 of total`` onwards."""
    return [_STEP.sub(f"Step {offset + k + 1} of {total}", c) for k, c in enumerate(captions)]


class NumericalGradientScene(NumericalScene):
    r"""Backprop through a conv with numbers: forward, ``∂L/∂y``, ``∂L/∂x``, ``∂L/∂w``.

    ``spec`` is the forward convolution (one channel each way); see
    :mod:`convmanim.modes.numerical_gradient`.

    Attributes
    ----------
    input_values, kernel_values
        ``x`` and ``w`` (seeded small integers by default, as in
        :class:`~convmanim.modes.numerical.NumericalScene`).
    grad_values
        The upstream gradient ``∂L/∂y``, of the conv's output size; by default
        the small fixed pattern of :func:`convmanim.gradient.default_upstream`
        (``1, −1, 2, 0, −2, 1`` repeated).
    part_hold
        Seconds parts 1 and 3 hold their last step before the next part.

    Examples
    --------
    .. manim:: NumericalBackprop
        :save_last_frame:

        from convmanim import ConvSpec, NumericalGradientScene

        class NumericalBackprop(NumericalGradientScene):
            spec = ConvSpec(4, 3)
    """

    spec: ClassVar[AnySpec] = ConvSpec(4, 3)
    grad_values: ClassVar[np.ndarray | None] = None
    part_hold: ClassVar[float] = 1.0

    stage_parts: list[NumericalParts]
    """The parts of each part played (or shown), in order."""

    # ------------------------------------------------------------ settings
    @classmethod
    def _forward(cls) -> ConvSpec:
        spec = cls.spec
        if isinstance(spec, TransposedConvSpec):
            raise SpecError(f"{cls.__name__}.spec: backprop is through a conv; give the "
                            "forward ConvSpec, not its transposed conv")
        if sequence_of(spec) is not None:
            raise SpecError(f"{spec.describe()}: the numerical mode's gradient scene draws a 2-D "
                            "conv (as a 1-D one: a height-1 ConvSpec, or -i 1xN -k 1xK)")
        if spec.has_channels:
            raise SpecError(f"{spec.describe()}: the numerical mode's gradient scene draws one "
                            "channel (in_channels = out_channels = groups = 1)")
        if cls.mode != "convolution":
            raise SpecError(f"{cls.__name__}.mode: backprop is through a convolution, "
                            f"not {cls.mode} pooling")
        return spec

    @classmethod
    def check_attributes(cls) -> None:
        """The numerical mode's checks, the spec's kind and the upstream gradient's shape."""
        cls._forward()
        super().check_attributes()
        cls.numbers()

    @classmethod
    def numbers(cls) -> dict[str, np.ndarray]:
        """Every number the scene shows: ``x``, ``w``, ``y``, ``dy``, ``dx`` and ``dw``."""
        f = cls._forward()
        x, w = default_values(f, cls.seed)
        if cls.input_values is not None:
            x = as_values("input_values", cls.input_values, f.input_size, plain=True)
        if cls.kernel_values is not None:
            w = as_values("kernel_values", cls.kernel_values, f.kernel_size, plain=True)
        dy = default_upstream(f) if cls.grad_values is None else as_values(
            "grad_values", cls.grad_values, f.output_size, role=" (the conv's output size)",
            plain=True)
        return {"x": x, "w": w, "y": f.apply(x, w), "dy": dy,
                "dx": input_gradient(f, w, dy), "dw": weight_gradient(f, x, dy)}

    @classmethod
    def stages(cls) -> list[type[NumericalGradientScene]]:
        """The stage classes of parts 1, 3 and 4: forward, input gradient, weight gradient."""
        cached = cls.__dict__.get("_stage_classes")
        if cached is not None:
            return cached
        f = cls._forward()
        n = cls.numbers()
        n1, n2, n3, _ = cls.part_steps()
        s = _pair(f.stride)
        common = {"whole": cls, "intro": False, "still_step": None, "bias": False}
        forward = type(f"{cls.__name__}Forward", (_Stage, cls), {
            **common, "spec": f, "input_values": n["x"], "kernel_values": n["w"],
            "stage_offset": 0, "stage_title": "1. Forward pass",
            "stage_note": r"y = x \star w:\;\; \mathrm{vec}(y) = C\,\mathrm{vec}(x)",
            "stage_labels": ("input $x$", "output $y$"), "end_hold": cls.part_hold,
        })
        backward = type(f"{cls.__name__}InputGradient", (_Stage, cls), {
            **common, "spec": f.transposed(), "input_values": n["dy"], "kernel_values": n["w"],
            "stage_offset": n1 + n2, "stage_title": "3. Input gradient",
            "stage_note": (r"\partial L/\partial x = C^{\top}\,\partial L/\partial y"
                           r"\text{: the transposed conv of } \partial L/\partial y"
                           rf"\text{{ with the same }} w\text{{, moving }} s = {s}"),
            "stage_labels": (r"$\partial L/\partial y$", r"$\partial L/\partial x$"),
            "end_hold": cls.part_hold,
        })
        weights = type(f"{cls.__name__}WeightGradient", (_Stage, cls), {
            **common, "spec": WeightGradientSpec(f), "input_values": n["x"],
            "kernel_values": n["dy"], "stage_offset": n1 + n2 + n3,
            "stage_title": "4. Weight gradient",
            "stage_note": (r"\partial L/\partial w_{ij} = \sum_{r,c}\partial L/\partial y_{rc}"
                           r"\cdot x \text{ under tap } (i, j)\text{: } \partial L/\partial y"
                           rf"\text{{ over }} x\text{{, dilated by }} s = {s}"),
            "stage_labels": ("input $x$", r"$\partial L/\partial w$"),
            "end_hold": cls.end_hold,
        })
        stages = [forward, backward, weights]
        setattr(cls, "_stage_classes", stages)  # noqa: B010 - a per-class cache
        return stages

    @classmethod
    def part_steps(cls) -> tuple[int, int, int, int]:
        """Steps of each part: the outputs, one arrival, the gradient's cells, the weights."""
        f = cls._forward()
        return (f.num_outputs, 1, f.num_outputs, f.kernel_size[0] * f.kernel_size[1])

    @classmethod
    def num_steps(cls) -> int:
        """All four parts' steps."""
        return sum(cls.part_steps())

    @classmethod
    def check_step(cls, step: int) -> None:
        """Raise :class:`~convmanim.SpecError` unless the scene plays ``step``."""
        n = cls.num_steps()
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) \
                or not 0 <= step < n:
            raise SpecError(f"step must be in 0..{n - 1} ({n} steps), got {step!r}")

    @classmethod
    def step_captions(cls) -> list[str]:
        """Each part's captions, with the arrival's sentence between parts 1 and 3."""
        forward, backward, weights = cls.stages()
        n1, n2, n3, _ = cls.part_steps()
        total = cls.num_steps()
        dy = cls.numbers()["dy"]
        values = ", ".join(number(v) for v in dy.ravel())
        arrival = (f"Step {n1 + 1} of {total}: the upstream gradient dL/dy arrives, one "
                   f"number per output y, row by row: {values}.")
        return [*_renumber(forward.step_captions(), 0, total), arrival,
                *_renumber(backward.step_captions(), n1 + n2, total),
                *_renumber(weights.step_captions(), n1 + n2 + n3, total)]

    @classmethod
    def pace_restarts(cls) -> list[int]:
        """Each part starts slow again."""
        n1, n2, n3, _ = cls.part_steps()
        return [0, n1, n1 + n2, n1 + n2 + n3]

    @classmethod
    def fade_frames(cls, fps: float) -> int:
        """Frames of each fade of a change of view (out, then in)."""
        return max(1, round(0.5 * fps))

    @classmethod
    def planned_duration(cls, fps: float | None = None) -> float:
        """The steps, the parts' holds, the changes of view and the final hold."""
        fps = float(fps or config.frame_rate)
        hold = max(1, round(cls.part_hold * fps))
        frames = (sum(cls.step_frame_counts(fps)) + 2 * hold + 4 * cls.fade_frames(fps)
                  + max(1, round(cls.end_hold * fps)))
        return frames / fps

    # ------------------------------------------------------------ storyboard
    def construct(self) -> None:
        """Play the forward pass, the arrival, the input gradient, the weight gradient."""
        self.camera.background_color = ManimColor(self.get_theme().background)
        scene_cls = type(self)
        self._captions()  # the whole scene's captions and durations, before any stage
        self._durations()
        forward, backward, weights = scene_cls.stages()
        n1 = scene_cls.part_steps()[0]
        self.steps_played = []
        self.stage_parts = []
        try:
            if self.still_step is not None:
                self._show_still(scene_cls, self.still_step)
                return
            fade = scene_cls.fade_frames(config.frame_rate)
            self._enter(forward)
            self.add_parts()
            self._play_stage(forward)
            self.play_arrival(scene_cls, n1)
            for stage in (backward, weights):
                self._change_stage(stage, fade)
                self._play_stage(stage)
        finally:
            self.__class__ = scene_cls

    def _enter(self, stage: type[NumericalGradientScene]) -> NumericalParts:
        """Become ``stage`` and build its parts."""
        self.__class__ = stage
        self.parts = batched(self.build_parts)
        self.stage_parts.append(self.parts)
        return self.parts

    def _play_stage(self, stage: type[NumericalGradientScene]) -> None:
        """Play the stage's steps (and its hold), numbering them through the scene."""
        before = len(self.steps_played)
        self.play_steps()
        self.thaw_still_parts()
        self.steps_played[before:] = [stage.stage_offset + s for s in self.steps_played[before:]]

    def _change_stage(self, stage: type[NumericalGradientScene], fade: int) -> None:
        """Fade the part on screen out, and ``stage``'s bare picture in."""
        self.play_frames([FadeOut(m) for m in list(self.mobjects)], fade)
        self.remove(*self.mobjects)
        self._enter(stage)
        self.add_parts()
        shown = list(self.mobjects)
        self.remove(*shown)
        self.play_frames([FadeIn(m) for m in shown], fade)
        self.remove(*self.mobjects)
        self.add(*shown)

    # ----------------------------------------------------------- part 2
    def _arrival(self, scene_cls: type[NumericalGradientScene]) -> list[tuple[Mobject, Mobject]]:
        """``(number on screen, what it becomes)``: numbers first, then labels.

        Each ``y`` and its ``∂L/∂y`` in step order, then the grid's label and
        the header.
        """
        p = self.parts
        dy = scene_cls.numbers()["dy"]
        plane = p.output_grid.plane
        factor = self._number_scale(dy.ravel(), plane, weighted=False)
        pairs: list[tuple[Mobject, Mobject]] = []
        for e, mob in sorted(p.results.items()):
            cell = self.spec.step_cell(e)
            target = self._number(float(dy[cell]), plane, cell, factor)
            pairs.append((mob, target.set_color(self._ink(lit=False))))
        label = self._grid_label(r"$\partial L/\partial y$", self.spec.output_size)
        pairs.append((p.output_label, label.move_to(p.output_label)))
        header = _header(self, "2. Upstream gradient",
                         r"\partial L/\partial y\text{ arrives from the loss: one number per "
                         r"output } y")
        pairs.append((p.header, header))
        return pairs

    def play_arrival(self, scene_cls: type[NumericalGradientScene], step: int) -> None:
        """Part 2: each ``y`` in the output grid turns into its ``∂L/∂y``."""
        pairs = batched(lambda: self._arrival(scene_cls))
        frames = scene_cls.step_frame_counts(config.frame_rate)[step]
        glide = min(frames - 1, max(1, round(self.settled_step_time * config.frame_rate / 2))) \
            if self.smooth else 0  # stepwise: the gradient is there at once
        self.add_subcaption(self._captions()[step], duration=frames / config.frame_rate)
        p = self.parts
        leaving = [m for m in (*p.kernels.values(), *p.highlights, *p.shaded, *self._caption)
                   if m in self.mobjects]
        self.play_frames([*(FadeOut(m) for m in leaving),
                          *(Transform(mob, target) for mob, target in pairs)], glide)
        self.remove(*leaving)
        for mob, target in pairs[:len(p.results)]:
            mob.tex_string = target.get_tex_string()  # it is that number now
        self._caption = []
        self.hold_frames(frames - glide)
        self.steps_played.append(step)
        self.step_done(step)

    def _show_still(self, scene_cls: type[NumericalGradientScene], step: int) -> None:
        """One step of any part, at once."""
        scene_cls.check_step(step)
        n1, n2, n3, _ = scene_cls.part_steps()
        forward, backward, weights = scene_cls.stages()
        if step <= n1:
            self._enter(forward)
            self.add_parts()
            NumericalScene.set_step(self, min(step, n1 - 1))
            if step == n1:
                p = self.parts
                for m in (*p.kernels.values(), *p.highlights, *p.shaded, *self._caption):
                    self.remove(m)
                pairs = batched(lambda: self._arrival(scene_cls))
                for k, (mob, target) in enumerate(pairs):
                    mob.become(target)
                    if k < len(p.results):
                        mob.tex_string = target.get_tex_string()
            return
        stage = backward if step < n1 + n2 + n3 else weights
        self._enter(stage)
        self.add_parts()
        NumericalScene.set_step(self, step - stage.stage_offset)
