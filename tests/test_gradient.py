"""Backprop through a conv (convmanim.gradient): checked against the chain-rule loop oracle,
the conv matrix, and torch's autograd."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from convmanim import ConvSpec, SpecError
from convmanim.gradient import (
    WeightGradientSpec,
    bias_gradient,
    default_upstream,
    input_gradient,
    upstream_tensor,
    weight_gradient,
    weight_gradient_conv,
    weight_gradient_steps,
    weight_of_step,
    weight_terms,
)

from . import oracle

# (input, kernel, stride, padding, dilation): strides that do and do not divide,
# padding, dilation, rectangular sizes and kernels
SPATIAL = [
    (4, 3, 1, 0, 1),
    (5, 3, 2, 1, 1),
    (6, 3, 2, 1, 1),       # (i + 2p − k) mod s = 1: output_padding needed
    (7, 2, 3, 0, 1),       # remainder 2
    (7, 3, 1, 2, 2),
    (8, 3, 2, 1, 2),
    ((5, 7), (3, 2), (2, 1), (1, 0), (1, 2)),
    ((6, 4), (2, 3), (1, 2), (0, 1), (2, 1)),
    (3, 3, 1, 1, 1),
    (5, 1, 2, 0, 1),
]
# (C_in, C_out, groups)
CHANNELS = [(1, 1, 1), (2, 3, 1), (4, 2, 2), (3, 3, 3), (1, 2, 1)]


def _spec(spatial, channels=(1, 1, 1)) -> ConvSpec:
    i, k, s, p, d = spatial
    c_in, c_out, g = channels
    return ConvSpec(i, k, stride=s, padding=p, dilation=d,
                    in_channels=c_in, out_channels=c_out, groups=g)


def _values(spec: ConvSpec, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, spec.input_shape).astype(float)
    w = rng.integers(-2, 3, spec.weight_shape).astype(float)
    dy = rng.integers(-2, 3, spec.output_shape).astype(float)
    return x, w, dy


CASES = list(itertools.product(SPATIAL, CHANNELS))


def _id(case) -> str:
    (i, k, s, p, d), (ci, co, g) = case
    return f"i{i}-k{k}-s{s}-p{p}-d{d}-c{ci}to{co}g{g}".replace(" ", "")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_gradients_equal_chain_rule_oracle(case):
    spec = _spec(*case)
    x, w, dy = _values(spec, CASES.index(case))
    dx, dw, db = oracle.conv2d_backward(x, w, dy, spec.stride, spec.padding, spec.dilation,
                                        spec.groups)
    np.testing.assert_allclose(input_gradient(spec, w, dy), dx, atol=1e-12)
    np.testing.assert_allclose(weight_gradient(spec, x, dy), dw, atol=1e-12)
    np.testing.assert_allclose(bias_gradient(spec, dy), db, atol=1e-12)
    assert input_gradient(spec, w, dy).shape == spec.input_shape


@pytest.mark.parametrize("case", CASES[::3], ids=[_id(c) for c in CASES[::3]])
def test_input_gradient_is_conv_matrix_transposed(case):
    spec = _spec(*case)
    _, w, dy = _values(spec, 7)
    c = spec.conv_matrix(w)
    np.testing.assert_allclose(input_gradient(spec, w, dy).ravel(), c.T @ dy.ravel(),
                               atol=1e-12)


@pytest.mark.parametrize("spatial", SPATIAL)
def test_plain_grids_keep_their_shape(spatial):
    spec = _spec(spatial)
    x, w, dy = _values(spec, 3)
    x, w, dy = x[0], w[0, 0], dy[0]
    assert input_gradient(spec, w, dy).shape == spec.input_size
    assert weight_gradient(spec, x, dy).shape == spec.kernel_size
    np.testing.assert_allclose(bias_gradient(spec, dy), [dy.sum()])


@pytest.mark.parametrize("case", CASES[::2], ids=[_id(c) for c in CASES[::2]])
def test_weight_terms_are_the_uses_of_each_weight(case):
    """Each weight's terms: one per ∂L/∂y cell, on the input cell its tap lay on, summing
    to the weight's gradient (the oracle's forward loop says where)."""
    spec = _spec(*case)
    x, w, dy = _values(spec, 11)
    dw = weight_gradient(spec, x, dy)
    n = weight_gradient_steps(spec)
    assert n == w.size
    (ih, iw), (kh, kw) = spec.input_size, spec.kernel_size
    for step in range(n):
        o, j, a, b = weight_of_step(spec, step)
        terms = weight_terms(spec, x, dy, step)
        uses = oracle.weight_uses(ih, iw, kh, kw, spec.stride, spec.padding, spec.dilation,
                                  a, b)
        assert [t.out_cell for t in terms] == list(uses)
        assert [t.in_cell for t in terms] == list(uses.values())
        c = o // (spec.out_channels // spec.groups) * (spec.in_channels // spec.groups) + j
        for t in terms:
            assert t.dy == dy[o][t.out_cell]
            assert t.x == (0.0 if t.in_cell is None else x[c][t.in_cell])
            grid = np.asarray(t.grid_cell) - np.asarray(spec.padding)
            assert t.in_cell is None or tuple(grid) == t.in_cell
        assert sum(t.product for t in terms) == pytest.approx(dw[o, j, a, b])


@pytest.mark.parametrize("spatial", SPATIAL)
def test_weight_gradient_conv_is_the_correlation(spatial):
    """The direct conv of the picture (∂L/∂y dilated by s, moving by d) gives ∂L/∂w."""
    spec = _spec(spatial)
    x, _, dy = _values(spec, 5)
    wconv = weight_gradient_conv(spec)
    assert wconv.output_size == spec.kernel_size
    assert wconv.kernel_size == spec.output_size
    assert wconv.grid_size == spec.padded_size
    np.testing.assert_allclose(wconv.apply(x[0], dy[0]), weight_gradient(spec, x[0], dy[0]))


def test_default_upstream_is_a_fixed_small_integer_pattern():
    spec = ConvSpec(5, 3, stride=2, padding=1)
    dy = default_upstream(spec)
    assert dy.shape == (3, 3)
    assert dy.ravel().tolist() == [1, -1, 2, 0, -2, 1, 1, -1, 2]
    rgb = ConvSpec(4, 3, in_channels=3, out_channels=2)
    assert default_upstream(rgb).shape == (2, 2, 2)


@pytest.mark.parametrize("dy,message", [
    (np.ones((2, 2)), "upstream gradient must be 3×3, got 2×2"),
    (np.full((3, 3), np.nan), "upstream gradient must be finite numbers"),
    ([["a"]], "upstream gradient must be numbers"),
])
def test_bad_upstream_is_one_line(dy, message):
    spec = ConvSpec(5, 3, stride=2, padding=1)
    with pytest.raises(SpecError, match=message):
        upstream_tensor(spec, dy)


def test_bad_step_and_spec_are_one_line():
    spec = ConvSpec(5, 3)
    with pytest.raises(SpecError, match=r"weight-gradient step must be in 0\.\.8 \(9 weights\)"):
        weight_of_step(spec, 9)
    with pytest.raises(SpecError, match="forward ConvSpec"):
        input_gradient(spec.transposed(), np.ones((3, 3)), np.ones((3, 3)))


# ------------------------------------------------------------- real torch
@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_gradients_equal_torch_autograd(torch, case):
    spec = _spec(*case)
    x, w, dy = _values(spec, CASES.index(case) + 500)
    b = np.arange(spec.out_channels, dtype=float)
    tx, tw, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b))
    y = torch.nn.functional.conv2d(tx[None], tw, tb, stride=spec.stride, padding=spec.padding,
                                   dilation=spec.dilation, groups=spec.groups)[0]
    np.testing.assert_allclose(spec.apply(x, w, bias=b), y.detach().numpy(), atol=1e-12)
    y.backward(torch.tensor(dy, dtype=torch.float64))
    np.testing.assert_allclose(input_gradient(spec, w, dy), tx.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(weight_gradient(spec, x, dy), tw.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(bias_gradient(spec, dy), tb.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("spatial", SPATIAL)
def test_weight_gradient_spec_is_a_conv_giving_dw(spatial):
    """∂L/∂w as a ConvSpec: its windows are weight_gradient_conv's, its apply and its
    matrix (∂L/∂y's entries, one row per weight) give ∂L/∂w, its sizes the forward's."""
    spec = _spec(spatial)
    x, _, dy = _values(spec, 9)
    x, dy = x[0], dy[0]
    wspec = WeightGradientSpec(spec)
    assert wspec.output_size == spec.kernel_size and wspec.kernel_size == spec.output_size
    assert wspec.input_size == spec.input_size and wspec.padding == spec.padding
    assert wspec.direct() == weight_gradient_conv(spec)
    dw = weight_gradient(spec, x, dy)
    np.testing.assert_allclose(wspec.apply(x, dy), dw)
    np.testing.assert_allclose(wspec.conv_matrix(dy) @ x.ravel(), dw.ravel())
    # row a·kw + b, column of input cell t.in_cell: the ∂L/∂y entry of each use
    index = wspec.conv_index_matrix()
    iw, ow = spec.input_size[1], spec.output_size[1]
    for step in range(weight_gradient_steps(spec)):
        row = {}
        for t in weight_terms(spec, x, dy, step):
            if t.in_cell is not None:
                row[t.in_cell[0] * iw + t.in_cell[1]] = t.out_cell[0] * ow + t.out_cell[1]
        assert {int(c): int(index[step, c]) for c in np.nonzero(index[step] >= 0)[0]} == row


def test_weight_gradient_spec_refuses_channels_and_transposes():
    with pytest.raises(SpecError, match="one channel"):
        WeightGradientSpec(ConvSpec(4, 3, in_channels=2))
    with pytest.raises(SpecError, match="no transposed"):
        WeightGradientSpec(ConvSpec(4, 3)).transposed()
