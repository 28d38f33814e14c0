"""manim's SceneFileWriter and CairoRenderer, subclassed so that frames reach our encoders.

:mod:`convmanim.render` encodes every format in one pass, in a background
thread, without manim's partial movie files. It plugs into manim the way
manim's own frame tests do: a :class:`~manim.scene.scene_file_writer.SceneFileWriter`
subclass handed to :class:`~manim.renderer.cairo_renderer.CairoRenderer` through
its public ``file_writer_class`` argument. Only documented methods are
overridden, and each override accepts the arguments of manim 0.21 and of
0.22 alike:

==================  ===============================  ==================================
method              manim 0.21                       manim 0.22
==================  ===============================  ==================================
``__init__``        ``(renderer, scene_name)``       ``(settings)``
``begin_animation`` ``(allow_write, file_path)``     ``(allow_write, *, animation_index,
                                                     file_path)``
``write_frame``     ``(frame, num_frames=1)``        ``(pixels, *, repeat=1)``
``save_image``      a PIL image                      an RGBA array
==================  ===============================  ==================================

Scenes are constructed with manim's ``dry_run`` on (see :func:`make_scene`),
which both versions document as "no output files": manim plans no folders and
no files of its own, whatever the config says about media.

This module imports manim; :mod:`convmanim.render` imports it only when it
renders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from manim import tempconfig
from manim.renderer.cairo_renderer import CairoRenderer
from manim.scene.scene_file_writer import SceneFileWriter
from PIL import Image

__all__ = ["FrameRenderer", "FrameWriter", "SoundError", "make_scene"]


class SoundError(RuntimeError):
    """A scene asked for sound, which convmanim's encoders do not write."""


class FrameWriter(SceneFileWriter):
    """A SceneFileWriter whose frames go to a callback instead of manim's files.

    Parameters
    ----------
    *args
        What the renderer passes: manim 0.21 passes the renderer and the scene
        name, manim 0.22 the resolved settings.
    on_frame
        Called with each frame (an RGBA array) and how many times it is shown.
        ``None`` counts the frames only.
    **kwargs
        Passed to :class:`~manim.scene.scene_file_writer.SceneFileWriter`.

    Attributes
    ----------
    frames
        Frames written so far (a held frame counts as many times as it is shown).
    image
        The last frame manim saved as a still, if it saved one.
    """

    def __init__(
        self,
        *args: Any,
        on_frame: Callable[[np.ndarray, int], None] | None = None,
        **kwargs: Any,
    ) -> None:
        self.on_frame = on_frame
        self.frames = 0
        self.image: Image.Image | None = None
        super().__init__(*args, **kwargs)

    def add_partial_movie_file(self, hash_animation: str | None) -> None:
        """No partial movie files: the encoders take the whole scene in one stream."""

    def is_already_cached(self, hash_invocation: str) -> bool:
        """Nothing is cached: every animation is drawn."""
        return False

    def begin_animation(self, allow_write: bool = False, *args: Any, **kwargs: Any) -> None:
        """Nothing to open per animation."""

    def end_animation(self, allow_write: bool = False) -> None:
        """Nothing to close per animation."""

    def write_frame(
        self, frame: np.ndarray, num_frames: int = 1, *, repeat: int | None = None
    ) -> None:
        """Hand ``frame`` to :attr:`on_frame`, shown ``num_frames`` (0.21) or ``repeat`` (0.22)."""
        count = num_frames if repeat is None else repeat
        if self.on_frame is not None:
            self.on_frame(frame, count)
        self.frames += count

    def save_image(self, image: Image.Image | np.ndarray) -> None:
        """Keep the still manim saves (an image on 0.21, an array on 0.22) in :attr:`image`."""
        self.image = image if isinstance(image, Image.Image) else Image.fromarray(image)

    def add_sound(self, *args: Any, **kwargs: Any) -> None:
        """Refuse: the encoders write no sound track."""
        raise SoundError("convmanim scenes do not play sound")

    def finish(self) -> None:
        """Nothing to combine: the caller closes the encoders."""


class FrameRenderer(CairoRenderer):
    """manim's Cairo renderer, optionally drawing nothing until :meth:`final_image`.

    Parameters
    ----------
    file_writer_class
        Builds the :class:`FrameWriter` (manim calls it with its own arguments).
    draw
        ``False`` jumps every animation to its end and draws no frame: the
        fastest way to reach a scene's final state.
    """

    def __init__(
        self, file_writer_class: Callable[..., FrameWriter], *, draw: bool = True
    ) -> None:
        super().__init__(
            file_writer_class=file_writer_class,  # type: ignore[arg-type]
            skip_animations=not draw,
        )
        self.draw = draw

    def update_frame(self, *args: Any, **kwargs: Any) -> None:
        """Draw the frame, unless drawing is off."""
        if self.draw:
            super().update_frame(*args, **kwargs)

    def final_image(self, scene: Any) -> Image.Image:
        """Draw every mobject of ``scene`` as it is now and return the picture."""
        self.draw = True
        self.static_image = None
        self.update_frame(scene)
        return self.camera.get_image()


def make_scene(
    scene_cls: type,
    *,
    on_frame: Callable[[np.ndarray, int], None] | None = None,
    draw: bool = True,
) -> Any:
    """Construct ``scene_cls`` on a :class:`FrameRenderer`, with manim writing no file.

    Parameters
    ----------
    scene_cls
        A manim Scene class.
    on_frame
        Receives the frames (see :class:`FrameWriter`).
    draw
        See :class:`FrameRenderer`.

    Returns
    -------
    Scene
        The scene, ready for ``scene.render()``.
    """

    def writer(*args: Any, **kwargs: Any) -> FrameWriter:
        return FrameWriter(*args, on_frame=on_frame, **kwargs)

    renderer = FrameRenderer(writer, draw=draw)
    # manim reads its output settings when the scene (and its writer) is built
    with tempconfig({"dry_run": True}):
        return scene_cls(renderer=renderer)
