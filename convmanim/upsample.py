"""Upsampling with numpy only: overlap counts, nearest-neighbour resizing, pixel shuffle.

Three ways a network makes an image larger, and the facts the scenes draw:

* A transposed convolution scatters each input cell's value times the kernel
  into the output, moving ``s`` cells per input cell. Where ``k`` is not a
  multiple of ``s`` the windows overlap unevenly: with ``k = 3, s = 2`` the
  output cells along an axis are written by 1, 2, 1, 2, … windows, and the
  products of both axes give the checkerboard of Odena, Dumoulin & Olah,
  "Deconvolution and Checkerboard Artifacts" (Distill, 2016).
  :func:`overlap_counts` counts the windows per output cell,
  :func:`overlap_steps` after each step of the scatter, and
  :func:`phase_counts` the taps that fall on each phase ``mod s``, whose
  inequality is the rule.
* Nearest-neighbour upsampling by ``r`` copies each cell into an ``r×r``
  block (``F.interpolate(mode="nearest", scale_factor=r)``):
  :func:`upsample_nearest` and its index map :func:`nearest_sources`.
* ``PixelShuffle(r)`` moves the ``C·r²`` channels of an ``H×W`` map into a
  ``C×rH×rW`` image; ``PixelUnshuffle(r)`` undoes it:
  :func:`pixel_shuffle`, :func:`pixel_unshuffle` and their index maps
  :func:`pixel_shuffle_sources` and :func:`pixel_unshuffle_sources`.

Every index a scene animates comes from here; the modes do no index arithmetic.

Examples
--------
>>> from convmanim.geometry import ConvSpec
>>> overlap_counts(ConvSpec(5, 3, stride=2, padding=1).transposed())[0].tolist()
[1, 2, 1, 2, 1]
>>> pixel_shuffle(np.arange(4).reshape(4, 1, 1), 2)[0].tolist()
[[0, 1], [2, 3]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .geometry import IntOrPair, Pair, SpecError, TransposedConvSpec, parse_pair

__all__ = [
    "even_overlap",
    "nearest_size",
    "nearest_sources",
    "overlap_counts",
    "overlap_profile",
    "overlap_steps",
    "phase_counts",
    "pixel_shuffle",
    "pixel_shuffle_sources",
    "pixel_unshuffle",
    "pixel_unshuffle_sources",
    "shuffled_shape",
    "subpixel_places",
    "turned",
    "unshuffled_shape",
    "upsample_nearest",
]


# ------------------------------------------------------------ overlap counts
def _axis_taps(n_in: int, k: int, s: int, p: int, d: int, n_out: int) -> np.ndarray:
    """``(n_in, n_out)``: how many taps of input ``n``'s window land on output ``m``, one axis."""
    hits = np.zeros((n_in, n_out), dtype=np.int64)
    starts = np.arange(n_in)[:, None] * s - p + np.arange(k)[None, :] * d
    for n in range(n_in):
        kept = starts[n][(starts[n] >= 0) & (starts[n] < n_out)]
        np.add.at(hits[n], kept, 1)
    return hits


def _axes(spec: TransposedConvSpec) -> list[np.ndarray]:
    if not isinstance(spec, TransposedConvSpec):
        raise SpecError(f"overlap counts are a transposed conv's; got {type(spec).__name__} "
                        "(use ConvSpec(...).transposed())")
    f = spec.forward
    return [_axis_taps(spec.input_size[a], f.kernel_size[a], f.stride[a], f.padding[a],
                       f.dilation[a], spec.output_size[a]) for a in range(2)]


def overlap_profile(spec: TransposedConvSpec) -> tuple[np.ndarray, np.ndarray]:
    """Windows per output row and per output column of a transposed conv.

    Along each axis, output position ``m`` is written by input ``n`` through
    tap ``a`` when ``m = n·s − p + a·d``; the counts include the taps of every
    input cell, the cropped ones (``p``, and what ``output_padding`` leaves)
    left out. The 2-D count is their outer product (:func:`overlap_counts`).

    Examples
    --------
    >>> from convmanim.geometry import ConvSpec
    >>> rows, cols = overlap_profile(ConvSpec(6, 4, stride=2, padding=1).transposed())
    >>> rows.tolist()
    [1, 2, 2, 2, 2, 1]
    """
    rows, cols = (hits.sum(axis=0) for hits in _axes(spec))
    return rows, cols


def overlap_counts(spec: TransposedConvSpec) -> np.ndarray:
    """``(o'_h, o'_w)``: how many kernel windows write each output cell.

    Per input channel: with channels, every output channel of a group
    receives this many windows from each of the group's input channels.

    Examples
    --------
    >>> from convmanim.geometry import ConvSpec
    >>> overlap_counts(ConvSpec(5, 3, stride=2, padding=1).transposed())[:2].tolist()
    [[1, 2, 1, 2, 1], [2, 4, 2, 4, 2]]
    """
    rows, cols = overlap_profile(spec)
    return np.outer(rows, cols)


