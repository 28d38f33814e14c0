r"""Labels without LaTeX: the TeX the modes write, typeset with Pango.

When ``latex`` or ``dvisvgm`` is missing, ``--no-tex`` makes
:class:`~convmanim.labels.PangoTypesetter` the active typesetter: its SVGs come
from :func:`tex_to_svg_file`, which reads the small part of TeX that
convmanim's labels use and draws it with Pango (through manimpango, which
manim already needs for its ``Text``). Every mode stays unchanged: its labels
ask the active typesetter, whichever it is.

What is understood
------------------
Math and text mode (``$...$``, ``\text``, ``\textbf``, ``\mathrm``,
``\mathbf``), sub- and superscripts, ``\frac``, ``\left ... \right`` with
stretched delimiters, ``pmatrix`` (and ``bmatrix``, ``vmatrix``, ``matrix``),
spaces (``\,`` ``\;`` ``\quad``), operator names (``\max``, ``\bmod``), Greek
letters and the usual symbols (``\cdot``, ``\times``, ``\cdots``, ``\vdots``,
``\infty``, ``\top``, ``\lfloor``...). An unknown command is written out as
its name in roman type; nothing here ever runs a program.

How ``MathTex`` parts line up
-----------------------------
``MathTex("b", "=", "c")`` wraps each part in
``\special{dvisvgm:raw <g id='unique000'>}`` ... ``\special{dvisvgm:raw </g>}``
and later looks the parts up by those ids in the SVG. Here the markers become
the same ``<g id>`` groups, holding every glyph typeset while they were open,
so the parts line up exactly as they do with LaTeX.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .files import FileError, clear_the_way, describe_os_error
from .glyphs import intact_svg
from .texrun import write_atomically

__all__ = ["FONT", "svg_for", "tex_to_svg_file"]

FONT = "Latin Modern Roman, CMU Serif, DejaVu Serif, Serif"
"""Pango font list: Latin Modern looks like LaTeX; DejaVu Serif is on every system."""

_VERSION = "2"
_REF_SIZE = 100
"""manimpango size used to draw glyphs (1 em is 4/3 of it, in SVG units)."""
_REF_EM = _REF_SIZE * 4 / 3
_EM = 10.0
"""SVG units per em in the files written: dvisvgm's points for a 10 pt font."""
_SENTINEL = "|"

# ------------------------------------------------------------------ symbols
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ",
    "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ",
    "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}

# name -> (text, spacing class)
_SYMBOLS: dict[str, tuple[str, str]] = {
    "times": ("×", "bin"), "cdot": ("⋅", "bin"), "pm": ("±", "bin"), "mp": ("∓", "bin"),
    "div": ("÷", "bin"), "ast": ("∗", "bin"), "star": ("⋆", "bin"), "circ": ("∘", "bin"),
    "bullet": ("•", "bin"), "otimes": ("⊗", "bin"), "oplus": ("⊕", "bin"),
    "cdots": ("⋯", "ord"), "dots": ("…", "ord"), "ldots": ("…", "ord"),
    "vdots": ("⋮", "ord"), "ddots": ("⋱", "ord"), "infty": ("∞", "ord"),
    "top": ("⊤", "ord"), "prime": ("′", "ord"), "partial": ("∂", "ord"),
    "nabla": ("∇", "ord"), "ell": ("ℓ", "ord"), "backslash": ("\\", "ord"),
    "to": ("→", "rel"), "rightarrow": ("→", "rel"), "leftarrow": ("←", "rel"),
    "mapsto": ("↦", "rel"), "le": ("≤", "rel"), "leq": ("≤", "rel"), "ge": ("≥", "rel"),
    "geq": ("≥", "rel"), "ne": ("≠", "rel"), "neq": ("≠", "rel"), "approx": ("≈", "rel"),
    "equiv": ("≡", "rel"), "sim": ("∼", "rel"), "in": ("∈", "rel"), "mid": ("|", "rel"),
    "lfloor": ("⌊", "open"), "rfloor": ("⌋", "close"), "lceil": ("⌈", "open"),
    "rceil": ("⌉", "close"), "langle": ("⟨", "open"), "rangle": ("⟩", "close"),
    "lbrace": ("{", "open"), "rbrace": ("}", "close"), "vert": ("|", "ord"),
    "sum": ("∑", "op"), "prod": ("∏", "op"),
}
_OPERATORS = {"max", "min", "sin", "cos", "tan", "log", "ln", "exp", "det", "dim", "lim",
              "sup", "inf", "arg", "ker", "deg", "gcd"}
