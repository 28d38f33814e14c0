"""The geometry core's flat indices and counts, against numpy's own unravelling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convmanim.geometry import (
    ConvSpec,
    SpecError,
    cell_index,
    cell_of_index,
    num_inputs,
    scatter_cells,
    scatter_span,
)

sizes = st.tuples(st.integers(1, 40), st.integers(1, 40))


@given(sizes, st.data())
def test_cell_index_and_its_inverse_match_numpy(size, data):
    index = data.draw(st.integers(0, size[0] * size[1] - 1))
    cell = cell_of_index(index, size)
    assert cell == tuple(int(v) for v in np.unravel_index(index, size))
    assert cell_index(cell, size) == index == int(np.ravel_multi_index(cell, size))
    assert cell_index(np.array(cell), size) == index  # rows of numpy index arrays


@pytest.mark.parametrize("index", [-1, 12, 1.5, "3"])
def test_an_index_outside_the_grid_is_one_line(index):
    with pytest.raises(SpecError, match=r"^index must|^index must be an integer"):
        cell_of_index(index, (3, 4))
    with pytest.raises(SpecError, match="outside the 3×4 grid"):
        cell_index((3, 0), (3, 4))


@given(st.integers(1, 9), st.integers(1, 4), st.integers(1, 3), st.booleans())
def test_num_inputs_is_the_size_of_the_input_tensor(i, c_in, k, transposed):
    spec = ConvSpec(i + k, k, in_channels=c_in, out_channels=2)
    spec = spec.transposed() if transposed else spec
    x = np.zeros(spec.input_shape)
    assert num_inputs(spec) == x.size == spec.conv_matrix(np.ones(spec.weight_shape)).shape[1]


@given(st.tuples(st.integers(1, 5), st.integers(1, 5)), st.tuples(st.integers(1, 4),
       st.integers(1, 4)), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.data())
def test_scatter_span_is_the_oracles_window_cropped(i_prime, k, s, p, d, data):
    from tests import oracle

    # a forward conv whose output is i_prime: its input is the smallest that gives it
    sizes = tuple((n - 1) * s + d * (kk - 1) + 1 - 2 * p for n, kk in zip(i_prime, k))
    try:
        spec = ConvSpec(sizes, k, s, p, d).transposed()
    except SpecError:
        return
    index = data.draw(st.integers(0, i_prime[0] * i_prime[1] - 1))
    cell = cell_of_index(index, spec.input_size)
    taps = oracle.scatter_windows(spec.input_size, k, (s, s), (d, d))[index].reshape(-1, 2) - p
    out = spec.output_size
    outside = (taps[:, 0] < 0) | (taps[:, 0] >= out[0]) | (taps[:, 1] < 0) | (taps[:, 1] >= out[1])
    rows, cols, cropped = scatter_span(spec, cell)
    assert cropped == bool(outside.any())
    # the (dilated) kernel's span, holes included, within the output
    assert rows == (max(taps[:, 0].min(), 0), min(taps[:, 0].max(), out[0] - 1))
    assert cols == (max(taps[:, 1].min(), 0), min(taps[:, 1].max(), out[1] - 1))


@given(st.tuples(st.integers(1, 5), st.integers(1, 5)), st.tuples(st.integers(1, 4),
       st.integers(1, 4)), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2),
       st.integers(0, 2), st.data())
def test_scatter_cells_are_the_oracles_taps_inside_the_output(i_prime, k, s, p, d, extra, data):
    from tests import oracle

    # a forward conv whose output is i_prime; ``extra`` input cells the stride skips
    # give the transposed conv an output padding (its canvas reaches past the taps)
    sizes = tuple((n - 1) * s + d * (kk - 1) + 1 - 2 * p + min(extra, s - 1)
                  for n, kk in zip(i_prime, k))
    try:
        spec = ConvSpec(sizes, k, s, p, d).transposed()
    except SpecError:
        return
    assert spec.input_size == i_prime
    index = data.draw(st.integers(0, i_prime[0] * i_prime[1] - 1))
    taps = oracle.scatter_windows(spec.input_size, k, (s, s), (d, d))[index].reshape(-1, 2) - p
    out = spec.output_size
    inside = [(int(r), int(c)) for r, c in taps if 0 <= r < out[0] and 0 <= c < out[1]]
    assert scatter_cells(spec, cell_of_index(index, spec.input_size)) == inside


@pytest.mark.parametrize("i,k,s,p,d", [(5, 3, 1, 0, 1), (5, 3, 2, 1, 1), (6, 2, 2, 2, 2),
                                       (4, 3, 1, 2, 1), (7, 3, 3, 1, 2)])
def test_window_input_cells_are_the_real_inputs_each_tap_reads(i, k, s, p, d):
    """Tap (a, b) of output (y, x) reads input (y·s + a·d − p, x·s + b·d − p) when that is
    inside the input; on the padded grid that is the cell shifted by p."""
    from convmanim import ConvSpec

    spec = ConvSpec(i, k, stride=s, padding=p, dilation=d)
    direct = spec.direct()
    o = spec.output_size[0]
    for step in range(o * o):
        y, x = divmod(step, o)
        want = [(y * s + a * d, x * s + b * d) for a in range(k) for b in range(k)
                if 0 <= y * s + a * d - p < i and 0 <= x * s + b * d - p < i]
        assert direct.window_input_cells(step) == want
