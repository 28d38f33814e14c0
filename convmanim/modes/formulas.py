"""LaTeX for a spec: its one-line summary and its output-size formula."""

from __future__ import annotations

from manim import DOWN, LEFT, VGroup

from ..geometry import (
    AnySpec,
    ConvSpec,
    ConvSpec1d,
    Pair,
    TransposedConvSpec,
    TransposedConvSpec1d,
    sequence_of,
)
from ..labels import math_label

__all__ = ["output_size_formula", "spec_summary"]


def _v(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else rf"{pair[0]}\times {pair[1]}"


def _conv_params(spec: ConvSpec) -> str:
    parts = [
        f"i = {_v(spec.input_size)}",
        f"k = {_v(spec.kernel_size)}",
        f"s = {_v(spec.stride)}",
        f"p = {_v(spec.padding)}",
    ]
    if spec.dilation != (1, 1):
        parts.append(f"d = {_v(spec.dilation)}")
    return r",\;\; ".join(parts)


def _padding_1d(seq: ConvSpec1d) -> str:
    return r"\text{causal}" if seq.causal else str(seq.padding[0])


def _conv_params_1d(seq: ConvSpec1d) -> str:
    parts = [f"i = {seq.input_size}", f"k = {seq.kernel_size}", f"s = {seq.stride}",
             f"p = {_padding_1d(seq)}"]
    if seq.dilation != 1:
        parts.append(f"d = {seq.dilation}")
    return r",\;\; ".join(parts)


def _summary_1d(seq: ConvSpec1d | TransposedConvSpec1d) -> list[str]:
    """The side panel's lines of a 1-D spec: one number per parameter, causal said."""
    if isinstance(seq, ConvSpec1d):
        lines = [_conv_params_1d(seq), rf"o = {seq.output_size}"]
        if seq.causal:
            lines.append(rf"\text{{causal: }} d(k-1) = {seq.padding[0]}\text{{ zeros on the "
                         r"left only}")
        return lines
    f = seq.forward
    direct = seq.direct()
    before, after = direct.padding_before[1], direct.padding_after[1]
    lines = [r"\text{of the conv } " + _conv_params_1d(f),
             rf"i' = {seq.input_size},\;\; o' = {seq.output_size}"]
    if f.stride != 1:
        lines.append(rf"\text{{zeros between inputs: }} s - 1 = {f.stride - 1}")
    lines.append(rf"\text{{padding: {before} left, {after} right}}")
    lines.append(r"\text{kernel reversed}")
    return lines


def spec_summary(spec: AnySpec) -> list[str]:
    """MathTex lines that describe ``spec`` for the side panel."""
    seq = sequence_of(spec)
    if seq is not None:
        return _summary_1d(seq)
    if isinstance(spec, TransposedConvSpec):
        f = spec.forward
        before = spec.direct_padding[0]
        lines = [
            r"\text{of the conv } " + _conv_params(f),
            rf"i' = {_v(spec.input_size)},\;\; o' = {_v(spec.output_size)}",
        ]
        if f.stride != (1, 1):
            zeros = _v((f.stride[0] - 1, f.stride[1] - 1))
            lines.append(rf"\text{{zeros between inputs: }} s - 1 = {zeros}")
        pad = r"d(k-1) - p" if f.dilation != (1, 1) else r"k - p - 1"
        lines.append(rf"\text{{padding: }} {pad} = {_v(before)}")
        if spec.output_padding != (0, 0):
            lines.append(
                rf"\text{{extra bottom/right: }} a = {_v(spec.output_padding)}"
            )
        lines.append(r"\text{kernel rotated by } 180^\circ")
        return lines
    return [_conv_params(spec), rf"o = {_v(spec.output_size)}"]


def _axis_conv(spec: ConvSpec, ax: int, sub: str) -> tuple[str, str]:
    i, k, s, p, d = (
        spec.input_size[ax], spec.kernel_size[ax], spec.stride[ax], spec.padding[ax],
        spec.dilation[ax],
    )
    o = spec.output_size[ax]
    if spec.dilation == (1, 1):
        general = (
            rf"o{sub} = \left\lfloor \frac{{i{sub} + 2p{sub} - k{sub}}}{{s{sub}}}"
            r" \right\rfloor + 1"
        )
        numbers = rf"= \left\lfloor \frac{{{i} + 2\cdot {p} - {k}}}{{{s}}} \right\rfloor + 1 = {o}"
    else:
        general = (
            rf"o{sub} = \left\lfloor \frac{{i{sub} + 2p{sub} - d{sub}(k{sub}-1) - 1}}{{s{sub}}}"
            r" \right\rfloor + 1"
        )
        numbers = (
            rf"= \left\lfloor \frac{{{i} + 2\cdot {p} - {d}\cdot({k}-1) - 1}}{{{s}}}"
            rf" \right\rfloor + 1 = {o}"
        )
    return general, numbers


def _axis_transposed(spec: TransposedConvSpec, ax: int, sub: str) -> list[str]:
    f = spec.forward
    i, k, s, p, d = (
        f.input_size[ax], f.kernel_size[ax], f.stride[ax], f.padding[ax], f.dilation[ax],
    )
    ip, a, o = spec.input_size[ax], spec.output_padding[ax], spec.output_size[ax]
    if f.dilation == (1, 1):
        general = rf"o'{sub} = s{sub}(i'{sub} - 1) + a{sub} + k{sub} - 2p{sub}"
        numbers = rf"= {s}\cdot({ip} - 1) + {a} + {k} - 2\cdot {p} = {o}"
        a_line = rf"a{sub} = (i{sub} + 2p{sub} - k{sub}) \bmod s{sub} = {a}"
    else:
        general = rf"o'{sub} = s{sub}(i'{sub} - 1) + a{sub} + d{sub}(k{sub} - 1) + 1 - 2p{sub}"
        numbers = rf"= {s}\cdot({ip} - 1) + {a} + {d}\cdot({k} - 1) + 1 - 2\cdot {p} = {o}"
        a_line = rf"a{sub} = (i{sub} + 2p{sub} - d{sub}(k{sub}-1) - 1) \bmod s{sub} = {a}"
    del i
    return [general, numbers, a_line]


def output_size_formula(spec: AnySpec, *, color: str, font_size: float = 30) -> VGroup:
    """The output-size formula with the numbers put in, one block per axis.

    Square specs get one block; rectangular ones get a block for the height
    (subscript ``h``) and one for the width (``w``); a 1-D spec one block, its
    length (a causal conv pads ``d(k - 1)`` on the left only).
    """
    seq = sequence_of(spec)
    if seq is not None:
        lines = _formula_1d(seq)
        group = VGroup(*(math_label(line, color=color, font_size=font_size) for line in lines))
        return group.arrange(DOWN, aligned_edge=LEFT, buff=0.25)
    square = spec.input_size[0] == spec.input_size[1] and all(
        v[0] == v[1] for v in (spec.kernel_size, spec.stride, spec.padding, spec.dilation)
    )
    axes = [(0, "")] if square else [(0, "_h"), (1, "_w")]
    lines: list[str] = []
    for ax, sub in axes:
        if isinstance(spec, TransposedConvSpec):
            lines += _axis_transposed(spec, ax, sub)
        else:
            lines += list(_axis_conv(spec, ax, sub))
    group = VGroup(*(math_label(line, color=color, font_size=font_size) for line in lines))
    return group.arrange(DOWN, aligned_edge=LEFT, buff=0.25)


def _formula_1d(seq: ConvSpec1d | TransposedConvSpec1d) -> list[str]:
    """The output-length formula of a 1-D spec, the numbers put in."""
    f = seq if isinstance(seq, ConvSpec1d) else seq.forward
    i, s = f.input_size, f.stride
    if isinstance(seq, ConvSpec1d):
        o = seq.output_size
        if f.causal:
            return [r"o = \left\lfloor \frac{i + d(k-1) - d(k-1) - 1}{s} \right\rfloor + 1"
                    r" = \left\lfloor \frac{i - 1}{s} \right\rfloor + 1",
                    rf"= \left\lfloor \frac{{{i} - 1}}{{{s}}} \right\rfloor + 1 = {o}"]
        return list(_axis_conv(f.as_2d(), 1, ""))
    ip, a, o = seq.input_size, seq.output_padding, seq.output_size
    if f.causal:
        return [r"o' = s(i' - 1) + a + d(k - 1) + 1 - d(k - 1) = s(i' - 1) + a + 1",
                rf"= {s}\cdot({ip} - 1) + {a} + 1 = {o}",
                rf"a = (i - 1) \bmod s = {a}"]
    return _axis_transposed(f.as_2d().transposed(), 1, "")
