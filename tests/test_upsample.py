"""Upsampling in the geometry core: overlap counts, nearest resizing, pixel shuffle.

Each function is checked against the explicit-loop oracles of tests/oracle.py
and, when torch is installed, against torch itself.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from convmanim.geometry import ConvSpec, SpecError, TransposedConvSpec, scatter_cells
from convmanim.upsample import (
    even_overlap,
    nearest_sources,
    overlap_counts,
    overlap_profile,
    overlap_steps,
    phase_counts,
    pixel_shuffle,
    pixel_shuffle_sources,
    pixel_unshuffle,
    pixel_unshuffle_sources,
    shuffled_shape,
    unshuffled_shape,
    upsample_nearest,
)
from tests import oracle


def _transposed_specs():
    """Transposed convs over a grid of sizes, kernels, strides, paddings, dilations (and rect)."""
    for i, k, s, p, d in itertools.product((4, 5, 7), (1, 2, 3, 4), (1, 2, 3), (0, 1, 2), (1, 2)):
        try:
            yield ConvSpec(i, k, stride=s, padding=p, dilation=d).transposed()
        except SpecError:
            continue
    yield ConvSpec((5, 7), (3, 4), stride=(2, 3), padding=(1, 0)).transposed()
    yield ConvSpec((6, 4), (2, 3), stride=(3, 1), padding=(0, 1), dilation=(1, 2)).transposed()
    # output_padding (PyTorch's): one more row and column than the crop leaves
    yield TransposedConvSpec.from_torch((3, 2), 3, stride=2, padding=1, output_padding=1)
    yield TransposedConvSpec.from_torch(3, (4, 3), stride=(3, 2), padding=(1, 0),
                                        output_padding=(2, 1), dilation=(1, 2))


SPECS = list(_transposed_specs())


def _oracle_counts(spec: TransposedConvSpec) -> np.ndarray:
    f = spec.forward
    return oracle.overlap_counts(spec.input_size, f.kernel_size, f.stride, f.padding,
                                 f.dilation, spec.output_size)


def test_the_grid_of_specs_is_wide() -> None:
    assert len(SPECS) > 100
    assert any(s.output_padding != (0, 0) for s in SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.describe())
def test_overlap_counts_equal_a_brute_force_count_of_the_scatter(spec) -> None:
    expected = _oracle_counts(spec)
    counts = overlap_counts(spec)
    assert counts.shape == spec.output_size
    np.testing.assert_array_equal(counts, expected)
    rows, cols = overlap_profile(spec)
    np.testing.assert_array_equal(np.outer(rows, cols), expected)
    steps = overlap_steps(spec)
    assert steps.shape == (spec.input_size[0] * spec.input_size[1] + 1, *spec.output_size)
    assert not steps[0].any()
    np.testing.assert_array_equal(steps[-1], expected)


@pytest.mark.parametrize("spec", SPECS[::7], ids=lambda s: s.describe())
def test_each_scatter_step_adds_one_to_the_cells_its_window_writes(spec) -> None:
    steps = overlap_steps(spec)
    iw = spec.input_size[1]
    for e in range(steps.shape[0] - 1):
        added = np.zeros(spec.output_size, dtype=int)
        for cell in scatter_cells(spec, (e // iw, e % iw)):
            added[cell] += 1
        np.testing.assert_array_equal(steps[e + 1] - steps[e], added)


def test_the_classic_k3_s2_counts_go_1_2_1_2() -> None:
    spec = ConvSpec(5, 3, stride=2, padding=1).transposed()
    rows, cols = overlap_profile(spec)
    assert rows.tolist() == cols.tolist() == [1, 2, 1, 2, 1]
    assert overlap_counts(spec)[1].tolist() == [2, 4, 2, 4, 2]
    assert phase_counts(spec) == ((2, 1), (2, 1))
    assert even_overlap(spec) == (False, False)


def test_k_divisible_by_s_is_even_in_the_interior() -> None:
    spec = ConvSpec(8, 4, stride=2, padding=1).transposed()
    rows, _ = overlap_profile(spec)
    assert rows.tolist() == [1, 2, 2, 2, 2, 2, 2, 1]
    assert even_overlap(spec) == (True, True)
    # dilation 2 with stride 2: every tap on one phase, the other phase never written
    holes = ConvSpec(7, 2, stride=2, dilation=2).transposed()
    assert phase_counts(holes) == ((2, 0), (2, 0))
    assert 0 in overlap_profile(holes)[0][1:-1]


@pytest.mark.parametrize("spec", SPECS[::3], ids=lambda s: s.describe())
def test_phase_counts_are_the_interior_counts(spec) -> None:
    """Where a whole window fits on each side, a cell's count is its phase's tap count."""
    f = spec.forward
    rows, cols = overlap_profile(spec)
    for axis, profile in ((0, rows), (1, cols)):
        k, s, p, d = f.kernel_size[axis], f.stride[axis], f.padding[axis], f.dilation[axis]
        reach = d * (k - 1)
        n_in = spec.input_size[axis]
        phases = phase_counts(spec)[axis]
        for m, count in enumerate(profile):
            # every tap's input n = (m + p − a·d)/s exists when these stay in range
            if m + p - reach >= 0 and m + p <= (n_in - 1) * s:
                assert count == phases[(m + p) % s]


def test_overlap_counts_refuse_a_forward_conv() -> None:
    with pytest.raises(SpecError, match="transposed"):
        overlap_counts(ConvSpec(5, 3))  # type: ignore[arg-type]


# ------------------------------------------------------------------ resizing
@pytest.mark.parametrize(("shape", "r"), [((3, 4), 2), ((2, 2), 3), ((1, 5), (2, 1)),
                                          ((4, 3), (1, 3))])
def test_nearest_upsampling_equals_the_loop_oracle(shape, r) -> None:
    x = np.arange(np.prod(shape)).reshape(shape)
    rr = r if isinstance(r, tuple) else (r, r)
    np.testing.assert_array_equal(upsample_nearest(x, r), oracle.upsample_nearest(x, rr))
    src = nearest_sources(shape, r)
    assert src.shape == (shape[0] * rr[0], shape[1] * rr[1], 2)
    np.testing.assert_array_equal(x[src[..., 0], src[..., 1]], oracle.upsample_nearest(x, rr))


def test_nearest_upsampling_refuses_a_bad_factor() -> None:
    with pytest.raises(SpecError, match="factor must be at least 1"):
        upsample_nearest(np.zeros((2, 2)), 0)


# ------------------------------------------------------------- pixel shuffle
SHUFFLES = [((4, 2, 3), 2), ((8, 3, 3), 2), ((9, 2, 2), 3), ((3, 2, 2), 1), ((18, 1, 2), 3)]


@pytest.mark.parametrize(("shape", "r"), SHUFFLES)
def test_pixel_shuffle_equals_the_loop_oracle_and_unshuffle_undoes_it(shape, r) -> None:
    x = np.random.default_rng(0).integers(-9, 9, shape)
    shuffled = pixel_shuffle(x, r)
    np.testing.assert_array_equal(shuffled, oracle.pixel_shuffle(x, r))
    assert shuffled.shape == shuffled_shape(shape, r)
    np.testing.assert_array_equal(pixel_unshuffle(shuffled, r), x)
    np.testing.assert_array_equal(pixel_unshuffle(shuffled, r), oracle.pixel_unshuffle(shuffled, r))
    assert unshuffled_shape(shuffled.shape, r) == shape
    # the index maps: every input cell lands exactly once, and the two maps are inverse
    src = pixel_shuffle_sources(shape, r)
    assert len({tuple(v) for v in src.reshape(-1, 3)}) == np.prod(shape)
    back = pixel_unshuffle_sources(shuffled.shape, r)
    for cell in np.ndindex(*shape):
        y = back[cell]
        assert tuple(src[tuple(y)]) == cell


def test_pixel_shuffle_works_on_a_batch() -> None:
    x = np.arange(2 * 8 * 2 * 3).reshape(2, 8, 2, 3)
    out = pixel_shuffle(x, 2)
    assert out.shape == (2, 2, 4, 6)
    for n in range(2):
        np.testing.assert_array_equal(out[n], oracle.pixel_shuffle(x[n], 2))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: shuffled_shape((6, 2, 2), 2), "channels divisible by r² = 4, got 6 channels"),
    (lambda: pixel_shuffle(np.zeros((5, 2, 2)), 2), "divisible by r² = 4"),
    (lambda: unshuffled_shape((1, 4, 5), 2), "height and width divisible by 2, got 4×5"),
    (lambda: pixel_shuffle(np.zeros((4, 2, 2)), 0), "at least 1"),
    (lambda: pixel_shuffle(np.zeros((4, 2, 2)), 2.0), "whole number"),
    (lambda: pixel_shuffle(np.zeros((4, 2)), 2), r"\(…, C, H, W\)"),
])
def test_bad_shuffles_are_one_line_errors(call, message) -> None:
    with pytest.raises(SpecError, match=message) as info:
        call()
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------ torch
def test_everything_equals_torch() -> None:
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    for shape, r in SHUFFLES:
        x = np.random.default_rng(1).standard_normal(shape)
        t = torch.from_numpy(x)[None]
        np.testing.assert_array_equal(pixel_shuffle(x, r), functional.pixel_shuffle(t, r)[0])
        big = functional.pixel_shuffle(t, r)
        np.testing.assert_array_equal(pixel_unshuffle(big[0].numpy(), r),
                                      functional.pixel_unshuffle(big, r)[0])
    for shape, r in [((3, 4), 2), ((2, 5), 3)]:
        x = np.random.default_rng(2).standard_normal((2, *shape))
        expected = functional.interpolate(torch.from_numpy(x)[None], scale_factor=r,
                                          mode="nearest")[0]
        np.testing.assert_array_equal(upsample_nearest(x, r), expected)
        np.testing.assert_array_equal(upsample_nearest(x, r),
                                      torch.nn.Upsample(scale_factor=r)(torch.from_numpy(x)[None])[0])
    # overlap counts: conv_transpose2d of ones with a kernel of ones counts the windows
    for spec in SPECS[::5]:
        f = spec.forward
        ones = torch.ones(1, 1, *spec.input_size, dtype=torch.float64)
        kernel = torch.ones(1, 1, *f.kernel_size, dtype=torch.float64)
        out = functional.conv_transpose2d(ones, kernel, stride=f.stride, padding=f.padding,
                                          output_padding=spec.output_padding,
                                          dilation=f.dilation)
        np.testing.assert_array_equal(overlap_counts(spec), out[0, 0].numpy())
