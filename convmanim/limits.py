r"""What a render accepts beyond the geometry: size limits, and safe label text.

Both are checked before anything is drawn or typeset, by the command line and
by the scenes, so that a Python user gets the same one-line errors.

Size limits
-----------
The geometry core accepts any size; a picture does not. Each mode has one
limit, with its reason:

* ``arithmetic``: at most :data:`MAX_ARITHMETIC_GRID` cells along each side of
  a drawn plane (the padded, zero-inserted input and the output). Beyond that
  a cell of the slanted plane is a few pixels wide at 1080p. With channels the
  input and output are stacks of planes side by side, so each plane gets less
  room: at most :data:`MAX_ARITHMETIC_CHANNEL_GRID` cells per side. At render
  time the scene also elides middle channels until the planes are thick enough
  at the chosen resolution, and refuses in one line if even one plane above
  and one below the marker would be too thin.
* ``numerical``: at most :data:`MAX_NUMERICAL_GRID` cells along each side of a
  grid, since every cell carries a number, which gets too small to read at
  1080p beyond that.
* ``alphabet``: the conv matrix ``C`` has ``oh·ow`` rows and ``ih·iw``
  columns, and every non-zero entry and every row's dot product is a label
  built in memory; each side is at most :data:`MAX_MATRIX_SIDE`.

An animation has one step per output cell (per input cell for the scatter
view); at most :data:`MAX_ANIMATION_STEPS` steps, a 17-minute video at the
default second per step, which is already longer than a lecture can use.
The numerical and alphabet modes take one step per output *value*, channel
by channel (one per input value for the scatter view).

Channels: a mode that does not draw channels yet refuses a spec with
channels (:data:`CHANNELS_NOT_DRAWN`), in one line, rather than drawing
one channel and calling it the layer. The scenes run these checks too, so
that a ``manim render`` of a Python scene fails with the same line.

The alphabet mode draws a spec with channels as a block matrix, and what
fits depends on the resolution, so its scenes check it when they lay out, at
the resolution they render (from Python as from the command line): each
block column shows at least :data:`MIN_BLOCK_COLUMNS` columns, the input
vector at least :data:`MIN_SLOTS_PER_CHANNEL` slots per channel, and a cell
of the channel grids is at least :data:`MIN_GRID_CELL_PX` pixels.

Label text
----------
Any text a user gives that is typeset (the alphabet mode's letters) must match
a safe pattern before LaTeX sees it: one Latin letter or one Greek letter
name, such as ``x`` or ``\alpha``. Everything else, and so every LaTeX
command such as ``\input{...}`` or ``\write18{...}``, is refused.
"""

from __future__ import annotations

import math
import re

from .geometry import AnySpec, SpecError, TransposedConvSpec, num_inputs, shown

__all__ = [
    "GREEK_LETTERS",
    "MAX_ANIMATION_STEPS",
    "MAX_ARITHMETIC_CHANNEL_GRID",
    "MAX_ARITHMETIC_GRID",
    "MAX_LECTURE_PARTS",
    "MAX_MATRIX_SIDE",
    "MAX_NUMERICAL_GRID",
    "MAX_STACK_EXTENT",
    "MAX_STACK_LAYERS_DRAWN",
    "MAX_VIDEO_SECONDS",
    "MIN_BLOCK_COLUMNS",
    "MIN_GRID_CELL_PX",
    "MIN_SLOTS_PER_CHANNEL",
    "MODES",
    "check_render_size",
    "check_scene",
    "check_settings",
    "check_stack_size",
    "check_symbol",
    "check_symbols",
]

MODES = ("arithmetic", "numerical", "alphabet")

MAX_ARITHMETIC_GRID = 64
"""Cells along a side of an arithmetic plane: about 12 px per cell at 1080p."""

MAX_ARITHMETIC_CHANNEL_GRID = 24
"""Cells along a side of an arithmetic plane when the tensors have channels.

The input and output stacks stand side by side, so a plane gets about half
the width it gets alone; beyond 24 cells per side a cell of a stacked plane
is thinner than 9 px at 1080p even with one channel drawn on each side of the
elision marker."""

MAX_NUMERICAL_GRID = 32
"""Cells along a side of a numerical grid: numbers stay at least ~14 px high at 1080p."""

MAX_MATRIX_SIDE = 400
"""Rows or columns of the alphabet mode's conv matrix (``oh·ow`` and ``ih·iw``).

A 20×20 input (400 columns) builds in about half a minute; a 32×32 input (a
900×1024 matrix) takes two minutes and 1.7 GB before the first frame."""

