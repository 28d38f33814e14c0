"""Lectures: a sequence of scenes from a TOML file, rendered into one MP4.

A lecture file has a ``[lecture]`` table and one ``[[part]]`` table per
part. Each part is one scene, given with the command line's names (its long
flags, with ``_`` for ``-``); before each part a title card shows the
lecture's title, the part's number, title and subtitle, and the spec::

    [lecture]
    title = "Convolution arithmetic"
    quality = "m"          # optional: l m h p k, a DPI number or WxH@FPS
    theme = "light"        # optional: light or dark, for every part
    step_time = 0.8        # optional: seconds per step, for every part
    title_time = 2.5       # optional: seconds each title card is shown

    [[part]]
    title = "Padding"
    subtitle = "Half padding keeps the size"
    mode = "arithmetic"    # arithmetic, numerical or alphabet
    input_size = 5         # or "5x7", or [5, 7]
    kernel_size = 3
    padding = 1

Keys of a part: ``title`` (required), ``subtitle``, ``mode`` (default
``arithmetic``), ``input_size`` (default 5), ``kernel_size`` (default 3),
``stride``, ``padding``, ``dilation``, ``output_size`` and ``output_padding``
(checked, as ``-o`` and ``--output-padding``), ``transposed``,
``in_channels``, ``out_channels`` and ``groups`` (as ``nn.Conv2d``), ``theme``,
``step_time``, ``stepwise``, ``intro``, ``1d`` (``true``: a 1-D conv over a
sequence, one number per size, as the command line's ``--1d``; then
``padding = "causal"`` puts ``d(k − 1)`` zeros on the left only); for
``arithmetic`` also ``weights`` and ``separable`` (the depthwise-separable conv
of the part's conv, as the command line's ``--separable``);
for ``numerical`` ``operation`` (``convolution``, ``average`` or ``max``, the
command line's ``-m``), ``seed``, ``input_values``, ``kernel_values`` and
``bias_values`` (an array, an inline matrix such as ``"1 2; 3 4"``, or a
``.csv``/``.txt``/``.npy`` file in the lecture file's folder or below it; with
channels the input is ``C_in×H×W`` and the weight in PyTorch's layout) and
``bias`` (``false`` for none), ``overlap`` (``true``: count the windows of a
transposed conv's scatter, as ``--overlap``), ``upsample`` (resize, then
convolve, as ``--upsample``: ``input_size`` is the image before upsampling),
``pixel_shuffle`` and
``pixel_unshuffle`` (a factor from 2 to 4, as ``--pixel-shuffle`` and
``--pixel-unshuffle``); for ``alphabet`` ``relationship``. ``gradient =
true`` (``alphabet`` and ``numerical``) plays backprop through the part's conv,
as the command line's ``--gradient``; a numerical part then takes
``grad_values``, the upstream gradient (one number per output cell).

A ``stack`` part traces a receptive field down a stack of layers (the
command line's ``convmanim stack``): ``layers`` (required, the command
line's text, such as ``"k3 s2 p1; k3 p1; k3 d2"``), ``input_size`` (a
length such as ``16`` for 1-D layers, ``"16x16"`` or ``[16, 16]`` for 2-D)
and ``cell`` (the top layer's output cell to trace: ``15``, or ``"3x4"`` or
``[3, 4]`` in 2-D); besides those only ``title``, ``subtitle``, ``theme``,
``step_time`` and ``stepwise``.

Every part is checked before anything is rendered; an error is one line
naming the file, the part and the key. All scenes are rendered in one pass
into one H.264 stream, at one resolution and frame rate, and the file is
written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .durations import clock
from .geometry import AnySpec, Pair, SpecError, drawable, parse_pair, spec_from_arguments
from .subtitles import Cue, read_webvtt, webvtt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .receptive import Stack

__all__ = [
    "LECTURE_KEYS",
    "MODE_KEYS",
    "PART_KEYS",
    "Lecture",
    "LectureError",
    "Part",
    "default_jobs",
    "load_lecture",
    "parse_lecture",
    "render_lecture",
    "title_card",
]

MAX_LECTURE_BYTES = 1_000_000
"""A lecture file of a hundred parts is a few kilobytes."""

MAX_TITLE_CHARACTERS = 120
"""A title card's title (and the lecture's), at most: it is scaled to fit one line or two."""

MAX_SUBTITLE_CHARACTERS = 300

LECTURE_KEYS = ("title", "quality", "theme", "step_time", "title_time")
"""Keys of the ``[lecture]`` table."""

PART_KEYS = (
    "title", "subtitle", "mode", "input_size", "kernel_size", "stride", "padding", "dilation",
    "output_size", "output_padding", "transposed", "in_channels", "out_channels", "groups",
    "theme", "step_time", "stepwise", "intro", "1d",
)
"""Keys every ``[[part]]`` may have."""

MODE_KEYS: dict[str, tuple[str, ...]] = {
    "arithmetic": ("weights", "separable"),
    "numerical": ("operation", "seed", "input_values", "kernel_values", "bias_values", "bias",
                  "overlap", "upsample", "pixel_shuffle", "pixel_unshuffle", "gradient",
                  "grad_values"),
    "alphabet": ("relationship", "gradient"),
    "stack": ("layers", "cell"),
}
"""Keys only a part of that mode may have."""

STACK_KEYS = ("title", "subtitle", "mode", "input_size", "theme", "step_time", "stepwise",
              "layers", "cell")
"""Every key a ``stack`` part may have: it has layers, not one spec."""

OPERATIONS = ("convolution", "average", "max")
THEMES = ("light", "dark")
DEFAULT_TITLE_TIME = 2.5
MODE_TITLES = {"arithmetic": "Arithmetic", "numerical": "Numerical", "alphabet": "Matrix",
               "stack": "Receptive field"}


class LectureError(ValueError):
    """A lecture file that cannot be rendered. The message is one line."""


# -------------------------------------------------------------------- model
@dataclass(frozen=True)
class Part:
    """One part of a lecture: a title card, then a scene.

    Attributes
    ----------
    number
        1-based position in the lecture.
    title, subtitle
        Shown on the part's title card.
    mode
        ``"arithmetic"``, ``"numerical"``, ``"alphabet"`` or ``"stack"``.
    spec
        The spec the scene draws (a :class:`~convmanim.receptive.Stack`
        for a ``stack`` part).
    scene
        The scene class, configured like the command line configures it.
    """

    number: int
    title: str
    subtitle: str
    mode: str
    spec: AnySpec | Stack
    scene: type

    def summary(self) -> str:
        """The line under the card's title: the mode and the spec."""
        what = MODE_TITLES[self.mode]
        if self.mode == "stack":
            size = "×".join(map(str, self.spec.sizes[0]))  # type: ignore[union-attr]
            return f"{what}: {self.spec.text()} on an input of {size}"  # type: ignore
        operation = getattr(self.scene, "mode", "convolution")
        if self.mode == "numerical" and operation != "convolution":
            what = f"{what}, {operation} pooling"
        from .modes.alphabet import AlphabetRelationshipScene

        if hasattr(self.scene, "part_steps"):  # the gradient scenes of both modes
            what = f"{what}, backprop (dL/dx and dL/dw)"
        elif issubclass(self.scene, AlphabetRelationshipScene):
            what = f"{what}, C then Cᵀ"
        if getattr(self.scene, "separable", False):
            what = f"{what}, depthwise-separable"
        factor = getattr(self.scene, "factor", None)
        from .modes.resize import ResizeConvScene

        if issubclass(self.scene, ResizeConvScene):
            h, w = self.scene.image_size()
            return (f"{what}, nearest ×{factor} of a {h}×{w} image, then a stride-1 conv: "
                    f"{self.spec.describe()}")
        if factor is not None:
            if getattr(self.scene, "unshuffle", False):
                return f"{what}, PixelUnshuffle({factor}) of a {_shape_text(self.spec)} image"
            what = f"{what}, then PixelShuffle({factor})"
        return f"{what}: {self.spec.describe()}"


