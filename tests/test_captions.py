"""Captions in plain words, speaker notes in slide decks, decks that work offline."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from convmanim import AlphabetRelationshipScene, ArithmeticScene, ConvSpec, NumericalScene
from convmanim.captions import (
    formula_in_words,
    gather_caption,
    matrix_caption,
    number,
    scatter_caption,
    subscript,
    window_caption,
)
from convmanim.slides import slides_supported
from tests import oracle

from .conftest import TINY


# ------------------------------------------------------------------ captions
def test_window_caption_names_the_window_and_the_output_cell() -> None:
    spec = ConvSpec(5, 3, stride=2, padding=1)
    for step in range(spec.num_steps):
        row, col = divmod(step, 3)
        text = window_caption(spec, step)
        # stride 2 over the padded 7x7 input: the window starts at 2*row, 2*col
        assert text == (f"Step {step + 1} of 9: the 3×3 kernel covers rows {2 * row} to "
                        f"{2 * row + 2} and columns {2 * col} to {2 * col + 2} of the padded "
                        f"7×7 input and gives output cell row {row}, column {col}.")
    dilated = window_caption(ConvSpec(7, 3, dilation=2), 0)
    assert "(dilated by 2×2) covers rows 0 to 4 and columns 0 to 4 of the 7×7 input" in dilated
    transposed = window_caption(ConvSpec(5, 3, stride=2, padding=1).transposed(), 24)
    assert transposed.startswith("Step 25 of 25: the 3×3 kernel, rotated by 180°, covers "
                                 "rows 4 to 6 and columns 4 to 6 of the 7×7 input with its zeros")


def test_formula_in_words_puts_the_numbers_in() -> None:
    for i, k, s, p in [(5, 3, 2, 1), (6, 4, 3, 0), (7, 2, 1, 1)]:
        o = oracle.out_size(i, k, s, p, 1)
        text = formula_in_words(ConvSpec(i, k, stride=s, padding=p))
        assert text == (f"Output size: o = floor((i + 2p − k) / s) + 1 = floor(({i} + 2×{p} − "
                        f"{k}) / {s}) + 1 = {o}.")
    t = formula_in_words(ConvSpec(5, 3, stride=2, padding=1).transposed())
    assert t.endswith("o′ = s(i′ − 1) + a + k − 2p = 2×(3 − 1) + 0 + 3 − 2×1 = 5.")
    rect = formula_in_words(ConvSpec((5, 7), 3))
    assert "o (rows) = " in rect and rect.endswith("= 5.")


def test_gather_caption_says_the_arithmetic() -> None:
    spec = ConvSpec(3, 2)
    taps = np.array([[3, 0], [2, 1]])
    real = np.ones((2, 2), bool)
    assert gather_caption(spec, 1, "convolution", taps, real, np.array([[1, 2], [0, -1]]), 2) \
        == "Step 2 of 4, output cell row 0, column 1: 1 × 3 + 2 × 0 + 0 × 2 + −1 × 1 = 2."
    assert gather_caption(spec, 0, "average", taps, real, None, 1.5).endswith(
        "the mean of 3, 0, 2 and 1 (padding counted) is 1.5.")
    # padding never wins a max, and is not named
    real[0, 0] = False
    assert gather_caption(spec, 3, "max", taps, real, None, 2).endswith(
        "output cell row 1, column 1: the largest of 0, 2 and 1 is 2.")


def test_scatter_and_matrix_captions() -> None:
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()
    assert scatter_caption(spec, 4, 2.0) == (
        "Step 5 of 9: input cell row 1, column 1 holds 2; 2 times the kernel is added to "
        "output rows 1 to 3 and columns 1 to 3.")
    assert scatter_caption(spec, 0, 1.0).endswith("(the rest falls on the cropped border).")
    conv = ConvSpec(4, 3)
    text = matrix_caption(conv, 3)
    # row 4 of C is output (1, 1): the window covers input rows 1-3, columns 1-3
    assert text.startswith("Step 4 of 4: row 4 of C times vec(a) gives b₁₁ = w₀₀ a₁₁ + ")
    assert text.endswith("w₂₂ a₃₃.")
    assert text.count(" a") == 9  # no padding: every tap is a term
    # padding adds nothing: output (0, 0) of a padded conv has 4 of its 9 taps on the input
    corner = matrix_caption(ConvSpec(4, 3, padding=1), 0)
    assert corner.endswith("b₀₀ = w₁₁ a₀₀ + w₁₂ a₀₁ + w₂₁ a₁₀ + w₂₂ a₁₁.")
    assert subscript(1, 12) == "₁‚₁₂"
    # a rounded number looks rounded: three decimals and ≈ (1.005 and 0.999 are exact)
    assert [number(v) for v in (2, 1.5, 2 / 3, -0.25, 1.005, 0.999)] == [
        "2", "1.5", "≈0.667", "−0.25", "1.005", "0.999"]


def test_captions_hold_no_markdown_markup() -> None:
    spec = ConvSpec(5, 3, stride=2, padding=1)
    texts = [window_caption(spec, e) for e in range(9)] + [matrix_caption(spec, e)
                                                          for e in range(9)]
    texts.append(formula_in_words(spec))
    assert not any(re.search(r"[*_#`\[\]<>]", t) for t in texts)


# ------------------------------------------------------------ slide decks
needs_slides = pytest.mark.skipif(not slides_supported(),
                                  reason="manim-slides 5.7 runs on manim 0.21 only")


class _Tags(HTMLParser):
    """The tags of a page (comments are not tags), with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.notes: list[str] = []
        self._in_notes = False
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_notes = tag == "aside" and "notes" in (dict(attrs).get("class") or "")
        self._in_style = tag == "style"
        if self._in_notes:
            self.notes.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_notes = self._in_notes and tag != "aside"
        self._in_style = self._in_style and tag != "style"

    def handle_data(self, data: str) -> None:
        if self._in_notes:
            self.notes[-1] += data
        if self._in_style:
            self.styles.append(data)