MAX_ANIMATION_STEPS = 1024
"""Steps of one animation: 17 minutes at one second per step."""

MAX_VIDEO_SECONDS = 2 * 3600
"""Length of one video, an animation or a whole lecture: two hours, longer than a lecture."""

MAX_LECTURE_PARTS = 100
"""Parts of one lecture file: each is a title card and a scene."""

MIN_BLOCK_COLUMNS = 3
"""Columns each block column of the alphabet mode's matrix shows, at least, with channels.

Every block column shows the same window of its columns, with labels at
least 13 px high; fewer than three columns (all of them, for a smaller
block) cannot show a kernel row."""

MIN_SLOTS_PER_CHANNEL = 3
"""Slots of the alphabet mode's input vector per input channel, at least: the
channel's first entry, a ``⋮`` and one entry the current row multiplies."""

MIN_GRID_CELL_PX = 4
"""Pixels of a cell of the alphabet mode's channel grids, at least."""

MAX_STACK_LAYERS_DRAWN = {1: 8, 2: 4}
"""Layers of a stack drawn one above another: rows of cells in 1-D, slanted planes in 2-D.

Each level is a row (a plane) with room for the lines between levels; beyond
eight rows or four planes a level is thinner than a label at 1080p."""

MAX_STACK_EXTENT = {1: 96, 2: 32}
"""Input positions the widest level of a stack spans (its padding included), per axis.

Every level stands over the input positions it reads, so the picture is as
wide as the widest level: 96 cells in a row are 17 px each at 1080p, 32 cells
along a side of a slanted plane about 12 px."""

CHANNELS_NOT_DRAWN: frozenset[str] = frozenset()
"""Modes that draw one channel only, for now."""

_WHY = {
    "arithmetic": "a cell would be a few pixels wide at 1080p",
    "arithmetic with channels": "the stacked planes stand side by side: a cell would be "
                                "thinner than 9 px at 1080p",
    "numerical": "its numbers would be too small to read at 1080p",
    "alphabet": "every non-zero entry of C and every row's dot product is a label held "
                "in memory",
}

GREEK_LETTERS = (
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho",
    "sigma", "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
)
r"""Greek letter names accepted as symbols (``\alpha`` ... ``\Omega``)."""

_SYMBOL = re.compile(r"[A-Za-z]|\\(?:" + "|".join(GREEK_LETTERS) + ")")

_KERNEL_SYMBOL = "w"


def _side(pair: tuple[int, int]) -> str:
    return f"{pair[0]}×{pair[1]}"


def _check_grid(spec: AnySpec, mode: str, what: str, size: tuple[int, int], limit: int,
                why: str = "") -> None:
    """Refuse a grid over ``limit`` per side; ``why`` keys :data:`_WHY` (default: ``mode``)."""
    if max(size) > limit:
        why = why or mode
        where = " with channels" if why != mode else ""
        raise SpecError(
            f"{spec.describe()}: {what} is {_side(size)} cells, more than the {mode} mode's "
            f"limit of {limit} per side{where} ({_WHY[why]}); use a smaller input, kernel or "
            "padding"
        )


