"""Sufficient statistics of a block of rows and their pairwise merge.

A block's statistics are its weighted count, the weighted means of ``X`` and
``Y`` and the co-moments centred at those means (``Z^T S Z``, ``Z^T S V``,
``diag(V^T S V)`` with ``Z = X - 1 x_mean^T``, ``V = Y - 1 y_mean^T``).
Centring at each block's own means keeps the sums free of the cancellation
that raw ``X^T X - n m m^T`` suffers when the means are large; blocks are
then combined with Chan, Golub and LeVeque's update of co-moments, and a
part is taken away from a whole with the same update solved for the part.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def centre_block(X, Y, sw, has_sw):
    """Weighted means and the centred, weighted copy of a block of rows.

    For ``X`` (n, p) and ``Y`` (n, k) returns ``(weight, x_mean, y_mean, Z,
    V, yy)`` with ``Z = sqrt(s) (X - x_mean)`` and ``V = sqrt(s) (Y -
    y_mean)`` (C order, float64) and ``yy = diag(V^T V)``; the caller forms
    ``Z^T Z`` and ``Z^T V`` with BLAS (a symmetric rank-k update costs half
    a general product, which numba cannot call).  A block of total weight 0
    has zero means.
    """
    n, p = X.shape
    k = Y.shape[1]
    s = sw if has_sw else np.ones(n)
    weight = 0.0
    x_mean = np.zeros(p)
    y_mean = np.zeros(k)
    for i in range(n):
        si = s[i]
        weight += si
        xi = X[i]
        for j in range(p):
            x_mean[j] += si * xi[j]
        for t in range(k):
            y_mean[t] += si * Y[i, t]
    if weight > 0.0:
        x_mean /= weight
        y_mean /= weight
    Z = np.empty((n, p))
    V = np.empty((n, k))
    yy = np.zeros(k)
    for i in range(n):
        r = np.sqrt(s[i])
        xi = X[i]
        zi = Z[i]
        for j in range(p):
            zi[j] = r * (xi[j] - x_mean[j])
        for t in range(k):
            v = r * (Y[i, t] - y_mean[t])
            V[i, t] = v
            yy[t] += v * v
    return weight, x_mean, y_mean, Z, V, yy


@njit(**JIT_OPTIONS)
def merge_stats(wa, xa, ya, xxa, xya, yya, wb, xb, yb, xxb, xyb, yyb):
    """Statistics of the union of two disjoint sets of rows (Chan et al.)."""
    w = wa + wb
    if wb <= 0.0:
        return wa, xa.copy(), ya.copy(), xxa.copy(), xya.copy(), yya.copy()
    if wa <= 0.0:
        return wb, xb.copy(), yb.copy(), xxb.copy(), xyb.copy(), yyb.copy()
    f = wa * wb / w
    dx = xb - xa
    dy = yb - ya
    x = xa + dx * (wb / w)
    y = ya + dy * (wb / w)
    p = dx.shape[0]
    k = dy.shape[0]
    xx = xxa + xxb
    xy = xya + xyb
    for i in range(p):
        fi = f * dx[i]
        for j in range(p):
            xx[i, j] += fi * dx[j]
        for t in range(k):
            xy[i, t] += fi * dy[t]
    yy = yya + yyb + f * dy * dy
    return w, x, y, xx, xy, yy


@njit(**JIT_OPTIONS)
def subtract_stats(w, x, y, xx, xy, yy, wb, xb, yb, xxb, xyb, yyb):
    """Statistics of a whole minus one of its parts (the merge, inverted).

    With ``d = x_b - x_a = (x_b - x) w / w_a``, the whole's co-moment is
    ``xx_a + xx_b + (w_a w_b / w) d d^T``; solving for the rest needs no
    raw (uncentred) sums.
    """
    wa = w - wb
    if wb <= 0.0:
        return w, x.copy(), y.copy(), xx.copy(), xy.copy(), yy.copy()
    if wa <= 0.0:
        p = x.shape[0]
        k = y.shape[0]
        return (
            0.0,
            np.zeros(p),
            np.zeros(k),
            np.zeros((p, p)),
            np.zeros((p, k)),
            (np.zeros(k)),
        )
    dx = (xb - x) * (w / wa)
    dy = (yb - y) * (w / wa)
    xa = x - dx * (wb / w)
    ya = y - dy * (wb / w)
    f = wa * wb / w
    p = dx.shape[0]
    k = dy.shape[0]
    xxa = xx - xxb
    xya = xy - xyb
    for i in range(p):
        fi = f * dx[i]
        for j in range(p):
            xxa[i, j] -= fi * dx[j]
        for t in range(k):
            xya[i, t] -= fi * dy[t]
    yya = yy - yyb - f * dy * dy
    return wa, xa, ya, xxa, xya, yya
