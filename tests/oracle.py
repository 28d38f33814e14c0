"""Independent reference implementations, written with explicit loops.

Nothing here imports convmanim: these are the oracles the geometry core is
checked against. They follow PyTorch's documented semantics.
"""

from __future__ import annotations

import math

import numpy as np


def out_size(i: int, k: int, s: int, p: int, d: int) -> int:
    """PyTorch's Conv2d shape formula, per axis."""
    return math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1


def out_size_transposed(i: int, k: int, s: int, p: int, d: int, op: int) -> int:
    """PyTorch's ConvTranspose2d shape formula, per axis."""
    return (i - 1) * s - 2 * p + d * (k - 1) + op + 1


def conv2d(x, w, stride, padding, dilation):
    """Cross-correlation with zero padding (torch.nn.functional.conv2d)."""
    ih, iw = x.shape
    kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh = out_size(ih, kh, sh, ph, dh)
    ow = out_size(iw, kw, sw, pw, dw)
    out = np.zeros((oh, ow))
    for oy in range(oh):
        for ox in range(ow):
            acc = 0.0
            for a in range(kh):
                for b in range(kw):
                    r = oy * sh - ph + a * dh
                    c = ox * sw - pw + b * dw
                    if 0 <= r < ih and 0 <= c < iw:
                        acc += x[r, c] * w[a, b]
            out[oy, ox] = acc
    return out


