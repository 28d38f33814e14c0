"""ConvSpec.from_torch: PyTorch layers read by duck typing, checked against the oracles.

The stand-ins below keep the attributes PyTorch's modules keep (as
``torch.nn.Conv2d`` and friends store them), so these tests run without torch.
When torch is installed, the real modules are checked too, against torch's
own outputs.
"""

from __future__ import annotations

import itertools
import re
import shlex

import numpy as np
import pytest
from click.testing import CliRunner

from convmanim.cli import main
from convmanim.geometry import ConvSpec, SpecError, TransposedConvSpec
from convmanim.torch_compat import spec_from_torch, torch_kind, torch_mode
from tests import oracle


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


# ------------------------------------------------------------- stand-ins
class Conv2d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros"):
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = padding if isinstance(padding, str) else _pair(padding)
        self.dilation = _pair(dilation)
        self.transposed = False
        self.output_padding = (0, 0)
        self.groups = groups
        self.padding_mode = padding_mode


class ConvTranspose2d(Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros"):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode)
        self.transposed = True
        self.output_padding = _pair(output_padding)


class MaxPool2d:
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode


class AvgPool2d:
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override


class BareConv:
    """Only what a conv needs: no ``transposed``, no ``output_padding``."""

    out_channels = 1
    kernel_size = (3, 2)
    stride = 1
    padding = (1, 0)
    dilation = 1


class BareTransposed:
    """A transposed conv told apart by its ``output_padding`` alone."""

    out_channels = 1
    kernel_size = 3
    stride = 2
    padding = 1
    output_padding = 1
    dilation = 1


# --------------------------------------------------------------- configs
def _axis_configs():
    for i, k, s, p, d in itertools.product(range(1, 7), range(1, 4), range(1, 4), range(3),
                                           (1, 2)):
        if p < d * (k - 1) + 1 <= i + 2 * p:
            yield i, k, s, p, d


AXES = list(_axis_configs())
# Square configs, then rectangular ones pairing every config with another.
CONFIGS = [(c, c) for c in AXES[::3]] + [
    (AXES[j], AXES[(j * 31 + 7) % len(AXES)]) for j in range(0, len(AXES), 4)
]


def _per_axis(config):
    (ih, kh, sh, ph, dh), (iw, kw, sw, pw, dw) = config
    return (ih, iw), (kh, kw), (sh, sw), (ph, pw), (dh, dw)


def _values(rng, shape):
    return rng.integers(-3, 4, size=shape).astype(float)


def test_configs_cover_rectangles_strides_padding_and_dilation():
    assert len(CONFIGS) > 80
    assert any(c[0] != c[1] for c in CONFIGS)
    assert any(c[0][2] > 1 and c[0][3] > 0 and c[0][4] > 1 for c in CONFIGS)


# ------------------------------------------------------------- the four
CHANNELS = [(1, 1, 1), (3, 8, 1), (4, 6, 2), (4, 4, 4), (2, 4, 2)]
"""``(in_channels, out_channels, groups)`` the configs cycle through."""


@pytest.mark.parametrize("n,config", list(enumerate(CONFIGS)))
def test_conv2d_matches_the_oracle(n, config):
    i, k, s, p, d = _per_axis(config)
    c_in, c_out, g = CHANNELS[n % len(CHANNELS)]
    module = Conv2d(c_in, c_out, k, stride=s, padding=p, dilation=d, groups=g)
    spec = ConvSpec.from_torch(module, (1, c_in, *i))
    assert type(spec) is ConvSpec
    assert (spec.in_channels, spec.out_channels, spec.groups) == (c_in, c_out, g)
    assert spec.output_size == tuple(oracle.out_size(*a) for a in zip(i, k, s, p, d))
    rng = np.random.default_rng(0)
    x, w = _values(rng, (c_in, *i)), _values(rng, (c_out, c_in // g, *k))
    b = _values(rng, (c_out,))
    np.testing.assert_allclose(spec.apply(x, w, bias=b),
                               oracle.conv2d_grouped(x, w, b, s, p, d, g))
    assert torch_mode(module) == "convolution"


@pytest.mark.parametrize("config", CONFIGS)
def test_conv_transpose2d_matches_the_oracle(config):
    i, k, s, p, d = _per_axis(config)
    # The transposed conv's own input, and every output_padding it allows.
    i_prime = tuple(oracle.out_size(*a) for a in zip(i, k, s, p, d))
    for op in itertools.product(range(s[0]), range(s[1])):
        want = tuple(oracle.out_size_transposed(*a) for a in zip(i_prime, k, s, p, d, op))
        if min(want) < 1 or any(d[a] * (k[a] - 1) < p[a] for a in range(2)):
            continue
        module = ConvTranspose2d(4, 2, k, stride=s, padding=p, output_padding=op, dilation=d,
                                 groups=2)
        spec = ConvSpec.from_torch(module, i_prime)
        assert isinstance(spec, TransposedConvSpec)
        assert spec.input_size == i_prime
        assert spec.output_size == want
        assert spec.output_padding == op
        assert (spec.in_channels, spec.out_channels, spec.groups) == (4, 2, 2)
        rng = np.random.default_rng(1)
        y, w, b = _values(rng, (4, *i_prime)), _values(rng, (4, 1, *k)), _values(rng, (2,))
        np.testing.assert_allclose(spec.apply(y, w, bias=b),
                                   oracle.conv_transpose2d_grouped(y, w, b, s, p, d, op, 2))
        y1, w1 = y[0], w[0, 0]
        one = ConvSpec.from_torch(ConvTranspose2d(1, 1, k, stride=s, padding=p,
                                                  output_padding=op, dilation=d), i_prime)
        np.testing.assert_allclose(one.apply(y1, w1),
                                   oracle.conv_transpose2d(y1, w1, s, p, d, op))
        assert torch_mode(module) == "convolution"


def _pool_ok(i, k, s, p, d, mode):
    try:
        ConvSpec(i, k, s, p, d).check_pooling(mode)
    except SpecError:
        return False
    return True


MAX_CONFIGS = [c for c in CONFIGS if _pool_ok(*_per_axis(c), "max")]
AVG_CONFIGS = [c for c in CONFIGS if _pool_ok(*_per_axis(c)[:4], (1, 1), "average")]


def test_pool_configs_are_many():
    assert len(MAX_CONFIGS) > 40
    assert len(AVG_CONFIGS) > 40


@pytest.mark.parametrize("config", MAX_CONFIGS)
def test_max_pool2d_matches_the_oracle(config):
    i, k, s, p, d = _per_axis(config)
    module = MaxPool2d(k, stride=s, padding=p, dilation=d)
    spec = ConvSpec.from_torch(module, i)
    mode = torch_mode(module)
    assert mode == "max"
    x = _values(np.random.default_rng(2), i)
    np.testing.assert_allclose(spec.apply(x, mode=mode), oracle.pool2d(x, k, s, p, d, "max"))


@pytest.mark.parametrize("config", AVG_CONFIGS)
def test_avg_pool2d_matches_the_oracle(config):
    i, k, s, p, _ = _per_axis(config)
    module = AvgPool2d(k, stride=s, padding=p)
    spec = ConvSpec.from_torch(module, i)
    mode = torch_mode(module)
    assert mode == "average"
    assert spec.dilation == (1, 1)
    x = _values(np.random.default_rng(3), i)
    np.testing.assert_allclose(spec.apply(x, mode=mode),
                               oracle.pool2d(x, k, s, p, (1, 1), "average"))


def test_pooling_stride_defaults_to_the_kernel():
    assert ConvSpec.from_torch(MaxPool2d(2), 6).stride == (2, 2)
    assert ConvSpec.from_torch(AvgPool2d((2, 3)), (4, 6)).output_size == (2, 2)
    module = MaxPool2d(3)
    module.stride = None  # as functional max_pool2d takes it
    assert ConvSpec.from_torch(module, 6).stride == (3, 3)


def test_kinds_are_told_by_attributes():
    assert torch_kind(Conv2d(1, 1, 3)) == "conv"
    assert torch_kind(ConvTranspose2d(1, 1, 3)) == "transposed"
    assert torch_kind(MaxPool2d(2)) == "max"
    assert torch_kind(AvgPool2d(2)) == "average"
    assert torch_kind(BareConv()) == "conv"
    assert torch_kind(BareTransposed()) == "transposed"
    assert ConvSpec.from_torch(BareConv(), (4, 5)).output_size == (4, 4)
    spec = ConvSpec.from_torch(BareTransposed(), 3)
    assert (spec.input_size, spec.output_size, spec.output_padding) == ((3, 3), (6, 6), (1, 1))


def test_input_size_forms():
    module = Conv2d(3, 8, 3, padding=1)
    for size in (5, (5, 5), [5, 5], "5x5", (3, 5, 5), (2, 3, 5, 5)):
        assert ConvSpec.from_torch(module, size).input_size == (5, 5)
    assert ConvSpec.from_torch(module, (1, 3, 4, 6)).input_size == (4, 6)


def test_string_padding():
    assert ConvSpec.from_torch(Conv2d(1, 1, 3, padding="valid"), 5).padding == (0, 0)
    same = ConvSpec.from_torch(Conv2d(1, 1, (3, 5), padding="same", dilation=(2, 1)), (6, 7))
    assert same.padding == (2, 2)
    assert same.output_size == (6, 7)


def test_channels_and_groups_are_kept_and_the_windows_are_the_same():
    a = ConvSpec.from_torch(Conv2d(8, 8, 3, stride=2, padding=1, groups=8), 7)
    b = ConvSpec.from_torch(Conv2d(1, 1, 3, stride=2, padding=1), 7)
    assert a != b
    assert (a.in_channels, a.out_channels, a.groups, a.is_depthwise) == (8, 8, 8, True)
    assert (b.in_channels, b.out_channels, b.groups, b.has_channels) == (1, 1, 1, False)
    assert a.direct() == b.direct()
    t = ConvSpec.from_torch(ConvTranspose2d(6, 4, 3, stride=2, groups=2), 3)
    assert (t.in_channels, t.out_channels, t.groups) == (6, 4, 2)
    assert t.weight_shape == (6, 2, 3, 3)
    assert (t.forward.in_channels, t.forward.out_channels) == (4, 6)
    pool = ConvSpec.from_torch(MaxPool2d(2), (1, 3, 6, 6))
    assert (pool.in_channels, pool.out_channels) == (3, 3)
    with pytest.raises(SpecError, match=r"the input has 4 channels but Conv2d\.in_channels is 3"):
        ConvSpec.from_torch(Conv2d(3, 2, 3), (1, 4, 6, 6))
    with pytest.raises(SpecError, match="groups 2 must divide both in_channels 3"):
        ConvSpec.from_torch(Conv2d(3, 2, 3, groups=2), 6)


# ---------------------------------------------------------------- refusals
REFUSALS = [
    (Conv2d(1, 1, 4, padding="same"), 6, r"padding 'same' pads unevenly"),
    (Conv2d(1, 1, 3, stride=2, padding="same"), 6, r"padding 'same' needs stride 1"),
    (Conv2d(1, 1, 3, padding="full"), 6, r"padding must be 'same', 'valid'"),
    (Conv2d(1, 1, 3, padding=1, padding_mode="reflect"), 6, r"padding_mode 'reflect'"),
    (ConvTranspose2d(1, 1, 3, stride=2, output_padding=2), 3, r"^output_padding 2 must be"),
    (MaxPool2d(2, ceil_mode=True), 5, r"ceil_mode=True gives a 3×3 output"),
    (AvgPool2d(3, stride=2, padding=1, count_include_pad=False), 6, r"count_include_pad=False"),
    (AvgPool2d(2, divisor_override=3), 4, r"divisor_override 3"),
    (MaxPool2d(3, padding=2), 6, r"padding 2 must be at most half"),
    (Conv2d(1, 1, (3,)), 6, r"kernel_size \(3,\) must have 2 axes"),
    (Conv2d(1, 1, 3, stride=(1, 1, 1)), 6, r"stride \(1, 1, 1\) must have 2 axes"),
    (Conv2d(1, 1, 7), 4, r"kernel_size: the effective kernel 7"),
    (Conv2d(1, 1, 3, stride=1.5), 6, r"stride must be an integer"),
    (object(), 6, r"object has no kernel_size"),
]


@pytest.mark.parametrize("module,size,message", REFUSALS,
                         ids=[m for *_, m in REFUSALS])
def test_what_cannot_be_drawn_is_refused_in_one_line(module, size, message):
    with pytest.raises(SpecError, match=message) as info:
        ConvSpec.from_torch(module, size)
    assert "\n" not in str(info.value)


def test_other_layers_and_dimensions_are_refused():
    class Conv3d(Conv2d):
        pass

    class MaxUnpool2d:
        kernel_size, stride, padding = 2, 2, 0

    with pytest.raises(SpecError, match="Conv3d is 3-D: convmanim draws 1-D and 2-D layers"):
        ConvSpec.from_torch(Conv3d(1, 1, 3), 6)
    with pytest.raises(SpecError, match="MaxUnpool2d is not a Conv2d"):
        ConvSpec.from_torch(MaxUnpool2d(), 6)


def test_settings_without_effect_are_accepted():
    # ceil_mode only matters when a window would start in the last, partial stretch
    assert ConvSpec.from_torch(MaxPool2d(2, ceil_mode=True), 6).output_size == (3, 3)
    # count_include_pad and padding_mode only matter with padding
    assert ConvSpec.from_torch(AvgPool2d(2, count_include_pad=False), 4).output_size == (2, 2)
    assert ConvSpec.from_torch(Conv2d(1, 1, 3, padding_mode="circular"), 5).output_size == (3, 3)
    assert ConvSpec.from_torch(AvgPool2d(2, divisor_override=4), 4).output_size == (2, 2)


# ------------------------------------------------------------ real torch
@pytest.fixture
def torch():
    return pytest.importorskip("torch")


TORCH_CONFIGS = CONFIGS[::4]


def _tensor(torch, arr):
    return torch.tensor(arr, dtype=torch.float64)[None, None]


def test_real_torch_conv2d(torch):
    rng = np.random.default_rng(4)
    for config in TORCH_CONFIGS:
        i, k, s, p, d = _per_axis(config)
        module = torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False).double()
        x, w = _values(rng, i), _values(rng, k)
        with torch.no_grad():
            module.weight.copy_(_tensor(torch, w))
            want = module(_tensor(torch, x))[0, 0].numpy()
        spec = ConvSpec.from_torch(module, (1, 1, *i))
        assert spec.output_size == want.shape
        np.testing.assert_allclose(spec.apply(x, w), want)
        assert torch_mode(module) == "convolution"
    same = torch.nn.Conv2d(1, 1, 3, padding="same", dilation=2)
    assert ConvSpec.from_torch(same, 6).padding == (2, 2)
    with pytest.raises(SpecError, match="padding_mode 'reflect'"):
        ConvSpec.from_torch(torch.nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"), 6)
    with pytest.raises(SpecError, match="pads unevenly"):
        ConvSpec.from_torch(torch.nn.Conv2d(1, 1, 2, padding="same"), 6)


def test_real_torch_conv_transpose2d(torch):
    rng = np.random.default_rng(5)
    for config in TORCH_CONFIGS:
        i, k, s, p, d = _per_axis(config)
        i_prime = tuple(oracle.out_size(*a) for a in zip(i, k, s, p, d))
        op = tuple(min(a, b - 1) for a, b in zip((1, 1), s))
        if any(d[a] * (k[a] - 1) < p[a] for a in range(2)):
            continue
        module = torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op,
                                          dilation=d, bias=False).double()
        y, w = _values(rng, i_prime), _values(rng, k)
        with torch.no_grad():
            module.weight.copy_(_tensor(torch, w))
            want = module(_tensor(torch, y))[0, 0].numpy()
        spec = ConvSpec.from_torch(module, i_prime)
        assert isinstance(spec, TransposedConvSpec)
        assert spec.output_size == want.shape
        np.testing.assert_allclose(spec.apply(y, w), want)


def test_real_torch_pooling(torch):
    rng = np.random.default_rng(6)
    for config in TORCH_CONFIGS:
        i, k, s, p, d = _per_axis(config)
        x = _values(rng, i)
        for module in (torch.nn.MaxPool2d(k, stride=s, padding=p, dilation=d),
                       torch.nn.AvgPool2d(k, stride=s, padding=p)):
            mode = torch_mode(module)
            dil = d if mode == "max" else (1, 1)
            if not _pool_ok(i, k, s, p, dil, mode) or any(2 * a > b for a, b in zip(p, k)):
                continue
            want = module(_tensor(torch, x))[0, 0].numpy()
            spec = ConvSpec.from_torch(module, (1, 1, *i))
            np.testing.assert_allclose(spec.apply(x, mode=mode), want)
    assert torch_mode(torch.nn.MaxPool2d(2)) == "max"
    assert torch_mode(torch.nn.AvgPool2d(2)) == "average"


def test_real_torch_ceil_mode_sizes(torch):
    """The size named when ceil_mode is refused is the one torch computes."""
    for i, k, s, p in itertools.product(range(2, 9), range(1, 4), range(1, 4), range(2)):
        if 2 * p > k:
            continue
        module = torch.nn.MaxPool2d(k, stride=s, padding=p, ceil_mode=True)
        if not _pool_ok(i, k, s, p, 1, "max"):  # not drawable even without ceil_mode
            with pytest.raises(SpecError):
                ConvSpec.from_torch(module, i)
            continue
        got = module(torch.zeros(1, 1, i, i)).shape[-1]
        try:
            spec = ConvSpec.from_torch(module, i)
        except SpecError as exc:
            match = re.search(r"gives a (\d+)×(\d+) output", str(exc))
            assert match is not None, str(exc)
            assert int(match[1]) == got
        else:
            assert spec.output_size == (got, got)


def test_spec_from_torch_is_conv_spec_from_torch():
    module = Conv2d(1, 1, 3, stride=2, padding=1)
    assert spec_from_torch(module, 5) == ConvSpec.from_torch(module, 5)


# ---------------------------------------------------- PyTorch-style flags
def _cli(line: str):
    return CliRunner().invoke(main, shlex.split(line), prog_name="convmanim",
                              catch_exceptions=False)


def test_pytorch_style_long_flags_and_output_padding():
    # ConvTranspose2d(k=3, s=2, p=1, output_padding=1) on a 3×3 input gives 6×6:
    # in the forward conv's terms, -i 6 and -o 3.
    result = _cli("info --input-size 6 --kernel-size 3 --stride 2 --padding 1 --dilation 1 "
                  "--transposed --output-padding 1 --output-size 3")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "transposed conv of (i=6 k=3 s=2 p=1 d=1): i'=3 -> o'=6, output_padding=1")
    module = ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1)
    assert ConvSpec.from_torch(module, 3).describe() == result.stdout.splitlines()[0]


