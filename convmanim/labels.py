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

Typesetters
-----------
Every label asks the active :class:`Typesetter` for the SVG of its TeX, so
nothing in manim is patched: :class:`LatexTypesetter` (the default: LaTeX,
cached), the recorder of a :func:`batched` pass, and :class:`PangoTypesetter`
(``--no-tex``, see :mod:`convmanim.notex`). :func:`using_typesetter` makes
one active for the current context (a :class:`~contextvars.ContextVar`, so
threads and other contexts are not affected). Only the labels built here
(:func:`math_label`, :func:`text_label`, :class:`LabelMaker`) go through the
typesetter; a ``MathTex`` built directly is manim's own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np
from manim import (
    DEFAULT_FONT_SIZE,
    SCALE_FACTOR_PER_FONT_POINT,
    WHITE,
    Mobject,
    SVGMobject,
    VGroup,
    VMobject,
    config,
)
from manim.constants import RendererType
from manim.utils.color import ParsableManimColor
from manim.utils.tex import TexTemplate
from manim.utils.tex_file_writing import (
    convert_to_svg,
    generate_tex_file,
    make_tex_compilation_command,
    tex_hash,
)

from . import interrupt
from .files import clear_the_way, describe_os_error, remove_quietly
from .glyphs import intact_svg, read_outline
from .scratch import private_copy, private_dir
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
    "LatexTypesetter",
    "PangoTypesetter",
    "TexMissingError",
    "Typesetter",
    "batched",
    "check_tex_installed",
    "math_label",
    "missing_tex_tools",
    "pango_labels",
    "private_dir",
    "text_label",
    "typesetter",
    "use_pango",
    "using_typesetter",
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



class Typesetter(Protocol):
    """Turns the TeX of a label into an SVG file of its glyphs."""

    def svg(self, expression: str, environment: str | None, template: TexTemplate) -> Path:
        r"""The SVG of ``expression``, typeset in ``environment`` with ``template``.

        ``expression`` is a label's parts joined with their
        ``\special{dvisvgm:raw <g id='unique000'>}`` group markers, as manim's
        ``MathTex`` joins them; the SVG has one ``<g id>`` group per part.
        """
        ...


class LatexTypesetter:
    """LaTeX, one run per label not yet in the cache (:func:`batched` runs one for many)."""

    def svg(self, expression: str, environment: str | None, template: TexTemplate) -> Path:
        """The cached SVG, typeset now if it is missing; parsed from a private copy."""
        svg = _svg_path(expression, environment, template)
        note_label(svg.name)
        if not intact_svg(svg):  # missing, or cut short, empty or junk: typeset again
            runs: dict[str, _LatexRun] = {}
            try:
                _typeset([_Request(expression, environment, template, svg)], runs)
            finally:
                for run in runs.values():
                    run.close()
        return private_copy(svg)


class PangoTypesetter:
    """Pango, through :func:`convmanim.notex.tex_to_svg_file`: no LaTeX at all."""

    def svg(self, expression: str, environment: str | None, template: TexTemplate) -> Path:
        """The SVG drawn by Pango (the template's preamble does not apply)."""
        from .notex import tex_to_svg_file

        return private_copy(tex_to_svg_file(expression, environment))


_LATEX = LatexTypesetter()
_PANGO = PangoTypesetter()
_ACTIVE: ContextVar[Typesetter | None] = ContextVar("convmanim_typesetter", default=None)


def typesetter() -> Typesetter:
    """The active typesetter: the one :func:`using_typesetter` set, else LaTeX.

    Pango when :data:`~convmanim.texrun.NO_TEX_ENV` asks for it.
    """
    active = _ACTIVE.get()
    if active is not None:
        return active
    return _PANGO if no_tex_requested() else _LATEX


@contextmanager
def using_typesetter(typesetter: Typesetter) -> Iterator[Typesetter]:
    """Make ``typesetter`` the active one in the current context while active."""
    token = _ACTIVE.set(typesetter)
    try:
        yield typesetter
    finally:
        _ACTIVE.reset(token)


def use_pango() -> bool:
    """Whether labels are typeset with Pango (``--no-tex``) instead of LaTeX."""
    return isinstance(typesetter(), PangoTypesetter)


