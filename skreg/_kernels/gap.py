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
from skreg._kernels._columns import centring
from skreg._kernels._design import col_products
from skreg._kernels.penalty import conjugate, dual_limit, toward, violation


@njit(**JIT_OPTIONS)
def residual_stats(rd, c, y, sw, has_sw):
    """Return ``(sum s r^2, sum s r y)`` for the residual ``r = rd + c``."""
    r_norm2 = 0.0
    ry = 0.0
    for i in range(rd.shape[0]):
        r = rd[i] + c
        wr = sw[i] * r if has_sw else r
        r_norm2 += wr * r
        ry += wr * y[i]
    return r_norm2, ry


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


@njit(**JIT_OPTIONS)
def dual_value(r_norm2, ry, w_l2, scale, pen, feats, XtA, has_box):
    """The dual at ``scale`` times the augmented residual (as scikit-learn's
    cd_fast for scalar penalties): ``r_norm2 = r^T S r``, ``ry = r^T S y``,
    ``w_l2 = sum_j l2_j w_j^2``; ``has_box`` adds the conjugates of
    features with finite nonzero bounds."""
    dual = scale * ry - 0.5 * scale * scale * (r_norm2 + w_l2)
    if has_box:
        for k in range(feats.shape[0]):
            j = feats[k]
            dual -= conjugate(scale * XtA[j], pen.l1[j], pen.lower[j], pen.upper[j])
    return dual