@dataclass(frozen=True)
class Lecture:
    """A parsed lecture file.

    Attributes
    ----------
    title
        The lecture's title, on every title card.
    parts
        The parts, in order.
    quality
        The file's quality, or ``None`` to use the caller's.
    theme
        The title cards' theme (and the default of the parts'): ``"light"``,
        ``"dark"``, or the :class:`~convmanim.theme.Theme` of a ``[theme]``
        table.
    title_time
        Seconds each title card is shown.
    source
        Where the lecture came from, for messages.
    """

    title: str
    parts: tuple[Part, ...]
    quality: str | None = None
    theme: Any = "light"
    title_time: float = DEFAULT_TITLE_TIME
    source: str = "lecture"
    cards: tuple[type, ...] = field(default=(), compare=False, repr=False)

    def planned_duration(self) -> float:
        """Seconds of video: every title card and every part."""
        return sum(card.planned_duration() + part.scene.planned_duration()
                   for part, card in zip(self.parts, self.cards))

    def segments(self) -> list[tuple[str, type]]:
        """What is played, in order: ``(label, scene class)`` for each card and part."""
        out: list[tuple[str, type]] = []
        for part, card in zip(self.parts, self.cards):
            out.append((f"part {part.number}/{len(self.parts)} title", card))
            out.append((f"part {part.number}/{len(self.parts)} {part.title}", part.scene))
        return out