def overlap_steps(spec: TransposedConvSpec) -> np.ndarray:
    """``(i'_h·i'_w + 1, o'_h, o'_w)``: the counts after each step of the scatter.

    Step ``e`` scatters input cell ``e`` (row-major); entry ``e`` holds the
    windows written before step ``e``, so entry ``0`` is all zeros and the
    last entry is :func:`overlap_counts`.
    """
    rows, cols = _axes(spec)
    ih, iw = spec.input_size
    per_cell = (rows[:, None, :, None] * cols[None, :, None, :]).reshape(ih * iw, *spec.output_size)
    out = np.zeros((ih * iw + 1, *spec.output_size), dtype=np.int64)
    np.cumsum(per_cell, axis=0, out=out[1:])
    return out


def phase_counts(spec: TransposedConvSpec) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per axis, the taps ``a`` whose offset ``a·d`` falls on each phase ``0 … s−1`` mod ``s``.

    Away from the borders, an output position of phase ``q`` (``m + p ≡ q``
    mod ``s``) is written once by each tap of phase ``q``: so these are the
    interior counts along the axis, and they are all equal (even overlap, no
    checkerboard) exactly when the taps spread evenly over the phases; for
    ``d = 1``, when ``s`` divides ``k``.

    Examples
    --------
    >>> from convmanim.geometry import ConvSpec
    >>> phase_counts(ConvSpec(5, 3, stride=2, padding=1).transposed())
    ((2, 1), (2, 1))
    >>> phase_counts(ConvSpec(6, 4, stride=2, padding=1).transposed())
    ((2, 2), (2, 2))
    """
    f = spec.forward
    out = []
    for a in range(2):
        k, s, d = f.kernel_size[a], f.stride[a], f.dilation[a]
        out.append(tuple(int(n) for n in np.bincount(np.arange(k) * d % s, minlength=s)))
    return out[0], out[1]


def even_overlap(spec: TransposedConvSpec) -> tuple[bool, bool]:
    """Per axis, whether the interior output cells all receive the same number of windows."""
    rows, cols = phase_counts(spec)
    return len(set(rows)) == 1, len(set(cols)) == 1


def turned(kernel: np.ndarray) -> np.ndarray:
    """The kernel turned by 180° (its last two axes reversed).

    A stride-1 ``conv2d(x, w, padding=p)`` equals ``conv_transpose2d(x,
    turned(w), padding=d(k − 1) − p)``: the scatter view of a conv.

    Examples
    --------
    >>> turned(np.array([[1, 2], [3, 4]])).tolist()
    [[4, 3], [2, 1]]
    """
    arr = np.asarray(kernel)
    return arr[..., ::-1, ::-1].copy()


# ---------------------------------------------------------------- resizing
def _factor(name: str, factor: IntOrPair) -> Pair:
    pair = parse_pair(name, factor)
    if min(pair) < 1:
        raise SpecError(f"{name} must be at least 1, got {pair[0] if pair[0] < 1 else pair[1]}")
    return pair


def _grid(name: str, x: object) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim < 2:
        raise SpecError(f"{name} must have at least 2 dimensions (…, H, W), got shape {arr.shape}")
    return arr


def nearest_size(size: IntOrPair, factor: IntOrPair, *, inverse: bool = False) -> Pair:
    """``(r·H, r·W)``: the size of an ``H×W`` grid upsampled by ``r``.

    With ``inverse``, the size it was upsampled from, ``(H/r, W/r)``.

    Raises
    ------
    SpecError
        If ``inverse`` and a side is not a multiple of ``r``.

    Examples
    --------
    >>> nearest_size(3, 2), nearest_size((6, 4), 2, inverse=True)
    ((6, 6), (3, 2))
    """
    h, w = parse_pair("size", size)
    rh, rw = _factor("factor", factor)
    if not inverse:
        return h * rh, w * rw
    if h % rh or w % rw:
        raise SpecError(f"a {h}×{w} grid is not upsampled by {_fmt_factor((rh, rw))}: "
                        "its sides must be multiples of the factor")
    return h // rh, w // rw


def _fmt_factor(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


def nearest_sources(size: IntOrPair, factor: IntOrPair) -> np.ndarray:
    """``(r·H, r·W, 2)``: the source cell of each cell of the nearest-neighbour upsampling.

    Output cell ``(Y, X)`` copies input cell ``(⌊Y/r⌋, ⌊X/r⌋)``: each input
    cell fills an ``r×r`` block.
    """
    h, w = parse_pair("size", size)
    rh, rw = _factor("factor", factor)
    rows = np.repeat(np.arange(h), rh)
    cols = np.repeat(np.arange(w), rw)
    return np.stack(np.meshgrid(rows, cols, indexing="ij"), axis=-1)


def upsample_nearest(x: np.ndarray, factor: IntOrPair) -> np.ndarray:
    """Nearest-neighbour upsampling of the last two axes by an integer ``factor``.

    Equals ``torch.nn.functional.interpolate(x, scale_factor=r, mode="nearest")``
    (and ``nn.Upsample(scale_factor=r)``) for an integer ``r``.
    """
    arr = _grid("x", x)
    src = nearest_sources(arr.shape[-2:], factor)
    return arr[..., src[..., 0], src[..., 1]]


# ------------------------------------------------------------- pixel shuffle
def shuffled_shape(shape: Sequence[int], factor: int) -> tuple[int, int, int]:
    """``(C, r·H, r·W)``: the shape ``PixelShuffle(r)`` makes of ``(C·r², H, W)``.

    Raises
    ------
    SpecError
        If the channels are not a multiple of ``r²``.
    """
    r = _single_factor(factor)
    c, h, w = (int(n) for n in shape)
    if c < 1 or c % (r * r):
        raise SpecError(f"pixel shuffle by {r} needs channels divisible by r² = {r * r}, "
                        f"got {c} channels")
    return c // (r * r), h * r, w * r


def unshuffled_shape(shape: Sequence[int], factor: int) -> tuple[int, int, int]:
    """``(C·r², H/r, W/r)``: the shape ``PixelUnshuffle(r)`` makes of ``(C, H, W)``.

    Raises
    ------
    SpecError
        If the height or width is not a multiple of ``r``.
    """
    r = _single_factor(factor)
    c, h, w = (int(n) for n in shape)
    if h % r or w % r:
        raise SpecError(f"pixel unshuffle by {r} needs a height and width divisible by {r}, "
                        f"got {h}×{w}")
    return c * r * r, h // r, w // r


def _single_factor(factor: object) -> int:
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)):
        raise SpecError(f"the shuffle factor must be a whole number, got {factor!r}")
    if factor < 1:
        raise SpecError(f"the shuffle factor must be at least 1, got {factor}")
    return int(factor)


def pixel_shuffle_sources(shape: Sequence[int], factor: int) -> np.ndarray:
    """``(C, r·H, r·W, 3)``: where each cell of ``PixelShuffle(r)``'s output comes from.

    ``shape`` is the input's ``(C·r², H, W)``. Output cell ``(c, Y, X)``
    holds input ``(c·r² + (Y mod r)·r + (X mod r), ⌊Y/r⌋, ⌊X/r⌋)``: the
    ``r²`` channels of a group take turns, an ``r×r`` block at a time.
    """
    r = _single_factor(factor)
    c, big_h, big_w = shuffled_shape(shape, r)
    ch, yy, xx = np.meshgrid(np.arange(c), np.arange(big_h), np.arange(big_w), indexing="ij")
    return np.stack([ch * r * r + (yy % r) * r + xx % r, yy // r, xx // r], axis=-1)


def pixel_unshuffle_sources(shape: Sequence[int], factor: int) -> np.ndarray:
    """``(C·r², H/r, W/r, 3)``: where each cell of ``PixelUnshuffle(r)``'s output comes from.

    ``shape`` is the input's ``(C, H, W)``. Output ``(c·r² + i·r + j, y, x)``
    holds input ``(c, y·r + i, x·r + j)``: the inverse of
    :func:`pixel_shuffle_sources`.
    """
    r = _single_factor(factor)
    n, h, w = unshuffled_shape(shape, r)
    ch, yy, xx = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij")
    return np.stack([ch // (r * r), yy * r + (ch % (r * r)) // r, xx * r + ch % r], axis=-1)


def subpixel_places(channels: int, factor: int) -> np.ndarray:
    """``(channels, 4)``: where each of ``C·r²`` small channels goes in ``PixelShuffle(r)``.

    Row ``n`` is ``(c, i, j, q)``: channel ``n`` fills the cells ``(y·r + i,
    x·r + j)`` of image channel ``c``, the place ``q = i·r + j`` of every
    ``r×r`` block (``PixelUnshuffle(r)`` takes them back).

    Examples
    --------
    >>> subpixel_places(4, 2).tolist()
    [[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 2], [0, 1, 1, 3]]
    """
    r = _single_factor(factor)
    shuffled_shape((channels, 1, 1), r)
    first = pixel_unshuffle_sources((channels // (r * r), r, r), r)[:, 0, 0]
    return np.concatenate([first, (np.arange(channels) % (r * r))[:, None]], axis=1)


def _gather(x: np.ndarray, sources: np.ndarray) -> np.ndarray:
    return x[..., sources[..., 0], sources[..., 1], sources[..., 2]]


def _tensor(x: object) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim < 3:
        raise SpecError(f"x must be (…, C, H, W), got shape {arr.shape}")
    return arr


def pixel_shuffle(x: np.ndarray, factor: int) -> np.ndarray:
    """``torch.nn.functional.pixel_shuffle``: ``(…, C·r², H, W)`` to ``(…, C, r·H, r·W)``."""
    arr = _tensor(x)
    return _gather(arr, pixel_shuffle_sources(arr.shape[-3:], factor))


def pixel_unshuffle(x: np.ndarray, factor: int) -> np.ndarray:
    """``torch.nn.functional.pixel_unshuffle``: ``(…, C, H, W)`` to ``(…, C·r², H/r, W/r)``."""
    arr = _tensor(x)
    return _gather(arr, pixel_unshuffle_sources(arr.shape[-3:], factor))
