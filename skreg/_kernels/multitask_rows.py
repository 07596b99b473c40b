r"""Row primitives of the multi-task (L2,1) block coordinate descent.

The problem, in coordinate-descent scaling, is

.. math::

    \min_W \frac12 \sum_i s_i \|y_i - z_i^T W\|_2^2
    + \sum_j \Big(l1_j \|W_j\|_2 + \frac{l2_j}{2} \|W_j\|_2^2\Big)

with ``W`` of shape ``(n_features, n_tasks)`` (one C-contiguous row per
feature, so a block update touches one contiguous row), ``z_j = x_j - m_j``
the implicitly centred columns and ``s`` the sample weights.

The design arrives as the design tuple of :mod:`skreg._kernels._design`.
The residual ``r = Y - Z W`` is stored as ``rd + c 1^T``: ``rd``
(C-ordered ``(n_tasks, n_samples)``, one task's residual per row, so each
product is a vectorised dot over the samples) changes only on the stored
entries of an updated column, the offset ``c = W^T m`` absorbs the
centring, and ``S`` (the weighted sums of ``r``) is kept up to date so the
gradient of a row costs one read of its column:
``Z_j^T S r = X_j^T S rd + c colsum_j - m_j S``.

On a dense design one epoch reads ``rd`` once per row: the update of a row
and the product of the next row are one fused pass (:func:`_fused`), which
halves the loads and stores of the separate dot and axpy passes.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels.cd import _rand_below

__all__ = ["centred_products", "row_products", "sweep"]


@njit(**JIT_OPTIONS)
def _dots(x, sw, has_sw, rd, g):
    # g[t] = sum_i s_i x_i rd[t, i]: four (then two, one) tasks per read of x
    T, n = rd.shape
    t = 0
    while t < T:
        if t + 4 <= T:
            r0, r1, r2, r3 = rd[t], rd[t + 1], rd[t + 2], rd[t + 3]
            a0 = a1 = a2 = a3 = 0.0
            for i in range(n):
                v = x[i] * sw[i] if has_sw else x[i]
                a0 += v * r0[i]
                a1 += v * r1[i]
                a2 += v * r2[i]
                a3 += v * r3[i]
            g[t], g[t + 1], g[t + 2], g[t + 3] = a0, a1, a2, a3
            t += 4
        elif t + 2 <= T:
            r0, r1 = rd[t], rd[t + 1]
            a0 = a1 = 0.0
            for i in range(n):
                v = x[i] * sw[i] if has_sw else x[i]
                a0 += v * r0[i]
                a1 += v * r1[i]
            g[t], g[t + 1] = a0, a1
            t += 2
        else:
            r0 = rd[t]
            a0 = 0.0
            for i in range(n):
                a0 += (x[i] * sw[i] if has_sw else x[i]) * r0[i]
            g[t] = a0
            t += 1


@njit(**JIT_OPTIONS)
def _axpys(x, d, rd):
    # rd[t] -= d[t] x for every task, four (then two, one) tasks per read of x
    T, n = rd.shape
    t = 0
    while t < T:
        if t + 4 <= T:
            r0, r1, r2, r3 = rd[t], rd[t + 1], rd[t + 2], rd[t + 3]
            d0, d1, d2, d3 = d[t], d[t + 1], d[t + 2], d[t + 3]
            for i in range(n):
                u = x[i]
                r0[i] -= d0 * u
                r1[i] -= d1 * u
                r2[i] -= d2 * u
                r3[i] -= d3 * u
            t += 4
        else:
            r0, d0 = rd[t], d[t]
            for i in range(n):
                r0[i] -= d0 * x[i]
            t += 1


@njit(**JIT_OPTIONS)
def _fused(xa, d, xb, sw, has_sw, rd, g):
    # rd[t] -= d[t] xa, then g[t] = sum_i s_i xb_i rd[t, i], in one pass
    T, n = rd.shape
    t = 0
    while t < T:
        if t + 4 <= T:
            r0, r1, r2, r3 = rd[t], rd[t + 1], rd[t + 2], rd[t + 3]
            d0, d1, d2, d3 = d[t], d[t + 1], d[t + 2], d[t + 3]
            a0 = a1 = a2 = a3 = 0.0
            for i in range(n):
                u = xa[i]
                v = xb[i] * sw[i] if has_sw else xb[i]
                e0 = r0[i] - d0 * u
                e1 = r1[i] - d1 * u
                e2 = r2[i] - d2 * u
                e3 = r3[i] - d3 * u
                r0[i], r1[i], r2[i], r3[i] = e0, e1, e2, e3
                a0 += v * e0
                a1 += v * e1
                a2 += v * e2
                a3 += v * e3
            g[t], g[t + 1], g[t + 2], g[t + 3] = a0, a1, a2, a3
            t += 4
        else:
            r0, d0 = rd[t], d[t]
            a0 = 0.0
            for i in range(n):
                e0 = r0[i] - d0 * xa[i]
                r0[i] = e0
                a0 += (xb[i] * sw[i] if has_sw else xb[i]) * e0
            g[t] = a0
            t += 1


@njit(**JIT_OPTIONS)
def _sparse_dots(j, data, indices, indptr, sw, has_sw, rd, g):
    for t in range(rd.shape[0]):
        s = 0.0
        if has_sw:
            for k in range(indptr[j], indptr[j + 1]):
                i = indices[k]
                s += data[k] * sw[i] * rd[t, i]
        else:
            for k in range(indptr[j], indptr[j + 1]):
                s += data[k] * rd[t, indices[k]]
        g[t] = s


@njit(**JIT_OPTIONS)
def _sparse_axpys(j, d, data, indices, indptr, rd):
    for t in range(rd.shape[0]):
        a = d[t]
        if a != 0.0:
            for k in range(indptr[j], indptr[j + 1]):
                rd[t, indices[k]] -= a * data[k]


@njit(**JIT_OPTIONS)
def _centre_grad(j, xm, colsum, c, S, g):
    # the centring terms of Z_j^T S r on top of X_j^T S rd
    for t in range(g.shape[0]):
        g[t] += c[t] * colsum[j] - xm[j] * S[t]


@njit(**JIT_OPTIONS)
def _centre_update(j, d, xm, colsum, sw_sum, c, S):
    # r -= z_j d^T moves the offset by m_j d and S by the column's weighted
    # sum (zero when m_j is the exact mean)
    drift = colsum[j] - xm[j] * sw_sum
    for t in range(d.shape[0]):
        c[t] += xm[j] * d[t]
        S[t] -= drift * d[t]


@njit(**JIT_OPTIONS)
def row_grad(Z, j, rd, c, S, g):
    """``g = Z_j^T S r`` for the residual ``r = rd + c 1^T``."""
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, _ = Z
    if is_sparse:
        _sparse_dots(j, data, indices, indptr, sw, has_sw, rd, g)
    else:
        _dots(X[:, j], sw, has_sw, rd, g)
    _centre_grad(j, xm, colsum, c, S, g)


@njit(**JIT_OPTIONS)
def row_add(Z, j, d, rd, c, S):
    """``r -= z_j d^T`` (the stored entries of column ``j`` in ``rd``)."""
    X, data, indices, indptr, is_sparse, _, _, xm, colsum, sw_sum = Z
    if is_sparse:
        _sparse_axpys(j, d, data, indices, indptr, rd)
    else:
        _axpys(X[:, j], d, rd)
    _centre_update(j, d, xm, colsum, sw_sum, c, S)


@njit(**JIT_OPTIONS)
def row_products(Z, rd, c, S, feats, G):
    """``G[j] = Z_j^T S r`` for ``j in feats`` (rows of ``G`` elsewhere untouched)."""
    T = rd.shape[0]
    g = np.empty(T)
    for k in range(feats.shape[0]):
        j = feats[k]
        row_grad(Z, j, rd, c, S, g)
        # a loop, not G[j, :] = g: a slice assignment compiles numba's
        # shape-mismatch error formatting (seconds of a first fit)
        for t in range(T):
            G[j, t] = g[t]


@njit(**JIT_OPTIONS)
def centred_products(P, rows, colsum, xm, c, S, G):
    """``G[j] = P[:, j] + colsum_j c - m_j S`` for ``j in rows``: the products
    ``Z_j^T S r`` from ``P = rd X`` (one BLAS product over every column),
    in one pass without numpy's temporaries."""
    for k in range(rows.shape[0]):
        j = rows[k]
        for t in range(P.shape[0]):
            G[j, t] = P[t, j] + colsum[j] * c[t] - xm[j] * S[t]