@contextmanager
def pango_labels() -> Iterator[None]:
    """Typeset every label with Pango while active; no LaTeX runs.

    See :mod:`convmanim.notex` for the TeX it understands.
    """
    with using_typesetter(_PANGO):
        yield


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


def _svg_path(expression: str, environment: str | None, template: TexTemplate) -> Path:
    """Where manim's Tex cache keeps the SVG of ``expression`` (manim's own name for it)."""
    return _tex_dir() / f"{tex_hash(_tex_code(expression, environment, template))}.svg"


def _private_copy_or_none(svg: Path) -> Path | None:
    """:func:`~convmanim.scratch.private_copy`, or ``None`` if the file went away meanwhile."""
    try:
        return private_copy(svg)
    except OSError:
        return None


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


class _Recorder:
    """The typesetter of a :func:`batched` pass: cached SVGs, and boxes for missing ones.

    Each missing label is recorded; the first one of each batchable template
    starts its LaTeX run (see :class:`_LatexRun`) in :attr:`runs`, so that
    LaTeX loads its preamble while the rest of the pass is built.
    """

    def __init__(self) -> None:
        self.requests: list[_Request] = []
        self.runs: dict[str, _LatexRun] = {}
        self._tex_ready: bool | None = None

    def svg(self, expression: str, environment: str | None, template: TexTemplate) -> Path:
        """The cached SVG, or a placeholder while the label waits for its batch."""
        svg = _svg_path(expression, environment, template)
        note_label(svg.name)
        if intact_svg(svg):  # a truncated, empty or junk entry is typeset again
            copy = _private_copy_or_none(svg)
            if copy is not None:
                return copy
        request = _Request(expression, environment, template, svg)
        self.requests.append(request)
        if _can_batch(template):
            if self._tex_ready is None:
                self._tex_ready = not missing_tex_tools()
            key = repr(template)
            if key not in self.runs:
                with interrupt.shielded():  # started and remembered together
                    self.runs[key] = _LatexRun(template, start=self._tex_ready)
            self.runs[key].add(request)
        return _placeholder(expression)


_MAX_PASSES = 4


def batched(factory: Callable[[], T]) -> T:
    """Call ``factory`` with all its LaTeX labels typeset in one batch.

    Parameters
    ----------
    factory
        Builds and returns mobjects; every label it builds through this
        module (:func:`math_label`, :func:`text_label`, :class:`LabelMaker`)
        is batched. It is called again after
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
        return factory()
    for _ in range(_MAX_PASSES):
        recorder = _Recorder()
        try:
            with using_typesetter(recorder):
                result = factory()
            if not recorder.requests:
                return result
            _typeset(recorder.requests, recorder.runs)
        except OSError as exc:  # the cache's disk is full, or it turned read-only
            raise LabelError(f"label cache {str(_tex_dir().parent)!r} is not writable "
                             f"({describe_os_error(exc)}): set CONVMANIM_CACHE to a writable "
                             "one") from None
        finally:
            for run in recorder.runs.values():
                run.close()
    raise LabelError("labels kept changing between passes: the factory is not deterministic")


def _typeset(requests: list[_Request], runs: dict[str, _LatexRun]) -> None:
    """Typeset ``requests`` into manim's Tex cache: one LaTeX run per template.

    Batchable templates go through a :class:`_LatexRun` each (``runs`` holds
    those already started, and gets the others; the caller closes them).
    Other templates are typeset one label at a time through manim's
    documented steps. LaTeX always runs with :data:`SAFE_TEX_ENV`.
    """
    check_tex_installed()
    rest: dict[Path, _Request] = {}
    for req in requests:
        if _can_batch(req.template):
            key = repr(req.template)
            if key not in runs:
                with interrupt.shielded():  # started and remembered together
                    runs[key] = _LatexRun(req.template, start=False)
            runs[key].add(req)
        else:
            rest.setdefault(req.svg_path, req)
    for run in runs.values():
        run.finish()
    for req in rest.values():
        _typeset_alone(req)


def _typeset_alone(req: _Request) -> None:
    """Typeset one label with any template, as manim's ``tex_to_svg_file`` does.

    The same documented steps (:func:`~manim.utils.tex_file_writing.generate_tex_file`,
    :func:`~manim.utils.tex_file_writing.make_tex_compilation_command`,
    :func:`~manim.utils.tex_file_writing.convert_to_svg`), with LaTeX run
    under :data:`SAFE_TEX_ENV`.
    """
    template = req.template
    clear_the_way(req.svg_path)
    remove_quietly(req.svg_path)  # a broken entry: manim would keep it as it is
    tex_file = generate_tex_file(req.expression, req.environment, template)
    compiled = tex_file.with_suffix(template.output_format)
    if not compiled.exists():
        # relative names, run in the Tex folder: SAFE_TEX_ENV refuses absolute paths
        command = make_tex_compilation_command(
            template.tex_compiler, template.output_format, Path(tex_file.name), Path(".")
        )
        done = subprocess.run(command, cwd=tex_file.parent, env={**os.environ, **SAFE_TEX_ENV},
                              check=False, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        if done.returncode != 0 or not compiled.exists():
            raise LabelError(_latex_failure(tex_file.with_suffix(".log"), [req]))
    try:
        convert_to_svg(compiled, template.output_format)
    except ValueError as exc:
        raise LabelError(f"dvisvgm could not convert the label {req.expression!r}: "
                         f"{' '.join(str(exc).split())}") from None


_BARE_TEMPLATE = TexTemplate(documentclass="", preamble="")
"""Wraps an expression in its environment, with no preamble around it."""

_STANDALONE = re.compile(r"\\documentclass\[(?P<opts>[^\]]*)\]\{standalone\}")


def _sets_whole_document(template: TexTemplate) -> bool:
    """Whether ``template.body`` was set, instead of built from the template's parts."""
    return template.body != dataclasses.replace(template).body