_SPACES = {",": 0.167, ":": 0.222, ">": 0.222, ";": 0.278, "!": -0.167, " ": 0.333,
           "quad": 1.0, "qquad": 2.0, "enspace": 0.5, "thinspace": 0.167,
           "medspace": 0.222, "thickspace": 0.278, "hfill": 0.5}
_ESCAPED = set("{}%&#_$")
_IGNORED = {"displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "left.",
            "right.", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
            "nonumber", "notag", "centering", "noindent", "relax", "strut"}
_TEXT_COMMANDS = {"text": "rm", "textrm": "rm", "textnormal": "rm", "mbox": "rm",
                  "textup": "rm", "textbf": "bf", "textit": "it", "emph": "it",
                  "textsf": "rm", "texttt": "rm"}
_MATH_STYLES = {"mathrm": "rm", "operatorname": "rm", "mathbf": "bf", "boldsymbol": "bfit",
                "mathit": "it", "mathsf": "rm", "mathtt": "rm", "mathnormal": None}
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305",
            "tilde": "\u0303", "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307",
            "ddot": "\u0308"}
_MATRICES = {"pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "vmatrix": ("|", "|"),
             "Bmatrix": ("{", "}"), "matrix": ("", ""), "array": ("", ""),
             "smallmatrix": ("", ""), "cases": ("{", "")}
_DELIMS = {"(": "(", ")": ")", "[": "[", "]": "]", "|": "|", "/": "/", ".": "",
           r"\{": "{", r"\}": "}", r"\lfloor": "⌊", r"\rfloor": "⌋", r"\lceil": "⌈",
           r"\rceil": "⌉", r"\langle": "⟨", r"\rangle": "⟩", r"\vert": "|", r"\|": "‖"}

# ----------------------------------------------------------------- tokens
_TOKEN = re.compile(
    r"\\special\{dvisvgm:raw <g id='(?P<open>[^']*)'>\}"
    r"|\\special\{dvisvgm:raw </g>\}"
    r"|\\(?P<cmd>[A-Za-z]+)\s*"
    r"|\\(?P<sym>.)"
    r"|(?P<space>\s+)"
    r"|(?P<char>.)",
    re.S,
)


@dataclass
class _Tok:
    kind: str  # open close cmd sym space char
    value: str = ""


