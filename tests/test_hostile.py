"""Hostile cases, one class of failure at a time: planted symlinks, renders that share a
folder, files that never end, a cache that heals, signals, all-or-nothing output and exit
codes. Each test names the promise it checks (README, "Errors and limits")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from convmanim import ConvSpec, files
from convmanim.cli import main

from .conftest import TINY, read_video

VENV_BIN = Path(sys.executable).parent
CONVMANIM = VENV_BIN / "convmanim"
E = "convmanim: error: "
IS_ROOT = os.geteuid() == 0
HAS_UNSHARE = shutil.which("unshare") is not None
needs_namespaces = pytest.mark.skipif(
    not (IS_ROOT and HAS_UNSHARE and sys.platform.startswith("linux")),
    reason="needs root and unshare (Linux namespaces)",
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVMANIM_")}
    env["CONVMANIM_CACHE"] = os.environ["CONVMANIM_CACHE"]
    env.update(extra)
    return env


def _run(args: list[str], *, cwd: Path | None = None, timeout: float = 120,
         **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CONVMANIM), *args], env=_env(), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def _one_error_line(stderr: str) -> str:
    """The single line of an error; fails on a traceback or an exception's class name."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(E), stderr
    assert "Error:" not in lines[0] and "Traceback" not in lines[0], stderr
    return lines[0]


