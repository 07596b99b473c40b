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
from skreg._kernels._design import col_products, col_products2
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


@njit(**JIT_OPTIONS)
def raw_products(Z, rd, r_acc, with_acc, feats, XtA, XtA_acc):
    """``XtA[j] = x_j^T diag(s) rd`` (and ``XtA_acc[j]`` for ``r_acc`` when
    ``with_acc``) for ``j in feats``: the uncentred products, kept apart
    from :func:`primal_dual_from_products` so that a caller can compute
    them another way (BLAS, see
    :meth:`skreg.solvers.design.Design.raw_products`)."""
    if with_acc:
        col_products2(Z, rd, r_acc, feats, XtA, XtA_acc)
    else:
        col_products(Z, rd, feats, XtA)


@njit(**JIT_OPTIONS)
def domain_scale(XtA, feats, pen):
    """The largest scale that brings the residual with correlations ``XtA``
    (minus ``l2 w``) into the dual's domain (see
    :func:`primal_dual_from_products`): a finite bound does not limit it,
    its conjugate enters the dual instead (see :func:`box_dual`)."""
    scale = 1.0
    for k in range(feats.shape[0]):
        j = feats[k]
        l1 = pen.l1[j]
        if l1 > 0.0 or pen.l2[j] > 0.0:
            scale = min(scale, dual_limit(XtA[j], l1, pen.lower[j], pen.upper[j]))
    return scale


@njit(**JIT_OPTIONS)
def dual_scale(XtA, feats, pen):
    """:func:`domain_scale` (the name callers without the residual's norms
    use; with finite bounds, :func:`box_dual` from this scale is the
    better dual point)."""
    return domain_scale(XtA, feats, pen)


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
    """:func:`enet_primal_dual2` once :func:`raw_products` (or a BLAS product)
    has filled ``XtA`` (and ``XtA_acc``) for ``feats``; both are overwritten
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
    if has_box:
        dual, scale = box_dual(r_norm2, ry, w_l2, scale, pen, feats, XtA)
    else:
        dual = dual_value(r_norm2, ry, w_l2, scale, pen, feats, XtA, False)
    if not with_acc:
        return primal, dual, scale, -np.inf, 1.0
    a_norm2, ay = residual_stats(r_acc, 0.0, y, sw, has_sw)
    if has_box:
        dual_acc, scale_acc = box_dual(
            a_norm2, ay, w_l2, scale_acc, pen, feats, XtA_acc
        )
    else:
        dual_acc = dual_value(a_norm2, ay, w_l2, scale_acc, pen, feats, XtA_acc, False)
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
    raw_products(Z, rd, r_acc, with_acc, feats, XtA, XtA_acc)
    return primal_dual_from_products(
        Z, y, rd, c, r_acc, with_acc, S, w, pen, feats, XtA, XtA_acc
    )


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


@njit(**JIT_OPTIONS)
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
    radius = np.sqrt(2.0 * gap)
    n_keep = 0
    for k in range(feats.shape[0]):
        j = feats[k]
        # distance of z~_j^T theta to the boundary of the dual constraint,
        # scaled like the sphere's radius
        d = (l1[j] - scale * abs(XtA[j])) * inv_norm[j]
        kept = d <= radius or l1[j] == 0.0
        keep[j] = kept
        n_keep += kept
    return n_keep


@njit(**JIT_OPTIONS)
def zero_violators(XtA, w, feats, pen, idx, g):
    """The zero features of ``feats`` whose ``XtA_j`` pushes past ``l1_j (1 +
    1e-10)`` in a direction their bounds leave open: their positions in
    ``feats`` go to ``idx`` and those pushes to ``g``, in order; returns how
    many.  ``idx`` and ``g`` hold ``feats.size`` entries."""
    m = 0
    for k in range(feats.shape[0]):
        j = feats[k]
        v = toward(XtA[j], pen.lower[j], pen.upper[j])
        if w[j] == 0.0 and v > pen.l1[j] * (1.0 + 1e-10):
            idx[m] = k
            g[m] = v
            m += 1
    return m


@njit(**JIT_OPTIONS)
def subdiff_distance(XtA, w, feats, pen, out):
    """Distance of ``-grad`` to the subdifferential of the penalty, per feature.

    With ``XtA_j = z_j^T s r - l2_j w_j`` (minus the gradient of the smooth
    part), see :func:`skreg._kernels.penalty.violation`.  Used to rank
    features for the working set.
    """
    for k in range(feats.shape[0]):
        j = feats[k]
        out[k] = violation(XtA[j], w[j], pen.l1[j], pen.lower[j], pen.upper[j])


@njit(**JIT_OPTIONS)
def ws_scores(XtA, w, feats, pen, inv_norm, out):
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
    for k in range(feats.shape[0]):
        j = feats[k]
        v = toward(XtA[j], pen.lower[j], pen.upper[j])
        out[k] = np.inf if w[j] != 0.0 else (v - pen.l1[j]) * inv_norm[j]


# buckets of the working-set threshold's histogram pass
_TOP_BUCKETS = 1024


@njit(inline="always", **JIT_OPTIONS)
def _top_bucket(v, lo, scale):
    # the bucket of a finite score: monotone in v
    return min(int((v - lo) * scale), _TOP_BUCKETS - 1)


@njit(**JIT_OPTIONS)
def top_threshold(scores, m):
    """The ``m``-th largest of ``scores`` (``1 <= m <= scores.size``): what
    ``np.partition(scores, scores.size - m)[scores.size - m]`` returns.

    One pass finds the range of the finite scores, a second counts them in
    ``_TOP_BUCKETS`` equal buckets; only the bucket holding the threshold is
    then partitioned.  The bucket index is monotone in the score, so every
    score of a higher bucket is at least every score of a lower one, and
    the pass is several times faster than ``np.partition``.  Infinite
    scores (nonzero coefficients, see :func:`ws_scores`) count as the
    largest; a NaN falls back to ``np.partition``.
    """
    n = scores.shape[0]
    n_inf = 0
    lo = np.inf
    hi = -np.inf
    for v in scores:
        if v == np.inf:
            n_inf += 1
        elif v != v:
            return np.partition(scores, n - m)[n - m]
        else:
            lo = min(lo, v)
            hi = max(hi, v)
    if m <= n_inf:
        return np.inf
    m -= n_inf
    if not hi > lo:
        # one finite value
        return hi
    scale = _TOP_BUCKETS / (hi - lo)
    if not scale < np.inf:
        # a range too narrow to divide
        return np.partition(scores, n - m - n_inf)[n - m - n_inf]
    counts = np.zeros(_TOP_BUCKETS, dtype=np.int64)
    for v in scores:
        if v < np.inf:
            counts[_top_bucket(v, lo, scale)] += 1
    above = 0
    b = _TOP_BUCKETS - 1
    while above + counts[b] < m:
        above += counts[b]
        b -= 1
    vals = np.empty(counts[b])
    k = 0
    for v in scores:
        if v < np.inf and _top_bucket(v, lo, scale) == b:
            vals[k] = v
            k += 1
    r = m - above
    return np.partition(vals, k - r)[k - r]