def _can_batch(template: TexTemplate) -> bool:
    return (
        not _sets_whole_document(template)
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
        if not all(intact_svg(svg) for svg in svgs):  # never let a broken SVG into the cache
            raise LabelError(f"dvisvgm wrote incomplete SVGs in the label cache "
                             f"{str(self.run.work.parent.parent)!r}: is its disk full?")
        for svg, req in zip(svgs, group):
            clear_the_way(req.svg_path)  # a folder there is junk in the cache
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
            template = self._templates[key] = _read_label(tex, font_size, color, math)
        return template.copy()

    def width(self, tex: str, font_size: float = 28) -> float:
        """Width of a label, without copying it."""
        return self._get_template(tex, font_size).width

    def size(self, tex: str, font_size: float = 28) -> tuple[float, float]:
        """``(width, height)`` of a label, without copying it."""
        template = self._get_template(tex, font_size)
        return template.width, template.height

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


_SEPARATOR = {True: " ", False: ""}
"""What ``MathTex`` (math) and ``Tex`` (text) put between their parts."""
_ENVIRONMENT = {True: "align*", False: "center"}


def _expression(parts: Sequence[str], math: bool) -> tuple[str, str, list[tuple[str, str]]]:
    r"""What ``MathTex(*parts)`` (or ``Tex``) asks LaTeX to typeset, as manim builds it.

    Each part is wrapped in ``\special{dvisvgm:raw <g id='uniqueNNN'>}`` ...
    ``\special{dvisvgm:raw </g>}`` (the separator inside, but for the last),
    so that the SVG has one group per part; unbalanced ``\left``/``\right``
    become ``\big`` and stray braces are balanced, as manim does. The
    expression is manim's own (a test checks it names the same cached SVG),
    so labels typeset here and MathTex share manim's Tex cache. Parts are
    taken as they are: manim's ``{{ ... }}`` splitting is not applied.

    Returns
    -------
    tuple
        The expression, its environment, and each part's source and group id.
    """
    strings = [p if isinstance(p, str) else str(p) for p in parts]
    strings = [p for p in strings if p]
    separator = _SEPARATOR[math]
    matches = [(tex, f"unique{i:03d}") for i, tex in enumerate(strings)]
    joined = "".join(
        rf"\special{{dvisvgm:raw <g id='{name}'>}}{tex}"
        + (separator if i < len(matches) - 1 else "")
        + r"\special{dvisvgm:raw </g>}"
        for i, (tex, name) in enumerate(matches)
    )
    return _balanced(joined.strip() or r"\quad"), _ENVIRONMENT[math], matches


def _balanced(tex: str) -> str:
    r"""``tex`` with unmatched ``\left``/``\right`` made ``\big`` and stray braces matched.

    As manim's ``SingleStringMathTex`` modifies the strings it typesets.
    """
    lefts, rights = (
        len([s for s in tex.split(word)[1:] if s and s[0] in "(){}[]|.\\"])
        for word in ("\\left", "\\right")
    )
    if lefts != rights:
        tex = tex.replace("\\left", "\\big").replace("\\right", "\\big")
    opened = tex.count("{") - tex.count("\\{") + tex.count("\\\\{")
    closed = tex.count("}") - tex.count("\\}") + tex.count("\\\\}")
    tex = "{" * max(0, closed - opened) + tex + "}" * max(0, opened - closed)
    if ("\\begin{array}" in tex) != ("\\end{array}" in tex):
        return ""  # manim drops an array that is begun and not ended (or the reverse)
    return tex


def _read_parts(
    parts: Sequence[str], font_size: float, color: ParsableManimColor, math: bool
) -> list[Label]:
    """The parts of ``MathTex(*parts)`` (or ``Tex``), each one :class:`Label`.

    The active :func:`typesetter` gives the SVG (recording a missing label
    for its batch inside :func:`batched`). Parts still missing get boxes of
    about their size: :func:`batched` always builds again once they are
    typeset. Typeset ones are read by :func:`~convmanim.glyphs.read_outline`
    into the points and style of the MathTex's parts; an SVG it does not
    read (Pango's, or anything under the OpenGL renderer) is parsed by
    manim's :class:`~manim.SVGMobject` exactly as a MathTex parses it.
    """
    expression, environment, matches = _expression(parts, math)
    svg = typesetter().svg(expression, environment, config["tex_template"])
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
    scale = font_size * SCALE_FACTOR_PER_FONT_POINT
    # OpenGL draws quadratic curves; the points read are Cairo's cubics
    outline = read_outline(svg) if config.renderer == RendererType.CAIRO else None
    if outline is None or any(name not in outline.groups for _, name in matches):
        return _parse_parts(svg, matches, scale, style)
    out = []
    for tex, name in matches:
        label = Label(tex, **style)
        label.set_points(outline.groups[name] * scale)
        out.append(label)
    return out


def _parse_parts(
    svg: Path, matches: list[tuple[str, str]], scale: float, style: dict[str, object]
) -> list[Label]:
    """The parts of a label SVG parsed as ``SingleStringMathTex`` parses it, each flattened."""
    mob = SVGMobject(
        file_name=svg,
        should_center=True,
        height=None,
        stroke_width=0,
        use_svg_cache=False,  # each distinct label is parsed once, by its LabelMaker
        path_string_config={
            "should_subdivide_sharp_curves": True,
            "should_remove_null_curves": True,
        },
    )
    mob.scale(scale)
    groups = mob.id_to_vgroup_dict
    if any(name not in groups for _, name in matches):  # as MathTex: the whole, as one part
        matches = [(" ".join(tex for tex, _ in matches), "root")]
        groups = {"root": mob}
    out = []
    for tex, name in matches:
        label = _flatten(groups[name], tex)
        label.set_style(**style)
        out.append(label)
    return out


def _read_label(tex: str, font_size: float, color: ParsableManimColor, math: bool) -> Label:
    """``MathTex(tex)`` (or ``Tex``) as one :class:`Label` read from its SVG."""
    parts = _read_parts([tex], font_size, color, math)
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
    :class:`LabelGroup` of them, indexed like the MathTex's parts. The active
    :func:`typesetter` typesets it; inside :func:`batched`, with the rest of
    the batch.
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
    if len(read) == 1:
        return read[0]
    return LabelGroup(*read, tex=_SEPARATOR[math].join(p.get_tex_string() for p in read))


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