# ------------------------------------------------------------------ parsing
def load_lecture(path: str | os.PathLike[str]) -> Lecture:
    """Read and check a lecture file.

    Parameters
    ----------
    path
        A TOML file (see the module's docstring for its keys).

    Returns
    -------
    Lecture
        The lecture, every part checked and its scene class built.

    Raises
    ------
    LectureError
        One line naming the file, the part and the key.
    """
    from .files import FileError, read_limited

    file = Path(path)
    try:  # a regular file of at most MAX_LECTURE_BYTES: never a FIFO waited on
        text = read_limited(file, MAX_LECTURE_BYTES, "lecture file").decode("utf-8")
    except FileError as exc:
        raise LectureError(str(exc)) from None
    except UnicodeDecodeError:
        raise LectureError(f"{file.name}: not a UTF-8 text file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LectureError(f"{file.name}: not valid TOML: {exc}") from None
    except RecursionError:
        raise LectureError(f"{file.name}: not valid TOML: nested too deeply") from None
    return parse_lecture(data, source=file.name, base_dir=file.parent)


def parse_lecture(
    data: Mapping[str, Any], *, source: str = "lecture", base_dir: Path | None = None
) -> Lecture:
    """Check a lecture given as a mapping (a parsed TOML document).

    Parameters
    ----------
    data
        ``{"lecture": {...}, "part": [{...}, ...]}``.
    source
        The file's name, for messages.
    base_dir
        Where value files named by ``input_values`` and ``kernel_values`` are
        looked up (the current directory when ``None``).

    Returns
    -------
    Lecture

    Raises
    ------
    LectureError
        One line naming the source, the part and the key.
    """
    for key in data:
        if key not in ("lecture", "theme", "part"):
            raise LectureError(f"{source}: unknown table [{key}] (a lecture has [lecture], "
                               "[theme] and [[part]] tables)")
    head = data.get("lecture", {})
    if not isinstance(head, Mapping):
        raise LectureError(f"{source}: [lecture] must be a table")
    where = f"{source}: [lecture]"
    _check_keys(where, head, LECTURE_KEYS)
    title = _text(where, head, "title", MAX_TITLE_CHARACTERS)
    quality = _get(where, head, "quality", (str, int), None)
    if quality is not None:
        from .render import RenderError, resolve_quality

        try:  # what the render would refuse, --check refuses
            resolve_quality(quality)
        except RenderError as exc:
            raise LectureError(f"{where}: {exc}") from None
    theme: Any = _get_choice(where, head, "theme", THEMES, "light")
    if "theme" in data:
        theme = _parse_theme(f"{source}: [theme]", data["theme"], theme)
    step_time = _get_time(where, head, "step_time", None)
    title_time = _get_time(where, head, "title_time", DEFAULT_TITLE_TIME)

    raw_parts = data.get("part")
    if raw_parts is None:
        raise LectureError(f"{source}: no [[part]] tables: a lecture needs at least one part")
    if not isinstance(raw_parts, list) or not all(isinstance(p, Mapping) for p in raw_parts):
        raise LectureError(f"{source}: part must be an array of tables, written [[part]]")
    if not raw_parts:
        raise LectureError(f"{source}: no [[part]] tables: a lecture needs at least one part")
    from .limits import MAX_LECTURE_PARTS, MAX_VIDEO_SECONDS

    if len(raw_parts) > MAX_LECTURE_PARTS:
        raise LectureError(f"{source}: {len(raw_parts)} parts, more than the limit of "
                           f"{MAX_LECTURE_PARTS}: split it into several lectures")
    defaults = {"theme": theme, "step_time": step_time}
    parts = tuple(
        _parse_part(source, n, raw, defaults, base_dir or Path.cwd())
        for n, raw in enumerate(raw_parts, start=1)
    )
    cards = tuple(
        title_card(title, part, len(parts), theme=theme, duration=title_time) for part in parts
    )
    seconds = sum(part.scene.planned_duration() + title_time for part in parts)
    if seconds > MAX_VIDEO_SECONDS:
        raise LectureError(f"{source}: the lecture would last {_duration(seconds)}, more than "
                           f"the limit of {MAX_VIDEO_SECONDS // 3600} hours: split it into "
                           "several lectures")
    return Lecture(
        title=title,
        parts=parts,
        quality=None if quality is None else str(quality),
        theme=theme,
        title_time=title_time,
        source=source,
        cards=cards,
    )


THEME_COLOURS = ("background", "text", "muted", "accent", "stroke", "connector",
                 "input_fill", "output_fill", "kernel_fill", "cell_text", "shade_text")
"""Colours a ``[theme]`` table may set, as ``"#RRGGBB"``."""
THEME_KEYS = ("base", *THEME_COLOURS, "font")
"""Keys of the ``[theme]`` table."""
_SURFACES = {
    "input": "input_fill", "output": "output_fill", "weight box": "background",
    "shaded background": "the background under the kernel's shadow",
    "shaded input": "input_fill under the kernel's shadow",
    "shaded output": "output_fill under the kernel's shadow",
    "veiled input": "input_fill under a veil", "veiled output": "output_fill under a veil",
}
"""The theme's surfaces as a ``[theme]`` table names their colours."""


def _parse_theme(where: str, table: Any, default_base: str) -> Any:
    """A ``[theme]`` table: a built-in theme with some colours and the font changed.

    Text must stay readable: every text colour on every fill it can sit on
    (:meth:`~convmanim.theme.Theme.text_pairs`, the kernel's shadow included)
    must keep a contrast of at least 4.5:1 (WCAG AA).
    """
    import re

    from .theme import MIN_CONTRAST, contrast_ratio, get_theme

    if not isinstance(table, Mapping):
        raise LectureError(f"{where} must be a table")
    _check_keys(where, table, THEME_KEYS)
    base = get_theme(_get_choice(where, table, "base", THEMES, default_base))
    changes: dict[str, Any] = {}
    for key in THEME_COLOURS:
        value = _get(where, table, key, str, None)
        if value is None:
            continue
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise LectureError(f"{where}: {key} must be a colour written #RRGGBB, got {value!r}")
        changes[key] = value.upper()
    font = _get(where, table, "font", str, None)
    if font is not None:
        font = font.strip()
        import manimpango

        if font and font not in manimpango.list_fonts():
            raise LectureError(f"{where}: font {font!r} is not installed (fc-list lists the "
                               "fonts Pango can use)")
        changes["font"] = font
    theme = base.with_(name="custom", **changes)
    # the theme's contrast rule: every text colour on every fill it can sit on; a pair on
    # a plain fill is named before one under a shadow or a veil, then the worst
    failing = sorted((" " in surface, contrast_ratio(colour, fill), colour, surface, fill)
                     for _, colour, surface, fill in theme.text_pairs()
                     if contrast_ratio(colour, fill) < MIN_CONTRAST)
    if failing:
        _, ratio, colour, surface, fill = failing[0]
        ink = next((key for key in ("cell_text", "text", "shade_text", "muted", "accent")
                    if getattr(theme, key) == colour), "text")
        raise LectureError(f"{where}: {ink} {colour} on {_SURFACES.get(surface, surface)} "
                           f"{fill} has a contrast of {ratio:.2f}:1; text needs at least "
                           f"{MIN_CONTRAST}:1")
    return theme


def _check_keys(where: str, table: Mapping[str, Any], allowed: Sequence[str],
                hint: str = "") -> None:
    for key in table:
        if key not in allowed:
            raise LectureError(f"{where}: unknown key {key!r}{hint} "
                               f"(known: {', '.join(allowed)})")


def _duration(seconds: float) -> str:
    c = clock(round(seconds))
    return f"{c.hours} h {c.minutes:02d} min" if c.hours else f"{c.minutes} min {c.seconds:02d} s"


def _text(where: str, table: Mapping[str, Any], key: str, limit: int, *,
          lines: bool = False) -> str:
    """A title: text of at most ``limit`` characters, with no control characters.

    A NUL or an escape sequence cannot be drawn (Pango stops at a NUL), and
    never reaches the title card; ``lines`` allows new lines (a subtitle's).
    """
    value = _get(where, table, key, str, "")
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs", "Co")
                and not (lines and c == "\n")), None)
    if bad is not None:
        raise LectureError(f"{where}: {key} must be plain text, but holds the control "
                           f"character U+{ord(bad):04X}")
    if len(value) > limit:
        raise LectureError(f"{where}: {key} is {len(value)} characters long; a title card "
                           f"shows at most {limit}")
    return value


