"""Coordinate descent on a Gram system with per-feature penalties and bounds.

The covariance-update solver of ``precompute=True`` fits and of fits from
sufficient statistics (dask input).

Minimises ``1/2 w^T G w - q^T w + 1/2 yy + sum_j (l1[j] |w_j| + l2[j]/2 w_j^2)``
subject to ``lower[j] <= w_j <= upper[j]``: the CD-scaled ElasticNet
objective written with ``G = Z^T S Z``, ``q = Z^T S y`` and
``yy = y^T S y``.  One coordinate update costs O(p), independent of the
number of rows, which is what makes statistics-only fits possible.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels.cd import _rand_below
from skreg._kernels.penalty import conjugate, dual_limit
from skreg._kernels.prox import soft_threshold


@njit(**JIT_OPTIONS)
def bounded_coordinate_min(z, g_jj, l1, l2, lower, upper):
    """``clip(soft(z, l1) / (g_jj + l2), lower, upper)``: the exact minimiser
    of ``(g_jj + l2)/2 w^2 - z w + l1 |w|`` on ``[lower, upper]``
    (``lower <= 0 <= upper``)."""
    v = soft_threshold(z, l1) / (g_jj + l2)
    if v < lower:
        return lower
    if v > upper:
        return upper
    return v


@njit(**JIT_OPTIONS)
def gram_gap(q, yy, w, Gw, l1, l2, lower, upper):
    """Duality gap of the Gram problem, the in-memory solver's definition.

    For ``l1 > 0`` the dual point is the residual rescaled so that every
    penalised feature's correlation ``q_j - (Gw)_j - l2_j w_j`` lies in the
    domain of the conjugate of ``l1_j |w_j|`` on its box (one-sided for a
    sign constraint, unlimited on a side with a finite bound, whose
    conjugate then enters the dual: see :mod:`skreg._kernels.penalty`).
    Without any L1 weight formulation B of Dünner et al. (2016) is used
    when every feature (but those fixed at 0) has an L2 weight, else the
    squared (projected) gradient norm, as scikit-learn's ``cd_fast``.  Features without
    any weight must be eliminated by the caller (see
    :class:`skreg.solvers.gram.GramCD`) unless both their bounds are finite.
    """
    p = w.shape[0]
    qw = 0.0
    wGw = 0.0
    w_l1 = 0.0
    l2_w2 = 0.0
    grad_l2 = 0.0
    grad2 = 0.0
    scale = 1.0
    any_l1 = False
    ridge = True
    has_box = False
    for j in range(p):
        wj = w[j]
        lo, hi = lower[j], upper[j]
        qw += q[j] * wj
        wGw += wj * Gw[j]
        w_l1 += l1[j] * abs(wj)
        l2_w2 += l2[j] * wj * wj
        g = q[j] - Gw[j]
        v = g - l2[j] * wj
        has_box = has_box or (lo > -np.inf and lo != 0.0) or (hi < np.inf and hi != 0.0)
        # a sign constraint only bounds the gradient on one side
        d = v
        if lo == 0.0:
            g, d = max(g, 0.0), max(d, 0.0)
        if hi == 0.0:
            g, d = min(g, 0.0), min(d, 0.0)
        grad2 += d * d
        if l2[j] > 0.0:
            grad_l2 += g * g / l2[j]
        elif lo < 0.0 or hi > 0.0:
            ridge = False
        if l1[j] > 0.0:
            any_l1 = True
            scale = min(scale, dual_limit(v, l1[j], lo, hi))
    r_norm2 = max(yy + wGw - 2.0 * qw, 0.0)
    ry = yy - qw
    if any_l1:
        primal = 0.5 * (r_norm2 + l2_w2) + w_l1
        dual = -0.5 * scale * scale * (r_norm2 + l2_w2) + scale * ry
        if has_box:
            for j in range(p):
                v = q[j] - Gw[j] - l2[j] * w[j]
                dual -= conjugate(scale * v, l1[j], lower[j], upper[j])
        return primal - dual
    if ridge and l2_w2 + grad_l2 > 0.0:
        return r_norm2 + 0.5 * l2_w2 - ry + 0.5 * grad_l2
    return grad2


@njit(**JIT_OPTIONS)
def gram_cd(
    G, q, yy, w, Gw, l1, l2, lower, upper, max_iter, tol_abs, random, rng_state
):
    """CD epochs on ``w`` (and ``Gw = G w``) in place until the gap is at
    most ``tol_abs``; returns ``(gap, n_epochs)``.

    Coordinates are visited in order, or drawn at random (``random``, from
    the xorshift state ``rng_state``).  Only coordinates that move pay
    their O(p) update of ``Gw``.
    """
    p = w.shape[0]
    gap = gram_gap(q, yy, w, Gw, l1, l2, lower, upper)
    if gap <= tol_abs:
        return gap, 0
    n_iter = 0
    for it in range(max_iter):
        for f in range(p):
            j = _rand_below(rng_state, p) if random else f
            g_jj = G[j, j]
            if g_jj + l2[j] <= 0.0:
                continue
            wj = w[j]
            z = q[j] - Gw[j] + g_jj * wj
            new = bounded_coordinate_min(z, g_jj, l1[j], l2[j], lower[j], upper[j])
            if new != wj:
                d = new - wj
                w[j] = new
                for t in range(p):
                    Gw[t] += d * G[t, j]
        n_iter = it + 1
        gap = gram_gap(q, yy, w, Gw, l1, l2, lower, upper)
        if gap <= tol_abs:
            break
    return gap, n_iter
