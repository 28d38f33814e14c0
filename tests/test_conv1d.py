"""1-D convolution (ConvSpec1d): sizes, apply, conv matrix, transpose, pooling, PyTorch.

Checked against the explicit-loop oracles in tests/oracle.py, on every small
spec (causal padding included), and against torch itself when it is installed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convmanim.geometry import (
    ConvSpec,
    ConvSpec1d,
    SpecError,
    TransposedConvSpec1d,
    spec_from_torch,
)
from convmanim.torch_compat import torch_parameters
from tests import oracle


def _valid(length, k, s, p, d):
    """Whether the spec is valid, by PyTorch's rules (``p`` an int or ``"causal"``)."""
    eff = d * (k - 1) + 1
    if p == "causal":
        return True
    return p < eff and eff <= length + 2 * p


def _pads(length, k, p, d):
    return (d * (k - 1), 0) if p == "causal" else (p, p)


SPECS = [
    (length, k, s, p, d)
    for length, k, s, p, d in itertools.product(range(1, 8), range(1, 4), range(1, 4),
                                                 (0, 1, 2, "causal"), (1, 2))
    if _valid(length, k, s, p, d)
]
CHANNELS = [(1, 1, 1), (2, 3, 1), (2, 4, 2), (3, 3, 3), (4, 2, 2), (1, 3, 1)]


def test_the_grid_is_large_and_holds_causal_specs():
    assert len(SPECS) > 300
    assert sum(spec[3] == "causal" for spec in SPECS) == 7 * 3 * 3 * 2


@pytest.mark.parametrize("length,k,s,p,d", SPECS)
def test_sizes_apply_and_matrix_match_the_loops(length, k, s, p, d):
    rng = np.random.default_rng(length * 1000 + k * 100 + s * 10 + d)
    spec = ConvSpec1d(length, k, stride=s, padding=p, dilation=d)
    left, right = _pads(length, k, p, d)
    assert spec.padding == (left, right)
    assert spec.output_size == oracle.out_size_1d(length, k, s, left, right, d)
    x, w = rng.integers(-3, 4, length).astype(float), rng.integers(-3, 4, k).astype(float)
    want = oracle.conv1d(x, w, s, left, right, d)
    np.testing.assert_array_equal(spec.apply(x, w), want)
    c = spec.conv_matrix(w)
    probed = oracle.conv_matrix_by_probing(lambda e: oracle.conv1d(e, w, s, left, right, d),
                                           (length,))
    np.testing.assert_array_equal(c, probed)
    # the transposed conv: the loop scatter-add, and exactly C.T
    t = spec.transposed()
    assert (t.input_size, t.output_size) == (spec.output_size, length)
    y = rng.integers(-3, 4, spec.output_size).astype(float)
    scatter = oracle.conv_transpose1d_grouped(y[None], w[None, None], None, s, left, d,
                                              length, 1)[0]
    np.testing.assert_array_equal(t.apply(y, w), scatter)
    np.testing.assert_array_equal(t.conv_matrix(w), c.T)
    np.testing.assert_array_equal(t.conv_index_matrix(), spec.conv_index_matrix().T)
    # the direct conv a picture draws computes the same numbers
    np.testing.assert_array_equal(spec.direct().apply(x[None], w[None])[0], want)
    np.testing.assert_array_equal(t.direct().apply(y[None], w[None])[0], scatter)


