"""Receptive fields of a stack: the closed forms against brute force, for every output cell.

Brute force marks one output cell and follows the dependency down through each
layer's ``conv_index_matrix`` (an entry >= 0 means the output reads that input).
The closed forms (size r, jump, start) are checked against the loop oracle's
unclipped span, and against the brute-force cells wherever no padding cuts
them; a real ``nn.Sequential`` is checked with torch's own gradients.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convmanim.geometry import ConvSpec, ConvSpec1d, SpecError
from convmanim.receptive import Field, Stack, receptive_field, wavenet
from tests import oracle


def check_every_cell(stack: Stack) -> int:
    """Compare the stack with brute force and the loop oracle at every output of every layer."""
    checked = 0
    for layer, field in enumerate(stack.fields):
        size = stack.sizes[layer + 1]
        axes = [[(ax.kernel_size, ax.stride, ax.padding_before, ax.dilation)
                 for ax in axes] for axes in zip(*stack._axes[: layer + 1])]
        for flat, cell in enumerate(itertools.product(*map(range, size))):
            seen = stack.seen(cell if stack.ndim == 2 else cell[0], layer)
            brute = oracle.stack_dependency(stack.layers, flat, layer)
            assert len(seen) == len(brute) == layer + 2
            for mask, want in zip(seen, brute):
                np.testing.assert_array_equal(mask.ravel(), want)
            span = field.span(cell if stack.ndim == 2 else cell[0])
            for a, n in enumerate(cell):
                # the closed forms == the loop oracle's unclipped span
                assert span[a] == oracle.receptive_span(axes[a], n)
                # the cells really seen lie inside the span; where no padding cut
                # them at any level, they reach both of its ends
                hit = np.nonzero(seen[0].any(axis=tuple(i for i in range(stack.ndim) if i != a)))[0]
                if hit.size == 0:  # along some axis every tap landed on padding: a constant
                    assert not all(_uncut(axes[b], m, stack, b) for b, m in enumerate(cell))
                    continue
                assert span[a][0] <= hit.min() and hit.max() <= span[a][1]
                if span[a][0] >= 0 and span[a][1] < stack.sizes[0][a] and _uncut(axes[a], n,
                                                                                 stack, a):
                    assert (hit.min(), hit.max()) == span[a]
            checked += 1
    return checked


def _uncut(axis_layers, n, stack, a) -> bool:
    """Whether following output n's taps down never lands on padding (along axis a)."""
    positions = {n}
    for level, (k, s, p, d) in reversed(list(enumerate(axis_layers))):
        positions = {m * s - p + t * d for m in positions for t in range(k)}
        if min(positions) < 0 or max(positions) >= stack.sizes[level][a]:
            return False
    return True


def test_wavenet_doubles_its_reach():
    stack = wavenet()
    assert [f.size for f in stack.fields] == [(2,), (4,), (8,), (16,)]
    assert all(f.jump == (1,) for f in stack.fields)
    assert [f.start for f in stack.fields] == [(-1,), (-3,), (-7,), (-15,)]
    assert all(spec.causal and spec.kernel_size == 2 for spec in stack.layers)
    assert [spec.dilation for spec in stack.layers] == [1, 2, 4, 8]
    for n in range(16):  # the top sees n-15..n, no hole, nothing from the future
        assert np.nonzero(stack.seen(n)[0])[0].tolist() == list(range(max(0, n - 15), n + 1))
    # one level down the holes of the dilation show: the top cell reads two cells 8 apart
    assert np.nonzero(stack.seen(15)[3])[0].tolist() == [7, 15]
    assert check_every_cell(stack) == 64


HAND = [
    [ConvSpec1d(16, 3), ConvSpec1d(14, 2, stride=2), ConvSpec1d(7, 3)],
    [ConvSpec1d(12, 3, stride=2, padding=1), ConvSpec1d(6, 3, padding=2, dilation=2),
     ConvSpec1d(6, 2, stride=2)],
    [ConvSpec1d(10, 3, padding="causal", in_channels=2, out_channels=4, groups=2),
     ConvSpec1d(10, 2, stride=2, in_channels=4, out_channels=4, groups=4),
     ConvSpec1d(5, 2, padding="causal", dilation=2, in_channels=4, out_channels=1)],
    [ConvSpec(9, 3, stride=2, padding=1), ConvSpec(5, 3, padding=1), ConvSpec(5, 2, stride=2)],
    [ConvSpec((7, 9), (3, 1), stride=(1, 2), padding=(1, 0)), ConvSpec((7, 5), (2, 3),
     dilation=(2, 1), padding=(1, 1), in_channels=1, out_channels=2)],
]


@pytest.mark.parametrize("layers", HAND, ids=lambda layers: " | ".join(s.describe()
                                                                      for s in layers))
