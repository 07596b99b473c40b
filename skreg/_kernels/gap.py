"""Primal objective, duality gap and gap-safe screening for ElasticNet.

All quantities use coordinate-descent scaling (as scikit-learn's ``cd_fast``):

.. math::

    P(w) = \\tfrac12 \\sum_i s_i (y_i - z_i^\\top w)^2
           + \\lambda_1 \\|w\\|_1 + \\tfrac{\\lambda_2}{2} \\|w\\|_2^2

where ``z_i`` is the (implicitly) centred row and ``s`` the sample weights,
i.e. ``n_samples`` times scikit-learn's estimator objective with
``lambda_1 = n alpha l1_ratio`` and ``lambda_2 = n alpha (1 - l1_ratio)``.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._columns import centring, dense_dot, sparse_dot
from skreg._kernels.penalty import conjugates, dual_limit, toward, violation


def _dot(a, b):
    # long vectors by numpy's own loop: OpenBLAS spreads a long dot over its
    # threads, which then spin after it returns
    if a.shape[0] > 10_000:
        return float(np.einsum("i,i->", a, b))
    return float(np.dot(a, b))


def residual_stats(rd, c, y, sw=None):
    """Return ``(sum s r^2, sum s r y)`` for the residual ``r = rd + c``
    (``s = 1`` when ``sw`` is None)."""
    r = rd + c
    wr = r if sw is None else sw * r
    return _dot(wr, r), _dot(wr, y)


def dual_scale(XtA, feats, pen):
    """The largest scale ``t <= 1`` that brings the residual with
    correlations ``XtA`` (minus ``l2 w``) into the dual's domain, over
    ``feats`` (see :func:`skreg._kernels.penalty.dual_limit`): only a side
    whose bound is infinite limits it; a finite bound's conjugate enters the
    dual instead (see :func:`box_dual`).  Features without any penalty do
    not limit it."""
    v, l1 = XtA[feats], pen.l1[feats]
    lo, hi = pen.lower[feats], pen.upper[feats]
    limits = (v > l1) & (hi == np.inf) | (v < -l1) & (lo == -np.inf)
    limits &= (l1 > 0.0) | (pen.l2[feats] > 0.0)
    if not np.any(limits):
        return 1.0
    return min(1.0, float(np.min(l1[limits] / np.abs(v[limits]))))


def dual_value(r_norm2, ry, w_l2, scale, v=None, l1=None, lower=None, upper=None):
    """The dual at ``scale`` times the augmented residual (as scikit-learn's
    cd_fast for scalar penalties): ``r_norm2 = r^T S r``, ``ry = r^T S y``,
    ``w_l2 = sum_j l2_j w_j^2``.  With the correlations ``v`` (minus ``l2
    w``) and the penalty's ``l1``, ``lower``, ``upper`` of the same
    features, the conjugates of their finite nonzero bounds are taken off
    (see :func:`skreg._kernels.penalty.conjugates`)."""
    dual = scale * ry - 0.5 * scale * scale * (r_norm2 + w_l2)
    if v is not None:
        dual -= conjugates(scale * v, l1, lower, upper)
    return dual


def box_dual(r_norm2, ry, w_l2, scale, v, l1, lower, upper):
    """The best dual point ``s`` times the residual, ``0 <= s <= scale``,
    for features with correlations ``v`` (minus ``l2 w``) some of which have
    finite nonzero bounds; returns ``(dual, s)``.

    The dual at ``s`` is concave: the quadratic ``s ry - s^2 (r_norm2 +
    w_l2) / 2`` less each bounded feature's conjugate, zero up to ``s =
    l1_j / |v_j|`` and linear beyond (slope ``|v_j|`` times the bound).
    ``scale`` (the limit of the features whose correlation leans on an
    infinite side) alone makes a bound that is not active cost a large
    conjugate for a correlation a rounding past ``l1_j``, and the gap
    converge later than without it; the maximiser over ``s`` is at least
    as good as both ``scale`` and the plain (bounds ignored) scaling.
    """
    R = r_norm2 + w_l2
    up = (v > l1) & (upper > 0.0) & (upper < np.inf)
    down = ~up & (v < -l1) & (lower < 0.0) & (lower > -np.inf)
    a = np.where(up, v, -v)
    b = np.where(up, upper, -lower)
    kinks = (up | down) & (l1 < a * scale)
    t = l1[kinks] / a[kinks]
    order = np.argsort(t)
    t, slope = t[order], (a[kinks] * b[kinks])[order]
    s, lo, acc = scale, 0.0, 0.0
    for i in range(t.size + 1):
        hi = scale if i == t.size else t[i]
        # on [lo, hi] the dual's derivative is ry - s R - acc
        if R > 0.0:
            s_star = (ry - acc) / R
        else:
            s_star = hi if ry - acc > 0.0 else lo
        if s_star <= hi:
            s = max(s_star, lo)
            break
        if i < t.size:
            acc += slope[i]
            lo = hi
    return dual_value(r_norm2, ry, w_l2, s, v, l1, lower, upper), s


def _smooth_dual(primal, r_norm2, ry, w_l2, v, w, l2, lower, upper):
    # no L1 part: formulation B of Dünner et al. (2016) when every feature
    # has a ridge part, else the squared (projected) gradient norm as the
    # gap, both as scikit-learn's cd_fast; v holds z^T S r - l2 w
    ridge = bool(np.all(l2 > 0.0))
    # formulation B's conjugate reads z^T S r, the gradient norm v
    g = v + l2 * w if ridge else v.copy()
    g = np.where(lower == 0.0, np.maximum(g, 0.0), g)
    g = np.where(upper == 0.0, np.minimum(g, 0.0), g)
    if ridge:
        conj = float(np.sum(g * g / (2.0 * l2)))
        return primal - (r_norm2 + 0.5 * w_l2 - ry + conj)
    return primal - float(g @ g)


@njit(**JIT_OPTIONS)
def gap_sums(Z, u, v, with_v, c, S, w, pen, feats, XtA, XtA_acc, read):
    """The sums over ``feats`` a duality gap needs, in one loop.

    With ``read``, ``XtA[j] = x_j^T u`` (and ``XtA_acc[j] = x_j^T v`` when
    ``with_v``) are computed first, for ``j in feats``, where ``u = S rd``
    and ``v = S r_acc`` are the weighted residuals; without it they hold
    those products already (from BLAS, say).  Either way both become the
    centred correlations minus ``l2 w`` (``c``: the offset of ``rd``, ``S``
    the weighted sum of ``rd + c``).  Returns ``(w_l1, w_l2, scale,
    scale_acc, any_l1, box)``: the penalty's sums, the domain scales (see
    :func:`skreg._kernels.penalty.dual_limit`; unpenalised features do not
    limit them) and whether some of ``feats`` have an L1 weight, and finite
    nonzero bounds.  One compiled function: callees would each be compiled,
    and linked into it, again.
    """
    X, data, indices, indptr, is_sparse, _, _, xm, colsum, _ = Z
    w_l1 = w_l2 = 0.0
    scale = scale_acc = 1.0
    any_l1 = box = False
    for k in range(feats.shape[0]):
        j = feats[k]
        if read:
            if is_sparse:
                XtA[j] = sparse_dot(j, data, indices, indptr, u)
                if with_v:
                    XtA_acc[j] = sparse_dot(j, data, indices, indptr, v)
            else:
                XtA[j] = dense_dot(j, X, u)
                if with_v:
                    XtA_acc[j] = dense_dot(j, X, v)
        wj = w[j]
        l1, l2, lo, hi = pen.l1[j], pen.l2[j], pen.lower[j], pen.upper[j]
        any_l1 = any_l1 or l1 > 0.0
        box = box or (lo > -np.inf and lo != 0.0) or (hi < np.inf and hi != 0.0)
        w_l1 += l1 * abs(wj)
        w_l2 += l2 * wj * wj
        g = XtA[j] + centring(j, xm, colsum, c, S) - l2 * wj
        XtA[j] = g
        # (unpenalised features: see skreg.solvers._free)
        penalised = l1 > 0.0 or l2 > 0.0
        if penalised:
            scale = min(scale, dual_limit(g, l1, lo, hi))
        if with_v:
            h = XtA_acc[j] + centring(j, xm, colsum, 0.0, S) - l2 * wj
            XtA_acc[j] = h
            if penalised:
                scale_acc = min(scale_acc, dual_limit(h, l1, lo, hi))
    return w_l1, w_l2, scale, scale_acc, any_l1, box


def primal_dual(Z, y, rd, c, r_acc, with_acc, S, w, pen, feats, XtA, XtA_acc, read):
    """Primal value at ``w``, and dual values at the rescaled residual
    ``rd + c`` and (``with_acc``) at ``r_acc``.

    ``XtA`` (and ``XtA_acc``) receive the centred correlations minus ``l2
    w`` for ``feats``, from the uncentred products ``x_j^T S rd`` (and
    ``x_j^T S r_acc``) they hold, or that :func:`gap_sums` computes with
    ``read``.  ``Z`` is the design tuple (see
    :mod:`skreg._kernels._design`).  ``r_acc`` need not be the residual of
    ``w``: it is the Anderson extrapolation of recent residuals, a better
    dual point (dual extrapolation, Massias et al., 2018).  It shares the
    weighted sum ``S`` of ``rd + c`` (both are affine combinations of
    residuals with that sum) and is only used with an L1 part.  Features
    outside ``feats`` must have ``w_j = 0`` (screened or outside a working
    set), and the dual points are feasible for the problem restricted to
    ``feats``.

    Returns ``(primal, dual, scale, dual_acc, scale_acc)``: the dual points
    are ``scale`` times the (augmented) residuals (see
    :mod:`skreg._kernels.penalty`; ``dual_acc = -inf`` when not used).  With
    an L1 part the residual is rescaled into the dual's domain (formulation
    A), with finite bounds at its best scale (:func:`box_dual`); without
    one formulation B of Dünner et al. (2016) is used, or with a feature
    without any penalty the squared gradient norm as the gap, as in
    scikit-learn.  Features with neither an L1 nor an L2 weight do not
    limit the scale: the caller makes the residual orthogonal to them first
    (see :mod:`skreg.solvers._free`).
    """
    sw = Z.sw if Z.has_sw else None
    r = rd + c
    u = r if sw is None else sw * r
    r_norm2, ry = _dot(u, r), _dot(u, y)
    # (the offset c enters the products through centring)
    u = rd if sw is None else sw * rd
    a = r_acc if sw is None else sw * r_acc
    sums = gap_sums(Z, u, a, with_acc, c, S, w, pen, feats, XtA, XtA_acc, read)
    w_l1, w_l2, scale, scale_acc, any_l1, box = sums
    primal = 0.5 * (r_norm2 + w_l2) + w_l1
    if not any_l1:
        args = (w[feats], pen.l2[feats], pen.lower[feats], pen.upper[feats])
        dual = _smooth_dual(primal, r_norm2, ry, w_l2, XtA[feats], *args)
        return primal, dual, scale, -np.inf, 1.0
    if box:
        args = (pen.l1[feats], pen.lower[feats], pen.upper[feats])
        dual, scale = box_dual(r_norm2, ry, w_l2, scale, XtA[feats], *args)
    else:
        dual = dual_value(r_norm2, ry, w_l2, scale)
    if not with_acc:
        return primal, dual, scale, -np.inf, 1.0
    a_norm2, ay = _dot(a, r_acc), _dot(a, y)
    if box:
        dual_acc, scale_acc = box_dual(
            a_norm2, ay, w_l2, scale_acc, XtA_acc[feats], *args
        )
    else:
        dual_acc = dual_value(a_norm2, ay, w_l2, scale_acc)
    return primal, dual, scale, dual_acc, scale_acc


def inverse_norms(norm2, l2):
    """``1 / sqrt(norm2 + l2)`` per feature (``inf`` for a zero column when
    ``l2 = 0``): the scale of each feature's distance to the dual
    constraint, in :func:`gap_safe_screen` and :func:`ws_scores`.

    Computed once per solve: every pass then multiplies instead of taking a
    root and dividing, and the loops vectorise (Numba's division checks for
    zero, a branch in every iteration).
    """
    with np.errstate(divide="ignore"):
        return 1.0 / np.sqrt(norm2 + l2)


def gap_safe_screen(XtA, inv_norm, feats, l1, scale, gap, keep):
    """Gap-safe sphere test (Ndiaye et al., 2017, eq. 11), per feature.

    Sets ``keep[j] = False`` for the features of ``feats`` that are provably
    zero at the optimum, ``scale |XtA_j| + sqrt(2 gap) ||z~_j|| < l1_j`` at
    the dual point ``scale`` times the residual, and returns how many
    features are still kept.  The caller zeroes their coefficients.
    ``inv_norm`` is :func:`inverse_norms`; a zero column (``inv_norm =
    inf``, its correlation 0) is always dropped, a feature without L1
    weight never.
    """
    lam = l1[feats]
    # distance of z~_j^T theta to the boundary of the dual constraint,
    # scaled like the sphere's radius
    d = (lam - scale * np.abs(XtA[feats])) * inv_norm[feats]
    # (a gap rounded below zero is zero)
    kept = (d <= np.sqrt(2.0 * max(gap, 0.0))) | (lam == 0.0)
    keep[feats] = kept
    return int(np.count_nonzero(kept))


def zero_violators(XtA, w, feats, pen):
    """The zero features of ``feats`` whose ``XtA_j`` pushes past ``l1_j (1 +
    1e-10)`` in a direction their bounds leave open; returns their
    positions in ``feats`` and those pushes."""
    v = toward(XtA[feats], pen.lower[feats], pen.upper[feats])
    idx = np.flatnonzero((w[feats] == 0.0) & (v > pen.l1[feats] * (1.0 + 1e-10)))
    return idx, v[idx]


def subdiff_distance(XtA, w, feats, pen):
    """Distance of ``-grad`` to the subdifferential of the penalty, per
    feature of ``feats``.

    With ``XtA_j = z_j^T s r - l2_j w_j`` (minus the gradient of the smooth
    part), see :func:`skreg._kernels.penalty.violation`.
    """
    return violation(
        XtA[feats], w[feats], pen.l1[feats], pen.lower[feats], pen.upper[feats]
    )


def ws_scores(XtA, w, feats, pen, inv_norm):
    """Priority of each feature of ``feats`` for the next working set.

    Nonzero coefficients get ``inf`` (they always stay).  A zero coefficient
    gets ``(|XtA_j| - l1_j) / sqrt(norm2_j + l2_j)`` (only the side its
    bounds leave open; ``inv_norm`` is :func:`inverse_norms`): positive for
    features violating their optimality condition, and for the others minus
    their distance to the dual constraint's boundary, as in celer's ranking
    (Massias et al., 2018).  A bare violation distance would score every
    non-violating feature 0 and fill the rest of the set with arbitrary
    ones.
    """
    v = toward(XtA[feats], pen.lower[feats], pen.upper[feats])
    with np.errstate(invalid="ignore"):
        score = (v - pen.l1[feats]) * inv_norm[feats]
    return np.where(w[feats] != 0.0, np.inf, score)


def top_threshold(scores, m):
    """The ``m``-th largest of ``scores`` (``1 <= m <= scores.size``)."""
    return np.partition(scores, scores.size - m)[scores.size - m]
