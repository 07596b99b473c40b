"""Duality gap and screening scores of the multi-task (L2,1) ElasticNet.

The gap is scikit-learn's (``gap_enet_multi_task`` of its ``_cd_fast.pyx``)
with per-feature weights: formulation A, the Lasso dual of the problem
augmented with ``sqrt(l2_j) e_j`` rows, when some ``l1_j > 0``;
formulation B (ridge) when every ``l1_j`` is 0 and some ``l2_j > 0``; the
squared gradient norm for least squares.  Every function reads the
products ``G = Z^T S r`` (see :mod:`skreg._kernels.multitask_rows`).
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS

__all__ = ["gap_from_products", "penalty_value", "residual_stats", "screen_scores"]


@njit(**JIT_OPTIONS)
def residual_stats(rd, c, Y, sw, has_sw):
    """``sum_i s_i |r_i|^2`` and ``sum_i s_i r_i^T y_i`` for ``r = rd + c 1^T``."""
    T, n = rd.shape
    r2 = 0.0
    ry = 0.0
    for t in range(T):
        ct = c[t]
        for i in range(n):
            r = rd[t, i] + ct
            s = sw[i] if has_sw else 1.0
            r2 += s * r * r
            ry += s * r * Y[t, i]
    return r2, ry


@njit(**JIT_OPTIONS)
def penalty_value(W, feats, l1, l2):
    """``sum_j l1_j |W_j| + l2_j/2 |W_j|^2`` over the rows ``feats``."""
    pen = 0.0
    for k in range(feats.shape[0]):
        j = feats[k]
        s = 0.0
        for t in range(W.shape[1]):
            s += W[j, t] * W[j, t]
        if s > 0.0:
            pen += l1[j] * np.sqrt(s) + 0.5 * l2[j] * s
    return pen


@njit(**JIT_OPTIONS)
def _smooth_gap(G, W, feats, l2, any_l2, r_norm2, ry, w_l2):
    # no L1 part: ridge (formulation B) or the least-squares gradient norm
    T = W.shape[1]
    gg = 0.0
    for k in range(feats.shape[0]):
        j = feats[k]
        s = 0.0
        for t in range(T):
            s += G[j, t] * G[j, t]
        gg += s / (2.0 * l2[j]) if any_l2 else s
    if not any_l2:
        return gg, 0.0, 0.0
    primal = 0.5 * (r_norm2 + w_l2)
    # gap = r2 + w_l2 / 2 - ry + |G|^2 / (2 l2), split as primal - dual
    return primal, primal - (r_norm2 + 0.5 * w_l2 - ry + gg), 0.0


@njit(**JIT_OPTIONS)
def gap_from_products(G, W, feats, l1, l2, r_norm2, ry):
    """Primal value, dual value and relative dual norm from ``G = Z^T S r``.

    Sums run over the rows ``feats`` (``W`` is zero elsewhere); the dual
    norm is ``max_j |G_j - l2_j W_j|_2 / l1_j``, the factor by which the
    rescaled residual leaves the dual feasible set (scikit-learn's
    ``dual_norm_XtA / alpha``).  Formulation A when some ``l1_j > 0``
    (features with ``l1_j = 0`` are left out of the dual norm: the caller
    projects the residual away from them first), else formulation B or the
    least-squares gradient norm, as scikit-learn's ``gap_enet_multi_task``.
    """
    T = W.shape[1]
    w_l21 = 0.0
    w_l2 = 0.0
    any_l1 = False
    any_l2 = False
    dual_norm = 0.0
    for k in range(feats.shape[0]):
        j = feats[k]
        any_l1 = any_l1 or l1[j] > 0
        any_l2 = any_l2 or l2[j] > 0
        nw2 = 0.0
        s = 0.0
        for t in range(T):
            nw2 += W[j, t] * W[j, t]
            a = G[j, t] - l2[j] * W[j, t]
            s += a * a
        if nw2 > 0.0:
            w_l21 += l1[j] * np.sqrt(nw2)
            w_l2 += l2[j] * nw2
        if l1[j] > 0:
            dual_norm = max(dual_norm, np.sqrt(s) / l1[j])
    if not any_l1:
        return _smooth_gap(G, W, feats, l2, any_l2, r_norm2, ry, w_l2)
    primal = 0.5 * (r_norm2 + w_l2) + w_l21
    scale = 1.0 / dual_norm if dual_norm > 1.0 else 1.0
    dual = -0.5 * scale * scale * (r_norm2 + w_l2) + scale * ry
    return primal, dual, dual_norm


@njit(**JIT_OPTIONS)
def screen_scores(G, W, feats, l1, l2, norm2, scale, out, rel):
    """``out[k] = (l1_j - scale |G_j - l2_j W_j|) / sqrt(norm2_j + l2_j)``
    and ``rel[k] = |G_j - l2_j W_j| / l1_j`` for ``j = feats[k]``.

    ``out`` is the distance of the rescaled dual point to the boundary of
    feature ``j``'s constraint, in units of the augmented column's norm:
    gap-safe screening drops ``j`` when it exceeds ``sqrt(2 gap)``, and the
    working set takes the smallest first.  A zero row with ``rel > 1``
    violates its optimality condition.  Unpenalised features score
    ``-inf`` (never screened, first in a working set).
    """
    T = W.shape[1]
    for k in range(feats.shape[0]):
        j = feats[k]
        s = 0.0
        for t in range(T):
            a = G[j, t] - l2[j] * W[j, t]
            s += a * a
        a = np.sqrt(s)
        if l1[j] > 0:
            out[k] = (l1[j] - scale * a) / np.sqrt(norm2[j] + l2[j])
            rel[k] = a / l1[j]
        else:
            out[k] = -np.inf
            rel[k] = np.inf