def test_hand_stacks_against_brute_force(layers):
    assert check_every_cell(Stack(layers)) > 0


def test_distill_closed_forms_by_hand():
    # Araujo et al.'s formulas worked out by hand for conv3 → conv2/s2 → conv3
    assert receptive_field(HAND[0]) == Field(size=(8,), jump=(2,), start=(0,))
    f = Stack(HAND[3]).fields
    assert [x.size for x in f] == [(3, 3), (7, 7), (9, 9)]
    assert [x.jump for x in f] == [(2, 2), (2, 2), (4, 4)]
    assert [x.start for x in f] == [(-1, -1), (-3, -3), (-3, -3)]
    assert f[-1].describe() == "r=9 jump=4 start=-3"
    # height: r = 3 + (k̂ 3 − 1)·1 = 5, start −1 − 1 = −2; width: r = 1 + 2·2 = 5, start 0 − 1·2
    assert Stack(HAND[4]).field().describe() == "r=5 jump=1×2 start=-2"
    assert Stack(HAND[4][:1]).field().describe() == "r=3×1 jump=1×2 start=(-1, 0)"


@st.composite
def stacks_1d(draw):
    length = draw(st.integers(4, 14))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        k, s, d = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
        eff = d * (k - 1) + 1
        pads = ["causal"] + [p for p in range(eff) if eff <= length + 2 * p]
        p = draw(st.sampled_from(pads))
        spec = ConvSpec1d(length, k, s, p, d)
        layers.append(spec)
        length = spec.output_size
    return layers


@settings(max_examples=40, deadline=None)
@given(stacks_1d())
def test_random_1d_stacks_against_brute_force(layers):
    assert check_every_cell(Stack(layers)) > 0


@st.composite
def stacks_2d(draw):
    size = (draw(st.integers(3, 7)), draw(st.integers(3, 7)))
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        axes = []
        for i in size:
            k, s, d = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
            eff = d * (k - 1) + 1
            options = [p for p in range(eff) if eff <= i + 2 * p]
            if not options:
                return layers or [ConvSpec(size, 1)]
            axes.append((k, s, draw(st.sampled_from(options)), d))
        spec = ConvSpec(size, *(tuple(a[j] for a in axes) for j in range(4)))
        layers.append(spec)
        size = spec.output_size
    return layers


@settings(max_examples=25, deadline=None)
@given(stacks_2d())
def test_random_2d_stacks_against_brute_force(layers):
    assert check_every_cell(Stack(layers)) > 0


BAD = [
    (lambda: Stack([]), "a stack needs at least one layer"),
    (lambda: Stack([ConvSpec(5, 3).transposed()]), "layer 1 is a transposed conv"),
    (lambda: Stack([ConvSpec1d(8, 3), ConvSpec(6, 3)]), "layer 2 is 2-D but layer 1 is 1-D"),
    (lambda: Stack([ConvSpec1d(8, 3), ConvSpec1d(8, 3)]),
     "layer 2 .* takes an input of 8 but layer 1 gives 6"),
    (lambda: Stack([ConvSpec(8, 3), ConvSpec((6, 7), 3)]),
     "takes an input of 6×7 but layer 1 gives 6×6"),
    (lambda: Stack([ConvSpec1d(8, 3)]).seen(6), "cell 6 is outside layer 0's output of 6"),
    (lambda: Stack([ConvSpec(8, 3)]).seen(2), r"cell 2 is outside layer 0's output of 6×6"),
    (lambda: Stack([ConvSpec1d(8, 3)]).seen(1, layer=1), "layer must be in 0..0"),
    (lambda: Stack(["k3"]), "layer 1 must be a ConvSpec or ConvSpec1d, got str"),
]


@pytest.mark.parametrize("make,message", BAD, ids=[m for _, m in BAD])
def test_bad_stacks_are_one_line(make, message):
    with pytest.raises(SpecError, match=message) as info:
        make()
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------- PyTorch
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def gradient_masks(torch, model, shape, index):
    """The input cells output ``index`` depends on, by torch's autograd."""
    x = torch.randn(1, *shape, dtype=torch.float64, requires_grad=True)
    model(x)[(0, slice(None), *index)].sum().backward()
    return (x.grad[0] != 0).any(dim=0).numpy()