def _tokens(tex: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(tex):
        if m["open"] is not None:
            out.append(_Tok("open", m["open"]))
        elif m.group(0).startswith(r"\special"):
            out.append(_Tok("close"))
        elif m["cmd"] is not None:
            out.append(_Tok("cmd", m["cmd"]))
        elif m["sym"] is not None:
            out.append(_Tok("sym", m["sym"]))
        elif m["space"] is not None:
            out.append(_Tok("space", " "))
        else:
            out.append(_Tok("char", m["char"]))
    return out


# ------------------------------------------------------------------ nodes
@dataclass
class _Leaf:
    """Something drawn: a run of text, a rule, or a stretched delimiter."""

    kind: str  # run rule
    text: str = ""
    style: str = "rm"  # rm it bf bfit


@dataclass
class _Glyphs:
    leaf: _Leaf
    cls: str = "ord"


@dataclass
class _Kern:
    em: float


@dataclass
class _List:
    items: list[object]


@dataclass
class _Scripts:
    base: object
    sub: _List | None = None
    sup: _List | None = None


@dataclass
class _Frac:
    num: _List
    den: _List
    rule: _Leaf


@dataclass
class _Fenced:
    left: _Leaf | None
    body: object
    right: _Leaf | None


@dataclass
class _Matrix:
    rows: list[list[_List]]


@dataclass
class _Lines:
    lines: list[_List]


class _Parser:
    """Reads the TeX subset into nodes, recording group markers in order."""

    def __init__(self, tex: str, math: bool) -> None:
        self.toks = _tokens(tex)
        self.pos = 0
        self.events: list[tuple[str, object]] = []
        self.math = math

    # ------------------------------------------------------------ helpers
    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def leaf(self, text: str, style: str, cls: str = "ord") -> _Glyphs:
        leaf = _Leaf("run", text, style)
        self.events.append(("leaf", leaf))
        return _Glyphs(leaf, cls)

    def rule(self) -> _Leaf:
        leaf = _Leaf("rule")
        self.events.append(("leaf", leaf))
        return leaf

    def markers(self) -> None:
        """Record group markers that come next (they may sit anywhere)."""
        while (tok := self.peek()) is not None and tok.kind in ("open", "close"):
            self.take()
            self.events.append((tok.kind, tok.value))

    def group_text(self) -> str:
        """The raw text of a ``{...}`` argument (for environment names)."""
        self.skip_spaces()
        tok = self.peek()
        if tok is None or tok.value != "{" or tok.kind != "char":
            return self.take().value if tok is not None else ""
        self.take()
        out = []
        while (tok := self.peek()) is not None and not (tok.kind == "char" and tok.value == "}"):
            out.append(self.take().value)
        if tok is not None:
            self.take()
        return "".join(out)

    def skip_spaces(self) -> None:
        while (tok := self.peek()) is not None and tok.kind == "space":
            self.take()

    # ------------------------------------------------------------ parsing
    def parse(self) -> object:
        lines = [self.hlist(math=self.math, style="it" if self.math else "rm", stop="top")]
        while (tok := self.peek()) is not None:
            self.take()
            if tok.kind == "sym" and tok.value == "\\":
                lines.append(self.hlist(math=self.math, style="it" if self.math else "rm",
                                        stop="top"))
        return lines[0] if len(lines) == 1 else _Lines(lines)

    def argument(self, math: bool, style: str) -> _List:
        """A ``{...}`` group or a single token, as a list."""
        self.skip_spaces()
        self.markers()
        tok = self.peek()
        if tok is None:
            return _List([])
        if tok.kind == "char" and tok.value == "{":
            self.take()
            return self.hlist(math=math, style=style, stop="}")
        return _List(self.atom(math, style, single=True))

    def hlist(self, *, math: bool, style: str, stop: str) -> _List:
        r"""Parse until ``stop``: ``}``, ``cell`` (``&``, ``\\``, ``\end``), ``right``, ``top``."""
        items: list[object] = []
        while (tok := self.peek()) is not None:
            if tok.kind in ("open", "close"):
                self.markers()
                continue
            if tok.kind == "char" and tok.value == "}":
                if stop == "}":
                    self.take()
                    return _List(items)
                self.take()  # an unmatched brace: ignore it
                continue
            if stop == "cell" and (
                (tok.kind == "char" and tok.value == "&")
                or (tok.kind == "sym" and tok.value == "\\")
                or (tok.kind == "cmd" and tok.value == "end")
            ):
                return _List(items)
            if stop == "right" and tok.kind == "cmd" and tok.value == "right":
                return _List(items)
            if stop == "top" and tok.kind == "sym" and tok.value == "\\":
                return _List(items)
            if tok.kind == "char" and tok.value in "_^" and math:
                self.take()
                self.scripts(items, tok.value, style)
                continue
            items.extend(self.atom(math, style))
        return _List(items)

    def scripts(self, items: list[object], which: str, style: str) -> None:
        base = items.pop() if items and not isinstance(items[-1], _Kern) else _List([])
        node = base if isinstance(base, _Scripts) else _Scripts(base)
        arg = self.argument(True, "it")
        if which == "_":
            node.sub = arg
        else:
            node.sup = arg
        items.append(node)

    def atom(self, math: bool, style: str, *, single: bool = False) -> list[object]:
        tok = self.take()
        if tok.kind == "space":
            return [] if math else [_Kern(0.333)]
        if tok.kind == "char":
            return self.char(tok.value, math, style, single)
        if tok.kind == "sym":
            if tok.value in _SPACES:
                return [_Kern(_SPACES[tok.value])]
            if tok.value in _ESCAPED:
                return [self.leaf(tok.value, "rm" if style == "it" else style)]
            if tok.value == "|":
                return [self.leaf("‖", "rm")]
            return []
        return self.command(tok.value, math, style)

    def char(self, c: str, math: bool, style: str, single: bool) -> list[object]:
        if c == "{":
            return [self.hlist(math=math, style=style, stop="}")]
        if c == "$":
            if not math:
                inner = self.hlist_until_dollar()
                return [inner]
            return []
        if c in "&~":
            return [_Kern(0.333)] if c == "~" else []
        if not math:
            text = c
            if not single:
                while (tok := self.peek()) is not None and tok.kind == "char" \
                        and tok.value not in "{}$&~^_":
                    text += self.take().value
            return [self.leaf(text, style)]
        if c == "-":
            return [self.leaf("−", "rm", "bin")]
        if c in "+*":
            return [self.leaf("∗" if c == "*" else c, "rm", "bin")]
        if c in "=<>":
            return [self.leaf(c, "rm", "rel")]
        if c in ",;":
            return [self.leaf(c, "rm", "punct")]
        if c in "([":
            return [self.leaf(c, "rm", "open")]
        if c in ")]":
            return [self.leaf(c, "rm", "close")]
        if c == "'":
            return [_Kern(0.06), self.leaf("′", "rm")]
        letter_style = style if c.isalpha() else ("bf" if style.startswith("bf") else "rm")
        text = c
        if not single:
            while (tok := self.peek()) is not None and tok.kind == "char" and (
                (tok.value.isdigit() or tok.value == ".") if c.isdigit()
                else tok.value.isalpha() and c.isalpha()
            ):
                text += self.take().value
        return [self.leaf(text, letter_style)]

    def hlist_until_dollar(self) -> _List:
        items: list[object] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "char" and tok.value == "$":
                self.take()
                break
            if tok.kind in ("open", "close"):
                self.markers()
                continue
            if tok.kind == "char" and tok.value in "_^":
                self.take()
                self.scripts(items, tok.value, "it")
                continue
            if tok.kind == "char" and tok.value == "}":
                self.take()
                continue
            items.extend(self.atom(True, "it"))
        return _List(items)

    def command(self, name: str, math: bool, style: str) -> list[object]:
        roman = "rm" if style in ("it", "rm") else style
        if name in _SPACES:
            return [_Kern(_SPACES[name])]
        if name in _IGNORED:
            return []
        if name in _GREEK:
            upright = name[0].isupper() or not math
            return [self.leaf(_GREEK[name], roman if upright else style)]
        if name in _SYMBOLS:
            text, cls = _SYMBOLS[name]
            return [self.leaf(text, roman, cls)]
        if name in _OPERATORS:
            return [self.leaf(name, "rm", "op")]
        if name in ("bmod", "mod"):
            return [_Kern(0.278), self.leaf("mod", "rm"), _Kern(0.278)]
        if name in _TEXT_COMMANDS:
            return [self.argument(False, _TEXT_COMMANDS[name])]
        if name in _MATH_STYLES:
            new = _MATH_STYLES[name] or "it"
            return [self.argument(True, new)]
        if name in _ACCENTS:
            arg = self.argument(math, style)
            self.accent(arg, _ACCENTS[name])
            return [arg]
        if name in ("frac", "dfrac", "tfrac", "cfrac", "binom"):
            rule = self.rule() if name != "binom" else None
            num = self.argument(math, style)
            den = self.argument(math, style)
            if rule is None:
                return [_Fenced(self.leaf("(", "rm").leaf, _Matrix([[num], [den]]),
                                self.leaf(")", "rm").leaf)]
            return [_Frac(num, den, rule)]
        if name == "sqrt":
            return [self.leaf("√", "rm"), self.argument(math, style)]
        if name == "left":
            return [self.fenced(math, style)]
        if name == "right":
            self.delimiter()
            return []
        if name == "begin":
            return [self.environment(math, style)]
        if name == "end":
            self.group_text()
            return []
        if name in ("color", "textcolor", "label", "tag", "hspace", "vspace", "phantom"):
            self.argument(math, style)
            if name == "textcolor":
                return [self.argument(math, style)]
            return []
        return [self.leaf(name, roman)]

    def accent(self, arg: _List, mark: str) -> None:
        for item in reversed(arg.items):
            if isinstance(item, _Glyphs):
                item.leaf.text += mark
                return

    def delimiter(self) -> str:
        self.skip_spaces()
        tok = self.peek()
        if tok is None:
            return ""
        self.take()
        key = tok.value if tok.kind == "char" else "\\" + tok.value
        return _DELIMS.get(key, tok.value if tok.kind == "char" else "")

    def fenced(self, math: bool, style: str) -> _Fenced:
        left = self.delimiter()
        left_leaf = self.leaf(left, "rm").leaf if left else None
        body = self.hlist(math=math, style=style, stop="right")
        right_leaf = None
        if (tok := self.peek()) is not None and tok.kind == "cmd" and tok.value == "right":
            self.take()
            right = self.delimiter()
            right_leaf = self.leaf(right, "rm").leaf if right else None
        return _Fenced(left_leaf, body, right_leaf)

    def environment(self, math: bool, style: str) -> object:
        env = self.group_text().strip()
        if env == "array":
            self.group_text()  # the column spec
        if env not in _MATRICES:
            # align, gathered, ...: its content as lines
            return self.matrix_contents(math, style)
        left, right = _MATRICES[env]
        left_leaf = self.leaf(left, "rm").leaf if left else None
        body = self.matrix_contents(math, style)
        right_leaf = self.leaf(right, "rm").leaf if right else None
        return _Fenced(left_leaf, body, right_leaf)

    def matrix_contents(self, math: bool, style: str) -> _Matrix:
        rows: list[list[_List]] = [[]]
        while True:
            rows[-1].append(self.hlist(math=math, style=style, stop="cell"))
            tok = self.peek()
            if tok is None:
                break
            self.take()
            if tok.kind == "char":  # &
                continue
            if tok.kind == "sym":  # \\
                rows.append([])
                continue
            self.group_text()  # \end{...}
            break
        return _Matrix([r for r in rows if r and any(c.items for c in r)] or [[_List([])]])


# ----------------------------------------------------------------- shapes
@dataclass(frozen=True)
class _Shape:
    """A run of text drawn by Pango at the reference size, in em units."""

    glyphs: tuple[tuple[str, float], ...]  # (path d at the reference size, x in em)
    advance: float
    top: float
    bottom: float
    left: float
    right: float


_SHAPES: dict[tuple[str, str], _Shape] = {}
_USE = re.compile(r'<use xlink:href="#([^"]+)" x="([-\d.e]+)" y="([-\d.e]+)"')
_SYMBOL = re.compile(r'<symbol[^>]*id="([^"]+)"[^>]*>\s*<path[^>]*?d="([^"]*)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _markup(text: str, style: str) -> str:
    attrs = ' style="italic"' if style in ("it", "bfit") else ""
    attrs += ' weight="bold"' if style in ("bf", "bfit") else ""
    return f"<span{attrs}>{html.escape(text, quote=False)}</span>{_SENTINEL}"


def _shape(text: str, style: str) -> _Shape:
    key = (text, style)
    shape = _SHAPES.get(key)
    if shape is None:
        shape = _SHAPES[key] = _draw(text, style)
    return shape


def _draw(text: str, style: str) -> _Shape:
    from manimpango import MarkupUtils

    fd, name = tempfile.mkstemp(prefix="convmanim-pango-", suffix=".svg")
    os.close(fd)
    try:
        MarkupUtils.text2svg(_markup(text, style), FONT, "NORMAL", "NORMAL", _REF_SIZE, 0,
                             True, name, 0, 300, 100 * _REF_SIZE, 600)
        svg = Path(name).read_text(encoding="utf-8")
    finally:
        os.unlink(name)
    paths = dict(_SYMBOL.findall(svg))
    uses = [(g, float(x), float(y)) for g, x, y in _USE.findall(svg)]
    if not uses:  # nothing visible but the sentinel failed: an empty run
        return _Shape((), 0.0, 0.0, 0.0, 0.0, 0.0)
    *body, (_, sentinel_x, baseline) = uses
    glyphs = []
    xs: list[float] = []
    ys: list[float] = []
    for glyph, x, y in body:
        d = paths.get(glyph, "")
        if not d.strip():
            continue
        nums = [float(n) for n in _NUMBER.findall(d)]
        xs += [x + n for n in nums[0::2]]
        ys += [y - baseline + n for n in nums[1::2]]
        # glyph outlines are drawn relative to the baseline
        if y != baseline:
            d = _shift_path(d, 0.0, y - baseline)
        glyphs.append((d, x / _REF_EM))
    if not xs:
        return _Shape((), sentinel_x / _REF_EM, 0.0, 0.0, 0.0, 0.0)
    return _Shape(
        tuple(glyphs),
        advance=sentinel_x / _REF_EM,
        top=-min(ys) / _REF_EM,
        bottom=-max(ys) / _REF_EM,
        left=min(xs) / _REF_EM,
        right=max(xs) / _REF_EM,
    )


def _shift_path(d: str, dx: float, dy: float) -> str:
    """Shift a path made of absolute ``M L C Q Z`` commands (cairo's output)."""
    out, k = [], 0
    for token in re.findall(r"[A-Za-z]|" + _NUMBER.pattern, d):
        if token.isalpha():
            out.append(token)
            k = 0
        else:
            out.append(f"{float(token) + (dx if k % 2 == 0 else dy):.4f}")
            k += 1
    return " ".join(out)


# ----------------------------------------------------------------- layout
@dataclass
class _Box:
    width: float = 0.0
    height: float = 0.0
    depth: float = 0.0
    italic: float = 0.0
    """Italic correction: how far the ink leans out past ``width``."""
    # (leaf, x, y, sx, sy) with y up, in em, relative to the box's origin
    items: list[tuple[_Leaf, float, float, float, float]] = field(default_factory=list)
    rules: list[tuple[_Leaf, float, float, float, float]] = field(default_factory=list)

    def place(self, other: _Box, dx: float, dy: float) -> None:
        self.items += [(leaf, x + dx, y + dy, sx, sy) for leaf, x, y, sx, sy in other.items]
        self.rules += [(leaf, x0 + dx, x1 + dx, y + dy, t) for leaf, x0, x1, y, t in other.rules]


_AXIS = 0.25
_SPACING = {"bin": 0.222, "rel": 0.278}


def _classes(items: list[object]) -> list[str]:
    """Spacing class of each item; a ``bin`` with nothing to its left is unary."""
    classes = []
    for item in items:
        if isinstance(item, _Kern):
            classes.append("kern")
            continue
        cls = item.cls if isinstance(item, _Glyphs) else "ord"
        if isinstance(item, _Scripts) and isinstance(item.base, _Glyphs):
            cls = item.base.cls
        if cls == "bin":
            prev = next((c for c in reversed(classes) if c != "kern"), None)
            if prev in (None, "bin", "rel", "open", "punct", "op_"):
                cls = "ord"
        classes.append(cls)
    if classes and classes[-1] == "bin":
        classes[-1] = "ord"
    return classes


def _layout(node: object, scale: float) -> _Box:
    if isinstance(node, _List):
        return _hlist(node.items, scale)
    if isinstance(node, _Glyphs):
        shape = _shape(node.leaf.text, node.leaf.style)
        box = _Box(shape.advance * scale, max(shape.top, 0.0) * scale,
                   max(-shape.bottom, 0.0) * scale,
                   max(0.0, shape.right - shape.advance) * scale)
        box.items.append((node.leaf, 0.0, 0.0, scale, scale))
        return box
    if isinstance(node, _Kern):
        return _Box(node.em * scale)
    if isinstance(node, _Scripts):
        return _scripts(node, scale)
    if isinstance(node, _Frac):
        return _frac(node, scale)
    if isinstance(node, _Fenced):
        return _fenced(node, scale)
    if isinstance(node, _Matrix):
        return _matrix(node, scale)
    if isinstance(node, _Lines):
        return _lines(node, scale)
    return _Box()


def _hlist(items: list[object], scale: float) -> _Box:
    box = _Box()
    classes = _classes(items)
    x = 0.0
    for k, (item, cls) in enumerate(zip(items, classes)):
        space = _SPACING.get(cls, 0.0) * scale if scale >= 0.99 else 0.0
        if k and cls == "op":
            space = max(space, 0.1667 * scale)
        x += space if k else 0.0
        child = _layout(item, scale)
        box.place(child, x, 0.0)
        x += child.width + child.italic
        following = classes[k + 1] if k + 1 < len(items) else None
        if cls == "punct" or (cls == "op" and following not in (None, "open")):
            x += 0.1667 * scale
        elif k + 1 < len(items):
            x += space
        box.height = max(box.height, child.height)
        box.depth = max(box.depth, child.depth)
    box.width = x
    return box


def _scripts(node: _Scripts, scale: float) -> _Box:
    base = _layout(node.base, scale)
    small = max(0.5, scale * 0.7)
    box = _Box(base.width, base.height, base.depth)
    box.place(base, 0.0, 0.0)
    width = 0.0
    if node.sup is not None:
        sup = _layout(node.sup, small)
        shift = max(0.42 * scale, base.height - 0.3 * scale)
        box.place(sup, base.width + base.italic + 0.03 * scale, shift)
        box.height = max(box.height, shift + sup.height)
        width = max(width, sup.width + base.italic + 0.03 * scale)
    if node.sub is not None:
        sub = _layout(node.sub, small)
        shift = (0.25 if node.sup is not None else 0.18) * scale
        box.place(sub, base.width, -shift)
        box.depth = max(box.depth, shift + sub.depth)
        width = max(width, sub.width)
    box.width = base.width + max(width, base.italic) + 0.03 * scale
    return box


def _frac(node: _Frac, scale: float) -> _Box:
    num, den = _layout(node.num, scale), _layout(node.den, scale)
    thick, gap, pad = 0.04 * scale, 0.14 * scale, 0.1 * scale
    width = max(num.width, den.width) + 2 * pad
    axis = _AXIS * scale
    box = _Box(width)
    num_y = axis + thick / 2 + gap + num.depth
    den_y = axis - thick / 2 - gap - den.height
    box.place(num, (width - num.width) / 2, num_y)
    box.place(den, (width - den.width) / 2, den_y)
    box.rules.append((node.rule, 0.0, width, axis, thick))
    box.height = num_y + num.height
    box.depth = -den_y + den.depth
    return box


def _delimiter(leaf: _Leaf | None, target: float, center: float, scale: float) -> _Box:
    """A delimiter stretched to ``target`` em high, centred on ``center``."""
    if leaf is None:
        return _Box()
    shape = _shape(leaf.text, leaf.style)
    ink = max(shape.top - shape.bottom, 1e-6)
    sy = max(scale, target / ink)
    sx = scale * (1 + 0.1 * (sy / scale - 1)) if sy > scale else scale
    mid = (shape.top + shape.bottom) / 2 * sy
    box = _Box(shape.advance * sx, center - mid + shape.top * sy,
               -(center - mid + shape.bottom * sy))
    box.items.append((leaf, 0.0, center - mid, sx, sy))
    return box


def _fenced(node: _Fenced, scale: float) -> _Box:
    body = _layout(node.body, scale)
    axis = _AXIS * scale
    half = max(body.height - axis, body.depth + axis) + 0.08 * scale
    left = _delimiter(node.left, 2 * half, axis, scale)
    right = _delimiter(node.right, 2 * half, axis, scale)
    pad = 0.06 * scale if node.left is not None or node.right is not None else 0.0
    box = _Box()
    x = 0.0
    for part in (left, _Kern(pad), body, _Kern(pad), right):
        if isinstance(part, _Kern):
            x += part.em
            continue
        box.place(part, x, 0.0)
        x += part.width
        box.height = max(box.height, part.height)
        box.depth = max(box.depth, part.depth)
    box.width = x
    return box


def _matrix(node: _Matrix, scale: float) -> _Box:
    cells = [[_layout(c, scale) for c in row] for row in node.rows]
    ncols = max(len(r) for r in cells)
    widths = [max((r[c].width for r in cells if c < len(r)), default=0.0) for c in range(ncols)]
    heights = [max([c.height for c in r] + [0.7 * scale]) for r in cells]
    depths = [max([c.depth for c in r] + [0.25 * scale]) for r in cells]
    col_gap, row_gap = 0.9 * scale, 0.28 * scale
    total = sum(heights) + sum(depths) + row_gap * (len(cells) - 1)
    top = _AXIS * scale + total / 2
    box = _Box(sum(widths) + col_gap * (ncols - 1), top, total - top)
    y = top
    for r, row in enumerate(cells):
        y -= heights[r]
        x = 0.0
        for c, cell in enumerate(row):
            box.place(cell, x + (widths[c] - cell.width) / 2, y)
            x += widths[c] + col_gap
        y -= depths[r] + row_gap
    return box


def _lines(node: _Lines, scale: float) -> _Box:
    boxes = [_layout(line, scale) for line in node.lines]
    width = max(b.width for b in boxes)
    box = _Box(width, boxes[0].height)
    y = 0.0
    for k, b in enumerate(boxes):
        if k:
            y -= max(1.3 * scale, boxes[k - 1].depth + b.height + 0.25 * scale)
        box.place(b, (width - b.width) / 2, y)
    box.depth = -y + boxes[-1].depth
    return box


# -------------------------------------------------------------------- svg
def _events_svg(events: list[tuple[str, object]], box: _Box) -> Iterator[str]:
    placed: dict[int, list[str]] = {}
    for leaf, x, y, sx, sy in box.items:
        shape = _shape(leaf.text, leaf.style)
        k = _EM / _REF_EM
        for d, gx in shape.glyphs:
            placed.setdefault(id(leaf), []).append(
                f'<path transform="matrix({sx * k:.6f} 0 0 {sy * k:.6f} '
                f'{_EM * (x + sx * gx):.4f} {-_EM * y:.4f})" d="{d}"/>'
            )
    for leaf, x0, x1, y, t in box.rules:
        top, bottom = -_EM * (y + t / 2), -_EM * (y - t / 2)
        placed.setdefault(id(leaf), []).append(
            f'<path d="M {_EM * x0:.4f} {top:.4f} H {_EM * x1:.4f} V {bottom:.4f} '
            f'H {_EM * x0:.4f} Z"/>'
        )
    depth = 0
    for kind, value in events:
        if kind == "open":
            depth += 1
            yield f"<g id='{html.escape(str(value))}'>"
        elif kind == "close":
            if depth:
                depth -= 1
                yield "</g>"
        else:
            yield from placed.get(id(value), [])
    yield "</g>" * depth


def svg_for(expression: str, environment: str | None = None) -> str:
    r"""The SVG document for a TeX ``expression``, drawn with Pango.

    Parameters
    ----------
    expression
        What manim hands to ``tex_to_svg_file``: a ``MathTex``'s parts joined
        with their ``\special`` group markers.
    environment
        ``align*`` (``MathTex``: math mode) or ``center`` (``Tex``: text mode).

    Returns
    -------
    str
        An SVG whose ``<g id>`` groups match the markers.
    """
    math = environment is not None and environment.rstrip("*") in (
        "align", "equation", "gather", "multline", "displaymath", "math", "eqnarray")
    parser = _Parser(expression, math)
    tree = parser.parse()
    box = _layout(tree, 1.0)
    body = "\n".join(_events_svg(parser.events, box))
    left = -_EM * 0.05
    top = -_EM * (box.height + 0.05)
    width = _EM * (box.width + 0.1)
    height = _EM * (box.height + box.depth + 0.1)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{width:.3f}pt" height="{height:.3f}pt" '
        f'viewBox="{left:.3f} {top:.3f} {width:.3f} {height:.3f}">\n'
        f"{body}\n</svg>\n"
    )


def tex_to_svg_file(
    expression: str, environment: str | None = None, tex_template: object = None
) -> Path:
    """What manim's ``tex_to_svg_file`` gives, drawn with Pango.

    The SVG is cached in manim's text folder under a hash of the expression.

    Parameters
    ----------
    expression, environment
        As for manim's function.
    tex_template
        Accepted and ignored: there is no LaTeX preamble without LaTeX.

    Returns
    -------
    pathlib.Path
        The SVG file.
    """
    from manim import config

    key = hashlib.sha256(f"{_VERSION}\0{FONT}\0{environment}\0{expression}".encode()).hexdigest()
    folder = Path(config.get_dir("text_dir"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"notex-{key[:24]}.svg"
    if not intact_svg(path):  # missing, or cut short, empty or junk: written anew
        try:
            clear_the_way(path)
            write_atomically(path, svg_for(expression, environment))
        except OSError as exc:
            raise FileError(f"cannot write the label cache {str(folder)!r}: "
                            f"{describe_os_error(exc)}") from None
    return path