@pytest.mark.parametrize("length,k,s,p,d", SPECS[::7])
@pytest.mark.parametrize("c_in,c_out,groups", CHANNELS)
def test_channels_and_groups_match_the_loops(length, k, s, p, d, c_in, c_out, groups):
    rng = np.random.default_rng(7)
    spec = ConvSpec1d(length, k, s, p, d, in_channels=c_in, out_channels=c_out, groups=groups)
    left, right = _pads(length, k, p, d)
    x = rng.integers(-3, 4, (c_in, length)).astype(float)
    w = rng.integers(-3, 4, spec.weight_shape).astype(float)
    b = rng.integers(-3, 4, c_out).astype(float)
    assert spec.weight_shape == (c_out, c_in // groups, k)
    want = oracle.conv1d_grouped(x, w, b, s, left, right, d, groups)
    np.testing.assert_array_equal(spec.apply(x, w, bias=b), want)
    c = spec.conv_matrix(w)
    assert c.shape == spec.matrix_shape
    np.testing.assert_array_equal(c @ x.ravel() + np.repeat(b, spec.output_size), want.ravel())
    t = spec.transposed()
    y = rng.integers(-3, 4, (c_out, spec.output_size)).astype(float)
    bt = rng.integers(-3, 4, c_in).astype(float)
    scatter = oracle.conv_transpose1d_grouped(y, w, bt, s, left, d, length, groups)
    np.testing.assert_array_equal(t.apply(y, w, bias=bt), scatter)
    np.testing.assert_array_equal(t.conv_matrix(w), c.T)
    # which weight sits in each entry
    for (row, col), (o, ci, a) in spec.matrix_weights().items():
        assert c[row, col] == w[o, ci % (c_in // groups), a]
    assert len(spec.matrix_weights()) == np.count_nonzero(spec.conv_index_matrix() >= 0)


@pytest.mark.parametrize("length,k,s,p,d", [sp for sp in SPECS if sp[3] != "causal"])
@pytest.mark.parametrize("mode", ["average", "max"])
def test_pooling_matches_the_loops_channel_by_channel(length, k, s, p, d, mode):
    spec = ConvSpec1d(length, k, s, p, d, in_channels=2, out_channels=2, groups=2)
    x = np.random.default_rng(3).integers(-5, 6, (2, length)).astype(float)
    windows_ok = 2 * p <= d * (k - 1) + 1 and all(
        any(0 <= n * s - p + a * d < length for a in range(k)) for n in range(spec.output_size))
    if not windows_ok and (mode == "max" or 2 * p > d * (k - 1) + 1):
        with pytest.raises(SpecError):
            spec.apply(x, mode=mode)
        return
    want = np.stack([oracle.pool1d(row, k, s, p, d, mode) for row in x])
    np.testing.assert_allclose(spec.apply(x, mode=mode), want)
    plain = ConvSpec1d(length, k, s, p, d)
    np.testing.assert_allclose(plain.apply(x[0], mode=mode), want[0])
    assert plain.pooling() == ConvSpec1d(length, k, s, p, d)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 4), st.integers(1, 3), st.sampled_from([0, 1, 2, 3,
       "causal"]), st.integers(1, 3), st.sampled_from(CHANNELS), st.integers(0, 2**32 - 1))
def test_the_transposed_conv_is_the_adjoint(length, k, s, p, d, channels, seed):
    """<C x, y> == <x, Cᵀ y> through the two apply methods, for any valid spec."""
    if not _valid(length, k, s, p, d):
        with pytest.raises(SpecError):
            ConvSpec1d(length, k, s, p, d)
        return
    c_in, c_out, groups = channels
    spec = ConvSpec1d(length, k, s, p, d, c_in, c_out, groups)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(spec.input_shape)
    w = rng.standard_normal(spec.weight_shape)
    y = rng.standard_normal(spec.output_shape)
    lhs = float(np.sum(spec.apply(x, w) * y))
    rhs = float(np.sum(x * spec.transposed().apply(y, w)))
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(spec.conv_matrix(w) @ x.ravel(), spec.apply(x, w).ravel(),
                               atol=1e-12)


def test_causal_outputs_never_see_the_future():
    spec = ConvSpec1d(10, 3, dilation=2, padding="causal")
    c = spec.conv_matrix([1.0, 2.0, 3.0])
    assert np.all(np.triu(c, 1) == 0)           # output n reads no input after n
    assert np.all(np.diag(c) == 3.0)            # the last tap sits on the cell itself
    assert [spec.taps(n).tolist() for n in (0, 9)] == [[-4, -2, 0], [5, 7, 9]]
    assert spec.direct().padding_after == (0, 0) and spec.direct().input_origin == (0, 4)
    strided = ConvSpec1d(9, 2, stride=3, padding="causal")
    assert strided.output_size == 3 and strided.taps(2).tolist() == [5, 6]
    assert "p=causal" in spec.describe()


def test_the_twin_is_a_height_one_conv():
    spec = ConvSpec1d(9, 3, stride=2, padding=1, dilation=2, in_channels=2, out_channels=4,
                      groups=2)
    twin = spec.as_2d()
    assert isinstance(twin, ConvSpec)
    assert (twin.input_size, twin.kernel_size, twin.output_size) == ((1, 9), (1, 3), (1, 4))
    assert spec.direct() == twin.direct()
    assert spec.multiplies == twin.multiplies


def test_transposed_from_torch_parameters_round_trips():
    t = TransposedConvSpec1d.from_torch(4, 3, stride=2, padding=1, output_padding=1,
                                        in_channels=4, out_channels=2)
    assert (t.input_size, t.output_size, t.output_padding) == (4, 8, 1)
    assert t.forward == ConvSpec1d(8, 3, 2, 1, in_channels=2, out_channels=4)
    assert t.transposed() is t.forward and t.weight_shape == (4, 2, 3)


BAD = [
    (lambda: ConvSpec1d(4, 6), r"effective kernel 6 \(kernel 6\) is longer than the padded "
     "input 4"),
    (lambda: ConvSpec1d(8, 3, padding=3), "padding 3 must be smaller than the effective kernel"),
    (lambda: ConvSpec1d(8, 3, padding="same"), "padding must be an integer or 'causal'"),
    (lambda: ConvSpec1d(0, 1), "input_size must be at least 1, got 0"),
    (lambda: ConvSpec1d(8, 3, stride=0), "stride must be at least 1, got 0"),
    (lambda: ConvSpec1d(8, 2.5), "kernel_size must be an integer, got 2.5"),
    (lambda: ConvSpec1d(8, 3, in_channels=3, out_channels=2, groups=2), "groups 2 must divide"),
    (lambda: ConvSpec1d(8, 3, padding="causal").apply(np.ones(8), mode="max"),
     "causal padding is for convolutions"),
    (lambda: ConvSpec1d(8, 3).apply(np.ones(7), [1, 2, 3]), "input values must be 8"),
    (lambda: ConvSpec1d(8, 3, in_channels=2).apply(np.ones((2, 8)), np.ones(3)),
     r"weight must be 1×2×3 \(PyTorch's layout\)"),
    (lambda: ConvSpec1d(8, 3).window(6), "step must be in 0..5, got 6"),
    (lambda: ConvSpec1d(8, 1, padding=0).apply([np.nan] * 8, [1]), "must be finite"),
    (lambda: TransposedConvSpec1d.from_torch(3, 3, stride=2, output_padding=2),
     "output_padding 2 must be smaller than the stride 2"),
]


@pytest.mark.parametrize("make,message", BAD, ids=[m for _, m in BAD])
def test_bad_input_is_one_line(make, message):
    with pytest.raises(SpecError, match=message) as info:
        make()
    assert "\n" not in str(info.value)


# ------------------------------------------------------------- PyTorch layers
class Conv1d:
    """A stand-in keeping nn.Conv1d's attributes as torch stores them (1-tuples)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, padding_mode="zeros"):
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.dilation = (kernel_size,), (stride,), (dilation,)
        self.padding = padding if isinstance(padding, str) else (padding,)
        self.transposed, self.output_padding = False, (0,)
        self.padding_mode = padding_mode


class MaxPool1d:
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride
        self.ceil_mode, self.return_indices = ceil_mode, False


def test_stand_ins_are_read_as_1d():
    spec = spec_from_torch(Conv1d(2, 4, 3, stride=2, padding=1, groups=2), (1, 2, 9))
    assert spec == ConvSpec1d(9, 3, 2, 1, in_channels=2, out_channels=4, groups=2)
    assert ConvSpec1d.from_torch(Conv1d(1, 1, 5, padding="same", dilation=2), 12).padding \
        == (4, 4)
    pool = ConvSpec.from_torch(MaxPool1d(2), (3, 8))
    assert pool == ConvSpec1d(8, 2, 2, in_channels=3, out_channels=3, groups=3)
    with pytest.raises(SpecError, match=r"'same' pads unevenly here .* = 3 is odd"):
        spec_from_torch(Conv1d(1, 1, 4, padding="same"), 8)
    with pytest.raises(SpecError, match="ceil_mode"):
        spec_from_torch(MaxPool1d(2, ceil_mode=True), 7)
    class MaxPool2d(MaxPool1d):
        pass

    with pytest.raises(SpecError, match=r"MaxPool2d is 2-D: use ConvSpec\.from_torch"):
        ConvSpec1d.from_torch(MaxPool2d(2), 8)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


TORCH_SPECS = [sp for sp in SPECS if sp[1] > 1][::5]


@pytest.mark.parametrize("length,k,s,p,d", TORCH_SPECS)
@pytest.mark.parametrize("c_in,c_out,groups", [(1, 1, 1), (2, 4, 2), (3, 3, 3)])
def test_against_torch(torch, length, k, s, p, d, c_in, c_out, groups):
    f = torch.nn.functional
    spec = ConvSpec1d(length, k, s, p, d, c_in, c_out, groups)
    left, right = spec.padding
    rng = np.random.default_rng(11)
    x = rng.standard_normal(spec.input_shape)
    w = rng.standard_normal(spec.weight_shape)
    b = rng.standard_normal(c_out)
    tx, tw, tb = (torch.tensor(v) for v in (x, w, b))
    want = f.conv1d(f.pad(tx[None], (left, right)), tw, tb, stride=s, dilation=d,
                    groups=groups)[0].numpy()
    np.testing.assert_allclose(spec.apply(x, w, bias=b), want, atol=1e-12)
    y = rng.standard_normal(spec.output_shape)
    bt = rng.standard_normal(c_in)
    full = f.conv_transpose1d(torch.tensor(y)[None], tw, torch.tensor(bt), stride=s,
                              output_padding=spec.remainder, dilation=d, groups=groups)[0]
    want_t = full[:, left:left + length].numpy()
    np.testing.assert_allclose(spec.transposed().apply(y, w, bias=bt), want_t, atol=1e-12)
    if p != "causal":
        layer = torch.nn.ConvTranspose1d(c_out, c_in, k, s, p, spec.remainder, groups,
                                         dilation=d)
        t = ConvSpec1d.from_torch(layer, (1, c_out, spec.output_size))
        assert t == spec.transposed()
        lw, lb = torch_parameters(layer)
        with torch.no_grad():
            np.testing.assert_allclose(t.apply(y, lw, bias=lb),
                                       layer(torch.tensor(y[None]).float())[0].numpy(),
                                       rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("length,k,s,p,d", [sp for sp in SPECS if sp[3] != "causal"][::4])
def test_modules_against_torch(torch, length, k, s, p, d):
    x = torch.randn(1, 2, length, dtype=torch.float64)
    conv = torch.nn.Conv1d(2, 4, k, s, p, d, groups=2).double()
    spec = ConvSpec1d.from_torch(conv, x.shape)
    assert spec == ConvSpec1d(length, k, s, p, d, 2, 4, 2)
    w, b = torch_parameters(conv)
    with torch.no_grad():
        np.testing.assert_allclose(spec.apply(x[0].numpy(), w, bias=b), conv(x)[0].numpy(),
                                   atol=1e-12)
    if 2 * p <= k:  # PyTorch's own rule for pooling padding
        avg = torch.nn.AvgPool1d(k, s, p)
        pool = ConvSpec1d.from_torch(avg, x.shape)
        np.testing.assert_allclose(pool.apply(x[0].numpy(), mode="average"),
                                   avg(x)[0].numpy(), atol=1e-12)
    if 2 * p <= d * (k - 1) + 1 and p <= k // 2:
        mx = torch.nn.MaxPool1d(k, s, p, d)
        try:
            want = mx(x)[0].numpy()
        except RuntimeError:
            return
        pool = ConvSpec1d.from_torch(mx, x.shape)
        np.testing.assert_allclose(pool.apply(x[0].numpy(), mode="max"), want)