def test_a_real_1d_sequential(torch):
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv1d(2, 4, 3, padding=1), nn.ReLU(),
        nn.AvgPool1d(2),
        nn.Sequential(nn.ZeroPad1d((4, 0)), nn.Conv1d(4, 4, 3, dilation=2)),
        nn.Dropout(0.1),
        nn.Conv1d(4, 3, 2, stride=2, groups=1),
    ).double().eval()
    stack = Stack.from_torch(model, (1, 2, 20))
    assert [type(s).__name__ for s in stack.layers] == ["ConvSpec1d"] * 4
    assert stack.layers[2].causal and stack.layers[2].input_size == 10
    assert stack.sizes[-1] == tuple(model(torch.zeros(1, 2, 20, dtype=torch.float64)).shape[2:])
    check_every_cell(stack)
    # the brute force agrees with torch's own gradients (ReLU made linear: nonzero slopes)
    model[1] = nn.LeakyReLU(0.5)
    for n in range(stack.sizes[-1][0]):
        np.testing.assert_array_equal(stack.seen(n)[0], gradient_masks(torch, model, (2, 20),
                                                                        (n,)))
    # by hand: r = 1 + 2·1 + 1·1 + 4·2 + 1·2 = 14, jump 1·2·1·2 = 4, start −1 − 0 − 4·2 − 0 = −9
    assert stack.field().describe() == "r=14 jump=4 start=-9"


def test_a_real_2d_sequential(torch):
    nn = torch.nn
    torch.manual_seed(1)
    layers = [nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
              nn.MaxPool2d(2), nn.Conv2d(8, 8, (1, 3), padding=(0, 2), dilation=(1, 2))]
    stack = Stack.from_torch(nn.Sequential(*layers), (1, 3, 10, 12))
    assert stack.sizes == ((10, 12), (5, 6), (2, 3), (2, 3))
    check_every_cell(stack)
    # torch's gradients, with the max pool made an average (max routes one cell only)
    layers[3] = nn.AvgPool2d(2)
    layers[2] = nn.LeakyReLU(0.5)
    model = nn.Sequential(*layers).double().eval()
    for cell in itertools.product(range(2), range(3)):
        np.testing.assert_array_equal(stack.seen(cell)[0],
                                      gradient_masks(torch, model, (3, 10, 12), cell))


def test_layers_that_are_not_traced_are_refused(torch):
    nn = torch.nn
    with pytest.raises(SpecError, match="Linear is not a conv, a pooling or an elementwise"):
        Stack.from_torch([nn.Conv1d(1, 1, 3), nn.Linear(6, 2)], (1, 8))
    with pytest.raises(SpecError, match="ConvTranspose1d is a transposed conv"):
        Stack.from_torch([nn.ConvTranspose1d(1, 1, 3)], (1, 8))
    with pytest.raises(SpecError, match=r"ZeroPad1d\(\(2, 1\)\) is not a causal pad"):
        Stack.from_torch([nn.ZeroPad1d((2, 1)), nn.Conv1d(1, 1, 3)], (1, 8))
    with pytest.raises(SpecError, match=r"ZeroPad1d\(\(1, 0\)\) must come just before a Conv1d"):
        Stack.from_torch([nn.ZeroPad1d((1, 0)), nn.Conv1d(1, 1, 3)], (1, 8))


class _Conv1d:
    """A stand-in with nn.Conv1d's attributes (torch need not be installed)."""

    in_channels = out_channels = groups = 1
    kernel_size, stride, padding, dilation = (3,), (1,), (0,), (1,)
    padding_mode = "zeros"


class _Conv2d(_Conv1d):
    kernel_size, stride, padding, dilation = (3, 3), (1, 1), (0, 0), (1, 1)


class ZeroPad1d:
    padding = 2


SHAPES = [
    ([_Conv1d()], 8, r"input_shape must be \(C, L\) or \(N, C, L\) of positive integers, got 8"),
    ([_Conv1d()], "1x8", "got '1x8'"),
    ([_Conv1d()], (1, 0, 8), r"got \(1, 0, 8\)"),
    ([_Conv1d()], (1, True), r"got \(1, True\)"),
    ([_Conv2d()], (1, 8), r"\(C, H, W\) or \(N, C, H, W\) of positive integers, got \(1, 8\)"),
    ([_Conv2d()], None, "got None"),
    ([ZeroPad1d(), _Conv1d()], (1, 8), r"ZeroPad1d\(\(2, 2\)\) is not a causal pad"),
]


@pytest.mark.parametrize("modules,shape,message", SHAPES, ids=[m for *_, m in SHAPES])
def test_bad_input_shapes_are_one_line(modules, shape, message):
    with pytest.raises(SpecError, match=message) as info:
        Stack.from_torch(modules, shape)
    assert "\n" not in str(info.value)


def test_the_first_layer_says_how_to_read_the_shape():
    assert Stack.from_torch([_Conv1d()], (2, 1, 8)).sizes == ((8,), (6,))     # (N, C, L)
    assert Stack.from_torch([_Conv2d()], (1, 8, 9)).sizes == ((8, 9), (6, 7))  # (C, H, W)