def _get(where: str, table: Mapping[str, Any], key: str, kind: type | tuple[type, ...],
         default: Any) -> Any:
    if key not in table:
        return default
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join({str: "a string", int: "an integer", bool: "true or false",
                             float: "a number"}[k] for k in kinds)
        raise LectureError(f"{where}: {key} must be {names}, got {value!r}")
    return value


def _get_choice(where: str, table: Mapping[str, Any], key: str, choices: Sequence[str],
                default: str) -> str:
    value = _get(where, table, key, str, default)
    if value not in choices:
        raise LectureError(f"{where}: {key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _get_time(where: str, table: Mapping[str, Any], key: str,
              default: float | None) -> float | None:
    value = _get(where, table, key, (int, float), default)
    if value is None:
        return None
    if not 0.1 <= value <= 60:
        raise LectureError(f"{where}: {key} must be 0.1 to 60 seconds, got {value!r}")
    return float(value)


def _get_size(where: str, table: Mapping[str, Any], key: str, default: Any) -> Pair | None:
    value = table.get(key, default)
    if value is None:
        return None
    if key == "padding" and isinstance(value, str) and value.strip().lower() == "causal":
        return "causal"  # type: ignore[return-value]  # 1-D: d(k - 1) zeros on the left
    if isinstance(value, bool) or not isinstance(value, (int, str, list)):
        raise LectureError(f"{where}: {key} must be an integer, \"HxW\" or [h, w], got {value!r}")
    try:
        return parse_pair(key, value)
    except SpecError as exc:
        raise LectureError(f"{where}: {exc}") from None


def _parse_part(source: str, number: int, raw: Mapping[str, Any], defaults: Mapping[str, Any],
                base_dir: Path) -> Part:
    where = f"{source}: part {number}"
    title = raw.get("title")
    if isinstance(title, str) and title.strip():
        shown = title.strip() if len(title.strip()) <= 40 else title.strip()[:37] + "..."
        where = f"{where} ({shown!r})"
    mode = _get_choice(where, raw, "mode", tuple(MODE_KEYS), "arithmetic")
    others = [k for m, keys in MODE_KEYS.items() if m != mode for k in keys
              if k not in MODE_KEYS[mode]]  # a key two modes share (gradient) is this one's
    for key in raw:
        if key in others:
            owner = next(m for m, keys in MODE_KEYS.items() if key in keys)
            raise LectureError(f"{where}: key {key!r} is for mode {owner!r}, not {mode!r}")
    _check_keys(where, raw, STACK_KEYS if mode == "stack" else PART_KEYS + MODE_KEYS[mode],
                " (a stack part takes layers, input_size and cell)" if mode == "stack" else "")
    if not isinstance(title, str) or not title.strip():
        raise LectureError(f"{where}: title is required (a non-empty string)")
    title = _text(where, raw, "title", MAX_TITLE_CHARACTERS)
    subtitle = _text(where, raw, "subtitle", MAX_SUBTITLE_CHARACTERS, lines=True)
    if mode == "stack":
        return _stack_part(where, number, title.strip(), subtitle, raw, defaults)
    transposed = _get(where, raw, "transposed", bool, False)
    one_d = _get(where, raw, "1d", bool, False)
    sizes = {
        key: _get_size(where, raw, key, default)
        for key, default in (("input_size", 5), ("kernel_size", 3), ("stride", 1),
                             ("padding", 0), ("dilation", 1), ("output_size", None),
                             ("output_padding", None))
    }
    channels = {key: _get(where, raw, key, int, 1)
                for key in ("in_channels", "out_channels", "groups")}
    try:
        spec = drawable(spec_from_arguments(  # a 1-D spec is drawn as its row
            sizes["input_size"], sizes["kernel_size"], sizes["stride"],  # type: ignore[arg-type]
            sizes["padding"], sizes["dilation"], sizes["output_size"],  # type: ignore[arg-type]
            transposed, sizes["output_padding"], **channels, one_d=one_d,
        ))
    except SpecError as exc:
        raise LectureError(f"{where}: {exc}") from None
    from .limits import check_render_size

    separable = mode == "arithmetic" and _get(where, raw, "separable", bool, False)
    try:
        check_render_size(spec, mode, animated=True, separable=separable)
    except SpecError as exc:
        raise LectureError(f"{where}: {exc}") from None
    attrs: dict[str, Any] = {
        "spec": spec,
        "theme": (_get_choice(where, raw, "theme", THEMES, "light") if "theme" in raw
                  else defaults["theme"]),
        "smooth": not _get(where, raw, "stepwise", bool, False),
        "intro": _get(where, raw, "intro", bool, False),
    }
    step_time = _get_time(where, raw, "step_time", defaults["step_time"])
    if step_time is not None:
        attrs["step_time"] = step_time
    try:
        base = _mode_scene(where, mode, raw, spec, attrs, base_dir)
    except SpecError as exc:
        raise LectureError(f"{where}: {exc}") from None
    scene = type(f"LecturePart{number}", (base,), attrs)
    try:  # everything the render checks, --check checks: seed, times, sizes, values
        scene.check_attributes()
    except SpecError as exc:
        message = str(exc).replace(f"{scene.__name__}.", "")
        raise LectureError(f"{where}: {message}") from None
    return Part(number, title.strip(), subtitle, mode, scene.spec, scene)


