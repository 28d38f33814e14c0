"""The geometry core against independent oracles (tests/oracle.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convmanim.geometry import ConvSpec, SpecError, TransposedConvSpec, parse_pair
from tests import oracle

# ---------------------------------------------------------------- the grid
AXIS_CONFIGS = [
    (i, k, s, p, d)
    for i, k, s, p, d in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(3), (1, 2))
    if p < d * (k - 1) + 1 <= i + 2 * p
]


def _valid_axis(i, k, s, p, d) -> bool:
    eff = d * (k - 1) + 1
    return p < eff <= i + 2 * p


def _spec(h, w) -> ConvSpec:
    return ConvSpec(*[(a, b) for a, b in zip(h, w)])


SQUARE = [_spec(c, c) for c in AXIS_CONFIGS]
# Every per-axis configuration appears on both axes, each time with another partner.
RECT = [
    _spec(AXIS_CONFIGS[j], AXIS_CONFIGS[(j * 37 + 11) % len(AXIS_CONFIGS)])
    for j in range(len(AXIS_CONFIGS))
] + [
    _spec(AXIS_CONFIGS[(j * 53 + 5) % len(AXIS_CONFIGS)], AXIS_CONFIGS[j])
    for j in range(len(AXIS_CONFIGS))
]
GRID = SQUARE + RECT


def _ids(spec: ConvSpec) -> str:
    return "i{}k{}s{}p{}d{}".format(
        *("x".join(map(str, v)) for v in (spec.input_size, spec.kernel_size, spec.stride,
                                          spec.padding, spec.dilation))
    )


def test_grid_is_large_and_covers_the_corners():
    assert len(SQUARE) > 300
    assert any(s.stride[0] > 1 and s.padding[0] > 0 for s in SQUARE)
    assert any(s.input_size[0] != s.input_size[1] for s in RECT)
    assert any(s.dilation[0] != s.dilation[1] for s in RECT)


def _random_values(rng, shape):
    return rng.integers(-3, 4, size=shape).astype(float)


def _check_conv(spec: ConvSpec, rng) -> None:
    (ih, iw), (kh, kw) = spec.input_size, spec.kernel_size
    x = _random_values(rng, (ih, iw))
    w = _random_values(rng, (kh, kw))
    expected = oracle.conv2d(x, w, spec.stride, spec.padding, spec.dilation)
    assert spec.output_size == expected.shape
    assert spec.num_steps == expected.size
    c = spec.conv_matrix(w)
    assert c.shape == (expected.size, x.size)
    np.testing.assert_allclose(c @ x.ravel(), expected.ravel())
    np.testing.assert_allclose(spec.apply(x, w), expected)
    want = oracle.windows(ih, iw, kh, kw, spec.stride, spec.padding, spec.dilation)
    got = list(spec.windows())
    assert len(got) == len(want) == spec.num_steps
    for e, (g, o) in enumerate(zip(got, want)):
        np.testing.assert_array_equal(g, o)
        assert spec.step_cell(e) == divmod(e, spec.output_size[1])


def _check_transposed(spec: ConvSpec, rng) -> None:
    t = spec.transposed()
    assert t.input_size == spec.output_size
    assert t.output_size == spec.input_size
    w = _random_values(rng, spec.kernel_size)
    y = _random_values(rng, t.input_size)
    op = t.output_padding
    assert all(0 <= a < s for a, s in zip(op, spec.stride))
    for ax in range(2):
        assert oracle.out_size_transposed(
            t.input_size[ax], spec.kernel_size[ax], spec.stride[ax], spec.padding[ax],
            spec.dilation[ax], op[ax],
        ) == spec.input_size[ax]
    expected = oracle.conv_transpose2d(y, w, spec.stride, spec.padding, spec.dilation, op)
    assert expected.shape == t.output_size
    np.testing.assert_array_equal(t.conv_matrix(w), spec.conv_matrix(w).T)
    np.testing.assert_allclose(t.conv_matrix(w) @ y.ravel(), expected.ravel())
    # the equivalent direct conv (zero-inserted input, padding, rotated kernel)
    np.testing.assert_allclose(t.apply(y, w), expected)
    direct = t.direct()
    assert direct.stride == (1, 1)
    assert direct.output_size == t.output_size
    assert direct.num_steps == t.num_steps == spec.input_size[0] * spec.input_size[1]
    np.testing.assert_allclose(sum(t.scatter_contributions(y, w)), expected)


@pytest.mark.parametrize("spec", GRID, ids=_ids)
def test_conv_and_transposed_match_the_oracle(spec):
    rng = np.random.default_rng(hash(_ids(spec)) % 2**32)
    _check_conv(spec, rng)
    _check_transposed(spec, rng)


def test_the_grid_holds_every_valid_square_spec():
    count = sum(
        _valid_axis(i, k, s, p, d)
        for i, k, s, p, d in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(3),
                                                (1, 2))
    )
    assert len(SQUARE) == count


def test_every_invalid_square_spec_is_refused():
    for i, k, s, p, d in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(3),
                                            (1, 2)):
        if not _valid_axis(i, k, s, p, d):
            with pytest.raises(SpecError):
                ConvSpec(i, k, s, p, d)


# -------------------------------------------------------------- hypothesis
@st.composite
def axis(draw):
    k = draw(st.integers(1, 5))
    d = draw(st.integers(1, 3))
    eff = d * (k - 1) + 1
    p = draw(st.integers(0, eff - 1))
    i = draw(st.integers(max(1, eff - 2 * p), max(1, eff - 2 * p) + 8))
    s = draw(st.integers(1, 4))
    return i, k, s, p, d


@st.composite
def specs(draw):
    h = draw(axis())
    w = draw(axis()) if draw(st.booleans()) else h
    return _spec(h, w)


@settings(max_examples=150, deadline=None)
@given(spec=specs(), seed=st.integers(0, 2**32 - 1))
def test_property_conv_matches_oracle(spec, seed):
    _check_conv(spec, np.random.default_rng(seed))


@settings(max_examples=150, deadline=None)
@given(spec=specs(), seed=st.integers(0, 2**32 - 1))
def test_property_transposed_is_the_transpose(spec, seed):
    _check_transposed(spec, np.random.default_rng(seed))


@settings(max_examples=100, deadline=None)
@given(spec=specs())
def test_property_from_torch_round_trips(spec):
    t = spec.transposed()
    again = TransposedConvSpec.from_torch(
        t.input_size, spec.kernel_size, spec.stride, spec.padding, t.output_padding,
        spec.dilation,
    )
    assert again == t
    assert again.forward == spec
    assert ConvSpec.transposed_from_torch(
        t.input_size, spec.kernel_size, spec.stride, spec.padding, t.output_padding,
        spec.dilation,
    ) == t


@settings(max_examples=100, deadline=None)
@given(spec=specs())
def test_property_steps_are_row_major(spec):
    oh, ow = spec.output_size
    cells = [spec.step_cell(e) for e in range(spec.num_steps)]
    assert cells == [(r, c) for r in range(oh) for c in range(ow)]
    with pytest.raises(SpecError, match=rf"step must be in 0\.\.{spec.num_steps - 1}"):
        spec.step_cell(spec.num_steps)
    with pytest.raises(SpecError):
        spec.step_cell(-1)


@settings(max_examples=100, deadline=None)
@given(spec=specs(), seed=st.integers(0, 2**32 - 1),
       mode=st.sampled_from(["average", "max"]))
def test_property_pooling_matches_oracle(spec, seed, mode):
    try:
        spec.check_pooling(mode)
    except SpecError:
        assume(False)
    rng = np.random.default_rng(seed)
    x = _random_values(rng, spec.input_size)
    expected = oracle.pool2d(x, spec.kernel_size, spec.stride, spec.padding, spec.dilation, mode)
    np.testing.assert_allclose(spec.apply(x, mode=mode), expected)


# ------------------------------------------------ Dumoulin & Visin, 1 to 15
def paper_o(i, k, s=1, p=0, d=1):
    k_hat = k + (k - 1) * (d - 1)
    return (i + 2 * p - k_hat) // s + 1


RELATIONSHIPS = [
    # (relationship, i, k, s, p, d, o)
    (1, 4, 3, 1, 0, 1, (4 - 3) + 1),
    (1, 7, 2, 1, 0, 1, (7 - 2) + 1),
    (2, 5, 4, 1, 2, 1, (5 - 4) + 2 * 2 + 1),
    (2, 6, 3, 1, 1, 1, (6 - 3) + 2 * 1 + 1),
    (3, 5, 3, 1, 1, 1, 5),
    (3, 7, 5, 1, 2, 1, 7),
    (4, 5, 3, 1, 2, 1, 5 + (3 - 1)),
    (4, 4, 4, 1, 3, 1, 4 + (4 - 1)),
    (5, 5, 3, 2, 0, 1, (5 - 3) // 2 + 1),
    (5, 8, 3, 3, 0, 1, (8 - 3) // 3 + 1),
    (6, 5, 3, 2, 1, 1, (5 + 2 - 3) // 2 + 1),
    (6, 6, 3, 2, 1, 1, (6 + 2 - 3) // 2 + 1),
    (7, 6, 2, 2, 0, 1, (6 - 2) // 2 + 1),
    (7, 5, 3, 1, 0, 1, (5 - 3) // 1 + 1),
    (15, 7, 3, 1, 0, 2, 7 - (3 + 2 * 1) + 1),
    (15, 8, 3, 2, 1, 2, (8 + 2 - 5) // 2 + 1),
]


@pytest.mark.parametrize("rel,i,k,s,p,d,o", RELATIONSHIPS)
def test_relationships_1_to_7_and_15(rel, i, k, s, p, d, o):
    spec = ConvSpec(i, k, s, p, d)
    assert spec.output_size == (o, o)
    assert o == paper_o(i, k, s, p, d)


TRANSPOSED = [
    # (relationship, forward (i, k, s, p), expected k', s', p'_before, a, o')
    # 8: s=1, p=0 -> p' = k - 1, o' = i' + (k - 1)
    (8, (4, 3, 1, 0), dict(p=2, a=0), lambda ip: ip + 2),
    # 9: s=1, p -> p' = k - p - 1, o' = i' + (k - 1) - 2p
    (9, (5, 4, 1, 2), dict(p=1, a=0), lambda ip: ip + 3 - 4),
    # 10: half padding -> p' = p, o' = i'
    (10, (5, 3, 1, 1), dict(p=1, a=0), lambda ip: ip),
    # 11: full padding -> p' = 0, o' = i' - (k - 1)
    (11, (5, 3, 1, 2), dict(p=0, a=0), lambda ip: ip - 2),
    # 12: p=0, s, (i - k) multiple of s -> stretched, p' = k - 1, o' = s(i' - 1) + k
    (12, (5, 3, 2, 0), dict(p=2, a=0), lambda ip: 2 * (ip - 1) + 3),
    # 13: (i + 2p - k) multiple of s -> p' = k - p - 1, o' = s(i' - 1) + k - 2p
    (13, (5, 3, 2, 1), dict(p=1, a=0), lambda ip: 2 * (ip - 1) + 3 - 2),
    # 14: any -> a = (i + 2p - k) mod s, o' = s(i' - 1) + a + k - 2p
    (14, (6, 3, 2, 1), dict(p=1, a=1), lambda ip: 2 * (ip - 1) + 1 + 3 - 2),
    (14, (7, 3, 3, 0), dict(p=2, a=1), lambda ip: 3 * (ip - 1) + 1 + 3),
]


@pytest.mark.parametrize("rel,fwd,want,o_prime", TRANSPOSED)
def test_relationships_8_to_14(rel, fwd, want, o_prime):
    i, k, s, p = fwd
    t = ConvSpec(i, k, s, p).transposed()
    direct = t.direct()
    i_prime = t.input_size[0]
    assert direct.kernel_size == (k, k)
    assert direct.stride == (1, 1)
    assert direct.padding_before == (want["p"], want["p"])
    assert t.output_padding == (want["a"], want["a"])
    assert direct.padding_after == (want["p"] + want["a"],) * 2
    assert direct.input_spacing == (s, s)  # s - 1 zeros inserted between units
    assert t.stretched_size == ((i_prime - 1) * s + 1,) * 2
    assert t.output_size == (o_prime(i_prime),) * 2 == (i, i)
    assert direct.kernel_rotated


def test_rotated_kernel_taps():
    t = ConvSpec(5, 3, stride=2, padding=1).transposed()
    taps = t.direct().tap_weight()
    assert tuple(taps[0, 0]) == (2, 2)
    assert tuple(taps[2, 2]) == (0, 0)
    assert tuple(taps[0, 2]) == (2, 0)


def test_seed_readme_sizes():
    assert ConvSpec(5, 3, stride=2, padding=1).output_size == (3, 3)
    assert ConvSpec(7, 3).output_size == (5, 5)  # the seed drew 3x3 here
    assert ConvSpec(6, 2, stride=2).output_size == (3, 3)
    assert ConvSpec(8, 3).transposed().num_steps == 64


def test_known_conv_matrix_row():
    # the seed's alphabet_conv_s2 picture, row 0: w11 w12 . . . w21 w22
    idx = ConvSpec(5, 3, stride=2, padding=1).conv_index_matrix()
    nonzero = {int(c): int(v) for c, v in enumerate(idx[0]) if v >= 0}
    assert nonzero == {0: 4, 1: 5, 5: 7, 6: 8}


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "args,message",
    [
        ((0, 3), "input_size must be at least 1, got 0"),
        ((-5, 3), "input_size must be at least 1, got -5"),
        ((5, 0), "kernel_size must be at least 1, got 0"),
        ((5, 3, 0), "stride must be at least 1, got 0"),
        ((5, 3, 1, -1), "padding must be 0 or more, got -1"),
        ((5, 3, 1, 0, 0), "dilation must be at least 1, got 0"),
        ((3, 5), "kernel_size: the effective kernel 5 (kernel 5) is larger than the padded "
                 "input 3 (input 3 + 2×padding 0)"),
        ((4, 3, 1, 0, 2), "kernel_size: the effective kernel 5 (kernel 3 with dilation 2) is "
                          "larger than the padded input 4 (input 4 + 2×padding 0)"),
        ((5, 3, 1, 3), "padding 3 must be smaller than the effective kernel size 3 (kernel 3): "
                       "a window would cover only padding"),
        (((5, 4), (3, 5)), "kernel_size: the effective kernel 5 (kernel 5) is larger than the "
                           "padded input 4 (input 4 + 2×padding 0) along the width"),
        ((2.5, 3), "input_size must be an integer, got 2.5"),
        (("5x", 3), "input_size must be an integer or HxW such as 5x7, got '5x'"),
        (("5x5x5", 3), "input_size must be an integer or HxW such as 5x7, got '5x5x5'"),
        ((True, 3), "input_size must be an integer or an (h, w) pair, got True"),
    ],
)
def test_bad_specs_name_the_parameter_and_numbers(args, message):
    with pytest.raises(SpecError) as info:
        ConvSpec(*args)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_bad_torch_transposed():
    with pytest.raises(SpecError, match="output_padding 2 must be smaller than the stride 2"):
        TransposedConvSpec.from_torch(3, 3, stride=2, padding=1, output_padding=2)


def test_parse_pair():
    assert parse_pair("x", "5x7") == (5, 7)
    assert parse_pair("x", " 5 ") == (5, 5)
    assert parse_pair("x", "5×7") == (5, 7)
    assert parse_pair("x", (2, 3)) == (2, 3)
    assert parse_pair("x", np.int64(4)) == (4, 4)
    for bad in ["x5", "5x", "5x5x5", "", "a", "5.5"]:
        with pytest.raises(SpecError):
            parse_pair("x", bad)


def test_values_shape_errors():
    spec = ConvSpec(4, 2)
    with pytest.raises(SpecError, match="input values must be 4×4, got 3×3"):
        spec.apply(np.zeros((3, 3)), np.zeros((2, 2)))
    with pytest.raises(SpecError, match="kernel values must be 2×2, got 3"):
        spec.apply(np.zeros((4, 4)), np.zeros(3))
