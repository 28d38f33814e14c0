"""The no-LaTeX typesetter: convmanim.notex (Pango) against matplotlib's mathtext.

Every distinct label that seven scenes of the three modes draw is typeset
three ways: by LaTeX (the reference), by :mod:`convmanim.notex` and by
matplotlib's mathtext (Computer Modern, ``TextPath``). Each result is filled
at the same font size, centred on LaTeX's, and scored by the share of its ink
within 2 px (1/20 of a digit's height) of LaTeX's ink and the other way round
(an F-score: 1 is the same picture). The table gives the median score, the
width and height against LaTeX's, per kind of label, the labels each could
not typeset, and the time per label.

matplotlib is not a dependency of convmanim: ``pip install matplotlib`` first.

Usage::

    python bench/typesetters.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from statistics import median

import numpy as np

try:
    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path as MplPath
    from matplotlib.textpath import TextPath
except ImportError:
    sys.exit("bench/typesetters.py compares with matplotlib's mathtext: pip install matplotlib")

import cairo

PX = 300
"""Pixels per manim unit (a font-size-48 digit is about 40 px high)."""


def collect() -> list[tuple[tuple[str, ...], bool]]:
    """Every distinct label (parts, math) the modes draw, in the order they are drawn."""
    from manim import BLACK  # noqa: F401  (manim configured before the scenes import)

    from convmanim import (
        AlphabetRelationshipScene,
        AlphabetScene,
        ArithmeticScene,
        ConvSpec,
        NumericalScene,
        labels,
    )
    from convmanim.render import play_scene

    seen: dict[tuple[tuple[str, ...], bool], None] = {}
    real = labels._read_parts

    def spy(parts, font_size, color, math):
        seen[(tuple(parts), bool(math))] = None
        return real(parts, font_size, color, math)

    def scene(base: type, **attrs: object) -> type:
        return type(base.__name__, (base,), {"intro": True, **attrs})

    spec = ConvSpec(5, 3, stride=2, padding=1)
    scenes = [
        scene(ArithmeticScene, spec=spec, show_weights=True),
        scene(ArithmeticScene, spec=spec.transposed(), show_weights=True),
        scene(ArithmeticScene, spec=ConvSpec((6, 5), (3, 2), dilation=2), show_weights=True),
        *(scene(NumericalScene, spec=ConvSpec(6, 2, stride=2, padding=1), mode=m)
          for m in ("convolution", "average", "max")),
        scene(NumericalScene, spec=spec.transposed()),
        scene(NumericalScene, spec=ConvSpec(4, 3).transposed()),
        scene(AlphabetScene, spec=ConvSpec(4, 3)),
        scene(AlphabetScene, spec=spec.transposed()),
        scene(AlphabetRelationshipScene, spec=spec),
        scene(AlphabetScene, spec=ConvSpec(4, 3, in_channels=2, out_channels=2)),
    ]
    labels._read_parts = spy
    try:
        for cls in scenes:
            play_scene(cls, "1280x720@2", draw=False)
    finally:
        labels._read_parts = real
    return list(seen)


def _fill(draw: object, size: tuple[int, int]) -> np.ndarray:
    surface = cairo.ImageSurface(cairo.FORMAT_A8, *size)
    ctx = cairo.Context(surface)
    ctx.set_fill_rule(cairo.FILL_RULE_WINDING)
    draw(ctx)  # type: ignore[operator]
    ctx.fill()
    rows = np.frombuffer(surface.get_data(), np.uint8).reshape(size[1], surface.get_stride())
    return rows[:, :size[0]] > 127


def fill_cubics(points: np.ndarray, shift: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The filled glyphs of manim's cubic Bézier points, as a mask."""
    def draw(ctx: cairo.Context) -> None:
        last = None
        for i in range(0, len(points) - len(points) % 4, 4):
            a, b, c, d = ((points[i + j, :2] + shift) * PX for j in range(4))
            if last is None or np.linalg.norm(a - last) > 1e-6:
                ctx.move_to(a[0], size[1] - a[1])
            ctx.curve_to(b[0], size[1] - b[1], c[0], size[1] - c[1], d[0], size[1] - d[1])
            last = d
    return _fill(draw, size)


def fill_path(vertices: np.ndarray, codes: np.ndarray, shift: np.ndarray,
              size: tuple[int, int]) -> np.ndarray:
    """The filled glyphs of a matplotlib path, as a mask."""
    v = (vertices + shift) * PX
    v[:, 1] = size[1] - v[:, 1]

    def draw(ctx: cairo.Context) -> None:
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == MplPath.MOVETO:
                ctx.move_to(*v[i])
                i += 1
            elif code == MplPath.LINETO:
                ctx.line_to(*v[i])
                i += 1
            elif code == MplPath.CURVE3:  # quadratic: raise to cubic
                p0 = np.array(ctx.get_current_point())
                q, e = v[i], v[i + 1]
                ctx.curve_to(*(p0 + 2 / 3 * (q - p0)), *(e + 2 / 3 * (q - e)), *e)
                i += 2
            elif code == MplPath.CURVE4:
                ctx.curve_to(*v[i], *v[i + 1], *v[i + 2])
                i += 3
            else:
                if code == MplPath.CLOSEPOLY:
                    ctx.close_path()
                i += 1
    return _fill(draw, size)


