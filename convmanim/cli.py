"""The ``convmanim`` command line.

Every command line of the original tool runs unchanged with ``python`` (or
``python produce_figure.py``) replaced by ``convmanim``::

    convmanim arithmetic -i 5 -p 1 -k 3 -s 2 -e 1 -t arithmetic_transposed_conv
    convmanim arithmetic -i 5 -p 1 -k 3 -s 2 arithmetic_conv -a

The CLI is thin: it reads the flags into a spec, builds a scene subclass and
hands it to :mod:`convmanim.render`. Errors are one line on stderr with exit
code 2; the last lines on stdout are the paths written.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import click
from click.core import ParameterSource

from ._version import __version__
from .geometry import (
    AnySpec,
    Pair,
    SpecError,
    drawable,
    parse_pair,
    sequence_of,
    spec_from_arguments,
)
from .geometry import shown as shown_value

__all__ = ["main"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class _Size(click.ParamType):
    """An integer, or per-axis ``HxW`` such as ``5x7`` (rows by columns)."""

    name = "N|HxW"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Pair:
        if isinstance(value, tuple):
            return value
        label = param.name if param is not None and param.name else "value"
        try:
            return parse_pair(label, str(value))
        except SpecError as exc:
            self.fail(str(exc), param, ctx)


SIZE = _Size()


class _Padding(_Size):
    """A padding: an integer, ``HxW``, or ``causal`` (1-D: ``d(k − 1)`` on the left only)."""

    name = "N|HxW|causal"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Pair | str:
        if isinstance(value, str) and value.strip().lower() == "causal":
            return "causal"
        if isinstance(value, str) and re.search(r"[a-wyz]", value, re.IGNORECASE):
            self.fail(f"padding must be an integer, HxW such as 1x2, or causal (with --1d), "
                      f"got {value!r}", param, ctx)
        return super().convert(value, param, ctx)


PADDING = _Padding()


class _Path(click.Path):
    """:class:`click.Path`, refusing a path no system call takes (a NUL byte) in one line."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if "\0" in os.fsdecode(value):
            self.fail(f"{shown_value(value)} holds a NUL byte, which no path can", param, ctx)
        return super().convert(value, param, ctx)

ONE_D_HELP = ("A 1-D conv over a sequence (nn.Conv1d): a row of cells, one number per size, "
              "labels with one index (a_n, w_a). With -p causal the d(k-1) zeros go on the "
              "left only. Example: --1d -i 8 -k 3 -d 2 -p causal.")


class _Group(click.Group):
    """Turns every error into one line on stderr and exit code 2.

    Any interrupt (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT; see
    :mod:`convmanim.interrupt`) at any moment is one line and exit code 130.
    A command that fails, is interrupted, or cannot print its paths on
    standard output takes back every file it wrote: a non-zero exit code
    means no file was written.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        from . import files, interrupt

        kwargs["standalone_mode"] = False
        with interrupt.guarded():
            files.committed.clear()
            try:
                try:
                    code = self._run(*args, **kwargs)
                    _flush_stdout()
                    interrupt.check()  # one whose exception Python dropped (in a finalizer)
                except _Failed as failed:
                    code = failed.code
                except (KeyboardInterrupt, _Interrupted):
                    code = _say_interrupted()
                if code != 0:
                    with interrupt.shielded():
                        files.take_back(files.committed)
            except (KeyboardInterrupt, _Interrupted):  # the first signal came during the above
                code = _say_interrupted()
                files.take_back(files.committed)
            interrupt.finish()  # the outcome is decided: later signals change nothing
            sys.exit(code)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an interrupt passes click by (it would print a blank line)."""
        try:
            _check_manim_cfg()
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted from None

    def _run(self, *args: Any, **kwargs: Any) -> int:
        """Run the command; return its exit code, or raise :class:`_Failed` after one line."""
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            return int(exc.exit_code or 0)
        except click.Abort:
            raise KeyboardInterrupt from None
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(f"{exc.format_message()}{hint}")
        except click.ClickException as exc:
            _fail(exc.format_message())
        except _user_errors() as exc:
            _fail(str(exc))
        except RecursionError:
            _fail("the input is nested too deeply")
        except MemoryError:
            _fail("out of memory")
        except OSError as exc:  # the machine failed: a full disk, standard output closed
            from .files import describe_os_error

            _fail(describe_os_error(exc))
        except Exception as exc:  # a bug: still one line, with a way to see more
            if os.environ.get("CONVMANIM_DEBUG"):
                raise
            message = " ".join(str(exc).split()) or "no message"
            _echo_error(f"convmanim: internal error: {message} "
                        "(set CONVMANIM_DEBUG=1 to see the traceback)")
            raise _Failed(1) from None
        return code if isinstance(code, int) else 0


class _Interrupted(BaseException):
    """An interrupt on its way out of click, which would print a blank line for it."""


