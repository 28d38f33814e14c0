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
