"""Title cards: the still frame a lecture shows before each part.

A card holds, from the top: the lecture's title (small, muted), the part's
number (accent colour), the part's title (large) over an accent rule, its
subtitle, and at the bottom one line with the mode and the spec. Text is set
with Pango (:class:`~manim.Text`), so any title a file holds can be shown
without LaTeX escaping.
"""

from __future__ import annotations

from typing import ClassVar

from manim import (
    BOLD,
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Line,
    ManimColor,
    Mobject,
    Scene,
    Text,
    VGroup,
    config,
    tempconfig,
)

from ..scratch import private_dir
from ..theme import Theme, get_theme

__all__ = ["TitleCardScene"]

EDGE = 0.6
"""Distance of the top and bottom lines from the frame's edges."""
SIDE = 0.8
"""Least distance of any line from the frame's sides."""


class TitleCardScene(Scene):
    """A still title card, held for :attr:`duration` seconds.

    Attributes
    ----------
    lecture_title
        Written small at the top; nothing when empty.
    heading
        Above the title, such as ``"Part 2 of 4"``.
    title
        The part's title.
    subtitle
        Under the title; a newline starts a new line.
    summary
        One line at the bottom, such as the spec.
    theme
        ``"light"``, ``"dark"`` or a :class:`~convmanim.theme.Theme`.
    duration
        Seconds the card is shown (rounded to whole frames, at least one).

    Examples
    --------
    .. manim:: PaddingCard
        :save_last_frame:

        from convmanim.modes.title import TitleCardScene

        class PaddingCard(TitleCardScene):
            heading = "Part 1 of 4"
            title = "Padding"
            subtitle = "Zeros around the input"
    """

    lecture_title: ClassVar[str] = ""
    heading: ClassVar[str] = ""
    title: ClassVar[str] = "Title"
    subtitle: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    theme: ClassVar[str | Theme] = "light"
    duration: ClassVar[float] = 2.5

    @classmethod
    def planned_duration(cls, fps: float | None = None) -> float:
        """Seconds of video the card plays (whole frames at ``fps``, when given)."""
        return cls.duration if fps is None else cls.num_frames(fps) / fps

    @classmethod
    def num_frames(cls, fps: float) -> int:
        """Frames the card plays at ``fps``: :attr:`duration` rounded, at least one."""
        return max(1, round(cls.duration * fps))

    def build_card(self) -> VGroup:
        """Lay out the card's lines on the frame."""
        theme = get_theme(self.theme)
        width = config.frame_width - 2 * SIDE
        body: list[Mobject] = []
        if self.heading:
            body.append(_fit(Text(self.heading, font_size=30, color=theme.accent,
                                  **_font(theme)), width))
        title = _fit(_wrapped(self.title, width, font_size=72, weight=BOLD,
                              color=theme.text, **_font(theme)), width)
        half = max(title.width, 2.0) / 2
        rule = Line(LEFT * half, RIGHT * half, color=theme.accent, stroke_width=4)
        body += [title, rule]
        if self.subtitle:
            lines = [Text(line, font_size=34, color=theme.text, **_font(theme))
                     for line in self.subtitle.splitlines() if line.strip()]
            body.append(_fit(VGroup(*lines).arrange(DOWN, buff=0.2), width))
        middle = VGroup(*body).arrange(DOWN, buff=0.35)
        middle.move_to([0.0, 0.0, 0.0])
        card = VGroup(middle)
        if self.lecture_title:
            top = _fit(Text(self.lecture_title, font_size=30, color=theme.muted,
                            **_font(theme)), width)
            card.add(top.to_edge(UP, buff=EDGE))
        if self.summary:
            bottom = _fit(Text(self.summary.replace("->", "→"), font_size=24, **_font(theme),
                               color=theme.muted), width)
            card.add(bottom.to_edge(DOWN, buff=EDGE))
        return card

    def construct(self) -> None:
        """Show the card and hold it."""
        self.camera.background_color = ManimColor(get_theme(self.theme).background)
        # manim parses a Text's SVG through a temporary copy beside it: in a
        # folder of this process's own, renders at the same time cannot collide
        with tempconfig({"text_dir": str(private_dir())}):
            card = self.build_card()
        self.add(card)
        frames = self.num_frames(config.frame_rate)
        # manim floors the frame count of a wait: half a frame more keeps it exact
        self.wait((frames + 0.5) / config.frame_rate)


def _font(theme: Theme) -> dict[str, str]:
    """``font=`` for :class:`~manim.Text`, when the theme names one."""
    return {"font": theme.font} if theme.font else {}


def _fit(mob: Mobject, width: float) -> Mobject:
    """Scale ``mob`` down to ``width`` if it is wider."""
    if mob.width > width:
        mob.scale_to_fit_width(width)
    return mob


def _wrapped(text: str, width: float, **kwargs: object) -> Mobject:
    """``text`` on one line, or on two centred lines split near the middle.

    A line at most a quarter too wide stays one line (and is scaled down).
    """
    line = Text(text, **kwargs)  # type: ignore[arg-type]
    words = text.split()
    if line.width <= 1.25 * width or len(words) < 2:
        return line
    half = len(text) / 2
    cut = min(range(1, len(words)), key=lambda n: abs(len(" ".join(words[:n])) - half))
    lines = [Text(" ".join(part), **kwargs)  # type: ignore[arg-type]
             for part in (words[:cut], words[cut:])]
    return VGroup(*lines).arrange(DOWN, buff=0.2)
