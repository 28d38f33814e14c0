"""Slide decks: any convmanim scene as a manim-slides deck, one slide per step.

A lecturer steps through a convolution live: each key press plays the glide
to the next step and stops on it. In a scene file, for ``manim-slides``::

    from convmanim import ArithmeticScene, ConvSpec
    from convmanim.slides import as_slides

    class StridedConvDeck(as_slides(ArithmeticScene)):
        spec = ConvSpec(5, 3, stride=2, padding=1)

then ``manim-slides render -ql scenes/slides.py StridedConvDeck`` and
``manim-slides present StridedConvDeck`` (or ``manim-slides convert
StridedConvDeck deck.html`` for a web page). From the command line,
``convmanim MODE ... --slides NAME`` does both steps (see
:func:`render_slides`).

How the deck is cut
-------------------
* One slide per step: slide ``k`` plays the glide to step ``k`` and holds it.
* The final hold belongs to the last step's slide.
* With ``intro = True``, a title slide (the output-size formula, written and
  moved aside) comes first, so the deck has ``num_steps() + 1`` slides (see
  :func:`planned_slides`).
* In :class:`~convmanim.AlphabetRelationshipScene`, the transposition of ``C``
  opens the first slide of the transposed convolution.

manim-slides is an optional extra (``pip install 'convmanim[slides]'``). It is
imported only when a deck class is made; without it, :func:`as_slides` raises
:class:`ModuleNotFoundError` with a one-line message saying so. manim-slides
5.7, the newest, runs on manim 0.21 only: the extra keeps manim there, and on
manim 0.22 :func:`as_slides` raises the same kind of one-line message.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import interrupt
from .files import FileError, check_target, commit, echo_path, staging_folder
from .render import Quality, RenderError, prepare_output_dir, resolve_quality

__all__ = [
    "MISSING_EXTRA",
    "NEEDS_MANIM_021",
    "REVEALJS_VERSION",
    "SlideSteps",
    "add_reversed_videos",
    "as_slides",
    "planned_slides",
    "provide_revealjs",
    "render_slides",
    "reverse_video",
    "slides_supported",
    "speaker_note",
]

REVEALJS_VERSION = "6.0.1"
"""The reveal.js bundled in ``convmanim/assets/revealjs`` (npm ``reveal.js@6.0.1``, MIT)."""

MISSING_EXTRA = "slide decks need manim-slides: pip install 'convmanim[slides]'"
"""The one-line message shown when the ``slides`` extra is not installed."""

NEEDS_MANIM_021 = (
    "slide decks need manim 0.21: manim-slides 5.7 does not run on manim {version}; "
    "pip install 'convmanim[slides]' installs manim 0.21 with it"
)
"""The one-line message shown on a manim newer than manim-slides supports."""


def slides_supported() -> bool:
    """Whether the installed manim is one manim-slides runs on (0.21)."""
    from importlib.metadata import version

    major, minor = (int(n) for n in version("manim").split(".")[:2])
    return (major, minor) < (0, 22)


def _slide_base() -> type:
    """manim-slides' ``Slide`` class, or a one-line :class:`ModuleNotFoundError`."""
    if not slides_supported():
        from importlib.metadata import version

        raise ModuleNotFoundError(NEEDS_MANIM_021.format(version=version("manim")),
                                  name="manim_slides")
    try:
        from manim_slides.slide import Slide
    except ImportError:
        raise ModuleNotFoundError(MISSING_EXTRA, name="manim_slides") from None
    return Slide