def check_render_size(
    spec: AnySpec, mode: str, *, animated: bool = False, separable: bool = False
) -> None:
    """Raise unless ``spec`` is small enough for ``mode`` to draw usefully.

    Parameters
    ----------
    spec
        The conv or transposed conv to draw.
    mode
        ``"arithmetic"``, ``"numerical"`` or ``"alphabet"``.
    animated
        Also check the number of steps against :data:`MAX_ANIMATION_STEPS`.
    separable
        ``spec`` is played as its depthwise-separable pair (the arithmetic
        mode's ``--separable``): both convs are checked, and the steps of
        both count.

    Raises
    ------
    SpecError
        One line naming the grid, its size, the limit and why.

    Examples
    --------
    >>> from convmanim import ConvSpec
    >>> check_render_size(ConvSpec(200, 3), "numerical")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convmanim.geometry.SpecError: conv i=200 k=3 s=1 p=0 d=1 -> o=198: the input grid is ...
    """
    if mode not in MODES:
        raise SpecError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if separable:
        _check_separable(spec, mode, animated)
        return
    if spec.has_channels and mode in CHANNELS_NOT_DRAWN:
        raise SpecError(
            f"{spec.describe()}: the {mode} mode draws a single channel (in_channels = "
            "out_channels = groups = 1)"
        )
    out = spec.output_size
    if mode == "alphabet":
        rows, cols = spec.matrix_shape
        if max(rows, cols) > MAX_MATRIX_SIDE:
            name = "Cᵀ" if spec.is_transposed else "C"
            cells = (f"output {_side(out)} cells by input {_side(spec.input_size)} cells"
                     if not spec.has_channels else
                     f"{spec.out_channels} output channels of {_side(out)} cells by "
                     f"{spec.in_channels} input channels of {_side(spec.input_size)} cells")
            raise SpecError(
                f"{spec.describe()}: the conv matrix {name} would be {rows}×{cols} ({cells}), "
                f"more than the alphabet mode's limit of {MAX_MATRIX_SIDE} rows or columns "
                f"({_WHY[mode]}); use a smaller input" + (" or fewer channels"
                                                          if spec.has_channels else "")
            )
    else:
        limit = MAX_ARITHMETIC_GRID if mode == "arithmetic" else MAX_NUMERICAL_GRID
        why = mode
        if mode == "arithmetic" and spec.has_channels:
            limit, why = MAX_ARITHMETIC_CHANNEL_GRID, "arithmetic with channels"
        if mode == "numerical" and isinstance(spec, TransposedConvSpec):
            grids = [("the input grid", spec.input_size),
                     ("the output canvas", spec.scatter_canvas().grid_size)]
        else:
            what = "the zero-inserted, padded input" if spec.is_transposed \
                else "the padded input" if max(spec.padding) else "the input grid"
            grids = [(what, spec.direct().grid_size), ("the output grid", out)]
        for what, size in grids:
            _check_grid(spec, mode, what, size, limit, why)
    if animated:
        steps = _steps(spec, mode)
        if steps > MAX_ANIMATION_STEPS:
            raise SpecError(
                f"{spec.describe()}: an animation of {steps} steps is more than the limit of "
                f"{MAX_ANIMATION_STEPS} (17 minutes at one second per step); "
                "draw a still of one step with -e, or use a smaller input"
            )


def check_stack_size(stack: object) -> None:
    """Raise unless a :class:`~convmanim.receptive.Stack` is small enough to draw.

    At most :data:`MAX_STACK_LAYERS_DRAWN` layers and
    :data:`MAX_STACK_EXTENT` input positions along an axis. The scene also
    checks, at the resolution it renders, that cells and labels are big
    enough (:class:`~convmanim.modes.stack.StackScene`).

    Raises
    ------
    SpecError
        One line naming the stack, the size, the limit and why.
    """
    ndim = stack.ndim  # type: ignore[attr-defined]
    layers = len(stack)  # type: ignore[arg-type]
    what = "rows of cells" if ndim == 1 else "slanted planes"
    limit = MAX_STACK_LAYERS_DRAWN[ndim]
    if layers > limit:
        raise SpecError(f"{layers} layers: a {ndim}-D stack draws at most {limit}, one above "
                        f"another as {what} (more would be thinner than a label at 1080p); "
                        "trace fewer layers")
    extents = [level.extent() for level in stack.levels]  # type: ignore[attr-defined]
    for axis in range(ndim):
        first = min(e[axis][0] for e in extents)
        last = max(e[axis][1] for e in extents)
        width = round(last - first)
        if width > MAX_STACK_EXTENT[ndim]:
            along = "" if ndim == 1 else (" rows" if axis == 0 else " columns")
            raise SpecError(
                f"the stack's levels span {width}{along} input positions, padding included, "
                f"more than the limit of {MAX_STACK_EXTENT[ndim]} for a {ndim}-D stack (a cell "
                "would be too small to see at 1080p); use a smaller input, padding or dilation"
            )


def _check_separable(spec: AnySpec, mode: str, animated: bool) -> None:
    """The checks of a depthwise-separable conv: both of its convs, and both phases' steps."""
    if mode != "arithmetic":
        raise SpecError(f"the {mode} mode does not draw a depthwise-separable conv; "
                        "the arithmetic mode does")
    if isinstance(spec, TransposedConvSpec):
        raise SpecError("a depthwise-separable conv is drawn for a forward conv: drop -t")
    for conv in (spec, *spec.depthwise_separable()):
        check_render_size(conv, mode)
    steps = 2 * spec.num_steps
    if animated and steps > MAX_ANIMATION_STEPS:
        raise SpecError(
            f"{spec.describe()}: a depthwise-separable animation of {steps} steps (two "
            f"phases of {spec.num_steps}) is more than the limit of {MAX_ANIMATION_STEPS} "
            "(17 minutes at one second per step); draw a still of one step with -e, or use a "
            "smaller input"
        )