def _stack_part(where: str, number: int, title: str, subtitle: str, raw: Mapping[str, Any],
                defaults: Mapping[str, Any]) -> Part:
    """A ``stack`` part: the layers, the input, the cell, and the settings."""
    from .modes.stack import StackScene
    from .receptive import parse_stack

    layers = _get(where, raw, "layers", str, None)
    if layers is None:
        raise LectureError(f"{where}: layers is required, such as \"k3 s2 p1; k3 p1\"")
    size = raw.get("input_size", 16)
    if isinstance(size, bool) or not isinstance(size, (int, str, list)):
        raise LectureError(f"{where}: input_size must be a length such as 16, \"HxW\" or "
                           f"[h, w], got {size!r}")
    attrs: dict[str, Any] = {
        "theme": (_get_choice(where, raw, "theme", THEMES, "light") if "theme" in raw
                  else defaults["theme"]),
        "smooth": not _get(where, raw, "stepwise", bool, False),
    }
    step_time = _get_time(where, raw, "step_time", defaults["step_time"])
    if step_time is not None:
        attrs["step_time"] = step_time
    try:
        stack = parse_stack(layers, size)
        attrs["layers"] = stack
        if "cell" in raw:
            cell = raw["cell"]
            if isinstance(cell, bool) or not isinstance(cell, (int, str, list)):
                raise SpecError(f"cell must be a position such as 15, \"RxC\" or [r, c], got "
                                f"{cell!r}")
            one = isinstance(cell, int) or (isinstance(cell, str) and "x" not in cell.lower())
            pair = parse_pair("cell", cell)
            attrs["cell"] = pair[0] if one else pair
        scene = type(f"LecturePart{number}", (StackScene,), attrs)
        scene.check_attributes()
    except SpecError as exc:
        message = str(exc).replace(f"LecturePart{number}.", "")
        raise LectureError(f"{where}: {message}") from None
    return Part(number, title, subtitle, "stack", stack, scene)


def _mode_scene(where: str, mode: str, raw: Mapping[str, Any], spec: AnySpec,
                attrs: dict[str, Any], base_dir: Path) -> type:
    """The part's scene base class; adds the mode's settings to ``attrs``."""
    if mode == "arithmetic":
        from .modes.arithmetic import ArithmeticScene, DepthwiseSeparableScene

        weights = _get(where, raw, "weights", bool, None)
        if weights and (spec.has_channels or raw.get("separable") is True):
            raise LectureError(f"{where}: weights writes w_ab in the single-channel view; with "
                               "channels a dot marks each slice's w_00 (drop weights)")
        if _get(where, raw, "separable", bool, False):
            return DepthwiseSeparableScene
        attrs["show_weights"] = weights
        return ArithmeticScene
    gradient = mode in ("alphabet", "numerical") and _get(where, raw, "gradient", bool, False)
    if gradient:
        for other in ("overlap", "upsample", "pixel_shuffle", "pixel_unshuffle"):
            if other in raw:
                raise LectureError(f"{where}: gradient is a scene of its own: drop {other}")
        if spec.is_transposed:
            raise LectureError(f"{where}: gradient backprops through the part's conv: drop "
                               "transposed")
        if spec.has_channels:
            raise LectureError(f"{where}: gradient draws one channel (in_channels = "
                               "out_channels = groups = 1)")
    if "grad_values" in raw and not gradient:
        raise LectureError(f"{where}: grad_values is the upstream gradient of gradient = true")
    if mode == "alphabet":
        from .modes.alphabet import AlphabetRelationshipScene, AlphabetScene

        if gradient:
            if _get(where, raw, "relationship", bool, False):
                raise LectureError(f"{where}: gradient and relationship are two scenes: pick one")
            from .modes.alphabet_gradient import AlphabetGradientScene

            return AlphabetGradientScene
        if _get(where, raw, "relationship", bool, False):
            if spec.is_transposed:
                raise LectureError(f"{where}: relationship plays both directions: drop "
                                   "transposed")
            return AlphabetRelationshipScene
        return AlphabetScene
    from .modes.numerical import NumericalScene

    shuffle = _shuffle_scene(where, raw, spec, attrs, base_dir)
    if shuffle is not None:
        return shuffle
    if "upsample" in raw:
        return _resize_scene(where, raw, attrs, base_dir)
    operation = _get_choice(where, raw, "operation", OPERATIONS, "convolution")
    if spec.is_transposed and operation != "convolution":
        raise LectureError(f"{where}: a transposed convolution has no {operation} operation "
                           "(drop operation or transposed)")
    if operation != "convolution":
        spec.check_pooling(operation)  # type: ignore[union-attr, arg-type]
        for key in ("kernel_values", "bias_values", "bias"):
            if key in raw:
                what = "weights" if key == "kernel_values" else "bias"
                raise LectureError(f"{where}: {key} is for operation 'convolution'; "
                                   f"{operation} pooling has no {what}")
    attrs["mode"] = operation
    attrs["seed"] = _get(where, raw, "seed", int, 0)
    if _get(where, raw, "overlap", bool, False):
        if not spec.is_transposed or spec.has_channels:
            raise LectureError(f"{where}: overlap counts the windows of a one-channel "
                               "transposed conv: add transposed = true (and no channels)")
        attrs["overlap"] = True
    if "bias" in raw:
        attrs["bias"] = _get(where, raw, "bias", bool, None)
    role = " (the transposed conv's input i')" if spec.is_transposed else ""
    attrs.update(_value_keys(where, raw, base_dir, spec.input_shape, spec.weight_shape,
                             spec.bias_shape, role))
    if gradient:
        if operation != "convolution" or "bias_values" in raw:
            raise LectureError(f"{where}: gradient backprops through a convolution without a "
                               "bias: drop operation and bias_values")
        attrs.pop("bias", None)
        if "grad_values" in raw:
            attrs["grad_values"] = _values(where, "grad_values", raw["grad_values"],
                                           spec.output_size, " (one number per output cell)",
                                           base_dir, plain=True)
        from .modes.numerical_gradient import NumericalGradientScene

        return NumericalGradientScene
    return NumericalScene


