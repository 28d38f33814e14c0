"""ConvScene: what every mode's Scene shares.

A mode subclasses :class:`ConvScene` and implements four hooks:

* :meth:`ConvScene.build_parts` builds every mobject (its LaTeX labels are
  typeset in one batch, see :func:`convmanim.labels.batched`);
* :meth:`ConvScene.add_parts` adds them to the scene in z-order, static parts
  first, so that manim draws the static parts once per animation;
* :meth:`ConvScene.set_step` jumps to a step;
* :meth:`ConvScene.step_animations` returns the animations that move to a step
  (and :meth:`ConvScene.after_glide` makes instant changes once they are over).

Each mode also says what every step shows in plain words
(:meth:`ConvScene.step_captions`): the same sentence is the step's subtitle
cue (through manim's subcaption API, so ``manim render`` writes it to an
``.srt``) and sets the pace. By default a step lasts long enough to read its
caption at first, and later steps speed up (:meth:`ConvScene.step_durations`);
a :attr:`ConvScene.step_time` fixes one time for every step.

Scenes are configured by class attributes, so a ready scene is three lines::

    class StridedConv(ArithmeticScene):
        spec = ConvSpec(5, 3, stride=2, padding=1)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, ClassVar

from manim import (
    ORIGIN,
    Animation,
    FadeIn,
    ManimColor,
    Mobject,
    Scene,
    Transform,
    Write,
    config,
)

from .. import interrupt
from ..captions import formula_in_words, window_caption
from ..geometry import AnySpec, ConvSpec, SpecError, drawable
from ..labels import batched, math_label, text_label
from ..limits import MAX_VIDEO_SECONDS, MODES, check_scene
from ..mobjects.flight import Fade
from ..theme import Theme, get_theme

__all__ = ["PACE_DECAY", "READING_RATE", "ConvScene", "fmt_size", "paced_durations",
           "reading_seconds"]

READING_RATE = 12.0
"""Characters of a caption read per second: a formula reads slower than prose."""
READING_LEAD = 0.6
"""Seconds to find the caption before reading it."""
LONGEST_READ = 8.0
"""No step waits longer than this for its caption to be read."""
PACE_DECAY = 0.6
"""Each paced step gives its caption this fraction of the reading time of the step before."""
INTRO_PARTS = (1.5, 1.5, 1.0)
"""Seconds the intro writes its formula, holds it, and moves it aside as the diagram comes."""


def _size_mode(cls: type) -> str | None:
    """The mode whose size limits apply: the module of the mode class ``cls`` derives from."""
    for klass in cls.__mro__:
        module = klass.__module__
        if module.startswith("convmanim.modes."):
            name = module.rsplit(".", 1)[1]
            if name in MODES:
                return name
    return None


def fmt_size(pair: tuple[int, int]) -> str:
    r"""LaTeX for a grid size: ``5\times 5``."""
    return rf"{pair[0]}\times {pair[1]}"


def reading_seconds(caption: str) -> float:
    """Seconds to read ``caption`` (at :data:`READING_RATE`, at most :data:`LONGEST_READ`).

    Examples
    --------
    >>> round(reading_seconds("b11 = w00·a11 + w01·a12 + w02·a13 + w10·a21 + … + w22·a33"), 2)
    5.35
    """
    return min(LONGEST_READ, READING_LEAD + len(caption) / READING_RATE)


def paced_durations(captions: Sequence[str], settled: float) -> list[float]:
    """Seconds per step: time to read the first captions, then faster, down to ``settled``.

    Step ``k`` lasts its caption's :func:`reading_seconds` times
    ``PACE_DECAY ** k``, and never less than ``settled``: a viewer reads the
    first step's sentence, skims the next ones (only the numbers change) and
    then follows the motion. A 25-step scene with a nine-term dot product lasts
    about 7 s more than at ``settled`` seconds per step.

    Examples
    --------
    >>> [round(t, 2) for t in paced_durations(["x" * 60] * 6, 1.0)]
    [5.6, 3.36, 2.02, 1.21, 1.0, 1.0]
    """
    return [max(settled, reading_seconds(c) * PACE_DECAY**k) for k, c in enumerate(captions)]


class ConvScene(Scene):
    """Base class of the mode scenes. Configure it with class attributes.

    Attributes
    ----------
    spec
        The convolution (a :class:`~convmanim.ConvSpec`) or transposed
        convolution (``ConvSpec(...).transposed()``) to animate; a 1-D one
        (:class:`~convmanim.ConvSpec1d`, or its ``transposed()``) is drawn as
        a row of cells with one-index labels (the class keeps its
        :meth:`~convmanim.ConvSpec1d.as_row`).
    theme
        ``"light"`` (white, the original look), ``"dark"``, or a
        :class:`~convmanim.theme.Theme`.
    step_time
        Seconds per step, the glide to the step and the pause on it, the same
        for every step. ``None`` (the default) paces the steps instead: the
        first ones last long enough to read their caption, the later ones
        :attr:`settled_step_time` (see :meth:`step_durations`).
    settled_step_time
        Seconds per step once paced steps have sped up.
    glide
        Fraction of a step spent moving (of :attr:`settled_step_time` when
        paced: a longer step holds longer, it does not move slower).
    smooth
        ``False`` jumps from step to step with no motion: one still frame per
        step, as the original tool's GIFs were.
    intro
        Show the output-size formula, with the numbers put in, first.
    end_hold
        Seconds to hold the last step.
    still_step
        When set, :meth:`construct` shows this step and plays nothing (used
        to render stills).

    Examples
    --------
    Every mode takes these attributes; a subclass sets the ones it needs:

    .. manim:: DarkStridedStep
        :save_last_frame:

        from convmanim import ArithmeticScene, ConvSpec

        class DarkStridedStep(ArithmeticScene):
            spec = ConvSpec(6, 3, stride=2, padding=1)
            theme = "dark"
            still_step = 4
    """

    spec: ClassVar[AnySpec] = ConvSpec(5, 3, stride=2, padding=1)
    theme: ClassVar[str | Theme] = "light"
    step_time: ClassVar[float | None] = None
    settled_step_time: ClassVar[float] = 1.0
    glide: ClassVar[float] = 0.5
    smooth: ClassVar[bool] = True
    intro: ClassVar[bool] = False
    end_hold: ClassVar[float] = 1.0
    still_step: ClassVar[int | None] = None
    intro_time: ClassVar[float] = 5.0
    keep_formula: ClassVar[bool] = True
    """Whether the intro's formula stays on screen, moved aside, or fades out."""

    parts: Any
    steps_played: list[int]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._draw_1d_as_row()

    @classmethod
    def _draw_1d_as_row(cls) -> None:
        """A 1-D ``spec`` (:class:`~convmanim.ConvSpec1d`) is drawn as its row of cells.

        The class attribute becomes its :meth:`~convmanim.ConvSpec1d.as_row`,
        whose ``sequence`` is the 1-D spec given.
        """
        spec = cls.__dict__.get("spec")
        if spec is not None and drawable(spec) is not spec:
            cls.spec = drawable(spec)  # type: ignore[misc]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).check_attributes()  # before manim sets anything up
        super().__init__(*args, **kwargs)

    # ------------------------------------------------------------ settings
    @classmethod
    def check_attributes(cls) -> None:
        """Raise a one-line :class:`~convmanim.SpecError` naming the first bad attribute.

        The command line's limits apply to Python scenes too: sizes
        (:func:`convmanim.limits.check_render_size`), times, the theme, the
        still's step, and a video of at most two hours. Called before anything
        is set up or drawn (by the scene itself and by the render functions).
        """
        cls._draw_1d_as_row()
        check_scene(cls, _size_mode(cls))
        if cls.still_step is not None:
            cls.check_step(cls.still_step)
        else:
            seconds = cls.planned_duration()
            if seconds > MAX_VIDEO_SECONDS:
                raise SpecError(
                    f"{cls.__name__}: the animation would last {seconds / 3600:.1f} hours, more "
                    f"than the limit of {MAX_VIDEO_SECONDS // 3600} hours (fewer steps, or a "
                    "shorter step_time)"
                )
        values = getattr(cls, "values", None)
        if callable(values):
            values()  # the numerical mode's operation and value grids

    def get_theme(self) -> Theme:
        """The resolved :class:`~convmanim.theme.Theme`."""
        return get_theme(self.theme)

    @classmethod
    def num_steps(cls) -> int:
        """How many steps the scene plays: one per output cell."""
        return cls.spec.num_steps

    @classmethod
    def check_step(cls, step: int) -> None:
        """Raise :class:`~convmanim.SpecError` unless ``step`` is one the scene plays."""
        n = cls.num_steps()
        if n == cls.spec.num_steps:
            cls.spec.step_cell(step)  # the geometry's message, with the output's shape
        elif not 0 <= step < n:
            raise SpecError(f"step must be in 0..{n - 1} ({n} steps), got {step}")

    @classmethod
    def step_captions(cls) -> list[str]:
        """What each step shows, in plain words and numbers: one sentence per step.

        The one caption of a step: its subtitle cue, the speaker's note on its
        slide (:func:`convmanim.slides.speaker_note`), and what sets its pace
        (:meth:`step_durations`). By default, where the kernel lies and which
        output cell it gives (:func:`convmanim.captions.window_caption`);
        modes say their arithmetic (:mod:`convmanim.captions`).
        """
        return [window_caption(cls.spec, e) for e in range(cls.num_steps())]

    @classmethod
    def step_caption(cls, step: int) -> str:
        """What ``step`` shows, in plain words and numbers (see :meth:`step_captions`)."""
        cls.check_step(step)
        return cls.step_captions()[step]

    @classmethod
    def pace_restarts(cls) -> list[int]:
        """Steps where the pace starts slow again (a new part of the scene): ``[0]``."""
        return [0]

    @classmethod
    def step_durations(cls) -> list[float]:
        """Seconds of each step, before rounding to whole frames.

        :attr:`step_time` for every step when it is set; otherwise
        :func:`paced_durations` of the captions, starting slow again at each
        of :meth:`pace_restarts`.
        """
        n = cls.num_steps()
        if cls.step_time is not None:
            return [float(cls.step_time)] * n
        captions = cls.step_captions()
        bounds = [*sorted(set(cls.pace_restarts()) | {0}), n]
        out: list[float] = []
        for start, stop in itertools.pairwise(bounds):
            out += paced_durations(captions[start:stop], cls.settled_step_time)
        return out

    @classmethod
    def step_frame_counts(cls, fps: float) -> list[int]:
        """Frames of each step at ``fps``: its seconds rounded (at least two when it glides)."""
        least = 2 if cls.smooth else 1
        return [max(least, round(seconds * fps)) for seconds in cls.step_durations()]

    @classmethod
    def intro_frame_counts(cls, fps: float) -> list[int]:
        """Frames of the intro at ``fps``: writing, reading, moving aside, then the rest.

        An intro shorter than the parts' four seconds plays them faster.
        """
        squeeze = min(1.0, cls.intro_time / sum(INTRO_PARTS)) if cls.intro_time > 0 else 1.0
        parts = [max(1, round(seconds * squeeze * fps)) for seconds in INTRO_PARTS]
        return [*parts, max(0, round(cls.intro_time * fps) - sum(parts))]

    @classmethod
    def planned_duration(cls, fps: float | None = None) -> float:
        """Seconds of video :meth:`construct` plays at ``fps`` (the config's by default).

        Exact: every part is a whole number of frames, counted as
        :meth:`construct` plays them.
        """
        fps = float(fps or config.frame_rate)
        frames = sum(cls.step_frame_counts(fps)) + max(1, round(cls.end_hold * fps))
        if cls.intro:
            frames += sum(cls.intro_frame_counts(fps))
        return frames / fps

    # --------------------------------------------------------------- hooks
    def build_parts(self) -> Any:
        """Build and return every mobject the scene shows. May run twice."""
        raise NotImplementedError

    def add_parts(self) -> None:
        """Add :attr:`parts` to the scene, static parts first."""
        raise NotImplementedError

    def set_step(self, step: int) -> None:
        """Show ``step`` at once."""
        raise NotImplementedError

    def step_animations(self, step: int) -> list[Animation]:
        """Animations that move from the current step to ``step``."""
        raise NotImplementedError

    def after_glide(self, step: int) -> None:
        """Make instant changes once the glide to ``step`` is over (none by default)."""

    def step_done(self, step: int) -> None:
        """Mark the end of ``step``, once it is shown and held (nothing by default).

        Every step loop calls it last in each step, with the step's index in
        :meth:`num_steps`. :func:`convmanim.slides.as_slides` starts a new
        slide there.
        """

    def intro_caption(self) -> str:
        """What the intro shows, in words: the output-size formula with its numbers."""
        return formula_in_words(self.spec)

    def intro_formula(self) -> Mobject | None:
        """The output-size formula shown by the intro, or ``None``."""
        return None

    def place_formula(self, formula: Mobject) -> None:
        """Move ``formula`` to where it stays once the intro is over."""
        formula.to_corner(direction=[1, -1, 0])

    # ------------------------------------------------------------ storyboard
    def construct(self) -> None:
        """Build the diagram, play the optional intro, then every step."""
        self.camera.background_color = ManimColor(self.get_theme().background)
        self.parts = batched(self.build_parts)
        self.steps_played = []
        if self.still_step is not None:
            self.check_step(self.still_step)
            self.add_parts()
            self.set_step(self.still_step)
            self._add_formula_in_place()
            return
        if self.intro:
            self.play_intro()
        else:
            self.add_parts()
        self.play_steps()

    def _add_formula_in_place(self) -> None:
        formula = self.intro_formula() if self.intro and self.keep_formula else None
        if formula is not None:
            self.place_formula(formula)
            self.add(formula)

    def play_intro(self) -> None:
        """Write the output-size formula, then let the diagram fade in.

        The formula then moves aside (:meth:`place_formula`) or, when
        :attr:`keep_formula` is false, fades out. The whole intro lasts
        :attr:`intro_time`: 1.5 s writing, 1.5 s held, 1 s moving, and the
        rest held; an intro shorter than 4 s shortens the three alike.
        """
        formula = self.intro_formula()
        if formula is None:
            self.add_parts()
            return
        if not self.intro_time > 0:
            raise SpecError(f"intro_time must be a positive number of seconds, "
                            f"got {self.intro_time}")
        write, read, move, rest = self.intro_frame_counts(config.frame_rate)
        formula.move_to(ORIGIN)
        self.play_frames([Write(formula)], write)
        self.hold_frames(read)
        self.add_parts()
        diagram = [m for m in self.mobjects if m is not formula]
        self.remove(*diagram)
        if self.keep_formula:
            target = formula.copy()
            self.place_formula(target)
            self.play_frames([Transform(formula, target), *(FadeIn(m) for m in diagram)], move)
        else:
            self.play_frames([Fade(formula, fade_in=False),
                              *(Fade(m, fade_in=True) for m in diagram)], move)
        self.hold_frames(rest)

    def step_frames(self, step: int = 0) -> tuple[int, int]:
        """Frames of ``step``'s glide and hold, at the current frame rate.

        A step lasts its :meth:`step_durations` rounded to whole frames (at
        least two), of which :attr:`glide` is the glide (at least one frame;
        a fraction of :attr:`settled_step_time` when paced) and the rest the
        hold (at least one frame), so that manim never stretches a run time
        shorter than a frame and the video lasts what was planned.
        """
        fps = config.frame_rate
        seconds = self._durations()[step]
        total = max(2, round(seconds * fps))
        moving = seconds if self.step_time is not None else min(seconds, self.settled_step_time)
        glide = min(max(1, round(moving * fps * self.glide)), total - 1)
        return glide, total - glide

    def still_frames(self, step: int = 0) -> int:
        """Frames of ``step`` without motion (``smooth = False``): at least one."""
        return max(1, round(self._durations()[step] * config.frame_rate))

    def _durations(self) -> list[float]:
        """:meth:`step_durations`, computed once per scene."""
        durations = self.__dict__.get("_step_seconds")
        if durations is None:
            durations = self._step_seconds = self.step_durations()
        return durations

    def _captions(self) -> list[str]:
        """:meth:`step_captions`, computed once per scene."""
        captions = self.__dict__.get("_step_lines")
        if captions is None:
            captions = self._step_lines = self.step_captions()
        return captions

    def cue_step(self, step: int, frames: int) -> None:
        """Add ``step``'s caption as a subtitle lasting ``frames`` frames, from now.

        Through manim's subcaption API: ``manim render`` writes the cues to an
        ``.srt`` beside the video, and :mod:`convmanim.render` to a WebVTT
        file and the MP4's subtitle track.
        """
        self.add_subcaption(self._captions()[step], duration=frames / config.frame_rate)

    def play_steps(self) -> None:
        """Play every step in row-major order, then hold the last one."""
        self.freeze_still_parts()
        self.play_each_step(self, self.num_steps())
        self.hold_frames(max(1, round(self.end_hold * config.frame_rate)))

    def still_parts(self) -> list[Mobject]:
        """Mobjects that no step changes (none by default); see :meth:`freeze_still_parts`."""
        return []

    def freeze_still_parts(self) -> None:
        """Draw the still parts at the bottom of the scene into the camera's background.

        Manim redraws every mobject on every step (each step is a new
        ``play``), so a grid of labelled cells that never changes costs a full
        redraw per step. The bottom run of :attr:`mobjects` that are all
        :meth:`still_parts` is drawn once into the background instead and
        taken out of the scene (:meth:`thaw_still_parts` puts it back). Only
        a bottom run: everything drawn above it still is, so every frame is
        exactly the same as without it. Nothing is frozen when animations are
        skipped (nothing is drawn then).
        """
        if self.renderer.skip_animations or getattr(self, "_frozen", None):
            return
        still = {id(m) for m in self.still_parts()}
        run: list[Mobject] = []
        for mob in self.mobjects:
            if id(mob) not in still:
                break
            run.append(mob)
        if not run:
            return
        camera = self.renderer.camera
        camera.reset()
        camera.capture_mobjects(run)
        camera.set_background(camera.pixel_array)
        self.remove(*run)
        self._frozen = run

    def thaw_still_parts(self) -> None:
        """Put the frozen parts back at the bottom of the scene, and the plain background."""
        frozen = getattr(self, "_frozen", None)
        if frozen:
            self.renderer.camera.init_background()
            self.mobjects = [*frozen, *self.mobjects]
            self._frozen = []

    def play_each_step(self, stepper: Any, count: int, offset: int = 0) -> None:
        """Play steps ``0 .. count-1`` of ``stepper``, numbered from ``offset``.

        The first step (every step when not :attr:`smooth`) is set at once and
        held; the others glide in and are held. ``stepper`` has the
        ``set_step``, ``step_animations`` and ``after_glide`` methods of this
        class (the scene itself, or one view of a scene that shows several).
        """
        for step in range(count):
            interrupt.check()  # an interrupt whose exception Python dropped ends it here
            glide, hold = self.step_frames(offset + step)
            if step == 0 or not self.smooth:
                frames = glide + hold if self.smooth else self.still_frames(offset + step)
                self.cue_step(offset + step, frames)
                stepper.set_step(step)
                self.hold_frames(frames)
            else:
                self.cue_step(offset + step, glide + hold)
                self.play_frames(stepper.step_animations(step), glide)
                stepper.after_glide(step)
                self.hold_frames(hold)
            self.steps_played.append(offset + step)
            self.step_done(offset + step)

    def play_frames(self, animations: list[Animation], frames: int) -> None:
        """Play ``animations`` over exactly ``frames`` frames, or apply them at once if 0."""
        if not animations:
            self.hold_frames(frames)
            return
        if frames <= 0:
            # what Scene.play does around its frames, through the same public steps
            self.compile_animation_data(*animations)
            self.begin_animations()
            for anim in self.animations or []:
                anim.finish()
                anim.clean_up_from_scene(self)
            return
        fps = config.frame_rate
        # manim draws one frame per 1/fps step of [0, run_time): half a frame
        # short of ``frames`` keeps rounding from adding one
        self.play(*animations, run_time=(frames - 0.5) / fps if frames > 1 else 1 / fps)

    def hold_frames(self, frames: int) -> None:
        """Hold the picture for exactly ``frames`` frames (manim freezes the floor)."""
        if frames > 0:
            self.wait((frames + 0.5) / config.frame_rate)

    # -------------------------------------------------------------- helpers
    def text(self, tex: str, *, font_size: float = 32, math: bool = False) -> Mobject:
        """A label in the theme's text colour (``Tex``, or ``MathTex`` if ``math``)."""
        make = math_label if math else text_label
        return make(tex, font_size=font_size, color=self.get_theme().text)