def _steps(spec: AnySpec, mode: str) -> int:
    if mode == "numerical" and isinstance(spec, TransposedConvSpec):
        return num_inputs(spec)
    if mode in ("numerical", "alphabet"):
        return spec.num_outputs
    return spec.num_steps


def check_symbol(name: str, symbol: object) -> str:
    r"""Return ``symbol`` if it is one Latin letter or one Greek letter name.

    This is the only user text that reaches LaTeX, so nothing else gets
    through: ``\input{/etc/passwd}`` and ``\write18{...}`` are refused here,
    before any LaTeX run.

    Parameters
    ----------
    name
        The option or attribute, for the message (``"--input-symbol"``).
    symbol
        The text to check.

    Raises
    ------
    SpecError
        ``--input-symbol must be one Latin letter or a Greek letter name such
        as \alpha, got '\\input{x}'``.

    Examples
    --------
    >>> check_symbol("--input-symbol", r"\alpha")
    '\\alpha'
    """
    if not isinstance(symbol, str) or _SYMBOL.fullmatch(symbol) is None:
        shown = repr(symbol) if len(repr(symbol)) <= 60 else repr(symbol)[:57] + "..."
        raise SpecError(
            f"{name} must be one Latin letter or a Greek letter name such as \\alpha, "
            f"got {shown}"
        )
    return symbol


def check_symbols(
    symbols: object, names: tuple[str, str] = ("symbols[0]", "symbols[1]")
) -> tuple[str, str]:
    """Check an ``(input, output)`` pair of symbols (see :func:`check_symbol`).

    The two must differ, and neither may be ``w``, the kernel's weights.

    Parameters
    ----------
    symbols
        The pair to check.
    names
        What each one is called in messages (``"--input-symbol"``).

    Raises
    ------
    SpecError
        For a symbol that is not a letter, a repeated letter, or ``w``.
    """
    if not isinstance(symbols, (tuple, list)) or len(symbols) != 2:
        raise SpecError(f"symbols must be an (input, output) pair of letters, got {symbols!r}")
    checked = (check_symbol(names[0], symbols[0]), check_symbol(names[1], symbols[1]))
    for name, s in zip(names, checked):
        if s == _KERNEL_SYMBOL:
            raise SpecError(f"{name} {s!r} is the kernel's letter; pick another one")
    if checked[0] == checked[1]:
        raise SpecError(f"{names[0]} and {names[1]} must differ, got {checked[0]!r} for both")
    return checked


def check_symbol_triple(symbols: object) -> tuple[str, str, str]:
    """Check the relationship scene's ``(input, output, transposed output)`` symbols.

    The conv maps the first to the second, its transposed conv the second to
    the third; each is checked as by :func:`check_symbols`, and all three
    differ.

    Raises
    ------
    SpecError
        As :func:`check_symbols`, or for anything but three letters.
    """
    if not isinstance(symbols, (tuple, list)) or len(symbols) != 3:
        raise SpecError("symbols must be an (input, output, transposed output) triple of "
                        f"letters, got {symbols!r}")
    a, b = check_symbols(symbols[:2])
    _, c = check_symbols(symbols[1:], ("symbols[1]", "symbols[2]"))
    if c == a:
        raise SpecError(f"symbols[0] and symbols[2] must differ, got {a!r} for both")
    return (a, b, c)


# ----------------------------------------------------------- scene attributes
def _shown(value: object) -> str:
    return shown(value, limit=60)