@njit(**JIT_OPTIONS)
def _block_step(j, nj, W, l1, l2, g, d):
    # the block prox of row j given g = Z_j^T S r; d = new - old; moved?
    T = W.shape[1]
    nrm = 0.0
    for t in range(T):
        g[t] += nj * W[j, t]
        nrm += g[t] * g[t]
    nrm = np.sqrt(nrm)
    shrink = 0.0
    if nrm > l1[j]:
        shrink = (1.0 - l1[j] / nrm) / (nj + l2[j])
    moved = False
    for t in range(T):
        new = g[t] * shrink
        d[t] = new - W[j, t]
        moved = moved or d[t] != 0.0
        W[j, t] = new
    return moved


@njit(**JIT_OPTIONS)
def sweep(Z, norm2, W, rd, c, S, ws, l1, l2, random, rng_state, g, d):
    """One epoch of block CD over the rows ``ws`` (cyclic, or ``|ws|``
    uniform draws), ``W``, ``rd``, ``c``, ``S`` updated in place.

    On a dense design a row's residual update is deferred and fused with
    the next row's product.
    """
    X, is_sparse, sw, has_sw = Z.X, Z.is_sparse, Z.sw, Z.has_sw
    xm, colsum, sw_sum = Z.xm, Z.colsum, Z.sw_sum
    n_ws = ws.shape[0]
    pending = -1
    for kk in range(n_ws):
        k = _rand_below(rng_state, n_ws) if random else kk
        j = ws[k]
        nj = norm2[j]
        if nj == 0.0:
            continue
        if pending >= 0:
            _fused(X[:, pending], d, X[:, j], sw, has_sw, rd, g)
            _centre_grad(j, xm, colsum, c, S, g)
            pending = -1
        else:
            row_grad(Z, j, rd, c, S, g)
        if _block_step(j, nj, W, l1, l2, g, d):
            if is_sparse:
                row_add(Z, j, d, rd, c, S)
            else:
                _centre_update(j, d, xm, colsum, sw_sum, c, S)
                pending = j
    if pending >= 0:
        _axpys(X[:, pending], d, rd)