def _shape_text(spec: AnySpec) -> str:
    return "×".join(str(n) for n in spec.input_shape)


def _resize_scene(where: str, raw: Mapping[str, Any], attrs: dict[str, Any],
                  base_dir: Path) -> type:
    """A numerical part's ``upsample``: nearest-neighbour upsampling, then a stride-1 conv."""
    factor = _get(where, raw, "upsample", int, 2)
    if not 2 <= factor <= 4:
        raise LectureError(f"{where}: upsample must be a whole number from 2 to 4, got {factor}")
    for other in ("transposed", "operation", "overlap", "output_padding", "output_size",
                  "stride", "in_channels", "out_channels", "groups", "bias_values", "bias",
                  "1d"):
        if other in raw:
            raise LectureError(f"{where}: upsample does not take {other}")
    from .modes.resize import ResizeConvScene

    sizes = {key: _get_size(where, raw, key, default)
             for key, default in (("input_size", 5), ("kernel_size", 3), ("padding", 0),
                                  ("dilation", 1))}
    k, p, d = (sizes[key] for key in ("kernel_size", "padding", "dilation"))
    if k[0] != k[1] or p[0] != p[1] or d[0] != d[1]:  # type: ignore[index]
        raise LectureError(f"{where}: upsample takes a square kernel_size, padding and dilation")
    try:
        spec = ResizeConvScene.resize_spec(sizes["input_size"], factor,  # type: ignore[arg-type]
                                           kernel_size=k[0], padding=p[0],  # type: ignore[index]
                                           dilation=d[0])  # type: ignore[index]
    except SpecError as exc:
        raise LectureError(f"{where}: {exc}") from None
    attrs.update({"spec": spec, "factor": factor, "seed": _get(where, raw, "seed", int, 0)})
    attrs.update(_value_keys(where, raw, base_dir, (1, *sizes["input_size"]),  # type: ignore[misc]
                             spec.weight_shape, None, " (the image before upsampling)"))
    return ResizeConvScene


def _shuffle_scene(where: str, raw: Mapping[str, Any], spec: AnySpec, attrs: dict[str, Any],
                   base_dir: Path) -> type | None:
    """A numerical part's ``pixel_shuffle``/``pixel_unshuffle``: its scene, or ``None``."""
    keys = [k for k in ("pixel_shuffle", "pixel_unshuffle") if k in raw]
    if not keys:
        return None
    if len(keys) == 2:
        raise LectureError(f"{where}: pixel_shuffle and pixel_unshuffle contradict each other: "
                           "drop one")
    key = keys[0]
    factor = _get(where, raw, key, int, 2)
    if not 2 <= factor <= 4:
        raise LectureError(f"{where}: {key} must be a whole number from 2 to 4, got {factor}")
    refused = ["transposed", "operation", "overlap", "output_padding", "1d"]
    if key == "pixel_unshuffle":
        refused += ["kernel_size", "stride", "padding", "dilation", "out_channels", "groups",
                    "kernel_values", "bias_values", "bias"]
    for other in refused:
        if other in raw:
            raise LectureError(f"{where}: {key} does not take {other}")
    from .geometry import ConvSpec
    from .modes.shuffle import PixelShuffleScene, PixelUnshuffleScene

    attrs["factor"] = factor
    attrs["seed"] = _get(where, raw, "seed", int, 0)
    if key == "pixel_unshuffle":
        spec = ConvSpec(spec.input_size, 1, in_channels=spec.in_channels)
        attrs["spec"] = spec
    attrs.update(_value_keys(where, raw, base_dir, spec.input_shape, spec.weight_shape,
                             spec.bias_shape))
    if raw.get("bias") is False:
        attrs["bias_values"] = [0.0] * spec.out_channels
    return PixelUnshuffleScene if key == "pixel_unshuffle" else PixelShuffleScene


