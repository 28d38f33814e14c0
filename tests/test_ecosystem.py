"""The Manim ecosystem: slide decks (manim-slides), the Jupyter notebook, the plugin hook."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import imageio.v3 as iio
import nbformat
import pytest
from click.testing import CliRunner

from convmanim import (
    AlphabetRelationshipScene,
    AlphabetScene,
    ArithmeticScene,
    ConvSpec,
    NumericalScene,
)
from convmanim.cli import main
from convmanim.render import play_scene
from convmanim.slides import (
    MISSING_EXTRA,
    NEEDS_MANIM_021,
    SlideSteps,
    as_slides,
    planned_slides,
    render_slides,
    slides_supported,
)

from .conftest import TINY

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "convmanim.ipynb"


def _have_manim_slides() -> bool:
    try:
        import manim_slides  # noqa: F401
    except ImportError:
        return False
    return True


needs_slides = pytest.mark.skipif(
    not slides_supported() or not _have_manim_slides(),
    reason="slide decks need manim-slides (the test-slides extra), which runs on manim 0.21 "
    "only (manim-slides 5.7 fails on manim 0.22)",
)


def _deck(path: Path) -> list[dict[str, Any]]:
    """The slides of a deck's JSON file, each video's path as manim-slides reads it.

    manim-slides reads a video's path relative to the folder above the deck's
    own (``OUTPUT_DIR`` for ``OUTPUT_DIR/slides/NAME.json``).
    """
    slides = json.loads(path.read_text())["slides"]
    for slide in slides:
        for key in ("file", "rev_file"):
            slide[key] = path.parent.parent / slide[key]
    return slides


def _frames(video: str | Path) -> int:
    return iio.imread(video, plugin="pyav").shape[0]


# ------------------------------------------------------------------ the hook


class _Recorder:
    done: ClassVar[list[int]]

    def step_done(self, step: int) -> None:
        type(self).done.append(step)


def _recording(base: type, **attrs: Any) -> type:
    return type(f"Recording{base.__name__}", (_Recorder, base), {"done": [], **attrs})


@pytest.mark.parametrize(
    ("base", "attrs"),
    [
        (ArithmeticScene, {"spec": ConvSpec(4, 3, stride=1, padding=1)}),
        (ArithmeticScene, {"spec": ConvSpec(3, 2).transposed(), "smooth": False}),
        (NumericalScene, {"spec": ConvSpec(4, 2, stride=2), "mode": "max"}),
        (NumericalScene, {"spec": ConvSpec(3, 2).transposed()}),
        (NumericalScene, {"spec": ConvSpec(3, 2), "smooth": False}),
        (AlphabetScene, {"spec": ConvSpec(3, 2)}),
        (AlphabetRelationshipScene, {"spec": ConvSpec(3, 2)}),
    ],
    ids=["arithmetic", "arithmetic-stepwise", "numerical-max", "numerical-scatter",
         "numerical-stepwise", "alphabet", "relationship"],
)
def test_every_step_loop_marks_the_end_of_each_step(base: type, attrs: dict[str, Any]) -> None:
    cls = _recording(base, **attrs)
    scene = play_scene(cls, TINY, draw=False)
    assert cls.done == list(range(cls.num_steps()))
    assert scene.steps_played == cls.done


# --------------------------------------------------------------- slide decks


class _Conv4(ArithmeticScene):
    spec = ConvSpec(3, 2)  # 2x2 output: 4 steps
    step_time = 1.0


class _Intro(ArithmeticScene):
    spec = ConvSpec(3, 2)
    intro = True


class _Scatter(NumericalScene):
    spec = ConvSpec(3, 2).transposed()  # one step per cell of its 2x2 input


class _Relationship(AlphabetRelationshipScene):
    spec = ConvSpec(3, 2)  # 4 steps with C, then 9 with C^T


@needs_slides
@pytest.mark.render
@pytest.mark.parametrize(
    ("scene_cls", "slides"),
    [(_Conv4, 4), (_Intro, 5), (_Scatter, 4), (_Relationship, 13)],
    ids=["arithmetic", "arithmetic-intro", "numerical-scatter", "relationship"],
)
def test_deck_has_one_slide_per_step(scene_cls: type, slides: int, tmp_path: Path) -> None:
    html, deck = render_slides(scene_cls, "deck", quality=TINY, output_dir=tmp_path, echo=False)
    entries = _deck(deck)
    intro = 1 if scene_cls.intro else 0
    assert len(entries) == scene_cls.num_steps() + intro == planned_slides(scene_cls) == slides
    for entry in entries:
        assert Path(entry["file"]).is_file() and Path(entry["rev_file"]).is_file()
    page = html.read_text()
    # one section per slide (the inlined reveal.js also writes "<section" in its code)
    assert len(re.findall(r"<section\s[^>]*data-background-video=", page)) == slides
    assert page.count("data:video/mp4;base64,") == slides  # self-contained


class _LongSteps(ArithmeticScene):
    spec = ConvSpec(3, 2)
    step_time = 9.0  # longer than a reversed piece (4 s): the video is cut and joined


@needs_slides
@pytest.mark.render
def test_slides_are_reversed_here_without_a_process_pool(tmp_path: Path, monkeypatch) -> None:
    """A slide's reversed video is its frames backwards, long ones included, and no
    multiprocessing pool is started (its shutdown can hang for good)."""
    import multiprocessing.pool

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a multiprocessing pool was started")

    monkeypatch.setattr(multiprocessing.pool.Pool, "__init__", refuse)
    _, deck = render_slides(_LongSteps, "long", quality="64x36@4", output_dir=tmp_path,
                            echo=False)
    entries = _deck(deck)
    assert len(entries) == 4
    for entry in entries:
        forward = iio.imread(entry["file"], plugin="pyav").astype(float)
        backward = iio.imread(entry["rev_file"], plugin="pyav").astype(float)
        assert entry["rev_file"] != entry["file"] and len(forward) >= 36
        assert backward.shape == forward.shape
        # lossy both ways: each reversed frame is nearest to its mirror image
        for k in (0, len(forward) // 2, len(forward) - 1):
            diffs = [abs(backward[k] - f).mean() for f in forward]
            assert diffs[len(forward) - 1 - k] <= min(diffs) + 1.0, k


@needs_slides
@pytest.mark.render
def test_deck_is_cut_at_step_boundaries(tmp_path: Path) -> None:
    # 6 fps and 1 s per step: 6 frames a step; the last slide keeps the 1 s final hold
    _, deck = render_slides(_Conv4, "cut", quality=TINY, output_dir=tmp_path, echo=False)
    assert [_frames(entry["file"]) for entry in _deck(deck)] == [6, 6, 6, 12]
    # a second render replaces the deck's videos instead of adding to them
    render_slides(_Conv4, "cut", quality=TINY, output_dir=tmp_path, echo=False)
    videos = sorted((tmp_path / "slides" / "files" / "cut").glob("*.mp4"))
    assert len(videos) == 2 * 4  # each slide and its reversed copy


@needs_slides
@pytest.mark.render
def test_a_relative_output_dir_is_not_counted_twice(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    html, deck = render_slides(_Conv4, "rel", quality=TINY, output_dir="out", echo=False)
    assert deck == Path("out", "slides", "rel.json") and html == Path("out", "rel.html")
    entries = _deck(deck)
    assert len(entries) == 4
    assert all(Path(entry["file"]).is_file() for entry in entries)


@needs_slides
@pytest.mark.render
def test_cli_slides_writes_a_page_and_a_deck(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [
        "numerical", "-i", "4", "-k", "2", "-s", "2", "-m", "max", "--intro", "-qa", TINY,
        "--output-dir", str(tmp_path), "--no-progress", "--slides", "pool",
    ])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-2:] == [str(tmp_path / "pool.html"), str(tmp_path / "slides" / "pool.json")]
    assert f"manim-slides present --folder {tmp_path / 'slides'} pool" in result.stderr
    assert len(_deck(tmp_path / "slides" / "pool.json")) == 4 + 1  # title slide, 2x2 steps
    page = (tmp_path / "pool.html").read_text()
    assert len(re.findall(r"<section\s[^>]*data-background-video=", page)) == 5


def test_cli_slides_refuses_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [
        "arithmetic", "--slides", "--format", "gif", "--output-dir", str(tmp_path), "x",
    ])
    assert result.exit_code == 2
    assert "--slides writes a slide deck: drop --format" in result.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(not slides_supported(),
                    reason="on manim 0.22 the message is NEEDS_MANIM_021 (the next test)")
def test_missing_extra_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "manim_slides", None)
    monkeypatch.setitem(sys.modules, "manim_slides.slide", None)
    with pytest.raises(ModuleNotFoundError, match=re.escape(MISSING_EXTRA)):
        as_slides(ArithmeticScene)
    result = CliRunner().invoke(main, [
        "arithmetic", "--slides", "--output-dir", str(tmp_path), "x",
    ])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"convmanim: error: {MISSING_EXTRA}"


@pytest.mark.skipif(slides_supported(), reason="manim-slides runs on this manim (0.21)")
def test_slides_on_manim_022_is_one_line(tmp_path: Path) -> None:
    from importlib.metadata import version

    message = NEEDS_MANIM_021.format(version=version("manim"))
    with pytest.raises(ModuleNotFoundError, match=re.escape(message)):
        as_slides(ArithmeticScene)
    result = CliRunner().invoke(main, [
        "arithmetic", "--slides", "--output-dir", str(tmp_path), "x",
    ])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"convmanim: error: {message}"


@needs_slides
def test_as_slides_builds_a_scene_manim_finds() -> None:
    from manim_slides.slide import Slide

    deck = as_slides(_Conv4)
    assert deck.__name__ == "_Conv4Slides" and deck.__module__ == __name__
    assert issubclass(deck, Slide) and issubclass(deck, _Conv4)
    assert deck.mro().index(SlideSteps) < deck.mro().index(Slide)
    assert as_slides(deck, "Again").__bases__ == (deck,)
    with pytest.raises(TypeError, match="convmanim scene class"):
        as_slides(Slide)


@needs_slides
@pytest.mark.render
def test_manim_slides_renders_a_scene_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "manim_slides", "render", "-r", "160,90", "--fps", "6",
         "--disable_caching", "--progress_bar", "none",
         str(ROOT / "scenes" / "slides.py"), "MaxPoolingDeck"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(_deck(tmp_path / "slides" / "MaxPoolingDeck.json")) == 4  # 4x4 -> 2x2


# ------------------------------------------------------------------- Jupyter


def test_notebook_has_the_three_line_scene() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert ("%%manim -qm MyScene\n\nclass MyScene(AlphabetScene):\n"
            "    spec = ConvSpec(6, 3, stride=2)") in sources
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.render
def test_example_notebook_executes(tmp_path: Path) -> None:
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    # a kernel that runs this interpreter, wherever other kernels may be installed
    write_kernel_spec(path=str(tmp_path / "kernels" / "convmanim-test"))
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    kernel = KernelManager(kernel_name="convmanim-test", kernel_spec_manager=specs)
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, km=kernel, timeout=240,
                   resources={"metadata": {"path": str(work)}}).execute()

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    videos = [out.data["text/html"] for out in outputs
              if "<video" in out.get("data", {}).get("text/html", "")]
    assert len(videos) == 1
    mp4 = tmp_path / "scene.mp4"
    mp4.write_bytes(base64.b64decode(re.search(r"base64,([^\"]+)\"", videos[0])[1]))
    frames = iio.imread(mp4, plugin="pyav")
    # -qm: 720p30; 2x2 output: 4 paced steps, then a 1 s hold
    paced = type("MyScene", (AlphabetScene,), {"spec": ConvSpec(6, 3, stride=2)})
    steps = sum(max(2, round(d * 30)) for d in paced.step_durations())
    assert frames.shape == (steps + 30, 720, 1280, 3)
    assert frames[0].std() > 10  # a drawing, not a blank frame
    stills = [out.data["image/png"] for out in outputs if "image/png" in out.get("data", {})]
    assert len(stills) == 1
    png = tmp_path / "still.png"
    png.write_bytes(base64.b64decode(stills[0]))
    assert iio.imread(png).shape[:2] == (480, 854)


# ------------------------------------------------------------- manim plugins


def test_manim_plugins_lists_convmanim() -> None:
    (plugin,) = [ep for ep in entry_points(group="manim.plugins") if ep.name == "convmanim"]
    assert plugin.value == "convmanim"
    done = subprocess.run([sys.executable, "-m", "manim", "plugins", "-l"],
                          capture_output=True, text=True, timeout=120, check=True)
    listed = [line.strip(" •") for line in done.stdout.splitlines() if "•" in line]
    assert "convmanim" in listed
