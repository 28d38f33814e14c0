"""The row a picture draws of a 1-D spec (RowConvSpec): the 2-D interface the modes read.

Checked against the explicit-loop oracles of tests/oracle.py on every small
1-D spec, causal padding included: the row's windows, numbers, conv matrix,
transpose and scatter view are the 1-D conv's, and its labels carry one index.
"""

from __future__ import annotations

import numpy as np
import pytest

from convmanim.geometry import (
    ConvSpec,
    ConvSpec1d,
    RowConvSpec,
    SpecError,
    drawable,
    scatter_cells,
    sequence_of,
    shown_index,
    shown_size,
)
from tests import oracle
from tests.test_conv1d import CHANNELS, SPECS, _pads


@pytest.mark.parametrize("length,k,s,p,d", SPECS)
def test_the_row_is_the_1d_conv(length, k, s, p, d):
    rng = np.random.default_rng(length * 1000 + k * 100 + s * 10 + d)
    seq = ConvSpec1d(length, k, stride=s, padding=p, dilation=d)
    row = seq.as_row()
    left, right = _pads(length, k, p, d)
    o = oracle.out_size_1d(length, k, s, left, right, d)
    assert row.output_size == (1, o) and row.input_size == (1, length)
    direct = row.direct()
    assert direct.grid_size == (1, left + length + right)
    assert direct.padding_before == (0, left) and direct.padding_after == (0, right)
    for n in range(o):  # the window's cells are the oracle's taps, padding included
        taps = [n * s - left + a * d for a in range(k)]
        assert (row.window(n)[0, :, 1] - left).tolist() == taps
        assert (row.window(n)[0, :, 0] == 0).all()
    x, w = rng.integers(-3, 4, length).astype(float), rng.integers(-3, 4, k).astype(float)
    want = oracle.conv1d(x, w, s, left, right, d)
    np.testing.assert_array_equal(row.apply(x[None], w[None]), want[None])
    probed = oracle.conv_matrix_by_probing(lambda e: oracle.conv1d(e, w, s, left, right, d),
                                           (length,))
    np.testing.assert_array_equal(row.conv_matrix(w[None]), probed)
    t = row.transposed()
    assert sequence_of(t) == seq.transposed()
    assert t.input_size == (1, o) and t.output_size == (1, length)
    y = rng.integers(-3, 4, o).astype(float)
    scatter = oracle.conv_transpose1d_grouped(y[None], w[None, None], None, s, left, d,
                                              length, 1)[0]
    np.testing.assert_array_equal(t.apply(y[None], w[None]), scatter[None])
    np.testing.assert_array_equal(t.conv_matrix(w[None]), probed.T)
    np.testing.assert_array_equal(sum(t.scatter_contributions(y[None], w[None])),
                                  scatter[None])
    for n in range(o):  # the scatter view adds input n into the oracle's positions
        want_cells = [(0, m) for m in (n * s - left + a * d for a in range(k))
                      if 0 <= m < length]
        assert scatter_cells(t, (0, n)) == want_cells
    if p != "causal" and 2 * p <= d * (k - 1) + 1:
        for mode in ("average", "max"):
            try:
                seq.check_pooling(mode)
            except SpecError:
                continue
            np.testing.assert_array_equal(row.apply(x[None], mode=mode),
                                          oracle.pool1d(x, k, s, p, d, mode)[None])


@pytest.mark.parametrize("c_in,c_out,g", CHANNELS)
@pytest.mark.parametrize("p", [1, "causal"])
def test_the_row_keeps_channels_groups_and_bias(c_in, c_out, g, p):
    rng = np.random.default_rng(c_in * 100 + c_out * 10 + g)
    seq = ConvSpec1d(7, 3, stride=2, padding=p, dilation=2, in_channels=c_in,
                     out_channels=c_out, groups=g)
    row = seq.as_row()
    left, right = seq.padding
    x = rng.integers(-3, 4, (c_in, 7)).astype(float)
    w = rng.integers(-3, 4, seq.weight_shape).astype(float)
    b = rng.integers(-3, 4, c_out).astype(float)
    want = oracle.conv1d_grouped(x, w, b, 2, left, right, 2, g)
    got = row.apply(x[:, None, :], w[:, :, None, :], bias=b)
    np.testing.assert_array_equal(got[:, 0], want)
    np.testing.assert_array_equal(row.conv_matrix(w[:, :, None, :]), seq.conv_matrix(w))
    assert row.matrix_shape == seq.matrix_shape
    t = row.transposed()
    y = rng.integers(-3, 4, (c_out, seq.output_size)).astype(float)
    bt = rng.integers(-3, 4, c_in).astype(float)
    scatter = oracle.conv_transpose1d_grouped(y, w, bt, 2, left, 2, 7, g)
    np.testing.assert_array_equal(t.apply(y[:, None, :], w[:, :, None, :], bias=bt)[:, 0],
                                  scatter)


def test_the_pooling_and_separable_rows_stay_1d():
    seq = ConvSpec1d(8, 3, padding="causal", in_channels=3, out_channels=4)
    row = seq.as_row()
    with pytest.raises(SpecError, match="causal padding is for convolutions"):
        row.check_pooling("max")
    dw, pw = row.depthwise_separable()
    assert sequence_of(dw) == ConvSpec1d(8, 3, padding="causal", in_channels=3,
                                         out_channels=3, groups=3)
    assert sequence_of(pw) == ConvSpec1d(8, 1, in_channels=3, out_channels=4)
    pool = ConvSpec1d(8, 2, stride=2, in_channels=2).as_row().pooling()
    assert sequence_of(pool) == ConvSpec1d(8, 2, stride=2, in_channels=2, out_channels=2,
                                           groups=2)


def test_a_causal_row_differs_from_the_symmetric_one():
    causal = ConvSpec1d(6, 3, padding="causal").as_row()
    both = ConvSpec1d(6, 3, padding=2).as_row()
    assert causal != both and causal.padding == both.padding == (0, 2)
    assert causal.output_size == (1, 6) and both.output_size == (1, 8)
    assert causal.describe() == "conv1d L=6 k=3 s=1 p=causal d=1 -> o=6"


def test_labels_carry_one_index_in_1d_and_two_in_2d():
    row = ConvSpec1d(8, 3).as_row()
    assert shown_index(row, (0, 7)) == (7,)
    assert shown_index(row.transposed(), (0, 2)) == (2,)
    assert shown_index(ConvSpec(5, 3), (0, 2)) == (0, 2)
    assert shown_size(row, (1, 8)) == (8,)
    assert shown_size(ConvSpec(5, 3), (1, 5)) == (1, 5)
    with pytest.raises(SpecError, match="row 0"):
        shown_index(row, (1, 0))
    assert drawable(ConvSpec1d(8, 3)) == row
    assert drawable(ConvSpec(5, 3)) == ConvSpec(5, 3)
    assert sequence_of(ConvSpec(5, 3)) is None
    with pytest.raises(SpecError, match="ConvSpec1d"):
        RowConvSpec(ConvSpec(5, 3))  # type: ignore[arg-type]