def _value_keys(where: str, raw: Mapping[str, Any], base_dir: Path,
                input_shape: tuple[int, ...], weight_shape: tuple[int, ...],
                bias_shape: tuple[int, ...] | None, role: str = "") -> dict[str, Any]:
    """A part's ``input_values``, ``kernel_values`` and ``bias_values``, checked.

    Each key given is read (see :func:`_values`) and checked against its
    tensor's shape; a one-channel input or a one-slice kernel may be written
    plainly, as a 2-D grid. Without ``bias_shape`` the part takes no bias
    values (the key is then left to the unknown-key check).
    """
    given: dict[str, Any] = {}
    if "input_values" in raw:
        given["input_values"] = _values(where, "input_values", raw["input_values"],
                                        input_shape, role, base_dir, plain=input_shape[0] == 1)
    if "kernel_values" in raw:
        given["kernel_values"] = _values(where, "kernel_values", raw["kernel_values"],
                                         weight_shape, "", base_dir,
                                         plain=weight_shape[:2] == (1, 1))
    if bias_shape is not None and "bias_values" in raw:
        given["bias_values"] = _values(where, "bias_values", raw["bias_values"],
                                       bias_shape, "", base_dir)
    return given


def _values(where: str, key: str, value: Any, shape: tuple[int, ...], role: str,
            base_dir: Path, *, plain: bool = False) -> Any:
    """A part's values: an array, an inline matrix, or a file in the lecture's folder.

    A string ending in ``.csv``, ``.txt`` or ``.npy`` names a file, relative
    to the lecture file's folder and inside it: never the working directory,
    never an absolute path or one that leads out of the folder (through
    ``..`` or a symlink). Any other string is an inline matrix.
    """
    from .values import VALUE_SUFFIXES, as_values, read_values

    if isinstance(value, str):
        text = value.strip()
        if text.lower().endswith(VALUE_SUFFIXES):
            text = str(_inside(where, key, text, base_dir))
        elif "/" in text or "\\" in text:
            raise LectureError(f"{where}: {key}: a values file must end in .csv, .txt or .npy, "
                               f"got {_short(text)}")
        return as_values(key, read_values(key, text), shape, role=role, plain=plain)
    if isinstance(value, (list, int, float)) and not isinstance(value, bool):
        return as_values(key, value, shape, role=role, plain=plain)
    raise LectureError(f"{where}: {key} must be an array of rows, an inline matrix or a file "
                       f"name, got {value!r}")


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


def _inside(where: str, key: str, name: str, base_dir: Path) -> Path:
    """``name`` in ``base_dir`` (the lecture's folder), refusing any way out of it."""
    root = base_dir.resolve()
    path = Path(name)
    if "\0" in name or path.is_absolute():
        raise LectureError(f"{where}: {key}: {_short(name)} must be a file name relative to the "
                           "lecture's folder")
    try:
        real = (root / path).resolve()
    except (OSError, RuntimeError, ValueError):
        real = None
    if real is None or not real.is_relative_to(root):
        raise LectureError(f"{where}: {key}: {_short(name)} is outside the lecture's folder; "
                           "values files must be in it or below it")
    return base_dir / path


# --------------------------------------------------------------- title cards
def title_card(lecture_title: str, part: Part, count: int, *, theme: str = "light",
               duration: float = DEFAULT_TITLE_TIME) -> type:
    """The title card scene shown before ``part``.

    Parameters
    ----------
    lecture_title
        Written small at the top (nothing when empty).
    part
        Gives the number, the title, the subtitle and the spec line.
    count
        How many parts the lecture has.
    theme
        ``"light"`` or ``"dark"``.
    duration
        Seconds the card is shown.

    Returns
    -------
    type
        A :class:`TitleCardScene` subclass.
    """
    from .modes.title import TitleCardScene

    return type(f"LectureCard{part.number}", (TitleCardScene,), {
        "lecture_title": lecture_title,
        "heading": f"Part {part.number} of {count}",
        "title": part.title,
        "subtitle": part.subtitle,
        "summary": part.summary(),
        "theme": theme,
        "duration": duration,
    })


