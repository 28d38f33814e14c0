"""Channels, groups and bias in the geometry core, against independent oracles.

The oracles (tests/oracle.py) are explicit loops over channels, built on the
single-channel loop oracles; conv matrices are also built independently, by
probing the oracle with unit inputs. When torch is installed, the same specs
are checked against torch's own conv2d, conv_transpose2d and pooling.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convmanim.geometry import ConvSpec, SpecError, TransposedConvSpec
from convmanim.torch_compat import torch_parameters
from tests import oracle

CHANNEL_COUNTS = range(1, 5)
CHANNELS = [
    (c_in, c_out, g)
    for c_in, c_out in itertools.product(CHANNEL_COUNTS, CHANNEL_COUNTS)
    for g in range(1, math.gcd(c_in, c_out) + 1)
    if c_in % g == 0 and c_out % g == 0
]
"""Every ``(C_in, C_out, groups)`` with channel counts up to 4 and every valid ``groups``."""

SPATIAL = [
    # (input, kernel, stride, padding, dilation): square and rectangular
    (5, 3, 1, 0, 1),
    (5, 3, 2, 1, 1),
    (6, 2, 2, 0, 1),
    (7, 3, 1, 0, 2),
    (6, 3, 2, 2, 2),
    ((5, 7), (3, 2), (2, 1), (1, 0), (1, 2)),
    ((4, 6), (2, 3), (1, 2), (1, 1), 1),
    ((6, 4), 3, (3, 2), (2, 1), (1, 1)),
]


def _values(rng, shape):
    return rng.integers(-3, 4, size=shape).astype(float)


def _pairs(spec):
    return spec.stride, spec.padding, spec.dilation


def _ids(case):
    (c_in, c_out, g), spatial = case
    return f"{c_in}to{c_out}g{g}-" + "-".join(map(str, spatial))


CASES = [(ch, sp) for ch in CHANNELS for sp in SPATIAL]


def test_the_channel_grid_is_every_valid_groups_up_to_4():
    assert len(CHANNELS) == sum(
        sum(1 for g in range(1, 5) if a % g == 0 and b % g == 0)
        for a, b in itertools.product(range(1, 5), range(1, 5))
    )
    assert (4, 4, 4) in CHANNELS and (4, 2, 2) in CHANNELS and (3, 3, 3) in CHANNELS
    assert any(isinstance(sp[0], tuple) for sp in SPATIAL)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_conv_transposed_and_pooling_match_the_oracle(case):
    (c_in, c_out, g), spatial = case
    spec = ConvSpec(*spatial, in_channels=c_in, out_channels=c_out, groups=g)
    rng = np.random.default_rng(hash(_ids(case)) % 2**32)
    s, p, d = _pairs(spec)
    x = _values(rng, (c_in, *spec.input_size))
    w = _values(rng, (c_out, c_in // g, *spec.kernel_size))
    b = _values(rng, (c_out,))
    assert spec.weight_shape == w.shape
    assert spec.output_shape == (c_out, *spec.output_size)

    # conv2d, with and without the bias
    want = oracle.conv2d_grouped(x, w, b, s, p, d, g)
    np.testing.assert_allclose(spec.apply(x, w, bias=b), want)
    no_bias = oracle.conv2d_grouped(x, w, None, s, p, d, g)
    np.testing.assert_allclose(spec.apply(x, w), no_bias)

    # the conv matrix: channel-major blocks, zero outside a filter's group
    c = spec.conv_matrix(w)
    assert c.shape == (c_out * math.prod(spec.output_size), c_in * math.prod(spec.input_size))
    np.testing.assert_allclose(c @ x.ravel(), no_bias.ravel())
    rows, cols = math.prod(spec.output_size), math.prod(spec.input_size)
    for o, ci in itertools.product(range(c_out), range(c_in)):
        block = c[o * rows:(o + 1) * rows, ci * cols:(ci + 1) * cols]
        same_group = o // (c_out // g) == ci // (c_in // g)
        if not same_group:
            assert not block.any(), (o, ci)
        else:
            single = ConvSpec(*spatial)
            np.testing.assert_array_equal(block, single.conv_matrix(w[o, ci % (c_in // g)]))

    # the transposed conv: the same weight tensor, C transposed exactly
    t = spec.transposed()
    assert (t.in_channels, t.out_channels, t.groups) == (c_out, c_in, g)
    assert t.weight_shape == w.shape
    y = _values(rng, (c_out, *spec.output_size))
    bt = _values(rng, (c_in,))
    op = t.output_padding
    want_t = oracle.conv_transpose2d_grouped(y, w, bt, s, p, d, op, g)
    np.testing.assert_allclose(t.apply(y, w, bias=bt), want_t)
    np.testing.assert_array_equal(t.conv_matrix(w), c.T)
    np.testing.assert_allclose(t.conv_matrix(w) @ y.ravel(), (want_t - bt[:, None, None]).ravel())
    np.testing.assert_allclose(sum(t.scatter_contributions(y, w)) + bt[:, None, None], want_t)

    # pooling: each channel on its own
    for mode in ("average", "max"):
        try:
            spec.check_pooling(mode)
        except SpecError:
            continue
        got = spec.apply(x, mode=mode)
        assert got.shape == (c_in, *spec.output_size)
        for ci in range(c_in):
            np.testing.assert_allclose(
                got[ci], oracle.pool2d(x[ci], spec.kernel_size, s, p, d, mode))


@pytest.mark.parametrize("channels", [(2, 4, 2), (3, 3, 3), (4, 2, 1), (1, 3, 1)])
def test_conv_matrix_equals_the_probed_oracle(channels):
    c_in, c_out, g = channels
    spec = ConvSpec((5, 4), (3, 2), (2, 1), (1, 1), (1, 2), c_in, c_out, g)
    rng = np.random.default_rng(7)
    w = _values(rng, spec.weight_shape)
    s, p, d = _pairs(spec)
    probed = oracle.conv_matrix_by_probing(
        lambda x: oracle.conv2d_grouped(x, w, None, s, p, d, g), spec.input_shape)
    np.testing.assert_array_equal(spec.conv_matrix(w), probed)
    t = spec.transposed()
    probed_t = oracle.conv_matrix_by_probing(
        lambda y: oracle.conv_transpose2d_grouped(y, w, None, s, p, d, t.output_padding, g),
        t.input_shape)
    np.testing.assert_array_equal(t.conv_matrix(w), probed_t)


@st.composite
def channel_specs(draw):
    c_in, c_out, g = draw(st.sampled_from(CHANNELS))
    axes = []
    for _ in range(2):
        k = draw(st.integers(1, 4))
        d = draw(st.integers(1, 2))
        eff = d * (k - 1) + 1
        p = draw(st.integers(0, eff - 1))
        i = draw(st.integers(max(1, eff - 2 * p), max(1, eff - 2 * p) + 5))
        s = draw(st.integers(1, 3))
        axes.append((i, k, s, p, d))
    if draw(st.booleans()):
        axes[1] = axes[0]
    per_axis = [tuple(v) for v in zip(*axes)]
    return ConvSpec(*per_axis, in_channels=c_in, out_channels=c_out, groups=g)


@settings(max_examples=120, deadline=None)
@given(spec=channel_specs(), seed=st.integers(0, 2**32 - 1))
def test_property_channels_match_the_oracle(spec, seed):
    rng = np.random.default_rng(seed)
    s, p, d = _pairs(spec)
    g = spec.groups
    x, w = _values(rng, spec.input_shape), _values(rng, spec.weight_shape)
    b = _values(rng, spec.bias_shape)
    want = oracle.conv2d_grouped(x, w, b, s, p, d, g)
    np.testing.assert_allclose(spec.apply(x, w, bias=b), want)
    np.testing.assert_allclose(spec.conv_matrix(w) @ x.ravel() + np.repeat(
        b, math.prod(spec.output_size)), want.ravel())
    t = spec.transposed()
    y, bt = _values(rng, t.input_shape), _values(rng, t.bias_shape)
    want_t = oracle.conv_transpose2d_grouped(y, w, bt, s, p, d, t.output_padding, g)
    np.testing.assert_allclose(t.apply(y, w, bias=bt), want_t)
    np.testing.assert_array_equal(t.conv_matrix(w), spec.conv_matrix(w).T)


# ------------------------------------------------------------- bookkeeping
def test_groups_and_indices():
    spec = ConvSpec(4, 3, padding=1, in_channels=4, out_channels=6, groups=2)
    assert spec.channels_per_group == (2, 3)
    assert [spec.input_channels_of(o) for o in (0, 2, 3, 5)] == [range(0, 2)] * 2 + [
        range(2, 4)] * 2
    assert spec.output_channels_of(3) == range(3, 6)
    assert spec.weight_slice(4, 3) == (4, 1)
    with pytest.raises(SpecError, match="input channel 0 is not in output channel 4's group"):
        spec.weight_slice(4, 0)
    assert spec.num_outputs == 6 * 16
    assert spec.output_index(0) == (0, 0, 0)
    assert spec.output_index(17) == (1, 0, 1)
    assert spec.input_index(16 * 3 + 5) == (3, 1, 1)
    with pytest.raises(SpecError, match=r"output index must be in 0\.\.95"):
        spec.output_index(96)
    assert spec.multiplies == 6 * 2 * 9 * 16
    t = spec.transposed()
    assert t.channels_per_group == (3, 2)
    assert t.input_channels_of(1) == range(0, 3)
    assert t.weight_slice(3, 4) == (4, 1)  # weight[in', out' mod C_out'/g]
    assert t.describe().endswith("channels 6->4, groups=2")
    assert spec.describe().endswith("channels 4->6, groups=2")
    assert ConvSpec(5, 3).describe() == "conv i=5 k=3 s=1 p=0 d=1 -> o=3"
    dw = ConvSpec(5, 3, in_channels=3, out_channels=3, groups=3)
    assert dw.is_depthwise and not spec.is_depthwise
    assert dw.weight_shape == (3, 1, 3, 3)


def test_one_channel_keeps_the_plain_shapes():
    spec = ConvSpec(4, 2, stride=2)
    x, k = np.arange(16.0).reshape(4, 4), np.array([[1.0, 0.0], [0.0, -1.0]])
    plain = spec.apply(x, k)
    assert plain.shape == (2, 2)
    np.testing.assert_array_equal(spec.apply(x[None], k[None, None]), plain[None])
    np.testing.assert_array_equal(spec.apply(x, k, bias=[2.0]), plain + 2)
    np.testing.assert_array_equal(spec.apply(x, k, bias=2.0), plain + 2)
    np.testing.assert_array_equal(spec.conv_matrix(k), spec.conv_matrix(k[None, None]))
    assert spec.apply(x, mode="max").shape == (2, 2)


@pytest.mark.parametrize("kwargs,message", [
    ({"in_channels": 0}, "in_channels must be at least 1, got 0"),
    ({"out_channels": -2}, "out_channels must be at least 1, got -2"),
    ({"groups": 0}, "groups must be at least 1, got 0"),
    ({"in_channels": 1.5}, "in_channels must be an integer, got 1.5"),
    ({"in_channels": 4, "out_channels": 6, "groups": 4},
     "groups 4 must divide both in_channels 4 and out_channels 6"),
    ({"in_channels": 3, "out_channels": 3, "groups": 2},
     "groups 2 must divide both in_channels 3 and out_channels 3"),
])
def test_bad_channels_are_refused_in_one_line(kwargs, message):
    with pytest.raises(SpecError, match=f"^{message}$"):
        ConvSpec(5, 3, **kwargs)


def test_bad_tensors_are_refused_in_one_line():
    spec = ConvSpec(5, 3, in_channels=3, out_channels=2)
    x, w = np.zeros((3, 5, 5)), np.zeros((2, 3, 3, 3))
    cases = [
        (lambda: spec.apply(np.zeros((5, 5)), w), "input values must be 3×5×5 (C_in×H×W), got 5×5"),
        (lambda: spec.apply(x, np.zeros((3, 3))), "weight must be 2×3×3×3 (PyTorch's layout)"),
        (lambda: spec.apply(x, w, bias=[1.0]), "bias must be 2 (C_out), got 1"),
        (lambda: spec.apply(x, w, mode="max", bias=[1, 2]), "max pooling has no bias"),
        (lambda: spec.apply(x, w * np.nan), "weight must be finite numbers"),
        (lambda: spec.apply(x), "kernel values are needed"),
        (lambda: spec.transposed().apply(np.zeros((3, 3, 3)), w),
         "input values must be 2×3×3 (C_in×H×W), got 3×3×3"),
        (lambda: spec.apply(x, w, mode="sum"), "mode must be convolution, average or max"),
    ]
    for call, message in cases:
        with pytest.raises(SpecError, match=re.escape(message)) as info:
            call()
        assert "\n" not in str(info.value)


def test_transposed_from_torch_keeps_channels():
    t = TransposedConvSpec.from_torch(3, 3, 2, 1, 1, 1, in_channels=4, out_channels=6, groups=2)
    assert (t.in_channels, t.out_channels, t.groups) == (4, 6, 2)
    assert t.weight_shape == (4, 3, 3, 3)
    assert t.forward == ConvSpec(6, 3, 2, 1, 1, in_channels=6, out_channels=4, groups=2)
    assert ConvSpec.transposed_from_torch(3, 3, 2, 1, 1, 1, 4, 6, 2) == t


def test_torch_parameters_reads_arrays_by_duck_typing():
    class Tensor:
        def __init__(self, arr):
            self.arr = arr

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.arr

    class Layer:
        weight = Tensor(np.ones((2, 3, 3, 3), dtype=np.float32))
        bias = Tensor(np.array([1.0, -1.0], dtype=np.float32))

    w, b = torch_parameters(Layer())
    assert w.shape == (2, 3, 3, 3) and w.dtype == float
    np.testing.assert_array_equal(b, [1.0, -1.0])

    class Pool:
        kernel_size = 2

    with pytest.raises(SpecError, match="Pool has no weight"):
        torch_parameters(Pool())


# ------------------------------------------------------------- real torch
@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("channels", CHANNELS)
def test_real_torch_channels(torch, channels):
    c_in, c_out, g = channels
    F = torch.nn.functional
    rng = np.random.default_rng(c_in * 100 + c_out * 10 + g)
    for spatial in SPATIAL[::2]:
        spec = ConvSpec(*spatial, in_channels=c_in, out_channels=c_out, groups=g)
        s, p, d = _pairs(spec)
        x, w = _values(rng, spec.input_shape), _values(rng, spec.weight_shape)
        b = _values(rng, spec.bias_shape)
        tx, tw, tb = (torch.tensor(a, dtype=torch.float64) for a in (x, w, b))
        want = F.conv2d(tx[None], tw, tb, stride=s, padding=p, dilation=d, groups=g)[0]
        np.testing.assert_allclose(spec.apply(x, w, bias=b), want.numpy())
        t = spec.transposed()
        y, bt = _values(rng, t.input_shape), _values(rng, t.bias_shape)
        ty, tbt = torch.tensor(y, dtype=torch.float64), torch.tensor(bt, dtype=torch.float64)
        want_t = F.conv_transpose2d(ty[None], tw, tbt, stride=s, padding=p,
                                    output_padding=t.output_padding, groups=g, dilation=d)[0]
        np.testing.assert_allclose(t.apply(y, w, bias=bt), want_t.numpy())
        for mode, pool in (("max", F.max_pool2d), ("average", F.avg_pool2d)):
            try:
                spec.check_pooling(mode)
            except SpecError:
                continue
            if mode == "average" and spec.dilation != (1, 1):
                continue
            if any(2 * pad > k for pad, k in zip(spec.padding, spec.kernel_size)):
                continue  # torch pads a pooling window by at most half its undilated size
            extra = {"dilation": d} if mode == "max" else {}
            got = pool(tx[None], spec.kernel_size, stride=s, padding=p, **extra)[0]
            np.testing.assert_allclose(spec.apply(x, mode=mode), got.numpy())


def test_real_torch_modules_and_parameters(torch):
    torch.manual_seed(0)
    depthwise = torch.nn.Conv2d(8, 8, 3, groups=8)
    spec = ConvSpec.from_torch(depthwise, (1, 8, 6, 6))
    assert spec.is_depthwise and spec.weight_shape == tuple(depthwise.weight.shape)
    x = torch.randn(1, 8, 6, 6, dtype=torch.float32)
    w, b = torch_parameters(depthwise)
    with torch.no_grad():
        want = depthwise(x)[0].double().numpy()
    np.testing.assert_allclose(spec.apply(x[0].double().numpy(), w, bias=b), want, atol=1e-5)
    up = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    t = ConvSpec.from_torch(up, (1, 4, 3, 3))
    assert isinstance(t, TransposedConvSpec)
    assert t.weight_shape == tuple(up.weight.shape)
    y = torch.randn(1, 4, 3, 3)
    w, b = torch_parameters(up)
    with torch.no_grad():
        want = up(y)[0].double().numpy()
    np.testing.assert_allclose(t.apply(y[0].double().numpy(), w, bias=b), want, atol=1e-5)
    no_bias = torch.nn.Conv2d(2, 2, 1, bias=False)
    assert torch_parameters(no_bias)[1] is None


# ------------------------------------------------------------ command line
def test_cli_channel_flags_build_the_spec():
    from click.testing import CliRunner

    from convmanim.cli import main

    def run(line):
        return CliRunner().invoke(main, line.split(), prog_name="convmanim",
                                  catch_exceptions=False)

    result = run("info -i 5 -k 3 -p 1 --in-channels 4 --out-channels 6 --groups 2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "conv i=5 k=3 s=1 p=1 d=1 -> o=5, channels 4->6, groups=2"
    assert "matrix: 150x100" in lines
    assert "tensors: input 4x5x5, weight 6x2x3x3, bias 6, output 6x5x5" in lines
    result = run("info -i 5 -k 3 -s 2 -p 1 -t --in-channels 3 --out-channels 2")
    assert result.stdout.splitlines()[0].endswith("channels 2->3")
    assert "matrix: 75x18 (C transposed)" in result.stdout
    for line, message in [
        ("info -i 5 -k 3 --in-channels 3 --out-channels 2 --groups 2",
         "groups 2 must divide both in_channels 3 and out_channels 2"),
        ("info -i 5 -k 3 --in-channels 0", "0 is not in the range x>=1"),
    ]:
        result = run(line)
        assert result.exit_code == 2
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_pooling_spec_keeps_each_channel_apart():
    spec = ConvSpec(6, 2, stride=2, in_channels=3, out_channels=5)
    pool = spec.pooling()
    assert (pool.in_channels, pool.out_channels, pool.groups) == (3, 3, 3)
    assert [pool.input_channels_of(c) for c in range(3)] == [range(c, c + 1) for c in range(3)]
    assert pool.direct() == spec.direct()


def test_cell_indices_invert_the_cell_of_a_step():
    spec = ConvSpec((5, 7), 3, stride=(2, 1), padding=1, in_channels=2, out_channels=2)
    for e in range(spec.num_steps):
        assert spec.step_index(spec.step_cell(e)) == e
    ih, iw = spec.input_size
    assert [spec.input_step_index((r, c)) for r in range(ih) for c in range(iw)] == list(
        range(ih * iw))
    with pytest.raises(SpecError, match=r"output cell \(3, 0\) is outside the 3×7 grid"):
        spec.step_index((3, 0))