class _Failed(Exception):
    """The command failed and said why in one line; exit with ``code``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _echo_error(line: str) -> None:
    """Write one line on standard error; if even that fails, the exit code says it."""
    with suppress(OSError, ValueError):
        click.echo(line, err=True)


def _say_interrupted() -> int:
    with suppress(Exception):  # a terminal echoed ^C on the line: start a new one
        if sys.stderr.isatty():
            sys.stderr.write("\n")
    _echo_error("convmanim: interrupted")
    return EXIT_INTERRUPTED


def _flush_stdout() -> None:
    """Make sure the paths printed reached standard output (a closed pipe, a full disk)."""
    if sys.stdout is None:  # started with standard output closed: nothing was printed
        return
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        from .files import describe_os_error

        with suppress(Exception):  # what is still buffered goes nowhere, even at exit
            if sys.stdout.fileno() == 1:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.close(devnull)
                sys.stdout.flush()
        _fail(f"cannot write to standard output: {describe_os_error(exc)}")


def _check_manim_cfg() -> None:
    """Refuse a ``manim.cfg`` in the working folder that manim would read for ever.

    manim reads that file when it is imported: a FIFO there would hang the
    command, and ``/dev/zero`` would fill the memory.
    """
    from .files import FileError, read_limited

    if not os.path.lexists("manim.cfg"):
        return
    try:
        read_limited("manim.cfg", 1_000_000, "manim's config file")
    except FileError as exc:
        raise click.ClickException(f"{exc} (manim reads manim.cfg in the working folder)") \
            from None


def _user_errors() -> tuple[type[BaseException], ...]:
    from .files import FileError
    from .render import RenderError

    errors: list[type[BaseException]] = [SpecError, RenderError, FileError]
    if "convmanim.labels" in sys.modules:
        from .labels import LabelError

        errors.append(LabelError)
    return tuple(errors)


def _fail(message: str) -> None:
    message = " ".join(str(message).split())
    _echo_error(f"convmanim: error: {message}")
    raise _Failed(EXIT_BAD_INPUT)


# ------------------------------------------------------------------ options
def _seed_options(transposed: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The original tool's flags, plus ours, shared by every mode."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            click.argument("name"),
            click.option("-i", "--input-size", type=SIZE, default="5", show_default=True,
                         help="Input size i: 5, or 5x7 for 5 rows by 7 columns."),
            click.option("-o", "--output-size", type=SIZE, default=None,
                         help="Expected output size; checked against the computed one "
                              "(it is always computed)."),
            click.option("-k", "--kernel-size", type=SIZE, default="3", show_default=True,
                         help="Kernel size k."),
            click.option("-s", "--stride", type=SIZE, default="1", show_default=True,
                         help="Stride s."),
            click.option("-p", "--padding", type=PADDING, default="0", show_default=True,
                         help="Zero padding p on every side; with --1d, 'causal' puts "
                              "d(k-1) zeros on the left only."),
            click.option("-d", "--dilation", type=SIZE, default="1", show_default=True,
                         help="Dilation d (1: a dense kernel)."),
            click.option("--1d", "one_d", is_flag=True, help=ONE_D_HELP),
            click.option("--in-channels", type=click.IntRange(min=1), default=1,
                         show_default=True, metavar="C_IN",
                         help="Input channels, as nn.Conv2d's in_channels (3 for RGB)."),
            click.option("--out-channels", type=click.IntRange(min=1), default=1,
                         show_default=True, metavar="C_OUT",
                         help="Output channels: one filter of C_IN/GROUPS slices each."),
            click.option("--groups", type=click.IntRange(min=1), default=1, show_default=True,
                         help="nn.Conv2d's groups: it divides both channel counts, and each "
                              "filter sees only its group's channels. GROUPS = C_IN = C_OUT "
                              "is a depthwise conv."),
            *_render_options(),
            click.option("--intro", is_flag=True,
                         help="Open with the output-size formula, numbers put in."),
        ]
        if transposed:
            options.append(
                click.option("-t", "--transposed", is_flag=True,
                             help="Draw the transposed conv of the conv given by -i -k -s -p "
                                  "-d and the channel flags (the paper's convention: give i, "
                                  "not i'; it maps C_OUT channels back to C_IN).")
            )
            options.append(
                click.option("--output-padding", type=SIZE, default=None,
                             help="With -t: ConvTranspose2d's output_padding, checked like -o. "
                                  "In PyTorch's terms the transposed conv maps -o (its input) "
                                  "to -i (its output), and its output_padding is "
                                  "(i + 2p - d(k-1) - 1) mod s; if the value given differs, "
                                  "the error names the -i that gives it.")
            )
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def _render_options(
    step_help: str = "Step to draw as a still, 0-based in row-major order over the output "
                     "(default 0). Ignored with -a.",
) -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """The flags of every drawing command.

    The step or the animation, formats, quality, output folder, theme, pace,
    subtitles, encoding, progress bar, LaTeX and slides.
    """
    return [
        click.option("-e", "--step", type=int, default=None, help=step_help),
        click.option("-a", "--animation", is_flag=True,
                     help="Render an animation (MP4 unless --format says otherwise) "
                          "instead of a still."),
        click.option("-y", "--type", "still_type", type=click.Choice(["png", "pdf", "svg"]),
                     default="png", show_default=True,
                     help="Still format; pdf and svg are vector."),
        click.option("-q", "--quality", default="h", show_default=True,
                     envvar="CONVMANIM_QUALITY", show_envvar=True,
                     help="Still quality: l m h p k (480p to 2160p), a DPI number "
                          "as in the original tool (600 -> k), or WxH such as 1280x720."),
        click.option("-qa", "--quality-animation", default="h", show_default=True,
                     envvar="CONVMANIM_QUALITY_ANIMATION", show_envvar=True,
                     help="Animation quality: l (480p15) m (720p30) h (1080p60) "
                          "p (1440p60) k (2160p60), a DPI number (150 -> m), or "
                          "WxH@FPS such as 640x360@30."),
        click.option("--format", "formats", multiple=True,
                     type=click.Choice(["mp4", "gif", "webm", "mov"]),
                     help="Animation format; repeat for several (mov has a transparent "
                          "background). Implies -a."),
        click.option("--output-dir", default="media", show_default=True,
                     envvar="CONVMANIM_OUTPUT_DIR", show_envvar=True,
                     type=_Path(file_okay=False),
                     help="Where files are written."),
        click.option("--theme", type=click.Choice(["light", "dark"]), default="light",
                     show_default=True, help="Colour theme."),
        click.option("--step-time", type=click.FloatRange(min=0.1, max=60),
                     default=None,
                     help="Seconds per step, the same for every step. Default: paced, "
                          "the first steps long enough to read their caption, then "
                          "faster."),
        click.option("--subtitles", is_flag=True,
                     help="Also write NAME.vtt (WebVTT): one cue per step, its caption in "
                          "plain words and numbers; MP4, MOV and WebM carry the cues as a "
                          "subtitle track. Implies -a."),
        click.option("--stepwise", is_flag=True,
                     help="No motion: one still frame per step, like the original GIFs."),
        *_encoding_options(),
        click.option("--no-progress", is_flag=True, help="Hide the progress bar."),
        click.option("--no-tex", is_flag=True, envvar="CONVMANIM_NO_TEX",
                     show_envvar=True,
                     help="Typeset the labels with Pango instead of LaTeX: for a "
                          "machine without latex and dvisvgm."),
        click.option("--slides", is_flag=True,
                     help="Render a slide deck, one slide per step (a title slide first "
                          "with --intro), at the -qa quality: NAME.html (works offline: "
                          "reveal.js and the videos inside; arrow keys step, S shows each "
                          "step's caption as a speaker note) and slides/NAME.json for "
                          "'manim-slides present --folder OUTPUT_DIR/slides NAME'. Needs "
                          "pip install 'convmanim[slides]'."),
    ]


def _encoding_options() -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """``--crf``, ``--preset`` and ``--cfr``: the MP4 encoder's settings."""
    from .video import DEFAULT_ENCODING, PRESETS

    return [
        click.option("--crf", type=click.FloatRange(0, 51), default=DEFAULT_ENCODING.crf,
                     show_default=True,
                     help="MP4 quality: lower is better and larger (about 6 less doubles the "
                          "size); 0 is lossless."),
        click.option("--preset", type=click.Choice(PRESETS), default=DEFAULT_ENCODING.preset,
                     show_default=True,
                     help="MP4 encoder speed: slower presets give smaller files at the same "
                          "--crf."),
        click.option("--cfr", is_flag=True,
                     help="Store every frame of the MP4 (a constant frame rate, for video "
                          "editors that need one); by default a held picture is stored once "
                          "with its duration, which players show the same."),
    ]