def _everything(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for var in ("CONVMANIM_OUTPUT_DIR", "CONVMANIM_NO_TEX", "CONVMANIM_QUALITY",
                "CONVMANIM_QUALITY_ANIMATION"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def invoke(args: list[str]):
    return CliRunner().invoke(main, args, prog_name="convmanim")


# ------------------------------------------------- planted symlinks (promise: temp names)
PLANTED = "planted0"


@pytest.fixture
def predictable_names(monkeypatch):
    """Every temporary name is first tried as PLANTED: the attacker's guess is always right."""

    def names():
        yield PLANTED
        yield from tempfile._RandomNameSequence()

    monkeypatch.setattr(tempfile, "_get_candidate_names", names)


def _plant(folder: Path, names: list[str], victim: Path) -> list[Path]:
    planted = []
    for name in names:
        link = folder / name
        link.symlink_to(victim)
        planted.append(link)
    return planted


@pytest.mark.parametrize("formats", [["png"], ["svg"], ["pdf"], ["mp4", "gif", "webm"]])
def test_a_symlink_planted_at_every_temporary_name_is_never_followed(
        workdir, predictable_names, formats):
    victim = workdir / "victim.txt"
    victim.write_text("precious\n")
    out = workdir / "media"
    out.mkdir()
    names = [f".x.{fmt}.part-{PLANTED}" for fmt in formats]
    names += [f".convmanim-write-test-{PLANTED}", f".x.{formats[0]}.part-{os.getpid()}",
              f".convmanim-write-test-{os.getpid()}"]
    planted = _plant(out, names, victim)
    (out / f"x.{formats[0]}").symlink_to(victim)  # and one at a final path
    args = ["arithmetic", "-i", "3", "-k", "2", "--no-tex", "x"]
    if formats[0] in ("png", "svg", "pdf"):
        args += ["-q", "160x90", "-y", formats[0]]
    else:
        args += ["-qa", TINY] + [a for f in formats for a in ("--format", f)]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious\n"
    for link in planted:
        assert link.is_symlink() and os.readlink(link) == str(victim)
    for fmt in formats:
        final = out / f"x.{fmt}"
        assert final.is_file() and not final.is_symlink()
        assert final.stat().st_size > 100
        assert final.stat().st_mode & 0o777 == 0o666 & ~_umask()
    leftovers = {p.name for p in out.iterdir()} - {p.name for p in planted}
    assert leftovers == {f"x.{fmt}" for fmt in formats}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_temporary_file_swapped_for_a_symlink_is_not_renamed_into_place(workdir):
    victim = workdir / "victim.txt"
    victim.write_text("precious\n")
    handle, tmp = files.new_temp(workdir / "x.mp4")
    handle.write(b"video")
    handle.close()
    tmp.unlink()
    tmp.symlink_to(victim)  # someone who can write the folder swaps it
    with pytest.raises(files.FileError, match="temporary file was replaced"):
        files.commit([(tmp, workdir / "x.mp4")])
    assert not (workdir / "x.mp4").exists()
    assert victim.read_text() == "precious\n"


# ---------------------------------------- two PID namespaces (promise: no shared temp name)
@needs_namespaces
def test_renders_from_two_pid_namespaces_into_one_folder(tmp_path):
    """Both renders are PID 1 in their namespace, write the same NAME, and both succeed."""
    out = tmp_path / "media"
    out.mkdir()
    sizes = {"4": 2 * 2, "5": 3 * 3}  # -i 4 or 5 with k 3: 4 or 9 steps
    procs = [
        subprocess.Popen(
            ["unshare", "--pid", "--fork", "--", str(CONVMANIM), "arithmetic", "-i", i, "-k",
             "3", "-a", "-qa", TINY, "--step-time", "0.5", "--no-tex", "--no-progress",
             "--output-dir", str(out), "same"],
            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in sizes
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (_, stderr) in zip(procs, results):
        assert proc.returncode == 0, stderr
    assert [p.name for p in out.iterdir()] == ["same.mp4"]
    frames = read_video(out / "same.mp4")
    # one whole video, either one: 3 frames per step and 6 of end hold
    assert frames.shape[0] in {steps * 3 + 6 for steps in sizes.values()}


# ------------------------------------------------ all or nothing (promise: every file or none)
def test_a_format_that_cannot_be_written_leaves_none_of_the_others(workdir):
    (workdir / "media" / "x.gif").mkdir(parents=True)
    result = invoke(["arithmetic", "-i", "3", "-k", "2", "-a", "-qa", TINY, "--no-tex",
                     "--format", "mp4", "--format", "gif", "--format", "webm", "x"])
    assert result.exit_code == 2
    assert _one_error_line(result.stderr) == (
        f"{E}cannot write 'media/x.gif': a directory of that name is in the way (choose "
        "another NAME or remove it)")
    assert _everything(workdir / "media") == ["x.gif"]


def test_a_format_that_fails_at_the_end_takes_the_others_back(workdir):
    """The GIF's path becomes a directory while rendering: the MP4 and WebM are taken back,
    and the files of an earlier render are left as they were."""
    from convmanim import ArithmeticScene
    from convmanim.render import RenderError, render_animation

    out = workdir / "media"
    out.mkdir()
    (out / "x.mp4").write_bytes(b"the earlier render")

    class Blocker(ArithmeticScene):
        spec = ConvSpec(3, 2)

        def construct(self) -> None:
            super().construct()
            (out / "x.gif").mkdir()
            (out / "x.gif" / "inside").write_text("")

    with pytest.raises(RenderError, match=r"cannot write 'media/x\.gif'"):
        render_animation(Blocker, "x", formats=("mp4", "webm", "gif"), quality=TINY,
                         output_dir="media", progress=False, echo=False)
    assert (out / "x.mp4").read_bytes() == b"the earlier render"
    assert _everything(out) == ["x.gif", "x.gif/inside", "x.mp4"]


def test_commit_puts_back_what_it_replaced(tmp_path):
    old = {"a.mp4": b"old a", "b.gif": b"old b"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "c.webm").mkdir()
    (tmp_path / "c.webm" / "x").write_text("")
    pairs = []
    for name in ("a.mp4", "b.gif", "c.webm"):
        handle, tmp = files.new_temp(tmp_path / name)
        handle.write(b"new")
        handle.close()
        pairs.append((tmp, tmp_path / name))
    with pytest.raises(files.FileError, match=r"c\.webm"):
        files.commit(pairs)
    for name, data in old.items():
        assert (tmp_path / name).read_bytes() == data
    assert _everything(tmp_path) == ["a.mp4", "b.gif", "c.webm", "c.webm/x"]


# ----------------------------------------------------- exit 2 (promise: one line, exit 2)
def test_a_quality_of_unicode_digits_is_one_line(workdir):
    for quality in ("²", "٣", "٣x٣", "1²x90"):
        result = invoke(["arithmetic", "-q", quality, "x"])
        assert result.exit_code == 2, result.output
        assert _one_error_line(result.stderr).startswith(f"{E}quality must be one of")


@pytest.mark.parametrize("args", [["-q", "160x90"], ["-a", "-qa", TINY]])
def test_a_name_that_is_an_existing_directory_is_one_line(workdir, args):
    ext = "mp4" if "-a" in args else "png"
    (workdir / "media" / f"taken.{ext}").mkdir(parents=True)
    result = invoke(["arithmetic", "-i", "3", "-k", "2", "--no-tex", *args, "taken"])
    assert result.exit_code == 2
    assert _one_error_line(result.stderr) == (
        f"{E}cannot write 'media/taken.{ext}': a directory of that name is in the way "
        "(choose another NAME or remove it)")
    assert _everything(workdir / "media") == [f"taken.{ext}"]


def test_an_output_path_too_long_is_one_line(workdir):
    deep = workdir
    for _ in range(20):  # each folder name is fine; the whole path is 5000 bytes
        deep = deep / ("d" * 250)
    result = invoke(["arithmetic", "-i", "3", "-k", "2", "--no-tex", "-q", "160x90",
                     "--output-dir", str(deep), "x"])
    assert result.exit_code == 2
    line = _one_error_line(result.stderr)
    assert "File name too long" in line and len(line) < 300


FULL_DISK = [
    (["arithmetic", "-q", "320x180"], "png"),
    (["arithmetic", "-q", "320x180", "-y", "svg"], "svg"),
    (["arithmetic", "-q", "320x180", "-y", "pdf"], "pdf"),
    (["arithmetic", "-a", "-qa", "320x180@15"], "mp4"),
    (["numerical", "-a", "-qa", "320x180@15", "--format", "gif"], "gif"),
]


@needs_namespaces
@pytest.mark.parametrize("args,ext", FULL_DISK, ids=[e for _, e in FULL_DISK])
def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, args, ext):
    out = tmp_path / "full"
    out.mkdir()
    command = " ".join([str(CONVMANIM), *args, "-i", "4", "-k", "3", "--no-tex",
                        "--no-progress", "--output-dir", str(out), "x"])
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         f"mount -t tmpfs -o size=12k tmpfs {out} && exec {command}"],
        env=_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert _one_error_line(done.stderr) == (f"{E}cannot write '{out}/x.{ext}': No space left "
                                            "on device")
    assert list(out.iterdir()) == []
