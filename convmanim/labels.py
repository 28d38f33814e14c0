"""Typesetting: every LaTeX label of a scene in one LaTeX run, cached.

Manim's :class:`~manim.MathTex` runs ``latex`` and ``dvisvgm`` once per
distinct label. A conv matrix has dozens of distinct labels (``a_{00}``,
``w_{12}``, ...), so that is the slowest thing a naive port does.

:func:`batched` builds mobjects in two passes. The first pass records every
label that is not yet in manim's Tex cache and stands in a box for it. The
first missing label starts one ``latex`` run over a multi-page document, which
loads its preamble while the pass goes on and gets the pages when it ends; one
``dvisvgm`` run then writes one SVG per page, straight into manim's cache under
the names manim itself would use. The second pass builds the real mobjects from
the cache. When every label is already cached the first pass is the result,
and nothing runs twice.

Labels are read straight from those SVGs (:mod:`convmanim.glyphs`) into one
path each (:func:`math_label`, :class:`LabelMaker`): the same points manim
would draw, without building a MathTex.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from unittest import mock

import numpy as np
from manim import (
    DEFAULT_FONT_SIZE,
    SCALE_FACTOR_PER_FONT_POINT,
    WHITE,
    Mobject,
    VGroup,
    VMobject,
    config,
)
from manim.constants import RendererType
from manim.mobject.text import tex_mobject
from manim.utils.color import ParsableManimColor
from manim.utils.tex import TexTemplate
from manim.utils.tex_file_writing import tex_hash

from .glyphs import read_outline
from .texrun import (
    NO_TEX_ENV,
    SAFE_TEX_ENV,
    LatexRun,
    document_head,
    no_tex_requested,
    note_label,
    take_spare,
    write_atomically,
)

__all__ = [
    "Label",
    "LabelError",
    "LabelGroup",
    "LabelMaker",
    "TexMissingError",
    "batched",
    "check_tex_installed",
    "math_label",
    "missing_tex_tools",
    "pango_labels",
    "private_dir",
    "text_label",
    "use_pango",
]

T = TypeVar("T")

TEX_INSTALL_HINT = (
    "sudo apt-get install --no-install-recommends texlive-latex-base "
    "texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended dvisvgm"
)


class LabelError(RuntimeError):
    """A label could not be typeset. The message is one line."""


class TexMissingError(LabelError):
    """``latex`` or ``dvisvgm`` is not installed."""


def missing_tex_tools() -> list[str]:
    """Names of the TeX programs that are not on ``PATH``."""
    return [tool for tool in ("latex", "dvisvgm") if shutil.which(tool) is None]


def check_tex_installed() -> None:
    """Raise :class:`TexMissingError` with the install command if TeX is missing."""
    missing = missing_tex_tools()
    if missing:
        raise TexMissingError(
            f"LaTeX labels need {' and '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed: {TEX_INSTALL_HINT}; "
            f"or add --no-tex ({NO_TEX_ENV}=1 from Python) to typeset the labels with Pango"
        )



_pango_depth = 0


def use_pango() -> bool:
    """Whether labels are typeset with Pango (``--no-tex``) instead of LaTeX."""
    return _pango_depth > 0 or no_tex_requested()


@contextmanager
def pango_labels() -> Iterator[None]:
    """Typeset every ``MathTex`` and ``Tex`` with Pango while active; no LaTeX runs.

    See :mod:`convmanim.notex` for the TeX it understands.
    """
    global _pango_depth
    from .notex import tex_to_svg_file

    _pango_depth += 1
    try:
        with mock.patch.object(tex_mobject, "tex_to_svg_file", tex_to_svg_file):
            yield
    finally:
        _pango_depth -= 1


@dataclass(frozen=True)
class _Request:
    expression: str
    environment: str | None
    template: TexTemplate
    svg_path: Path


def _tex_code(expression: str, environment: str | None, template: TexTemplate) -> str:
    if environment is not None:
        return template.get_texcode_for_expression_in_env(expression, environment)
    return template.get_texcode_for_expression(expression)


def _tex_dir() -> Path:
    path = Path(config.get_dir("tex_dir"))
    path.mkdir(parents=True, exist_ok=True)
    return path


_PRIVATE: Path | None = None


def private_dir() -> Path:
    """A folder of this process's own, removed when it exits.

    manim parses an SVG by writing a modified copy beside it (``NAME_.svg``)
    and deleting it afterwards, so two renders parsing the same cached label
    at once would delete each other's copies. Each process therefore parses
    its labels from its own folder.
    """
    global _PRIVATE
    if _PRIVATE is None or not _PRIVATE.is_dir():
        _PRIVATE = Path(tempfile.mkdtemp(prefix=f"convmanim-{os.getpid()}-"))
        atexit.register(shutil.rmtree, _PRIVATE, ignore_errors=True)
    return _PRIVATE


def _private_copy(svg: Path) -> Path:
    """``svg``, linked (or copied) into :func:`private_dir` for parsing."""
    target = private_dir() / svg.name
    if not target.exists():
        try:
            os.link(svg, target)
        except OSError:
            shutil.copyfile(svg, target)
    return target


def _placeholder(expression: str) -> Path:
    r"""A tiny SVG with one group per ``\special`` id the expression opens.

    It lets the first pass build a structurally complete MathTex (its parts
    and isolated substrings) without LaTeX.
    """
    ids = re.findall(r"<g id='([^']+)'>", expression)
    body = "".join(f"<g id='{i}'><path d='M0 0h4v4h-4z'/></g>" for i in ids) or (
        "<path d='M0 0h4v4h-4z'/>"
    )
    key = hashlib.sha256(body.encode()).hexdigest()[:16]
    # Outside manim's Tex folder, whose clean-up deletes whatever is not an SVG.
    path = private_dir() / f"placeholder-{key}.svg"
    if not path.exists():
        write_atomically(
            path,
            "<svg xmlns='http://www.w3.org/2000/svg' width='4pt' height='4pt' "
            f"viewBox='0 0 4 4'>{body}</svg>",
        )
    return path


@contextmanager
def _recording(requests: list[_Request], runs: dict[str, _LatexRun]) -> Iterator[None]:
    """Make MathTex use cached SVGs and placeholders, recording what is missing.

    The first missing label of each batchable template starts its LaTeX run
    (see :class:`_LatexRun`) in ``runs``, so that LaTeX loads its preamble
    while the rest of the pass is built.
    """
    tex_ready: bool | None = None

    def record(
        expression: str,
        environment: str | None = None,
        tex_template: TexTemplate | None = None,
    ) -> Path:
        nonlocal tex_ready
        template = tex_template if tex_template is not None else config["tex_template"]
        code = _tex_code(expression, environment, template)
        svg = _tex_dir() / f"{tex_hash(code)}.svg"
        note_label(svg.name)
        if svg.exists():
            return _private_copy(svg)
        request = _Request(expression, environment, template, svg)
        requests.append(request)
        if _can_batch(template):
            if tex_ready is None:
                tex_ready = not missing_tex_tools()
            key = repr(template)
            if key not in runs:
                runs[key] = _LatexRun(template, start=tex_ready)
            runs[key].add(request)
        return _placeholder(expression)

    with mock.patch.object(tex_mobject, "tex_to_svg_file", record):
        yield


_MAX_PASSES = 4


def batched(factory: Callable[[], T]) -> T:
    """Call ``factory`` with all its LaTeX labels typeset in one batch.

    Parameters
    ----------
    factory
        Builds and returns mobjects; any :class:`~manim.MathTex` or
        :class:`~manim.Tex` it creates is batched. It is called again after
        each batch (twice on a cold cache, three times if its choice of labels
        depends on the size of other labels), so it must not have side effects
        beyond building its result.

    Returns
    -------
    T
        What ``factory`` returned, built with real typeset labels.

    Raises
    ------
    TexMissingError
        If labels are missing from the cache and LaTeX is not installed.
    LabelError
        If LaTeX cannot typeset a label.
    """
    if use_pango():
        with pango_labels():
            return factory()
    for _ in range(_MAX_PASSES):
        requests: list[_Request] = []
        runs: dict[str, _LatexRun] = {}
        try:
            with _recording(requests, runs):
                result = factory()
            if not requests:
                return result
            _typeset(requests, runs)
        finally:
            for run in runs.values():
                run.close()
    raise LabelError("labels kept changing between passes: the factory is not deterministic")


def _typeset(requests: list[_Request], runs: dict[str, _LatexRun]) -> None:
    """Typeset ``requests`` into manim's Tex cache: one LaTeX run per template.

    ``runs`` holds the runs already started for batchable templates; other
    templates are typeset one label at a time by manim. LaTeX runs with
    :data:`SAFE_TEX_ENV`, whichever template is used.
    """
    check_tex_installed()
    for run in runs.values():
        run.finish()
    rest: dict[Path, _Request] = {}
    for req in requests:
        if not _can_batch(req.template):
            rest.setdefault(req.svg_path, req)
    with mock.patch.dict(os.environ, SAFE_TEX_ENV):
        for req in rest.values():
            tex_mobject.tex_to_svg_file(req.expression, req.environment, req.template)


_BARE_TEMPLATE = TexTemplate(documentclass="", preamble="")
"""Wraps an expression in its environment, with no preamble around it."""

_STANDALONE = re.compile(r"\\documentclass\[(?P<opts>[^\]]*)\]\{standalone\}")


def _can_batch(template: TexTemplate) -> bool:
    return (
        not template._body
        and template.output_format == ".dvi"
        and template.tex_compiler in ("latex", "pdflatex")
        and _STANDALONE.fullmatch(template.documentclass.strip()) is not None
    )


class _LatexRun:
    """The labels of one batchable template, typeset in one :class:`~convmanim.texrun.LatexRun`.

    The run starts (or a spare one started by the command line is taken) as
    soon as the first missing label is recorded, so LaTeX loads its preamble
    while the rest of the pass is built; :meth:`finish` sends the pages once
    the pass has ended, and moves each SVG into manim's Tex cache under the
    name manim itself would use.

    Parameters
    ----------
    template
        A batchable template (see :func:`_can_batch`).
    start
        Start LaTeX now rather than in :meth:`finish`.
    """

    def __init__(self, template: TexTemplate, *, start: bool) -> None:
        match = _STANDALONE.fullmatch(template.documentclass.strip())
        assert match is not None
        head = document_head(match["opts"], template.preamble, template.post_doc_commands)
        compiler = template.tex_compiler if template.tex_compiler == "latex" else "latex"
        self.requests: dict[Path, _Request] = {}
        parent = _tex_dir()
        self.run = (take_spare(parent, head, compiler) if start else None) or LatexRun(
            parent, head, start=start, compiler=compiler
        )

    def add(self, request: _Request) -> None:
        """Add a label (once per SVG) as the next page."""
        self.requests.setdefault(request.svg_path, request)

    def finish(self) -> None:
        """Typeset every label added and move the SVGs into the cache."""
        group = list(self.requests.values())
        pages = []
        for req in group:
            body = _tex_code(req.expression, req.environment, _BARE_TEMPLATE)
            pages.append(
                body.removeprefix(r"\begin{document}").removesuffix(r"\end{document}").strip()
            )
        ok, svgs, error = self.run.typeset(pages)
        if not ok:
            raise LabelError(_latex_failure(self.run.log, group))
        if not svgs:
            raise LabelError(f"dvisvgm could not convert the labels: {error}")
        for svg, req in zip(svgs, group):
            os.replace(svg, req.svg_path)

    def close(self) -> None:
        """Stop LaTeX if it still runs, and remove its working folder."""
        self.run.close()


def _latex_failure(log: Path, group: list[_Request]) -> str:
    """One line naming the LaTeX error and the label that caused it."""
    if not log.exists():
        return "latex failed before writing a log: check the LaTeX installation"
    text = log.read_text(encoding="utf-8", errors="replace")
    error = next((line[2:] for line in text.splitlines() if line.startswith("! ")), "unknown error")
    shipped = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    page = (max(shipped) if shipped else 0) + 1
    culprit = group[min(page, len(group)) - 1].expression if group else "?"
    culprit = re.sub(r"\\special\{dvisvgm:raw [^}]*\}", "", culprit)
    return f"LaTeX could not typeset the label {culprit!r}: {error}"


class LabelMaker:
    """Builds each distinct label once and hands out light copies.

    Parsing a typeset SVG into a mobject costs far more than copying one, and
    a conv matrix repeats the same few labels many times over. Labels come out
    as one :class:`~manim.VMobject` holding every glyph, with a ``tex_string``
    attribute (copying a full MathTex costs twenty times more). Create one
    maker inside a :func:`batched` factory and build every label through it.

    Parameters
    ----------
    color
        Default label colour.
    """

    def __init__(self, color: str) -> None:
        self.color = color
        self._templates: dict[tuple[str, float, str, bool], Mobject] = {}

    def math(self, tex: str, font_size: float = 28, color: str | None = None) -> Mobject:
        """A copy of ``MathTex(tex)`` at ``font_size`` in ``color``."""
        return self._get(tex, font_size, color or self.color, True)

    def text(self, tex: str, font_size: float = 28, color: str | None = None) -> Mobject:
        """A copy of ``Tex(tex)`` (text mode) at ``font_size`` in ``color``."""
        return self._get(tex, font_size, color or self.color, False)

    def _get(self, tex: str, font_size: float, color: str, math: bool) -> Mobject:
        key = (tex, float(font_size), color, math)
        template = self._templates.get(key)
        if template is None:
            template = _read_label(tex, font_size, color, math)
            if template is None:
                cls = tex_mobject.MathTex if math else tex_mobject.Tex
                # each distinct label is parsed once here, so manim need not keep a copy
                template = _flatten(
                    cls(tex, font_size=font_size, color=color, use_svg_cache=False), tex
                )
            self._templates[key] = template
        return template.copy()

    def width(self, tex: str, font_size: float = 28) -> float:
        """Width of a label, without copying it."""
        return self._get_template(tex, font_size).width

    def _get_template(self, tex: str, font_size: float) -> Mobject:
        key = (tex, float(font_size), self.color, True)
        if key not in self._templates:
            self._get(tex, font_size, self.color, True)
        return self._templates[key]


class Label(VMobject):
    """A typeset label as one path, remembering its TeX source.

    Parameters
    ----------
    tex
        The TeX it was typeset from (``get_tex_string()`` as on a MathTex).
    **kwargs
        Passed to :class:`~manim.VMobject`.
    """

    def __init__(self, tex: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.tex_string = tex

    def get_tex_string(self) -> str:
        """The TeX source, as :meth:`manim.MathTex.get_tex_string` gives it."""
        return self.tex_string


class LabelGroup(VGroup):
    """The parts of ``MathTex(*parts)``, each a :class:`Label`, as one group.

    Indexing gives the parts, and :meth:`get_tex_string` the whole source, as
    on a MathTex.
    """

    def __init__(self, *parts: Label, tex: str = "", **kwargs: object) -> None:
        super().__init__(*parts, **kwargs)
        self.tex_string = tex

    def get_tex_string(self) -> str:
        """The TeX source, as :meth:`manim.MathTex.get_tex_string` gives it."""
        return self.tex_string


def _expression(parts: Sequence[str], math: bool) -> tuple[str, str, list[tuple[str, str]]]:
    """What ``MathTex(*parts)`` (or ``Tex``) asks manim to typeset.

    Returns the expression, its environment, and each part's source and SVG
    group id, as manim computes them.
    """
    probe = tex_mobject.MathTex.__new__(tex_mobject.MathTex)
    probe.arg_separator = " " if math else ""
    probe.brace_notation_split_occurred = False
    probe.matched_strings_and_ids = []
    strings = probe._prepare_tex_strings(parts)
    joined = probe._join_tex_strings_with_unique_deliminters(strings, [])
    return (
        probe._get_modified_expression(joined),
        "align*" if math else "center",
        list(probe.matched_strings_and_ids),
    )


def _read_parts(
    parts: Sequence[str], font_size: float, color: ParsableManimColor, math: bool
) -> list[Label] | None:
    """The parts of ``MathTex(*parts)`` read straight from its SVG, or ``None``.

    Asks for the SVG exactly as the MathTex would (so a missing label is
    recorded for typesetting, or typeset by manim outside :func:`batched`).
    Parts still missing get boxes of about their size: :func:`batched` always
    builds again once they are typeset. Typeset ones are read by
    :func:`~convmanim.glyphs.read_outline` into the points and style of the
    MathTex's parts, each flattened; ``None`` means it could not read the SVG
    (build the MathTex instead).
    """
    if config.renderer != RendererType.CAIRO:
        return None  # OpenGL draws quadratic curves; the points read are Cairo's cubics
    expression, environment, matches = _expression(parts, math)
    svg = Path(tex_mobject.tex_to_svg_file(expression, environment, config["tex_template"]))
    style = {"fill_color": color, "fill_opacity": 1.0, "stroke_color": color, "stroke_width": 0}
    if svg.name.startswith("placeholder-"):
        height = 0.5 * font_size / 48
        boxes = []
        left = 0.0
        for tex, _ in matches:
            width = height * max(1, len(tex)) / 3
            box = Label(tex, **style)
            box.set_points_as_corners([[left, 0, 0], [left + width, 0, 0],
                                       [left + width, height, 0], [left, height, 0],
                                       [left, 0, 0]])
            boxes.append(box)
            left += width
        return boxes
    outline = read_outline(svg)
    if outline is None or any(name not in outline.groups for _, name in matches):
        return None
    scale = font_size * SCALE_FACTOR_PER_FONT_POINT
    out = []
    for tex, name in matches:
        label = Label(tex, **style)
        label.set_points(outline.groups[name] * scale)
        out.append(label)
    return out


def _read_label(tex: str, font_size: float, color: ParsableManimColor, math: bool) -> Label | None:
    """``MathTex(tex)`` (or ``Tex``) as one :class:`Label` read from its SVG, or ``None``."""
    parts = _read_parts([tex], font_size, color, math)
    if parts is None:
        return None
    if len(parts) == 1:
        return parts[0]
    label = Label(tex)
    label.set_points(np.concatenate([p.points for p in parts]) if parts else np.zeros((0, 3)))
    if parts:
        label.match_style(parts[0])
    return label


def math_label(
    *parts: str, font_size: float = DEFAULT_FONT_SIZE, color: ParsableManimColor = WHITE
) -> Mobject:
    """``MathTex(*parts)``, built straight from its typeset SVG.

    It draws the same as the MathTex and costs a small fraction of it. One
    part gives a :class:`Label` (one path); several give a
    :class:`LabelGroup` of them, indexed like the MathTex's parts. Where the
    SVG cannot be read directly, the MathTex itself is built (flattened to a
    :class:`Label` when it has one part). Inside :func:`batched` the labels
    are typeset with the rest of the batch.
    """
    return _build(parts, font_size, color, math=True)


def text_label(
    *parts: str, font_size: float = DEFAULT_FONT_SIZE, color: ParsableManimColor = WHITE
) -> Mobject:
    """``Tex(*parts)`` (text mode), as :func:`math_label` builds ``MathTex``."""
    return _build(parts, font_size, color, math=False)


def _build(
    parts: Sequence[str], font_size: float, color: ParsableManimColor, math: bool
) -> Mobject:
    read = _read_parts(parts, font_size, color, math)
    if read is not None:
        if len(read) == 1:
            return read[0]
        separator = " " if math else ""  # MathTex's and Tex's arg_separator
        return LabelGroup(*read, tex=separator.join(p.get_tex_string() for p in read))
    cls = tex_mobject.MathTex if math else tex_mobject.Tex
    mob = cls(*parts, font_size=font_size, color=color, use_svg_cache=False)
    return _flatten(mob, mob.get_tex_string()) if len(mob.submobjects) == 1 else mob


def _flatten(mob: Mobject, tex: str) -> Label:
    """The glyphs of a typeset label as one plain path (copies and frames cost far less).

    Every glyph becomes a sub-path of a single :class:`~manim.VMobject`, so a
    label costs the renderer one mobject instead of one per glyph. Glyphs of
    one label share its colour, so nothing is lost.
    """
    glyphs = [g for g in mob.family_members_with_points() if len(g.points)]
    flat = Label(tex)
    if glyphs:
        flat.set_points(np.concatenate([g.points for g in glyphs]))
        flat.match_style(glyphs[0])
    return flat