def windows(ih, iw, kh, kw, stride, padding, dilation):
    """Padded-grid coordinates of every tap, for each output cell in row-major order."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh = out_size(ih, kh, sh, ph, dh)
    ow = out_size(iw, kw, sw, pw, dw)
    result = []
    for oy in range(oh):
        for ox in range(ow):
            taps = [[(oy * sh + a * dh, ox * sw + b * dw) for b in range(kw)] for a in range(kh)]
            result.append(np.array(taps))
    return result


def pool2d(x, k, stride, padding, dilation, mode):
    """avg_pool2d (count_include_pad=True) or max_pool2d, with explicit loops."""
    ih, iw = x.shape
    kh, kw = k
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh = out_size(ih, kh, sh, ph, dh)
    ow = out_size(iw, kw, sw, pw, dw)
    out = np.zeros((oh, ow))
    for oy in range(oh):
        for ox in range(ow):
            vals = []
            real = []
            for a in range(kh):
                for b in range(kw):
                    r = oy * sh - ph + a * dh
                    c = ox * sw - pw + b * dw
                    inside = 0 <= r < ih and 0 <= c < iw
                    vals.append(x[r, c] if inside else 0.0)
                    if inside:
                        real.append(x[r, c])
            out[oy, ox] = sum(vals) / (kh * kw) if mode == "average" else max(real)
    return out


def conv_transpose2d(y, w, stride, padding, dilation, output_padding):
    """torch.nn.functional.conv_transpose2d, as a scatter-add with explicit loops."""
    ih, iw = y.shape
    kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh = out_size_transposed(ih, kh, sh, ph, dh, output_padding[0])
    ow = out_size_transposed(iw, kw, sw, pw, dw, output_padding[1])
    out = np.zeros((oh, ow))
    for r in range(ih):
        for c in range(iw):
            for a in range(kh):
                for b in range(kw):
                    orow = r * sh - ph + a * dh
                    ocol = c * sw - pw + b * dw
                    if 0 <= orow < oh and 0 <= ocol < ow:
                        out[orow, ocol] += y[r, c] * w[a, b]
    return out


def transposed_direct_windows(i, k, s, p, d):
    """The transposed conv of (i, k, s, p, d) as a stride-1 conv over a stretched grid.

    Per axis (Dumoulin & Visin, relationship 14 with dilation): i' forward outputs,
    s - 1 zeros between them, k̂ - 1 - p padding before and that plus
    a = (i + 2p - k̂) mod s after. Returns (grid size, input cell coordinates,
    windows in row-major order over the i_h x i_w outputs).
    """
    sizes, cells = [], []
    for ax in range(2):
        k_hat = d[ax] * (k[ax] - 1) + 1
        i_prime = out_size(i[ax], k[ax], s[ax], p[ax], d[ax])
        a = (i[ax] + 2 * p[ax] - k_hat) % s[ax]
        before = k_hat - 1 - p[ax]
        stretched = (i_prime - 1) * s[ax] + 1
        sizes.append(before + stretched + before + a)
        cells.append([before + n * s[ax] for n in range(i_prime)])
    result = []
    for oy in range(i[0]):
        for ox in range(i[1]):
            taps = [[(oy + a * d[0], ox + b * d[1]) for b in range(k[1])] for a in range(k[0])]
            result.append(np.array(taps))
    input_cells = [(r, c) for r in cells[0] for c in cells[1]]
    return tuple(sizes), input_cells, result


def scatter_windows(i_prime, k, s, d):
    """Uncropped output positions each input cell of a transposed conv writes to.

    Per axis, input cell n of the transposed conv adds y[n] * w[a] at position
    n * s + a * d of the uncropped output (PyTorch's conv_transpose2d before
    the padding p is cropped from both ends). Returns, for each input cell in
    row-major order, a (kh, kw, 2) array of (row, col) positions.
    """
    result = []
    for r in range(i_prime[0]):
        for c in range(i_prime[1]):
            taps = [[(r * s[0] + a * d[0], c * s[1] + b * d[1]) for b in range(k[1])]
                    for a in range(k[0])]
            result.append(np.array(taps))
    return result


def conv2d_grouped(x, w, b, stride, padding, dilation, groups):
    """torch.nn.functional.conv2d with channels and groups, from the loop oracle above.

    x is (C_in, H, W), w is (C_out, C_in/groups, kh, kw), b is (C_out,) or None.
    Output channel o of group g sums conv2d over the group's input channels.
    """
    c_in, c_out = x.shape[0], w.shape[0]
    n_in, n_out = c_in // groups, c_out // groups
    outs = []
    for o in range(c_out):
        g = o // n_out
        acc = sum(conv2d(x[g * n_in + j], w[o, j], stride, padding, dilation) for j in range(n_in))
        outs.append(acc + (0.0 if b is None else b[o]))
    return np.array(outs)


def conv_transpose2d_grouped(y, w, b, stride, padding, dilation, output_padding, groups):
    """torch.nn.functional.conv_transpose2d with channels and groups, from the loop oracle.

    y is (C_in, h, w), w is (C_in, C_out/groups, kh, kw) (ConvTranspose2d's
    layout), b is (C_out,) or None. Input channel i of group g scatters into
    each of the group's output channels with its own slice w[i, j].
    """
    c_in, n_out = y.shape[0], w.shape[1]
    n_in = c_in // groups
    outs = [None] * (n_out * groups)
    for i in range(c_in):
        g = i // n_in
        for j in range(n_out):
            part = conv_transpose2d(y[i], w[i, j], stride, padding, dilation, output_padding)
            o = g * n_out + j
            outs[o] = part if outs[o] is None else outs[o] + part
    out = np.array(outs)
    if b is not None:
        out = out + np.asarray(b)[:, None, None]
    return out


def conv2d_backward(x, w, dy, stride, padding, dilation, groups):
    """Gradients of conv2d_grouped by the chain rule, one product at a time.

    Walks the forward loop (every output cell, every input channel of its
    group, every tap) and, for each product ``x[c, r, q] * w[o, j, a, b]``
    that fed ``y[o, oy, ox]``, adds ``dy[o, oy, ox]`` times the other factor
    to each factor's gradient. Taps on padding feed nothing. Returns
    ``(dx, dw, db)`` in the layouts of ``x``, ``w`` and the bias.
    """
    ih, iw = x.shape[1:]
    c_out, n_in, kh, kw = w.shape
    n_out = c_out // groups
    (sh, sw), (ph, pw), (dh, dw_) = stride, padding, dilation
    oh, ow = dy.shape[1:]
    dx = np.zeros(x.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(c_out)
    for o in range(c_out):
        g = o // n_out
        for oy in range(oh):
            for ox in range(ow):
                db[o] += dy[o, oy, ox]
                for j in range(n_in):
                    c = g * n_in + j
                    for a in range(kh):
                        for b in range(kw):
                            r = oy * sh - ph + a * dh
                            q = ox * sw - pw + b * dw_
                            if 0 <= r < ih and 0 <= q < iw:
                                dx[c, r, q] += dy[o, oy, ox] * w[o, j, a, b]
                                dw[o, j, a, b] += dy[o, oy, ox] * x[c, r, q]
    return dx, dw, db


def weight_uses(ih, iw, kh, kw, stride, padding, dilation, a, b):
    """Where tap ``(a, b)`` lay for each output cell: ``{(oy, ox): (r, q) or None}``.

    ``(r, q)`` is the input cell (``None`` on padding), from the forward loop.
    """
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh = out_size(ih, kh, sh, ph, dh)
    ow = out_size(iw, kw, sw, pw, dw)
    uses = {}
    for oy in range(oh):
        for ox in range(ow):
            r = oy * sh - ph + a * dh
            q = ox * sw - pw + b * dw
            uses[(oy, ox)] = (r, q) if 0 <= r < ih and 0 <= q < iw else None
    return uses


def conv_matrix_by_probing(apply, in_shape):
    """The matrix of a linear map, column by column: apply it to each unit input.

    ``apply`` maps an array of ``in_shape`` to an array; column j of the
    result is ``apply(e_j).ravel()`` for the j-th unit array (flattened
    channel-major, row-major within a channel).
    """
    n = int(np.prod(in_shape))
    cols = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = 1.0
        cols.append(np.asarray(apply(e.reshape(in_shape))).ravel())
    return np.stack(cols, axis=1)


# ------------------------------------------------------------------ 1-D
# Padding is given per end (left, right), so that causal padding, d(k - 1) on
# the left only, is the case (d(k - 1), 0).

def out_size_1d(length: int, k: int, s: int, pad_left: int, pad_right: int, d: int) -> int:
    """Output length of a 1-D conv with padding on each end (PyTorch's formula)."""
    return (length + pad_left + pad_right - d * (k - 1) - 1) // s + 1


def conv1d(x, w, stride, pad_left, pad_right, dilation):
    """1-D cross-correlation of ``x`` (L,) with ``w`` (k,), explicit loops."""
    length, k = len(x), len(w)
    o = out_size_1d(length, k, stride, pad_left, pad_right, dilation)
    out = np.zeros(o)
    for n in range(o):
        acc = 0.0
        for a in range(k):
            m = n * stride - pad_left + a * dilation
            if 0 <= m < length:
                acc += x[m] * w[a]
        out[n] = acc
    return out


def conv1d_grouped(x, w, b, stride, pad_left, pad_right, dilation, groups):
    """conv1d with channels and groups: x (C_in, L), w (C_out, C_in/g, k), b (C_out,) or None."""
    c_in, c_out = x.shape[0], w.shape[0]
    n_in, n_out = c_in // groups, c_out // groups
    outs = []
    for o in range(c_out):
        g = o // n_out
        acc = sum(conv1d(x[g * n_in + j], w[o, j], stride, pad_left, pad_right, dilation)
                  for j in range(n_in))
        outs.append(acc + (0.0 if b is None else b[o]))
    return np.array(outs)


def conv_transpose1d_grouped(y, w, b, stride, pad_left, dilation, out_len, groups):
    """The transposed conv as a scatter-add: input n adds y[n]·w[a] at n·s − pad_left + a·d.

    y is (C_in', i'), w is (C_in', C_out'/g, k) (ConvTranspose1d's layout);
    positions outside 0..out_len − 1 are cut.
    """
    c_in, n_out, k = w.shape
    n_in = c_in // groups
    out = np.zeros((n_out * groups, out_len))
    for i in range(c_in):
        g = i // n_in
        for j in range(n_out):
            for n in range(y.shape[1]):
                for a in range(k):
                    m = n * stride - pad_left + a * dilation
                    if 0 <= m < out_len:
                        out[g * n_out + j, m] += y[i, n] * w[i, j, a]
    if b is not None:
        out += np.asarray(b)[:, None]
    return out


def pool1d(x, k, stride, padding, dilation, mode):
    """avg_pool1d (count_include_pad=True) or max_pool1d of x (L,), explicit loops."""
    length = len(x)
    o = out_size_1d(length, k, stride, padding, padding, dilation)
    out = np.zeros(o)
    for n in range(o):
        vals, real = [], []
        for a in range(k):
            m = n * stride - padding + a * dilation
            inside = 0 <= m < length
            vals.append(x[m] if inside else 0.0)
            if inside:
                real.append(x[m])
        out[n] = sum(vals) / k if mode == "average" else max(real)
    return out


def receptive_span(layers, cell):
    """The input positions one output cell spans through a chain of 1-D layers, unclipped.

    ``layers`` is a list of (k, s, pad_left, d), bottom first. Every tap
    is followed down, padding included (nothing is cut), and the smallest and
    largest positions reached are returned.
    """
    positions = {cell}
    for k, s, pad_left, d in reversed(layers):
        positions = {m * s - pad_left + a * d for m in positions for a in range(k)}
    return min(positions), max(positions)


# ------------------------------------------------------------------ upsampling

def overlap_counts(i_prime, k, s, p, d, out, upto=None):
    """Windows per output cell of conv_transpose2d, counted over the scatter with loops.

    Input cell (r, c) adds through tap (a, b) at (r·s − p + a·d, c·s − p + b·d);
    each landing inside the ``out`` grid counts one. With ``upto``, only the
    input cells 0 … upto (row-major) scatter.
    """
    counts = np.zeros(out, dtype=int)
    for r in range(i_prime[0]):
        for c in range(i_prime[1]):
            if upto is not None and r * i_prime[1] + c > upto:
                continue
            for a in range(k[0]):
                for b in range(k[1]):
                    y = r * s[0] - p[0] + a * d[0]
                    x = c * s[1] - p[1] + b * d[1]
                    if 0 <= y < out[0] and 0 <= x < out[1]:
                        counts[y, x] += 1
    return counts


def upsample_nearest(x, r):
    """Nearest-neighbour upsampling of an (H, W) grid by r per axis, with loops."""
    h, w = x.shape
    out = np.zeros((h * r[0], w * r[1]), dtype=x.dtype)
    for y in range(h):
        for xx in range(w):
            for i in range(r[0]):
                for j in range(r[1]):
                    out[y * r[0] + i, xx * r[1] + j] = x[y, xx]
    return out


def pixel_shuffle(x, r):
    """(C·r², H, W) to (C, rH, rW): PyTorch's documented rearrangement, with loops."""
    n, h, w = x.shape
    c = n // (r * r)
    out = np.zeros((c, h * r, w * r), dtype=x.dtype)
    for ch in range(c):
        for i in range(r):
            for j in range(r):
                for y in range(h):
                    for xx in range(w):
                        out[ch, y * r + i, xx * r + j] = x[ch * r * r + i * r + j, y, xx]
    return out


def pixel_unshuffle(x, r):
    """(C, H, W) to (C·r², H/r, W/r): the inverse of pixel_shuffle, with loops."""
    c, h, w = x.shape
    out = np.zeros((c * r * r, h // r, w // r), dtype=x.dtype)
    for ch in range(c):
        for y in range(h):
            for xx in range(w):
                out[ch * r * r + (y % r) * r + xx % r, y // r, xx // r] = x[ch, y, xx]
    return out


def layer_dependency(spec) -> np.ndarray:
    """``(outputs, inputs)`` booleans from the conv index matrix, any channel to any channel."""
    index = spec.conv_index_matrix() >= 0
    c_out, c_in = spec.out_channels, spec.in_channels
    blocks = index.reshape(c_out, index.shape[0] // c_out, c_in, index.shape[1] // c_in)
    return blocks.any(axis=(0, 2))


def stack_dependency(layers, cell: int, layer: int) -> list[np.ndarray]:
    """The flat cells output ``cell`` (flat index) of ``layer`` depends on, level by level.

    Brute force: mark the output cell, and follow the dependency down through
    each layer's ``conv_index_matrix`` (an entry >= 0 means the output reads
    that input). Index 0 is the stack's input.
    """
    marked = np.zeros(layer_dependency(layers[layer]).shape[0], dtype=bool)
    marked[cell] = True
    levels = [marked]
    for spec in reversed(layers[: layer + 1]):
        marked = layer_dependency(spec).T.astype(int) @ marked.astype(int) > 0
        levels.append(marked)
    return levels[::-1]


def stack_anchor(layers, level: int, cell: float) -> float:
    """Where cell ``cell`` of ``level`` stands over the input, along one axis, by recursion.

    ``layers`` are ``(k, s, pad_left, d, causal)``, bottom first. Input cell
    ``n`` stands at ``n``; a cell of a layer stands where its window's
    anchor stands in the level below: the last tap of a causal window, the
    middle of the first and last taps otherwise (positions are affine, so
    the middle of two is where a fractional tap would stand).
    """
    if level == 0:
        return float(cell)
    k, s, pad, d, causal = layers[level - 1]
    first = cell * s - pad
    last = first + d * (k - 1)
    if causal:
        return stack_anchor(layers, level - 1, last)
    return (stack_anchor(layers, level - 1, first) + stack_anchor(layers, level - 1, last)) / 2