@pytest.mark.parametrize("line,message", [
    ("info -i 5 -k 3 -s 2 -p 1 -t --output-padding 1",
     "output_padding 1 does not match the transposed conv's output_padding 0 (transposed conv "
     "of (i=5 k=3 s=2 p=1 d=1): i'=3 -> o'=5, output_padding=0); -i 6 keeps the transposed "
     "conv's input i'=3 and gives output_padding 1"),
    ("info -i 5x6 -k 3 -s 2 -p 1 -t --output-padding 1x1",
     "output_padding 1 does not match the transposed conv's output_padding 0x1 (transposed "
     "conv of (i=5×6 k=3 s=2 p=1 d=1): i'=3 -> o'=5×6, output_padding=0×1); -i 6 keeps the "
     "transposed conv's input i'=3 and gives output_padding 1"),
    ("info -i 5 -k 3 -s 2 -p 1 -t --output-padding 2",
     "output_padding 2 must be 0 to stride − 1 (stride 2)"),
    ("info -i 5 -k 3 -s 2 -p 1 --output-padding 0",
     "--output-padding 0 is for a transposed conv: add -t"),
])
def test_output_padding_mismatch_names_the_right_input(line, message):
    result = _cli(line)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"convmanim: error: {message}"


def test_output_padding_renders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _cli("arithmetic -i 6 -k 3 -s 2 -p 1 -t --output-padding 1 -q 160x90 tconv")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "media" / "tconv.png").is_file()