@njit(**JIT_OPTIONS)
def box_dual(r_norm2, ry, w_l2, scale, pen, feats, XtA):
    """The best dual point ``s`` times the residual, ``0 <= s <= scale``,
    when some features have finite nonzero bounds; returns ``(dual, s)``.

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
    t = np.empty(feats.shape[0])
    slope = np.empty(feats.shape[0])
    m = 0
    for k in range(feats.shape[0]):
        j = feats[k]
        v, l1 = XtA[j], pen.l1[j]
        if v > l1 and 0.0 < pen.upper[j] < np.inf:
            a, b = v, pen.upper[j]
        elif v < -l1 and -np.inf < pen.lower[j] < 0.0:
            a, b = -v, -pen.lower[j]
        else:
            continue
        if l1 < a * scale:
            t[m] = l1 / a
            slope[m] = a * b
            m += 1
    order = np.argsort(t[:m])
    s = scale
    lo = 0.0
    acc = 0.0
    for i in range(m + 1):
        hi = scale if i == m else t[order[i]]
        # on [lo, hi] the dual's derivative is ry - s R - acc
        if R > 0.0:
            s_star = (ry - acc) / R
        else:
            s_star = hi if ry - acc > 0.0 else lo
        if s_star <= hi:
            s = max(s_star, lo)
            break
        if i < m:
            acc += slope[order[i]]
            lo = hi
    return dual_value(r_norm2, ry, w_l2, s, pen, feats, XtA, True), s


@njit(**JIT_OPTIONS)
def _smooth_dual(primal, r_norm2, ry, w_l2, pen, feats, XtA, w):
    # no L1 part: formulation B of Dünner et al. (2016) when every feature
    # has a ridge part, else the squared (projected) gradient norm as the
    # gap, both as scikit-learn's cd_fast; XtA holds z^T S r - l2 w
    ridge = True
    for k in range(feats.shape[0]):
        ridge = ridge and pen.l2[feats[k]] > 0.0
    conj = 0.0
    for k in range(feats.shape[0]):
        j = feats[k]
        # formulation B's conjugate reads z^T S r, the gradient norm XtA
        g = XtA[j] + pen.l2[j] * w[j] if ridge else XtA[j]
        if pen.lower[j] == 0.0:
            g = max(g, 0.0)
        if pen.upper[j] == 0.0:
            g = min(g, 0.0)
        conj += g * g / (2.0 * pen.l2[j]) if ridge else g * g
    if ridge:
        return primal - (r_norm2 + 0.5 * w_l2 - ry + conj)
    return primal - conj


@njit(**JIT_OPTIONS)
def primal_dual_from_products(
    Z, y, rd, c, r_acc, with_acc, S, w, pen, feats, XtA, XtA_acc
):
    """:func:`enet_primal_dual2` once the uncentred products ``x_j^T S rd``
    (see :meth:`skreg.solvers.design.Design.raw_products`) fill ``XtA``
    (and ``XtA_acc``) for ``feats``; both are overwritten
    with the centred correlations minus ``l2 w``.

    Returns ``(primal, dual, scale, dual_acc, scale_acc)``: the dual points
    are ``scale`` times the (augmented) residuals (see
    :mod:`skreg._kernels.penalty`).  Features with neither an L1 nor an L2
    weight do not limit the scale: the caller makes the residual orthogonal
    to them first (see :mod:`skreg.solvers._free`).
    """
    sw, has_sw, xm, colsum = Z.sw, Z.has_sw, Z.xm, Z.colsum
    r_norm2, ry = residual_stats(rd, c, y, sw, has_sw)
    w_l1 = 0.0
    w_l2 = 0.0
    scale = 1.0
    scale_acc = 1.0
    any_l1 = False
    has_box = False
    for k in range(feats.shape[0]):
        j = feats[k]
        wj = w[j]
        l1, l2, lo, hi = pen.l1[j], pen.l2[j], pen.lower[j], pen.upper[j]
        any_l1 = any_l1 or l1 > 0.0
        has_box = has_box or (lo > -np.inf and lo != 0.0) or (hi < np.inf and hi != 0.0)
        w_l1 += l1 * abs(wj)
        w_l2 += l2 * wj * wj
        g = XtA[j] + centring(j, xm, colsum, c, S)
        v = g - l2 * wj
        XtA[j] = v
        # (unpenalised features: see skreg.solvers._free)
        free = l1 == 0.0 and l2 == 0.0
        if not free:
            scale = min(scale, dual_limit(v, l1, lo, hi))
        if with_acc:
            u = XtA_acc[j] + centring(j, xm, colsum, 0.0, S) - l2 * wj
            XtA_acc[j] = u
            if not free:
                scale_acc = min(scale_acc, dual_limit(u, l1, lo, hi))
    primal = 0.5 * (r_norm2 + w_l2) + w_l1
    if not any_l1:
        dual = _smooth_dual(primal, r_norm2, ry, w_l2, pen, feats, XtA, w)
        return primal, dual, scale, -np.inf, 1.0
    # with finite bounds, the conjugates at the domain scale (see box_dual
    # for the best scale, which callers add: compiled here, its sort would
    # cost every first fit, bounded or not)
    dual = dual_value(r_norm2, ry, w_l2, scale, pen, feats, XtA, has_box)
    if not with_acc:
        return primal, dual, scale, -np.inf, 1.0
    a_norm2, ay = residual_stats(r_acc, 0.0, y, sw, has_sw)
    dual_acc = dual_value(a_norm2, ay, w_l2, scale_acc, pen, feats, XtA_acc, has_box)
    return primal, dual, scale, dual_acc, scale_acc


@njit(**JIT_OPTIONS)
def enet_primal_dual2(Z, y, rd, c, r_acc, with_acc, S, w, pen, feats, XtA, XtA_acc):
    """Primal value at ``w``, and dual values at the rescaled residual
    ``rd + c`` and at the extrapolated residual ``r_acc``, in one pass.

    ``Z`` is the design tuple (see :mod:`skreg._kernels._design`).
    ``r_acc`` need not be the residual of ``w``: it is the Anderson
    extrapolation of recent residuals, a better dual point (dual
    extrapolation, Massias et al., 2018).  It shares the weighted sum ``S``
    of ``rd + c`` (both are affine combinations of residuals with that sum)
    and is only used with ``l1 > 0`` and ``with_acc``.
    ``XtA[j] = z_j^T diag(s) r - l2 w_j`` is written for ``j in feats``, and
    ``XtA_acc`` likewise for ``r_acc``; features outside ``feats`` must have
    ``w_j = 0`` (screened or outside a working set), and the dual points are
    feasible for the problem restricted to ``feats``.

    Returns ``(primal, dual, dual_norm, dual_acc, dual_norm_acc)``
    (``dual_acc = -inf`` when the extrapolated point is not used).  For
    ``l1 > 0`` the dual point is the residual rescaled into the feasible set
    (formulation A); for ``l1 = 0`` formulation B of Dünner et al. (2016) is
    used, and for ``l1 = l2 = 0`` the dual is ``primal - ||grad||^2``, so
    that the "gap" is the squared gradient norm, as in scikit-learn.
    """
    col_products(Z, rd, feats, XtA)
    if with_acc:
        col_products(Z, r_acc, feats, XtA_acc)
    out = primal_dual_from_products(
        Z, y, rd, c, r_acc, with_acc, S, w, pen, feats, XtA, XtA_acc
    )
    if not has_l1_and_box(pen, feats):
        return out
    return best_box_dual(out, Z, y, rd, c, r_acc, with_acc, w, pen, feats, XtA, XtA_acc)


@njit(**JIT_OPTIONS)
def has_l1_and_box(pen, feats):
    """Whether some of ``feats`` have an L1 weight, and some finite nonzero
    bounds (see :func:`best_box_dual`)."""
    any_l1 = False
    box = False
    for k in range(feats.shape[0]):
        j = feats[k]
        lo, hi = pen.lower[j], pen.upper[j]
        any_l1 = any_l1 or pen.l1[j] > 0.0
        box = box or (lo > -np.inf and lo != 0.0) or (hi < np.inf and hi != 0.0)
    return any_l1 and box


@njit(**JIT_OPTIONS)
def best_box_dual(out, Z, y, rd, c, r_acc, with_acc, w, pen, feats, XtA, XtA_acc):
    """``out`` of :func:`primal_dual_from_products` with both dual values at
    their best scale (:func:`box_dual`), for a penalty with an L1 part and
    finite nonzero bounds on some of ``feats``."""
    primal, dual, scale, dual_acc, scale_acc = out
    w_l2 = 0.0
    for k in range(feats.shape[0]):
        j = feats[k]
        w_l2 += pen.l2[j] * w[j] * w[j]
    r_norm2, ry = residual_stats(rd, c, y, Z.sw, Z.has_sw)
    dual, scale = box_dual(r_norm2, ry, w_l2, scale, pen, feats, XtA)
    if with_acc:
        a_norm2, ay = residual_stats(r_acc, 0.0, y, Z.sw, Z.has_sw)
        dual_acc, scale_acc = box_dual(
            a_norm2, ay, w_l2, scale_acc, pen, feats, XtA_acc
        )
    return primal, dual, scale, dual_acc, scale_acc


@njit(**JIT_OPTIONS)
def enet_primal_dual(Z, y, rd, c, S, w, pen, feats, XtA):
    """:func:`enet_primal_dual2` without an extrapolated point; returns
    ``(primal, dual, scale)``."""
    primal, dual, scale, _, _ = enet_primal_dual2(
        Z, y, rd, c, rd, False, S, w, pen, feats, XtA, XtA
    )
    return primal, dual, scale


@njit(**JIT_OPTIONS)
def enet_gap(Z, y, rd, c, S, w, pen, feats, XtA):
    """Duality gap of the ElasticNet problem restricted to ``feats``.

    See :func:`enet_primal_dual`; ``r = rd + c`` must be the residual of
    ``w``.  Returns ``(gap, scale, primal)``.
    """
    primal, dual, scale = enet_primal_dual(Z, y, rd, c, S, w, pen, feats, XtA)
    return primal - dual, scale, primal


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