def _dilate(mask: np.ndarray, r: int = 2) -> np.ndarray:
    out = mask.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            out |= np.roll(np.roll(mask, dy, 0), dx, 1)
    return out


def score(reference: np.ndarray, candidate: np.ndarray) -> float:
    """F-score of ink within 2 px of the other's ink (1: the same picture)."""
    if not reference.sum() or not candidate.sum():
        return 0.0
    precision = (candidate & _dilate(reference)).sum() / candidate.sum()
    recall = (reference & _dilate(candidate)).sum() / reference.sum()
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def kind(parts: tuple[str, ...]) -> str:
    """Which kind of label: the table's rows."""
    tex = "".join(parts)
    if "pmatrix" in tex:
        return "scatter captions (pmatrix)"
    if r"\text" in tex:
        return "text (titles, notes)"
    return "symbols (a_{ij}, w_{ij}, ...)" if len(tex) <= 16 else "formulas and captions"


def main() -> None:
    """Typeset every label three ways and print the comparison."""
    os.environ["CONVMANIM_CACHE"] = tempfile.mkdtemp(prefix="convmanim-bench-")
    from manim import BLACK, SCALE_FACTOR_PER_FONT_POINT

    from convmanim import labels
    from convmanim.notex import svg_for

    drawn = collect()
    matplotlib.rcParams["mathtext.fontset"] = "cm"
    font = FontProperties(family="cmr10", size=10)
    scale = 48 * SCALE_FACTOR_PER_FONT_POINT  # a 10 pt page at font size 48
    latex = labels.batched(lambda: [labels._read_parts(p, 48, BLACK, m) for p, m in drawn])
    rows: dict[str, list[tuple[float, float, float, float | None, float, float]]] = {}
    failed: list[str] = []
    spent = {"pango": 0.0, "mathtext": 0.0}
    for (parts, math), ref_parts in zip(drawn, latex):
        ref = np.concatenate([p.points for p in ref_parts])
        low, high = ref[:, :2].min(axis=0), ref[:, :2].max(axis=0)
        width, height = high - low
        size = (int((width * 1.6 + 0.4) * PX), int((height * 1.6 + 0.4) * PX))
        middle = np.array(size) / PX / 2
        reference = fill_cubics(ref, middle - (low + high) / 2, size)

        expression, environment, _ = labels._expression(parts, math)
        start = time.perf_counter()
        svg_for(expression, environment)
        spent["pango"] += time.perf_counter() - start
        with labels.pango_labels():
            pango = np.concatenate([p.points for p in labels._read_parts(parts, 48, BLACK, math)])
        plow, phigh = pango[:, :2].min(axis=0), pango[:, :2].max(axis=0)
        p_score = score(reference, fill_cubics(pango, middle - (plow + phigh) / 2, size))
        p_w, p_h = (phigh - plow) / (high - low)

        source = (" " if math else "").join(parts)
        m_score = m_w = m_h = None
        try:
            start = time.perf_counter()
            path = TextPath((0, 0), f"${source}$" if math else source, size=10, prop=font)
            spent["mathtext"] += time.perf_counter() - start
            vertices = path.vertices * scale
            mlow, mhigh = vertices.min(axis=0), vertices.max(axis=0)
            m_score = score(reference, fill_path(vertices, path.codes,
                                                 middle - (mlow + mhigh) / 2, size))
            m_w, m_h = (mhigh - mlow) / (high - low)
        except Exception:  # mathtext cannot typeset it
            failed.append(source)
        rows.setdefault(kind(parts), []).append((p_score, p_w, p_h, m_score, m_w, m_h))

    print(f"{len(drawn)} distinct labels, each against LaTeX: ink score (1 = the same), "
          "width and height ratios (medians)")
    print(f"{'kind':32} {'n':>4} | {'Pango':>6} {'w':>5} {'h':>5} | {'mathtext':>8} {'w':>5} "
          f"{'h':>5} {'fails':>5}")
    for name, values in sorted(rows.items()):
        ok = [v for v in values if v[3] is not None]

        def med(vs: list, k: int) -> str:
            return f"{median(v[k] for v in vs):.2f}" if vs else "-"

        print(f"{name:32} {len(values):4d} | {med(values, 0):>6} {med(values, 1):>5} "
              f"{med(values, 2):>5} | {med(ok, 3):>8} {med(ok, 4):>5} {med(ok, 5):>5} "
              f"{len(values) - len(ok):5d}")
    print(f"mathtext could not typeset {len(failed)}: " + "; ".join(sorted(set(failed)))[:300])
    print(f"time per label: Pango {1000 * spent['pango'] / len(drawn):.1f} ms, mathtext "
          f"{1000 * spent['mathtext'] / max(1, len(drawn) - len(failed)):.1f} ms")


if __name__ == "__main__":
    main()