class _IntroDeck(ArithmeticScene):
    spec = ConvSpec(3, 2)
    intro = True


class _MaxDeck(NumericalScene):
    spec = ConvSpec(4, 2, stride=2)
    mode = "max"


class _RelationshipDeck(AlphabetRelationshipScene):
    spec = ConvSpec(3, 2)


@needs_slides
@pytest.mark.render
def test_every_slide_has_its_step_as_speaker_note(tmp_path: Path) -> None:
    from convmanim.slides import render_slides

    html, deck = render_slides(_IntroDeck, "intro", quality=TINY, output_dir=tmp_path,
                               echo=False)
    notes = [s["notes"] for s in json.loads(deck.read_text())["slides"]]
    assert len(notes) == 5  # the intro, then one slide per step
    assert notes[0] == formula_in_words(_IntroDeck.spec)
    assert notes[1:] == [window_caption(_IntroDeck.spec, e) for e in range(4)]
    page = _Tags()
    page.feed(html.read_text(encoding="utf-8"))
    sections = [a for tag, a in page.tags if tag == "section"]
    assert len(sections) == len(page.notes) == 5  # one note per slide in the HTML too
    assert [" ".join(n.split()) for n in page.notes] == notes
    # the PowerPoint export keeps one note per slide
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "manim_slides", "convert", "--to", "pptx",
                    "--folder", str(tmp_path / "slides"), "intro", str(tmp_path / "i.pptx")],
                   check=True, capture_output=True, timeout=300)
    from pptx import Presentation

    slides = Presentation(str(tmp_path / "i.pptx")).slides
    assert [s.notes_slide.notes_text_frame.text for s in slides] == notes

    (deck,) = render_slides(_MaxDeck, "max", quality=TINY, output_dir=tmp_path, echo=False,
                            html=False)
    notes = [s["notes"] for s in json.loads(deck.read_text())["slides"]]
    x, _ = _MaxDeck.values()
    assert len(notes) == 4
    for step, note in enumerate(notes):
        row, col = divmod(step, 2)
        window = x[2 * row:2 * row + 2, 2 * col:2 * col + 2]
        assert note.endswith(f"is {number(window.max())}.")
        assert note.startswith(f"Step {step + 1} of 4, output cell row {row}, column {col}")

    (deck,) = render_slides(_RelationshipDeck, "rel", quality=TINY, output_dir=tmp_path,
                            echo=False, html=False)
    notes = [s["notes"] for s in json.loads(deck.read_text())["slides"]]
    assert len(notes) == 4 + 9
    assert notes[0].startswith("Step 1 of 13: row 1 of C times vec(a) gives b₀₀ = ")
    assert notes[4].startswith("Step 5 of 13: row 1 of Cᵀ times vec(b) gives c₀₀ = w₀₀ b₀₀")


@needs_slides
@pytest.mark.render
def test_the_html_deck_loads_no_script_or_stylesheet_from_the_network(tmp_path: Path) -> None:
    from convmanim.slides import render_slides

    html, _ = render_slides(_IntroDeck, "offline", quality=TINY, output_dir=tmp_path,
                            echo=False)
    page = _Tags()
    page.feed(html.read_text(encoding="utf-8"))
    scripts = [a for tag, a in page.tags if tag == "script"]
    sheets = [a for tag, a in page.tags if tag == "link" and "stylesheet" in (a.get("rel") or "")]
    remote = [a for a in scripts + sheets
              if re.match(r"\s*(https?:)?//", a.get("src") or a.get("href") or "")]
    assert not remote
    assert not [a for a in scripts if a.get("src")]  # every script is inlined
    assert not any(re.search(r"@import|url\(\s*['\"]?(https?:)?//", s) for s in page.styles)
    text = html.read_text(encoding="utf-8")
    assert "Reveal.initialize" in text and "RevealNotes" in text  # reveal.js and its notes