def _number(owner: str, name: str, value: object, low: float, high: float, *,
            low_open: bool = False, high_open: bool = False, unit: str = "") -> None:
    """Raise unless ``value`` is a real number in the range (bounds closed unless open)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        v = float(value)  # type: ignore[arg-type]
        ok = math.isfinite(v) and (low < v if low_open else low <= v) and \
            (v < high if high_open else v <= high)
    if not ok:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise SpecError(f"{owner}.{name} must be a number in {left}{low:g}, {high:g}{right}"
                        f"{unit}, got {_shown(value)}")


def _flag(owner: str, name: str, value: object, *, none_ok: bool = False) -> None:
    if not (isinstance(value, bool) or (none_ok and value is None)):
        allowed = "True, False or None" if none_ok else "True or False"
        raise SpecError(f"{owner}.{name} must be {allowed}, got {_shown(value)}")


def check_scene(scene_cls: type, mode: str | None) -> None:
    """Check a scene class's attributes, as the command line checks its flags.

    Every convmanim scene calls this before anything is drawn
    (:meth:`convmanim.modes.base.ConvScene.check_attributes`), so that a
    Python scene gets the command line's one-line errors and size limits.
    Attributes a class does not have are not checked.

    Parameters
    ----------
    scene_cls
        The scene class.
    mode
        ``"arithmetic"``, ``"numerical"`` or ``"alphabet"`` for the size
        limits (:func:`check_render_size`); ``None`` skips them.

    Raises
    ------
    SpecError
        One line naming the class and the attribute, such as
        ``Slow.step_time must be a number in [0.1, 60] seconds, got nan``.
    """
    from .geometry import ConvSpec

    owner = scene_cls.__name__
    spec = getattr(scene_cls, "spec", None)
    if not isinstance(spec, (ConvSpec, TransposedConvSpec)):
        raise SpecError(f"{owner}.spec must be a ConvSpec, a ConvSpec1d or their .transposed(), "
                        f"got {_shown(spec)}")
    check_settings(scene_cls)
    if mode is not None:  # the command line's very message: it describes the spec
        check_render_size(spec, mode, animated=vars_of(scene_cls).get("still_step") is None)


def check_settings(scene_cls: type) -> None:
    """Check a scene class's settings: theme, times, flags, still step, seed, symbols.

    The part of :func:`check_scene` that does not depend on what the scene
    draws; a scene that draws something else than one spec (a stack of
    layers) checks its subject itself and calls this.

    Raises
    ------
    SpecError
        One line naming the class and the attribute.
    """
    from .theme import THEMES, Theme

    owner = scene_cls.__name__
    attrs = vars_of(scene_cls)
    theme = attrs.get("theme", "light")
    if not (isinstance(theme, Theme) or (isinstance(theme, str) and theme in THEMES)):
        raise SpecError(f"{owner}.theme must be one of {', '.join(THEMES)} or a Theme, "
                        f"got {_shown(theme)}")
    seconds = " seconds"
    checks: dict[str, tuple[float, float, dict[str, bool]]] = {
        "settled_step_time": (0.1, 60, {}),
        "end_hold": (0, 60, {}),
        "glide": (0, 1, {"low_open": True, "high_open": True}),
        "write": (0, 1, {"high_open": True}),
        "intro_time": (0, 60, {"low_open": True}),  # a short intro is sped up
        "transpose_time": (1, 60, {"low_open": True}),
        "part_hold": (0, 60, {}),  # the gradient scenes
        "fade_time": (0, 60, {"low_open": True}),
    }
    for name, (low, high, opts) in checks.items():
        if name in attrs:
            unit = "" if name in ("glide", "write") else seconds
            _number(owner, name, attrs[name], low, high, unit=unit, **opts)
    if attrs.get("step_time") is not None:  # None: paced, each step its own time
        _number(owner, "step_time", attrs["step_time"], 0.1, 60, unit=seconds)
    for name in ("smooth", "intro", "keep_formula"):
        if name in attrs:
            _flag(owner, name, attrs[name])
    if "show_weights" in attrs:
        _flag(owner, "show_weights", attrs["show_weights"], none_ok=True)
    still = attrs.get("still_step")
    if still is not None and (isinstance(still, bool) or not isinstance(still, int)):
        raise SpecError(f"{owner}.still_step must be a step number or None, got {_shown(still)}")
    if "seed" in attrs:
        seed = attrs["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise SpecError(f"{owner}.seed must be an integer 0 or more, got {_shown(seed)}")
    symbols = attrs.get("symbols")
    if symbols is not None:
        if isinstance(symbols, (tuple, list)) and len(symbols) == 3:
            try:
                check_symbol_triple(symbols)
            except SpecError as exc:
                raise SpecError(f"{owner}.{exc}") from None
        else:
            check_symbols(symbols, (f"{owner}.symbols[0]", f"{owner}.symbols[1]"))


def vars_of(cls: type) -> dict[str, object]:
    """The class attributes ``cls`` sees (its own and inherited), by name."""
    out: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        out.update(vars(klass))
    return out