# ---------------------------------------------------------------- rendering
def default_jobs() -> int:
    """Parts rendered at once by default: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


_WORK: dict[str, Any] = {}
"""What :func:`_render_part` renders: set before the parts are rendered (and forked)."""


def _render_part(index: int) -> int:
    """Render part ``index`` (its title card, then its scene) into its own MP4."""
    from .render import open_render

    lecture: Lecture = _WORK["lecture"]
    card, scene = lecture.cards[index], lecture.parts[index].scene
    planned = card.planned_duration() + scene.planned_duration()
    with open_render(f"part-{index + 1}", formats=("mp4",), quality=_WORK["quality"],
                     output_dir=_WORK["staging"], progress=_WORK["progress"],
                     planned_seconds=planned, encoding=_WORK["encoding"],
                     subtitles=_WORK.get("subtitles", False)) as session:
        session.play(card, f"part {index + 1}/{len(lecture.parts)} title")
        session.play(scene, f"part {index + 1}/{len(lecture.parts)}")
    return index


def _render_parts(count: int, jobs: int) -> Iterator[int]:
    """Render every part, ``jobs`` at a time; yield each index, in order, once done.

    Each part is rendered in a process of its own, forked from this one, even
    with one job: every part starts from the same state whatever ``jobs`` is,
    and memory does not build up from part to part. An interrupt or a failure
    stops every worker, and a worker stops by itself soon after this process
    ends, even killed, and removes the staging folder
    (:func:`convmanim.workers.run_forked`). Where processes
    cannot be forked, the parts are rendered here, one after another.
    """
    from .workers import can_fork, run_forked

    if not can_fork():  # pragma: no cover - not POSIX
        for index in range(count):
            yield _render_part(index)
        return
    staging = _WORK["staging"]
    yield from run_forked(_render_part, count, max(1, min(jobs, count)),
                          orphaned=lambda: shutil.rmtree(staging, ignore_errors=True))


def render_lecture(
    lecture: Lecture,
    name: str,
    *,
    quality: str | Any | None = None,
    output_dir: str | os.PathLike[str] = "media",
    progress: bool = True,
    echo: bool = True,
    log: Callable[[str], None] | None = None,
    jobs: int | None = None,
    encoding: Any = None,
    subtitles: bool = False,
) -> Path:
    """Render every part of ``lecture`` into ``OUTPUT_DIR/NAME.mp4``, with chapters.

    Each part (its title card, then its scene) is rendered into an MP4 of its
    own, ``jobs`` parts at a time in separate processes, and the parts are
    joined without re-encoding (:func:`convmanim.video.join_mp4`): the parts
    draw the same pictures whatever ``jobs`` is (libx264 itself may encode
    them a little differently from one run to the next; with ``crf`` 0 the
    decoded frames are the same, bit for bit). The file has
    one chapter per part, named after the part's title, and
    ``NAME.chapters.vtt`` (WebVTT) beside it holds the same chapters. Both
    are written under temporary names and renamed together when complete.

    Parameters
    ----------
    lecture
        From :func:`load_lecture` or :func:`parse_lecture`.
    name
        File name without extension.
    quality
        See :func:`convmanim.render.resolve_quality`; ``None`` takes the
        file's, or ``h``.
    output_dir
        Directory for the files; created if needed.
    progress
        Show a progress bar on a terminal, and log each part when it is done.
    echo
        Print the paths written.
    log
        Where the per-part lines go (standard error by default).
    jobs
        Parts rendered at once, each in its own process (default: the
        number of cores; 1 renders them one after another in this process).
        Each process holds one scene in memory, so memory grows with ``jobs``.
    encoding
        The encoder's settings (:class:`convmanim.video.Encoding`).
    subtitles
        Also write ``NAME.vtt``, one subtitle file for the whole video (one
        cue per step of every part, where it plays), and carry the cues as
        the MP4's subtitle track.

    Returns
    -------
    pathlib.Path
        The MP4 written.

    Raises
    ------
    RenderError
        For an unwritable directory or a failed encoder.
    """
    from .files import FileError, commit, echo_path, staging_folder
    from .interrupt import guarded
    from .render import Quality, RenderError, check_name, prepare_output_dir, resolve_quality
    from .video import DEFAULT_ENCODING, VideoError, join_mp4, write_webvtt_chapters
    from .workers import WorkerError

    chosen = quality if quality is not None else (lecture.quality or "h")
    q = chosen if isinstance(chosen, Quality) else resolve_quality(chosen)
    if log is None:
        def log(line: str) -> None:
            print(line, file=sys.stderr, flush=True)

    check_name(name)
    out = prepare_output_dir(output_dir)
    final = out / f"{name}.mp4"
    vtt = out / f"{name}.chapters.vtt"
    captions = out / f"{name}.vtt"
    count = len(lecture.parts)
    try:
        # SIGTERM, SIGHUP and SIGQUIT stop the render as Ctrl-C does: every worker
        # is stopped before the staging folder is removed
        with guarded(), staging_folder(final) as staging:
            _WORK.update(lecture=lecture, quality=q, staging=staging,
                         encoding=encoding or DEFAULT_ENCODING, subtitles=subtitles,
                         progress=progress and (jobs == 1 or count == 1))
            parts = _render_parts(count, default_jobs() if jobs is None else jobs)
            try:
                with contextlib.closing(parts):
                    for index in parts:
                        if progress:
                            part = lecture.parts[index]
                            seconds = part.scene.planned_duration(q.fps)
                            log(f"convmanim: part {part.number}/{count} {part.title} "
                                f"({seconds:.1f} s)")
            except WorkerError as exc:
                part = lecture.parts[exc.index]
                raise RenderError(f"part {part.number} ({part.title}): its render "
                                  f"{exc}") from None
            finally:
                _WORK.clear()
            joined, chapters_file = staging / final.name, staging / vtt.name
            cues: list[Cue] | None = None
            if subtitles:  # each part's cues, then where the part starts in the whole
                cues = [read_webvtt((staging / f"part-{n}.vtt").read_text(encoding="utf-8"))
                        for n in range(1, count + 1)]
            try:
                chapters = join_mp4([staging / f"part-{n}.mp4" for n in range(1, count + 1)],
                                    joined, [part.title for part in lecture.parts],
                                    cues=cues)
            except VideoError as exc:
                raise RenderError(str(exc)) from None
            write_webvtt_chapters(chapters_file, chapters)
            pairs = [(joined, final), (chapters_file, vtt)]
            if cues is not None:
                whole = staging / captions.name
                whole.write_text(webvtt([cue.shifted(ch.start) for part, ch in
                                         zip(cues, chapters) for cue in part]),
                                 encoding="utf-8")
                pairs.append((whole, captions))
            commit(pairs)
    except FileError as exc:
        raise RenderError(str(exc)) from None
    if echo:
        echo_path(final)
        echo_path(vtt)
        if subtitles:
            echo_path(captions)
    return final