def _apply(decorators: list[Callable[[Callable[..., Any]], Callable[..., Any]]],
           ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Apply several click decorators, the first one outermost."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(decorators):
            f = option(f)
        return f

    return decorate


def encoding_from(options: dict[str, Any]) -> Any:
    """The :class:`~convmanim.video.Encoding` that ``--crf``, ``--preset`` and ``--cfr`` give.

    The settings the bench measured apply to the default preset; another
    preset is libx264's own, at the crf given.
    """
    from dataclasses import replace

    from .video import DEFAULT_ENCODING

    enc = DEFAULT_ENCODING
    crf = options.get("crf", enc.crf)
    preset = options.get("preset", enc.preset)
    if preset != enc.preset:
        enc = replace(enc, preset=preset, x264_params="")
    return replace(enc, crf=crf, hold_frames=not options.get("cfr", False))


def spec_from_options(options: dict[str, Any]) -> AnySpec:
    """The spec of a mode command's flags (see :func:`~convmanim.geometry.spec_from_arguments`).

    A 1-D spec (``--1d``) comes as the row the modes draw
    (:func:`~convmanim.geometry.drawable`).
    """
    return drawable(spec_from_arguments(  # type: ignore[return-value]
        options["input_size"], options["kernel_size"], options["stride"], options["padding"],
        options["dilation"], options.get("output_size"), options.get("transposed", False),
        options.get("output_padding"),
        in_channels=options.get("in_channels", 1),
        out_channels=options.get("out_channels", 1),
        groups=options.get("groups", 1),
        one_d=options.get("one_d", False),
    ))


def _check_still_type(animated: bool) -> None:
    """Refuse ``-y`` (a still's format) given with ``-a``, ``--format`` or ``--slides``."""
    ctx = click.get_current_context()
    if animated and ctx.get_parameter_source("still_type") is ParameterSource.COMMANDLINE:
        raise click.UsageError(
            f"-y/--type {ctx.params['still_type']} sets a still's format; an animation takes "
            "--format mp4, gif, webm or mov"
        )


def _check_before_render(spec: AnySpec | None, options: dict[str, Any], *,
                         animated: bool) -> None:
    """What every mode checks before drawing: size limits, step time, LaTeX.

    With ``--no-tex`` the labels are typeset with Pango for the rest of the
    command; otherwise a missing ``latex`` or ``dvisvgm`` is an error now,
    before any file is opened.
    """
    from .labels import check_tex_installed, pango_labels
    from .limits import MODES, check_render_size

    ctx = click.get_current_context()
    if ctx.info_name in MODES and spec is not None:
        check_render_size(spec, ctx.info_name, animated=animated,
                          separable=bool(options.get("separable")))
    step_time = options.get("step_time")
    if step_time is not None and not math.isfinite(step_time):
        raise SpecError(f"step_time must be a number of seconds from 0.1 to 60, got {step_time}")
    if options.get("no_tex"):
        ctx.with_resource(pango_labels())
    else:
        check_tex_installed()


def _labels_key() -> str:
    """The command and its options, naming the labels it draws."""
    ctx = click.get_current_context()
    return f"{ctx.command_path} {sorted(ctx.params.items())!r}"


def _start_latex_early(no_tex: bool) -> None:
    """Start LaTeX for manim's default template now, while manim imports.

    Loading LaTeX's preamble then costs a render with labels to typeset
    nothing. It is not started when the labels this very command used last
    time are all still cached. See :mod:`convmanim.texrun`.
    """
    from .render import cache_dir
    from .texrun import forget_labels, labels_cached, no_tex_requested, start_spare

    forget_labels()
    if no_tex or no_tex_requested():
        return
    cache = cache_dir()
    if not labels_cached(cache / "label-lists", _labels_key(), cache / "tex"):
        start_spare(cache / "tex")


def _remember_labels() -> None:
    """Note the labels this command used (see :func:`_start_latex_early`)."""
    from .render import cache_dir
    from .texrun import remember_labels

    remember_labels(cache_dir() / "label-lists", _labels_key())


def _value_flags(input_shape: tuple[int, ...], weight_shape: tuple[int, ...],
                 bias_shape: tuple[int, ...], input_values: str | None,
                 kernel_values: str | None, bias_values: str | None,
                 role: str = "") -> dict[str, Any]:
    """The numbers given by --input-values, --kernel-values and --bias-values, checked.

    Each flag's text or file is read and checked against its tensor's shape
    (a one-channel input or a one-slice kernel may also be written plainly,
    as a 2-D grid); a flag not given is left out of the result.
    """
    from .values import as_values, read_values

    given: dict[str, Any] = {}
    if input_values is not None:
        given["input_values"] = as_values(
            "--input-values", read_values("--input-values", input_values), input_shape,
            role=role, plain=input_shape[0] == 1)
    if kernel_values is not None:
        given["kernel_values"] = as_values(
            "--kernel-values", read_values("--kernel-values", kernel_values), weight_shape,
            plain=weight_shape[:2] == (1, 1))
    if bias_values is not None:
        given["bias_values"] = as_values(
            "--bias-values", read_values("--bias-values", bias_values), bias_shape)
    return given


def _render(scene_base: type, options: dict[str, Any], extra: dict[str, Any]) -> None:
    """Build the scene subclass from the flags and render it."""
    spec = spec_from_options(options)
    animated = _animated(options)
    _check_still_type(animated or bool(options.get("slides")))
    _check_before_render(spec, options, animated=animated or bool(options.get("slides")))
    _render_scene(scene_base, options, {"spec": spec, "intro": options["intro"], **extra})


def _animated(options: dict[str, Any]) -> bool:
    """Whether the flags ask for an animation (``-a``, ``--format``, ``--subtitles``)."""
    return bool(options["animation"] or options["formats"] or options["subtitles"])


def _render_scene(scene_base: type, options: dict[str, Any], extra: dict[str, Any]) -> None:
    """Render a subclass of ``scene_base`` with ``extra`` and the drawing flags' attributes."""
    from .render import render_animation, render_still, resolve_quality

    animated = _animated(options)
    quality = resolve_quality(options["quality_animation"] if animated else options["quality"])
    attrs: dict[str, Any] = {
        "theme": options["theme"],
        "smooth": not options["stepwise"],
        **extra,
    }
    if options["step_time"] is not None:
        attrs["step_time"] = options["step_time"]
    name = options["name"]
    if options.get("slides"):
        if options["formats"]:
            raise click.UsageError("--slides writes a slide deck: drop --format")
        if options["subtitles"]:
            raise click.UsageError("--slides writes a slide deck: drop --subtitles")
        from .slides import render_slides

        render_slides(
            type(f"{scene_base.__name__}Cli", (scene_base,), attrs), name,
            quality=resolve_quality(options["quality_animation"]),
            output_dir=options["output_dir"],
            progress=not options["no_progress"],
        )
        click.echo(f"present it: manim-slides present --folder "
                   f"{os.path.join(options['output_dir'], 'slides')} {name}", err=True)
    elif animated:
        scene_cls = type(f"{scene_base.__name__}Cli", (scene_base,), attrs)
        render_animation(
            scene_cls, name,
            formats=options["formats"] or ("mp4",),
            quality=quality,
            output_dir=options["output_dir"],
            progress=not options["no_progress"],
            subtitles=options["subtitles"],
            encoding=encoding_from(options),
        )
    else:
        step = 0 if options["step"] is None else options["step"]
        attrs["still_step"] = step
        scene_cls = type(f"{scene_base.__name__}Cli", (scene_base,), attrs)
        scene_cls.check_step(step)
        render_still(
            scene_cls, name, fmt=options["still_type"], quality=quality,
            output_dir=options["output_dir"],
        )
    _remember_labels()


def _check_gradient(spec: AnySpec, mode: str) -> None:
    """What ``--gradient`` needs: a forward conv with one channel each way."""
    if spec.is_transposed:
        raise click.UsageError("--gradient backprops through the conv -i -k -s -p -d, whose "
                               "input gradient is its transposed conv: drop -t")
    if spec.has_channels:
        raise SpecError(f"{spec.describe()}: the {mode} mode's gradient scene draws one channel "
                        "(in_channels = out_channels = groups = 1)")
    if click.get_current_context().params.get("intro"):
        raise click.UsageError("--gradient titles each of its four parts instead of an intro: "
                               "drop --intro")


# ------------------------------------------------------------------ commands
EPILOG_MAIN = """\b
Examples (the original tool's README, with `python` replaced by `convmanim`):
  convmanim arithmetic -i 5 -p 1 -k 3 -s 2 -e 0 arithmetic_conv
  convmanim arithmetic -i 5 -p 1 -k 3 -s 2 -e 1 -t arithmetic_transposed_conv
  convmanim arithmetic -i 5 -p 1 -k 3 -s 2 arithmetic_conv -a --format gif
  convmanim numerical --1d -i 8 -k 3 -d 2 -p causal -a causal   1-D: a sequence, causal padding
Files go to ./media/ (see --output-dir); the last lines printed are their paths.
"""


@click.group(cls=_Group, epilog=EPILOG_MAIN,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="convmanim")
def main() -> None:
    """Animate convolution arithmetic with Manim: conv, pooling, transposed conv.

    Each mode draws one still (PNG, or vector PDF/SVG) at step -e, or with -a
    a smooth animation (MP4, GIF, WebM, or MOV with transparency) of every
    step. Sizes are per axis: 5 means 5x5, and 5x7 means 5 rows by 7 columns.
    """


EPILOG_ARITHMETIC = """\b
Examples:
  convmanim arithmetic -i 5 -k 3 -s 2 -p 1 conv              still of step 0 (PNG)
  convmanim arithmetic -i 5 -k 3 -s 2 -p 1 -e 4 -y pdf conv  vector PDF of step 4
  convmanim arithmetic -i 5 -k 3 -s 2 -p 1 -t -a tconv       transposed, MP4
  convmanim arithmetic -i 7 -k 3 -d 2 -a --format gif dil    dilated, GIF
  convmanim arithmetic -i 6x8 -k 3 -s 2 -a -qa m rect        rectangular, 720p
  convmanim arithmetic -i 5 -k 3 -s 2 -p 1 --slides deck     slide deck: deck.html
  convmanim arithmetic -i 5 -k 3 -p 1 --in-channels 3 --out-channels 2 -a rgb
  convmanim arithmetic -i 5 -k 3 -p 1 --in-channels 4 --out-channels 2 --groups 2 -e 7 g2
  convmanim arithmetic -i 5 -k 3 -p 1 --in-channels 3 --out-channels 4 --separable -a sep
  convmanim arithmetic --1d -i 10 -k 3 -d 2 -p causal -a causal  1-D rows, zeros on the left
"""


@main.command(epilog=EPILOG_ARITHMETIC)
@_seed_options(transposed=True)
@click.option("--weights/--no-weights", default=None,
              help="Write w_ab in the kernel cells (default: only for -t, to show the "
                   "180° rotation). Single channel only: with channels a dot marks each "
                   "slice's w_00.")
@click.option("--separable", is_flag=True,
              help="Play the conv as a depthwise-separable one: a depthwise k x k conv "
                   "(groups = C_IN), then a pointwise 1 x 1 conv mixing the C_IN channels "
                   "into C_OUT; the panel compares its multiplications with the conv's. "
                   "Steps run through both phases.")
def arithmetic(weights: bool | None, separable: bool, **options: Any) -> None:
    """Slanted view: the kernel slides over the input and writes the output above.

    With -t, the transposed conv of the conv given by -i -k -s -p -d: its
    input has s-1 zeros inserted between units, is padded by d(k-1)-p (plus
    a = (i+2p-k) mod s on the bottom and right), and the kernel is rotated
    by 180°.

    With channels (--in-channels, --out-channels, --groups) the input and
    output are stacks of planes, one per channel, side by side; the filters
    (one per output channel, coloured by group) are drawn beside the panel.
    Middle channels are elided, with a marker, when they do not fit.
    """
    _start_latex_early(options["no_tex"])
    from .modes.arithmetic import ArithmeticScene, DepthwiseSeparableScene

    if weights and (separable or options["in_channels"] > 1 or options["out_channels"] > 1
                    or options["groups"] > 1):
        raise click.UsageError("--weights writes w_ab in the single-channel view; with "
                               "channels a dot marks each slice's w_00 (drop --weights)")
    if separable:
        if options["transposed"]:
            raise click.UsageError("--separable draws a forward conv: drop -t")
        if options["groups"] != 1:
            raise click.UsageError("--separable builds its own groups (the depthwise conv has "
                                   "groups = C_IN): drop --groups")
        _render(DepthwiseSeparableScene, {**options, "separable": True}, {})
        return
    _render(ArithmeticScene, options, {"show_weights": weights})


EPILOG_NUMERICAL = """\b
Examples (the original README's, then ours):
  convmanim numerical -i 5 -p 1 -k 3 -s 2 numerical_conv              still of step 0 (PNG)
  convmanim numerical -i 6 -k 2 -s 2 numerical_max -m max -a          max pooling, MP4
  convmanim numerical -i 5 -k 3 -s 2 -p 1 -m average -e 4 avg         average pooling, step 4
  convmanim numerical -i 5 -k 3 -s 2 -p 1 -t -a tconv                 transposed: scatter-add
  convmanim numerical -i 5 -k 3 -s 2 -p 1 -t --overlap -a board       its checkerboard: k=3, s=2
  convmanim numerical -i 6 -k 4 -s 2 -p 1 -t --overlap -a even        the fix: s divides k
  convmanim numerical -i 3 -k 3 -p 1 --upsample 2 -a resize           the other fix: resize, conv
  convmanim numerical -i 3 -k 3 -p 1 --out-channels 4 --pixel-shuffle 2 -a ps
                                          conv 1 -> 4 channels, then PixelShuffle(2): 1x6x6
  convmanim numerical -i 4 --pixel-unshuffle 2 -a pu                  PixelUnshuffle(2): 4x2x2
  convmanim numerical -i 3 -k 2 --input-values "1 2 3; 4 5 6; 7 8 9" --kernel-values "1 0; 0 -1" x
  convmanim numerical -i 6x8 -k 3 --input-values x.csv --kernel-values k.npy -a rect
  convmanim numerical -i 5 -k 3 -p 1 --in-channels 3 --out-channels 2 -a rgb   RGB to 2 maps
  convmanim numerical -i 4 -k 3 -p 1 --in-channels 4 --out-channels 4 --groups 2 -e 20 g2
  convmanim numerical -i 5 -k 3 --in-channels 3 --out-channels 2 --input-values x.npy \
      --kernel-values w.npy --bias-values "0.1, -0.2" -a layer       a real layer's numbers
  convmanim numerical --1d -i 8 -k 3 -d 2 -p causal -a causal         1-D: a causal dilated conv
  convmanim numerical --1d -i 8 -k 3 -s 2 -p 1 -t -a tconv1d          1-D scatter-add
  convmanim numerical -i 5 -k 3 -s 2 -p 1 --gradient -a backprop      dL/dy, dL/dx, dL/dw
  convmanim numerical -i 4 -k 3 --gradient --grad-values "1 0; 0 -1" -e 10 grad
"""


@main.command(epilog=EPILOG_NUMERICAL)
@_seed_options(transposed=True)
@click.option("-m", "--mode", type=click.Choice(["convolution", "average", "max"]),
              default="convolution", show_default=True,
              help="What the window computes: a weighted sum, the mean of its cells "
                   "(padding counted), or their maximum (padding never wins).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the random default values (input 0-3, kernel 0-2).")
@click.option("--input-values", metavar="MATRIX|FILE", default=None,
              help='The input\'s values: inline such as "1 2 3; 4 5 6" (rows split by ";", '
                   "numbers by spaces or commas), or a .csv or .npy file. With -t, the "
                   "transposed conv's input i'.")
@click.option("--kernel-values", metavar="MATRIX|FILE", default=None,
              help="The kernel's weights, as --input-values (convolution only). With "
                   "channels, a .npy file of the weight in PyTorch's layout, "
                   "C_OUT x C_IN/GROUPS x k x k (with -t: the forward conv's, as "
                   "ConvTranspose2d keeps it); the input is then C_IN x H x W.")
@click.option("--bias-values", metavar="VALUES|FILE", default=None,
              help='The bias, one number per output channel: inline such as "1, -1", or a '
                   ".csv or .npy file (convolution only). Default: seeded integers 0-2 when "
                   "there are channels, no bias for one channel.")
@click.option("--no-bias", is_flag=True,
              help="No bias, as nn.Conv2d(..., bias=False).")
@click.option("--overlap", is_flag=True,
              help="With -t (one channel): count the windows that write each output cell, "
                   "in a badge and a tint that deepen as they land. Uneven counts (k not "
                   "divisible by s) are the checkerboard artefact.")
@click.option("--upsample", type=click.IntRange(min=2, max=4), default=None, metavar="R",
              help="Resize, then convolve: upsample the -i image R times (nearest "
                   "neighbour), then run the stride-1 conv -k -p -d (nn.Conv2d's; "
                   "--kernel-values its kernel) over it, drawn as scatter-add with the "
                   "overlap counts (even: no checkerboard).")
@click.option("--pixel-shuffle", type=click.IntRange(min=2, max=4), default=None, metavar="R",
              help="Play PixelShuffle(R) of the conv's output instead of the conv: the conv "
                   "(-i -k -s -p -d, --in-channels) makes --out-channels = C*R^2 channels, "
                   "whose cells move into a C x R*H x R*W image, one channel per step.")
@click.option("--pixel-unshuffle", type=click.IntRange(min=2, max=4), default=None,
              metavar="R",
              help="Play PixelUnshuffle(R) of an image of --in-channels x -i (each side a "
                   "multiple of R; values from --input-values or --seed): its cells move "
                   "into C*R^2 channels of (H/R)x(W/R).")
@click.option("--gradient", is_flag=True,
              help="Backprop through the conv: the forward pass, the upstream gradient dL/dy "
                   "arriving, dL/dx = C^T dL/dy as the transposed conv of the gradient, then "
                   "dL/dw as the input correlated with dL/dy, one step per weight.")
@click.option("--grad-values", metavar="MATRIX|FILE", default=None,
              help="With --gradient: the upstream gradient dL/dy, one number per output cell "
                   "(as --input-values). Default: 1 -1 2 0 -2 1, repeated row by row.")
def numerical(mode: str, seed: int, input_values: str | None, kernel_values: str | None,
              bias_values: str | None, no_bias: bool, overlap: bool, upsample: int | None,
              pixel_shuffle: int | None, pixel_unshuffle: int | None, gradient: bool,
              grad_values: str | None, **options: Any) -> None:
    """Numbers in the cells: the window's arithmetic, step by step.

    The input (with its padding as dashed zeros) and the output lie side by
    side. At each step the window's arithmetic is written below, and its
    result flies into its output cell, which is empty until then.

    With channels (--in-channels, --out-channels, --groups), each channel is
    its own grid and a step computes one output value, output channel by
    output channel: the filter's slices lie over the channels of its group,
    each channel's sum is written under it, and the caption adds them up
    with the bias. Pooling takes each channel on its own.

    With --gradient, backprop through the conv in four parts: the forward
    pass, the upstream gradient dL/dy arriving, the input gradient
    dL/dx = C^T dL/dy (the transposed conv of dL/dy, as scatter-add), and the
    weight gradient dL/dw (dL/dy, dilated by the stride, over the input).

    With -t, the scatter-add view of the transposed conv of the conv given by
    -i -k -s -p -d: one step per cell of its input, whose value times the
    kernel is added into the output; the cropped border (p) is dashed.
    """
    _start_latex_early(options["no_tex"])
    from .values import as_values, read_values

    if gradient and (overlap or upsample or pixel_shuffle or pixel_unshuffle):
        raise click.UsageError("--gradient is a scene of its own: drop --overlap, --upsample, "
                               "--pixel-shuffle and --pixel-unshuffle")
    if upsample is not None:
        _resize(options, upsample, seed=seed, input_values=input_values,
                kernel_values=kernel_values)
        return
    if pixel_shuffle is not None or pixel_unshuffle is not None:
        _shuffle(options, pixel_shuffle, pixel_unshuffle, mode=mode, seed=seed,
                 input_values=input_values, kernel_values=kernel_values,
                 bias_values=bias_values, no_bias=no_bias, overlap=overlap)
        return
    spec = spec_from_options(options)
    from .limits import check_render_size

    check_render_size(spec, "numerical")  # before the values and the pooling windows
    if spec.is_transposed and mode != "convolution":
        raise SpecError(f"-t/--transposed draws a transposed convolution; it has no {mode} mode "
                        "(drop -m or -t)")
    if mode != "convolution":
        spec.check_pooling(mode)  # type: ignore[union-attr, arg-type]
        for flag, given in (("--kernel-values", kernel_values), ("--bias-values", bias_values),
                            ("--no-bias", no_bias or None)):
            if given is not None:
                raise SpecError(f"{flag} is for -m convolution; {mode} pooling has no "
                                f"{'weights' if flag == '--kernel-values' else 'bias'}")
    if no_bias and bias_values is not None:
        raise click.UsageError("--no-bias and --bias-values contradict each other: drop one")
    if overlap and (not spec.is_transposed or spec.has_channels):
        raise click.UsageError("--overlap counts the windows of a one-channel transposed "
                               "conv's scatter: add -t (and drop the channels)")
    if grad_values is not None and not gradient:
        raise click.UsageError("--grad-values is the upstream gradient of --gradient: add "
                               "--gradient or drop --grad-values")
    if gradient:
        _check_gradient(spec, "numerical")
        if mode != "convolution":
            raise click.UsageError(f"--gradient backprops through a convolution: drop -m {mode}")
        if bias_values is not None:
            raise click.UsageError("--gradient draws a conv without a bias: drop --bias-values")
    extra: dict[str, Any] = {"mode": mode, "seed": seed}
    if overlap:
        extra["overlap"] = True
    if no_bias:
        extra["bias"] = False
    role = " (the transposed conv's input i')" if spec.is_transposed else ""
    extra.update(_value_flags(spec.input_shape, spec.weight_shape, spec.bias_shape,
                              input_values, kernel_values, bias_values, role=role))

    if gradient:
        from .modes.numerical_gradient import NumericalGradientScene

        if grad_values is not None:
            extra["grad_values"] = as_values(
                "--grad-values", read_values("--grad-values", grad_values), spec.output_size,
                role=" (one number per output cell)", plain=True)
        extra.pop("bias", None)
        _render(NumericalGradientScene, options, extra)
        return

    from .modes.numerical import NumericalScene

    _render(NumericalScene, options, extra)


def _resize(options: dict[str, Any], factor: int, *, seed: int, input_values: str | None,
            kernel_values: str | None) -> None:
    """``numerical --upsample R``: nearest-neighbour upsampling, then a stride-1 conv."""
    ctx = click.get_current_context()
    for name, shown in {"transposed": "-t", "output_padding": "--output-padding",
                        "stride": "-s", "mode": "-m", "output_size": "-o",
                        "in_channels": "--in-channels", "out_channels": "--out-channels",
                        "groups": "--groups", "bias_values": "--bias-values",
                        "no_bias": "--no-bias", "pixel_shuffle": "--pixel-shuffle",
                        "pixel_unshuffle": "--pixel-unshuffle", "one_d": "--1d"}.items():
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            raise click.UsageError(f"--upsample does not take {shown}")
    from .modes.resize import ResizeConvScene

    k, p, d = options["kernel_size"], options["padding"], options["dilation"]
    if k[0] != k[1] or p[0] != p[1] or d[0] != d[1]:
        raise click.UsageError("--upsample takes a square kernel, padding and dilation")
    try:
        spec = ResizeConvScene.resize_spec(options["input_size"], factor, kernel_size=k[0],
                                           padding=p[0], dilation=d[0])
    except SpecError as exc:
        raise click.UsageError(str(exc)) from None
    extra: dict[str, Any] = {"spec": spec, "factor": factor, "seed": seed}
    size = options["input_size"]
    extra.update(_value_flags((1, *size), (1, 1, *k), (1,), input_values, kernel_values, None,
                              role=" (the image before upsampling)"))
    forward = spec.forward
    _render(ResizeConvScene, {**options, "input_size": forward.input_size, "transposed": True,
                              "output_padding": None, "output_size": None}, extra)


def _shuffle(options: dict[str, Any], shuffle: int | None, unshuffle: int | None, *,
             mode: str, seed: int, input_values: str | None, kernel_values: str | None,
             bias_values: str | None, no_bias: bool, overlap: bool) -> None:
    """``numerical --pixel-shuffle R`` and ``--pixel-unshuffle R``: check the flags, render."""
    from .geometry import ConvSpec

    ctx = click.get_current_context()
    given = {name for name in ctx.params
             if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE}
    if shuffle is not None and unshuffle is not None:
        raise click.UsageError("--pixel-shuffle and --pixel-unshuffle contradict each other: "
                               "drop one")
    flag = "--pixel-shuffle" if shuffle is not None else "--pixel-unshuffle"
    refused = {"transposed": "-t", "output_padding": "--output-padding", "overlap": "--overlap",
               "mode": "-m", "output_size": "-o", "one_d": "--1d"}
    if unshuffle is not None:
        refused.update({"kernel_size": "-k", "stride": "-s", "padding": "-p",
                        "dilation": "-d", "out_channels": "--out-channels",
                        "groups": "--groups", "kernel_values": "--kernel-values",
                        "bias_values": "--bias-values", "no_bias": "--no-bias"})
    for name, shown in refused.items():
        if name in given:
            raise click.UsageError(f"{flag} does not take {shown}")
    extra: dict[str, Any] = {"seed": seed}
    if unshuffle is not None:
        spec = ConvSpec(options["input_size"], 1, in_channels=options["in_channels"])
        options = {**options, "kernel_size": (1, 1), "stride": (1, 1), "padding": (0, 0),
                   "dilation": (1, 1), "output_size": None, "transposed": False}
        extra.update({"spec": spec, "factor": unshuffle})
    else:
        spec = spec_from_options(options)
        extra["factor"] = shuffle
    extra.update(_value_flags(spec.input_shape, spec.weight_shape, spec.bias_shape,
                              input_values, kernel_values, bias_values))
    if no_bias:
        extra["bias_values"] = [0.0] * spec.out_channels
    from .modes.shuffle import PixelShuffleScene, PixelUnshuffleScene

    base = PixelUnshuffleScene if unshuffle is not None else PixelShuffleScene
    type("Check", (base,), {"spec": spec, **extra}).shapes()  # what does not divide
    _render(base, options, extra)


EPILOG_ALPHABET = """\b
Examples (the original README's, then ours):
  convmanim alphabet -i 5 -k 3 alphabet_conv                       still of step 0
  convmanim alphabet -i 5 -k 3 alphabet_conv -a -qa 150            animation, 720p
  convmanim alphabet -i 5 -k 3 -s 2 -p 1 alphabet_transposed_conv_s2 -t
  convmanim alphabet -i 5 -k 3 -s 2 -p 1 --relationship -a rel     C, transposed, then C^T
  convmanim alphabet --1d -i 8 -k 3 -d 2 -p causal toeplitz        1-D: banded Toeplitz C
  convmanim alphabet -i 4 -k 3 --gradient -a backprop               backprop: C, C^T, then G
"""


@main.command(epilog=EPILOG_ALPHABET)
@_seed_options(transposed=True)
@click.option("--relationship", is_flag=True,
              help="Play the conv with C, transpose the matrix entry by entry, then play the "
                   "transposed conv with C^T (steps run through both parts).")
@click.option("--gradient", is_flag=True,
              help="Backprop through the conv: vec(b) = C vec(a), the upstream gradient b-bar "
                   "arriving, C transposed and a-bar = C^T b-bar, then w-bar = G vec(a), one "
                   "step per weight (a bar is the loss's gradient).")
@click.option("--input-symbol", default=None, metavar="LETTER",
              help="Letter of the input's entries: one Latin letter or a Greek letter name "
                   "such as \\alpha (default a, or b with -t).")
@click.option("--output-symbol", default=None, metavar="LETTER",
              help="Letter of the output's entries (default b, or c with -t).")
def alphabet(relationship: bool, gradient: bool, input_symbol: str | None,
             output_symbol: str | None, **options: Any) -> None:
    """Matrix view: vec(b) = C vec(a), or with -t, vec(c) = C^T vec(b).

    The sparse conv matrix sits between the grids and the vectors; at each step
    its current row, the input cells it touches and the vector entries it
    multiplies are outlined in one colour, and the row's dot product is written
    below. Large matrices scroll to keep the current row in view; long vectors
    are cut with dots that move out of the current entries' way.
    """
    _start_latex_early(options["no_tex"])
    from .limits import check_symbols
    from .modes.alphabet import AlphabetRelationshipScene, AlphabetScene, default_symbols

    extra: dict[str, Any] = {}
    if gradient:
        if relationship:
            raise click.UsageError("--gradient and --relationship are two scenes: pick one")
        _check_gradient(spec_from_options(options), "alphabet")
    if input_symbol is not None or output_symbol is not None:
        if relationship:
            raise click.UsageError("--relationship names its grids a, b and c: drop "
                                   "--input-symbol and --output-symbol")
        spec = spec_from_options(options)
        default_in, default_out = default_symbols(spec)
        extra["symbols"] = check_symbols(
            (default_in if input_symbol is None else input_symbol,
             default_out if output_symbol is None else output_symbol),
            ("--input-symbol", "--output-symbol"),
        )

    if gradient:
        from .modes.alphabet_gradient import AlphabetGradientScene

        _render(AlphabetGradientScene, options, extra)
    elif relationship:
        if options["transposed"]:
            raise click.UsageError("--relationship plays both directions: drop -t")
        _render(AlphabetRelationshipScene, options, {})
    else:
        _render(AlphabetScene, options, extra)


EPILOG_STACK = """\b
Examples:
  convmanim stack "k2 causal; k2 d2 causal; k2 d4 causal; k2 d8 causal" -i 16 -a wavenet
  convmanim stack "k3 s2 p1; k3 p1; k3 d2" -i 16 -e 3 strided      still of the last step
  convmanim stack "k3 s2 p1; k3 d2" -i 11x11 -a grid                2-D: slanted planes
  convmanim stack "k3 p1; max2; k3 p1; avg2" -i 16 -c 3 -a pooled   trace output 3

\b
The layers, bottom first, split by ";"; each is one window, then any of the rest:
  kN          a convolution of kernel N
  maxN, avgN  max or average pooling of window N (stride N unless given)
  sN          stride (default 1)
  pN          N zeros on both ends
  causal      d(k-1) zeros on the left only (1-D convolutions)
  dN          dilation (default 1)
In 2-D a number may be per axis, rows by columns: k3x1 s1x2.
"""


@main.command(epilog=EPILOG_STACK)
@click.argument("layers")
@click.argument("name")
@click.option("-i", "--input-size", default="16", show_default=True, metavar="L|HxW",
              help="The input: a length such as 16 makes every layer 1-D (rows of cells); "
                   "HxW such as 16x16 makes them 2-D (slanted planes).")
@click.option("-c", "--cell", default=None, metavar="N|RxC",
              help="The top layer's output cell to trace: N in 1-D, RxC (row by column) in "
                   "2-D. Default: the last cell of a causal stack, else the middle one.")
@_apply(_render_options("Step to draw as a still: 0 is the output cell, each next step one "
                        "level further down, the last the input (default 0). Ignored with -a."))
def stack(layers: str, input_size: str, cell: str | None, **options: Any) -> None:
    """The receptive field of one output cell, traced down a stack of layers.

    LAYERS is the stack written out, such as "k3 s2 p1; k3 p1; k3 d2" (see
    below). The levels are drawn one above another, the input at the bottom,
    each cell over the input positions it reads, the padding dashed. Step by
    step, from the chosen output cell down to the input, the cells it
    depends on are shaded (a dilated kernel's holes stay gaps), and beside
    each level its layer and its receptive field on the input: r, the jump
    (the product of the strides) and the start, from the closed forms.
    """
    _start_latex_early(options["no_tex"])
    from .geometry import parse_pair
    from .limits import check_stack_size
    from .modes.stack import StackScene
    from .receptive import parse_stack

    parsed = parse_stack(layers, input_size)
    check_stack_size(parsed)
    extra: dict[str, Any] = {"layers": parsed}
    if cell is not None:
        pair = parse_pair("--cell", cell)
        extra["cell"] = pair[0] if "x" not in cell.lower().replace("×", "x") else pair
        try:
            parsed.seen(extra["cell"])
        except SpecError:
            size = "x".join(map(str, parsed.sizes[-1]))
            form = "N" if parsed.ndim == 1 else "RxC"
            raise SpecError(f"--cell {cell} is not a cell of the top layer's output of {size} "
                            f"(give {form}, counted from 0)") from None
    animated = _animated(options)
    _check_still_type(animated or bool(options.get("slides")))
    _check_before_render(None, options, animated=animated)
    type("StackSceneCli", (StackScene,), extra).check_attributes()  # the cell, before LaTeX
    _render_scene(StackScene, options, extra)


@main.command()
@click.option("-i", "--input-size", type=SIZE, default="5", show_default=True)
@click.option("-k", "--kernel-size", type=SIZE, default="3", show_default=True)
@click.option("-s", "--stride", type=SIZE, default="1", show_default=True)
@click.option("-p", "--padding", type=PADDING, default="0", show_default=True)
@click.option("-d", "--dilation", type=SIZE, default="1", show_default=True)
@click.option("-o", "--output-size", type=SIZE, default=None)
@click.option("-t", "--transposed", is_flag=True)
@click.option("--output-padding", type=SIZE, default=None)
@click.option("--1d", "one_d", is_flag=True, help=ONE_D_HELP)
@click.option("--in-channels", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--out-channels", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--groups", type=click.IntRange(min=1), default=1, show_default=True)
def info(**options: Any) -> None:
    r"""Print the arithmetic of a spec (sizes, steps, padding, shapes) without rendering.

    \b
    Examples:
      convmanim info -i 5 -k 3 -s 2 -p 1
      convmanim info --1d -i 8 -k 2 -d 4 -p causal --in-channels 2 --out-channels 3
    """
    spec = spec_from_options(options)
    seq = sequence_of(spec)
    if seq is not None:
        _info_1d(seq)
        return
    click.echo(spec.describe())
    direct = spec.direct()
    click.echo(f"steps: {spec.num_steps} (output {spec.output_size[0]}x{spec.output_size[1]})")
    click.echo(
        f"drawn grid: {direct.grid_size[0]}x{direct.grid_size[1]} "
        f"(padding {direct.padding_before} before, {direct.padding_after} after, "
        f"stride {direct.stride})"
    )
    rows, cols = spec.matrix_shape
    click.echo(f"matrix: {rows}x{cols}" + (" (C transposed)" if spec.is_transposed else ""))
    if spec.has_channels:
        shape = "x".join
        click.echo(
            f"tensors: input {shape(map(str, spec.input_shape))}, weight "
            f"{shape(map(str, spec.weight_shape))}, bias {spec.out_channels}, output "
            f"{shape(map(str, spec.output_shape))}"
        )


def _info_1d(seq: Any) -> None:
    """``info`` for a 1-D spec: lengths, the padded row, the matrix, the tensors."""
    direct = seq.direct()
    click.echo(seq.describe())
    click.echo(f"steps: {seq.num_steps} (output length {seq.output_size})")
    click.echo(
        f"drawn row: {direct.grid_size[1]} cells (padding {direct.padding_before[1]} on the "
        f"left, {direct.padding_after[1]} on the right"
        + (", causal" if seq.causal else "") + f", stride {direct.stride[1]})"
    )
    rows, cols = seq.as_row().matrix_shape
    click.echo(f"matrix: {rows}x{cols}" + (" (C transposed)" if seq.is_transposed else ""))
    if seq.has_channels:
        shape = "x".join
        click.echo(
            f"tensors: input {shape(map(str, seq.input_shape))}, weight "
            f"{shape(map(str, seq.weight_shape))}, bias {seq.out_channels}, output "
            f"{shape(map(str, seq.output_shape))}"
        )


EPILOG_LECTURE = """\b
Examples:
  convmanim lecture examples/lecture.toml            media/lecture.mp4 at the file's quality
  convmanim lecture examples/lecture.toml -ql draft  480p15 draft, media/draft.mp4
  convmanim lecture examples/lecture.toml --check    check the file, list the parts
  convmanim lecture examples/lecture.toml -j 1       one part at a time, in this process

\b
A lecture file (TOML):
  [lecture]
  title = "Convolution arithmetic"     # also: quality, theme, step_time, title_time
  [[part]]
  title = "Padding"                    # also: subtitle, mode (arithmetic, numerical,
  input_size = 5                       # alphabet, stack), the long flags as keys (kernel_size,
  kernel_size = 3                      # stride, padding, dilation, transposed, ...),
  padding = 1                          # operation = "max" for numerical pooling
  [[part]]
  title = "Causal, dilated"            # a 1-D conv over a sequence, as --1d
  1d = true
  input_size = 8
  dilation = 2
  padding = "causal"                   # d(k-1) zeros on the left only
  [[part]]
  title = "WaveNet"                    # a stack part: layers as the stack command's,
  mode = "stack"                       # input_size 16 (1-D) or "16x16", cell
  layers = "k2 causal; k2 d2 causal; k2 d4 causal; k2 d8 causal"
"""


@main.command(epilog=EPILOG_LECTURE)
@click.argument("file", type=_Path(dir_okay=False))
@click.argument("name", required=False)
@click.option("-q", "--quality", default=None,
              help="l m h p k (480p15 to 2160p60), a DPI number, or WxH@FPS. "
                   "Default: the file's quality, else h.")
@click.option("--output-dir", default="media", show_default=True,
              envvar="CONVMANIM_OUTPUT_DIR", show_envvar=True,
              type=_Path(file_okay=False), help="Where the MP4 is written.")
@click.option("--check", is_flag=True, help="Check the file and list its parts; render nothing.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar and the part lines.")
@click.option("--no-tex", is_flag=True, envvar="CONVMANIM_NO_TEX",
              help="Typeset the labels with Pango instead of LaTeX (no LaTeX needed).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Parts rendered at once, each in a process of its own (default: the "
                   "number of cores). Memory grows with it: one scene per process.")
@click.option("--subtitles", is_flag=True,
              help="Also write NAME.vtt, one subtitle file for the whole lecture (one cue per "
                   "step), and carry the cues as the MP4's subtitle track.")
@_apply(_encoding_options())
def lecture(file: str, name: str | None, quality: str | None, output_dir: str, check: bool,
            no_progress: bool, no_tex: bool, jobs: int | None, subtitles: bool,
            **encoder: Any) -> None:
    """Render a lecture file: a title card, then a scene, for each part, into one MP4.

    NAME is the file name without extension (default: FILE's name without
    .toml). Every part is checked before anything is rendered.
    """
    from pathlib import Path

    from .durations import clock
    from .lecture import LectureError, load_lecture, render_lecture
    from .render import check_name, resolve_quality

    try:
        plan = load_lecture(file)
    except LectureError as exc:
        raise click.ClickException(str(exc)) from None
    check_name(name or Path(file).stem)
    if quality is not None:
        resolve_quality(quality)
    if check:
        for part in plan.parts:
            click.echo(f"part {part.number}: {part.title} ({part.summary()}, "
                       f"{part.scene.planned_duration():.1f} s)")
        total = plan.planned_duration()
        c = clock(round(total, 1))
        seconds = c.seconds + c.milliseconds / 1000
        length = f"{c.total_minutes} min {seconds:.1f} s" if c.total_minutes else f"{seconds:.1f} s"
        click.echo(f"total: {length} ({len(plan.parts)} parts, each after a "
                   f"{plan.title_time:g} s title card)")
        return
    from .labels import check_tex_installed, pango_labels

    if no_tex:
        click.get_current_context().with_resource(pango_labels())
    else:
        check_tex_installed()
    render_lecture(plan, name or Path(file).stem, quality=quality, output_dir=output_dir,
                   progress=not no_progress, jobs=jobs, encoding=encoding_from(encoder),
                   subtitles=subtitles)


if __name__ == "__main__":  # pragma: no cover
    main()