class SlideSteps:
    """Mixin that cuts a convmanim scene into slides at its step boundaries.

    It goes before manim-slides' ``Slide`` and the scene class in the bases
    (:func:`as_slides` puts it there) and relies on the scene calling
    :meth:`~convmanim.modes.base.ConvScene.step_done` at the end of every step.
    """

    next_slide: Any
    num_steps: Any
    intro: Any
    still_step: Any

    skip_reversing = True
    """manim-slides' own reversal is skipped: it reverses a long slide in a
    ``multiprocessing`` pool whose shutdown can hang for good (a worker started
    as the pool is being terminated waits forever for a task). :meth:`render`
    reverses every slide itself instead, one segment after another."""

    REVERSE_SEGMENT = 4.0
    """Seconds of video reversed at once (the reversal holds them all in memory)."""

    def __init__(self, *args: Any, output_folder: Path | None = None, **kwargs: Any) -> None:
        if output_folder is None:
            from manim_slides.defaults import FOLDER_PATH

            output_folder = FOLDER_PATH
        self.deck_folder = Path(output_folder)
        super().__init__(*args, output_folder=output_folder, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """Render the deck, then give each slide its reversed video (played going back)."""
        result = super().render(*args, **kwargs)  # type: ignore[misc]
        deck = self.deck_folder / f"{self}.json"
        if self.still_step is None and deck.is_file():
            add_reversed_videos(deck, self.REVERSE_SEGMENT)
        return result

    def construct(self) -> None:
        """Give the first slide its speaker note, then play the scene."""
        if self.still_step is None:
            first = self.intro_caption() if self.intro else speaker_note(self, 0)
            self.next_slide(notes=first)  # no animation yet: sets the first slide's note
        super().construct()  # type: ignore[misc]

    def step_done(self, step: int) -> None:
        """Start a new slide after ``step``, unless it is the last one.

        The last step keeps the final hold, so the deck ends on it. The new
        slide's speaker note is the next step's caption.
        """
        super().step_done(step)  # type: ignore[misc]
        if step < self.num_steps() - 1:
            self.next_slide(notes=speaker_note(self, step + 1))

    def play_intro(self) -> None:
        """Play the intro as a slide of its own: the deck's title slide."""
        super().play_intro()  # type: ignore[misc]
        self.next_slide(notes=speaker_note(self, 0))


def add_reversed_videos(deck: Path, segment: float = 4.0) -> None:
    """Reverse each slide's video of ``deck`` and record it as the slide's ``rev_file``.

    A video already reversed (same name, from an earlier render of the same
    slide) is kept. The deck's file is replaced at once when every video is
    written.
    """
    data = json.loads(deck.read_text(encoding="utf-8"))
    for slide in data.get("slides", []):
        src = Path(slide["file"])
        if not src.is_absolute():
            src = deck.parent.parent / src
        rev = src.with_name(f"{src.stem}_reversed{src.suffix}")
        if not rev.is_file():
            reverse_video(src, rev, segment)
        slide["rev_file"] = str(rev if Path(slide["file"]).is_absolute()
                                else Path(slide["file"]).with_name(rev.name))
    part = deck.with_name(f".{deck.name}.reversed")
    part.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(part, deck)


def reverse_video(src: Path, dest: Path, segment: float = 4.0) -> None:
    """Write ``src`` played backwards to ``dest``, ``segment`` seconds at a time.

    Every frame of a piece is held in memory while it is reversed, so a long
    video is cut into pieces of ``segment`` seconds (without re-encoding),
    each piece reversed, and the reversed pieces joined in reverse order: in
    this process, one after another (manim-slides' own helpers, no pool).
    """
    import tempfile

    import av
    from manim_slides.utils import concatenate_video_files, reverse_video_file_in_one_chunk

    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        seconds = (float(stream.duration * stream.time_base)
                   if stream.duration and stream.time_base else None)
    if seconds is not None and seconds <= segment:
        reverse_video_file_in_one_chunk((src, dest))
        return
    with tempfile.TemporaryDirectory(prefix="convmanim-reverse-") as folder:
        pieces = Path(folder)
        with av.open(str(src)) as source, av.open(
            str(pieces / f"%06d{src.suffix}"), "w", format="segment",
            options={"segment_time": str(segment)},
        ) as out:
            video = source.streams.video[0]
            target = out.add_stream_from_template(video)
            for packet in source.demux(video):
                if packet.dts is None:
                    continue
                packet.stream = target
                out.mux(packet)
        forward = sorted(pieces.glob(f"*{src.suffix}"))
        backward = [piece.with_name(f"rev_{piece.name}") for piece in forward]
        for piece, rev in zip(forward, backward):
            reverse_video_file_in_one_chunk((piece, rev))
        concatenate_video_files(backward[::-1], dest)


def speaker_note(scene: Any, step: int) -> str:
    """The speaker note of the slide that plays ``step``: its caption in plain words.

    :meth:`~convmanim.modes.base.ConvScene.step_caption`, the one caption of a
    step, which its subtitle cue says too: the numerical mode's arithmetic
    with the scene's numbers, the matrix view's row of ``C`` (or ``Cᵀ``) and
    its dot product, the arithmetic view's window.
    """
    return str(scene.step_caption(step))


def as_slides(scene_cls: type, name: str | None = None) -> type:
    """A slide-deck version of ``scene_cls``: one slide per step.

    Parameters
    ----------
    scene_cls
        A convmanim scene class (a mode's base class, or a configured subclass).
    name
        The new class's name, which manim-slides uses for the deck's files
        (``slides/NAME.json``). Default: ``scene_cls``'s name plus ``Slides``.

    Returns
    -------
    type
        A subclass of :class:`SlideSteps`, manim-slides' ``Slide`` and
        ``scene_cls``. It keeps ``scene_cls``'s module, so that ``manim`` and
        ``manim-slides render`` find ``as_slides(MyScene)`` assigned in the
        scene file that defines ``MyScene``.

    Raises
    ------
    ModuleNotFoundError
        If manim-slides (the ``slides`` extra) is not installed.
    TypeError
        If ``scene_cls`` is not a convmanim scene.

    Examples
    --------
    >>> from convmanim import ConvSpec, NumericalScene  # doctest: +SKIP
    >>> class MaxPoolDeck(as_slides(NumericalScene)):  # doctest: +SKIP
    ...     spec = ConvSpec(4, 2, stride=2)
    ...     mode = "max"
    """
    from .modes.base import ConvScene

    if not (isinstance(scene_cls, type) and issubclass(scene_cls, ConvScene)):
        raise TypeError(f"as_slides needs a convmanim scene class, got {scene_cls!r}")
    slide = _slide_base()
    if issubclass(scene_cls, SlideSteps):
        bases: tuple[type, ...] = (scene_cls,)
    else:
        bases = (SlideSteps, slide, scene_cls)
    doc = f"{scene_cls.__name__} as a slide deck: one slide per step."
    return type(name or f"{scene_cls.__name__}Slides", bases,
                {"__module__": scene_cls.__module__, "__doc__": doc})


def planned_slides(scene_cls: type) -> int:
    """How many slides the deck of ``scene_cls`` has.

    One per step, plus the title slide when the scene's ``intro`` is on.
    """
    return int(scene_cls.num_steps()) + (1 if getattr(scene_cls, "intro", False) else 0)


def render_slides(
    scene_cls: type,
    name: str,
    *,
    quality: str | Quality = "h",
    output_dir: str | os.PathLike[str] = "media",
    html: bool = True,
    progress: bool = True,
    echo: bool = True,
) -> list[Path]:
    """Render ``scene_cls`` as a slide deck, and as a self-contained web page.

    Parameters
    ----------
    scene_cls
        A convmanim scene class.
    name
        The deck's name: ``manim-slides present --folder OUTPUT_DIR/slides NAME``
        presents it.
    quality
        See :func:`~convmanim.render.resolve_quality`.
    output_dir
        Where the files go: ``NAME.html`` (a reveal.js page with every video,
        script and stylesheet embedded: it works with no network, and each
        slide's speaker note is the step's caption) and ``slides/NAME.json``
        with the videos under ``slides/files/NAME/`` (what ``manim-slides
        present`` plays, offline).
    html
        Also write ``NAME.html``.
    progress
        Show manim's progress bars on a terminal.
    echo
        Print each path written, one per line.

    Returns
    -------
    list[pathlib.Path]
        ``NAME.html`` (when ``html``) and the deck's JSON file.

    Raises
    ------
    RenderError
        If manim-slides is missing, the name or the directory is unusable, or
        no deck was written.
    """
    from .render import check_name, check_scene_class, quality_config

    check_name(name)
    check_scene_class(scene_cls)
    try:
        deck_cls = as_slides(scene_cls, name)
    except ModuleNotFoundError as exc:
        raise RenderError(str(exc)) from None
    q = quality if isinstance(quality, Quality) else resolve_quality(quality)
    show = progress and sys.stderr.isatty()
    from manim import tempconfig

    with interrupt.guarded():
        out = prepare_output_dir(output_dir)
        folder = out / "slides"
        deck = folder / f"{name}.json"
        videos = folder / "files" / name
        page = out / f"{name}.html"
        try:
            for target in (deck, page):
                check_target(target)
            _check_real_folders(folder, folder / "files")
            # Everything is made in a private folder beside the deck, then renamed
            # into place all at once: an error or a signal leaves no part of it.
            with staging_folder(page) as stage:
                staged = stage / "slides"
                with quality_config(q), _quiet_slides_log(), tempconfig(
                    {"media_dir": str(stage / "media"),
                     "progress_bar": "display" if show else "none"}
                ):
                    deck_cls(output_folder=staged.resolve()).render()
                staged_deck = staged / f"{name}.json"
                if not staged_deck.is_file():
                    raise RenderError(f"manim-slides wrote no deck for {name!r}")
                _relative_videos(staged_deck, stage)
                pairs = [(staged / "files" / name, videos), (staged_deck, deck)]
                if html:
                    _write_html(staged_deck, stage / page.name, title=name)
                    pairs.append((stage / page.name, page))
                (folder / "files").mkdir(parents=True, exist_ok=True)
                commit(pairs)
        except FileError as exc:
            raise RenderError(str(exc)) from None
    paths = [page, deck] if html else [deck]
    if echo:
        for p in paths:
            echo_path(p)
    return paths


def _check_real_folders(*folders: Path) -> None:
    """Refuse a symlink (or a file) where the deck's folders go.

    The deck's videos replace the folder ``slides/files/NAME``: through a
    symlink planted at ``slides``, that would be a folder elsewhere.
    """
    for folder in folders:
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise RenderError(f"cannot use {str(folder)!r}: {exc.strerror or exc}") from None
        if not stat.S_ISDIR(mode):
            raise RenderError(f"{str(folder)!r} must be a folder, not a symlink or a file")


def _relative_videos(deck: Path, root: Path) -> None:
    """Name the deck's videos relative to the folder above the deck's own.

    ``manim-slides`` reads each video's path relative to that folder
    (``OUTPUT_DIR`` for ``OUTPUT_DIR/slides/NAME.json``), so the deck then
    works where it is renamed to, and wherever the folder is moved.
    """
    data = json.loads(deck.read_text(encoding="utf-8"))
    for slide in data.get("slides", []):
        for key in ("file", "rev_file"):
            if slide.get(key):
                slide[key] = Path(os.path.relpath(Path(slide[key]), root.resolve())).as_posix()
    deck.write_text(json.dumps(data, indent=2), encoding="utf-8")


@contextmanager
def _quiet_slides_log() -> Iterator[None]:
    """Keep manim-slides' progress messages (INFO) off the terminal."""
    log = logging.getLogger("manim-slides")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


def _write_html(deck: Path, dest: Path, *, title: str) -> Path:
    """Convert ``deck`` to one reveal.js HTML file with the videos embedded.

    ``dest`` is in a private folder (:func:`convmanim.files.staging_folder`):
    the converter opens it by name.
    """
    from manim_slides.config import PresentationConfig
    from manim_slides.convert import RevealJS

    converter = RevealJS(
        presentation_configs=[PresentationConfig.from_file(deck)],
        one_file=True,
        offline=True,
        reveal_version=REVEALJS_VERSION,
        title=title,
    )
    provide_revealjs()
    converter.convert_to(dest)
    return dest


def provide_revealjs() -> None:
    """Put the bundled reveal.js where manim-slides' offline mode looks for it.

    manim-slides inlines every script and stylesheet of an offline page from
    its asset cache, downloading the ones it lacks. The bundled copies
    (the npm package's own files) fill the gaps, so no download is needed.
    """
    from importlib import resources

    from manim_slides.convert import user_cache_path

    cache = user_cache_path("manim-slides") / f"revealjs{REVEALJS_VERSION}"
    bundled = resources.files("convmanim") / "assets" / "revealjs"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for asset in bundled.iterdir():
            target = cache / asset.name
            if asset.name.endswith((".js", ".css")) and not target.is_file():
                data = asset.read_bytes()
                with staging_folder(target) as folder:
                    (folder / asset.name).write_bytes(data)
                    commit([(folder / asset.name, target)])
    except (OSError, FileError) as exc:
        raise RenderError(f"cannot prepare reveal.js for an offline deck in "
                          f"{str(cache)!r}: {exc}") from None
