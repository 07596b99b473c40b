"""Working-set coordinate descent for ElasticNet with gap-safe screening.

The outer loop (here, in Python: a handful of iterations) computes the
global duality gap, screens features that are provably zero, ranks the rest
by how far they violate the optimality conditions and hands a small working
set to the Numba kernel :func:`skreg._kernels.cd.cd_epochs`, which runs CD
epochs with Anderson extrapolation until the working-set gap falls below a
fraction of the global one.  The fit stops on the global duality gap against
``tol * sum_i s_i y_i^2``: scikit-learn's rule, so ``tol`` means the same.
"""

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from skreg._kernels._design import residual
from skreg._kernels.cd import cd_epochs
from skreg._kernels.gap import (
    dual_scale,
    dual_value,
    gap_safe_screen,
    inverse_norms,
    primal_dual_from_products,
    residual_stats,
    top_threshold,
    ws_scores,
)
from skreg._kernels.penalty import make_penalty
from skreg.solvers._free import FreeFeatures, free_features
from skreg.solvers._newton import support_newton
from skreg.solvers._polish import AGAIN, STOP, Polish

__all__ = ["CDResult", "enet_cd"]

# Long columns (see LONG_COLUMN_ROWS) stream from memory in every CD epoch
# and every working-set gap check.  On such dense designs the outer pass,
# which BLAS spreads over every core, costs about as much as the kernel's
# single-core check of a working set a third of its size: the check is left
# to the outer pass, which follows a passed check anyway (tall 20000 x 500:
# every inner solve passes its first check, and skipping it took 25.7 ->
# 20.5 ms at alpha_max / 10 and 49 -> 45 ms at alpha_max / 100, same
# iterates).
_CHECK_BY_PASS = 3.0


@dataclass
class CDResult:
    """Outcome of one ElasticNet solve (coordinate-descent scaling)."""

    coef: np.ndarray
    n_iter: int
    gap: float
    tol: float
    converged: bool
    history: list = field(default_factory=list)


def _cold_primal_dual(design, y, xty, feats, pen, XtA):
    """:func:`~skreg._kernels.gap.enet_primal_dual2` at ``w = 0`` from the
    known correlations ``xty = Z^T S y`` (no pass over the design)."""
    XtA[feats] = xty[feats]
    y_norm2 = design.weighted_norm2(y)
    # at w = 0 the residual is y: |r|^2 = r^T y = |y|^2 and |w|^2 = 0
    scale = dual_scale(XtA, feats, pen)
    dual = dual_value(y_norm2, y_norm2, 0.0, scale, pen, feats, XtA, True)
    return 0.5 * y_norm2, dual, scale


def _ws_dual(design, y, rd, c, w, ws, XtA_theta, pen):
    """Dual value of the problem restricted to ``ws`` at the residual
    ``rd + c`` (the kernel's own working-set check), from the correlations
    of a full pass."""
    r_norm2, ry = residual_stats(rd, c, y, design.sw, design.has_sw)
    w_l2 = float(np.dot(pen.l2[ws] * w[ws], w[ws]))
    scale = dual_scale(XtA_theta, ws, pen)
    return dual_value(r_norm2, ry, w_l2, scale, pen, ws, XtA_theta, True)


def _seed_state(random_state):
    """State of the kernels' generator; a fixed dummy when not random."""
    if random_state is None:
        return np.ones(1, dtype=np.uint64)
    seed = int(random_state.randint(1, np.iinfo(np.int32).max))
    return np.array([seed * 2654435761 + 1], dtype=np.uint64)


def enet_cd(
    design,
    y,
    w,
    l1,
    l2,
    *,
    max_iter=1000,
    tol=1e-4,
    positive=False,
    lower=None,
    upper=None,
    random_state=None,
    working_set=True,
    screening=True,
    anderson=5,
    p0=10,
    inner_ratio=0.3,
    settled_ratio=0.03,
    check_every=4,
    newton=True,
    ws_growth=1.5,
    full_every=3,
    xty=None,
):
    """Minimise ``1/2 sum s (y - Z w)^2 + l1 |w|_1 + l2/2 |w|^2`` in place.

    Parameters
    ----------
    design : Design
        The (implicitly centred, weighted) design.
    y : ndarray of shape (n_samples,)
        Centred target, same dtype as the design.
    w : ndarray of shape (n_features,)
        Starting point; updated in place (iterations run in float64).
    l1, l2 : float or ndarray of shape (n_features,)
        Penalty strengths in CD scaling (``n alpha l1_ratio`` and
        ``n alpha (1 - l1_ratio)`` for scikit-learn's objective), per
        feature or for all.
    max_iter : int
        Maximum number of CD epochs (passes over the working set).
    tol : float
        Stop when the duality gap is ``<= tol * sum_i s_i y_i^2``.
    positive : bool
        Constrain ``w >= 0`` (the same as ``lower=0``).
    lower, upper : float or ndarray of shape (n_features,) or None
        Box constraints ``lower <= w <= upper`` (``lower <= 0 <= upper``);
        None for none.
    random_state : numpy.random.RandomState or None
        When given, coordinates are drawn at random (``selection='random'``).
    working_set, screening : bool
        Use a growing working set / gap-safe screening (both need ``l1 > 0``).
    anderson : int
        Number of iterates Anderson extrapolation combines (0 disables it).
    p0 : int
        Smallest working set after the first.
    inner_ratio : float
        A restricted solve stops when its own gap is at most ``inner_ratio``
        times the last full gap (or ``tol``, whichever is larger).
    settled_ratio : float
        The ratio used instead of ``inner_ratio`` when the working set looks
        settled: the last inner solve met its target at its first gap check
        and the full pass found no feature outside that solve's set
        violating its optimality condition.  The inner solves then reach
        their targets in a few epochs while each pass costs many epochs of
        the set (all features against a small set), and the gap fell about
        five times per pass: wide 500 x 5000 Lasso at ``alpha_max / 10``
        made eight passes to tol 1e-6.  Aiming ten times lower there: 7.2
        -> 5.4 ms (tol 1e-4: 5.9 -> 5.4), ElasticNet 7.3 -> 6.4 ms, sparse
        2000 x 20000 at ``alpha_max / 30`` 8.2 -> 7.2 ms; neutral on the
        reference benchmark's tall, sparse and ``alpha_max / 100`` problems.
        A ratio of 0 (solve the set to ``tol`` at once) cost 30% more on a
        1000 x 20000 ElasticNet, whose intermediate pass screened all but
        196 features and made the later passes cheap.  Inner solves whose
        checks the passes answer (see ``_CHECK_BY_PASS``) never count as
        settled.
    check_every : int
        The inner solve checks its working-set gap after ``check_every``
        epochs, then every ``2 * check_every`` (see
        :func:`~skreg._kernels.cd.cd_epochs`).  With ``full_every=3``, 4
        measured 6-12% faster to 1e-6 than 5 on the reference benchmark's
        tall and wide problems (Lasso and ElasticNet; tall 20000 x 500 at
        ``alpha_max / 100``: 46.1 -> 42.6 ms) and neutral on diabetes and
        the sparse Lasso; the sparse ElasticNet at ``alpha_max / 100`` took
        one outer iteration more (46.6 -> 52.0 ms).  3 was faster still on
        tall at ``alpha_max / 10`` but 15% slower at ``alpha_max / 100``.
        On dense designs with long columns the outer pass answers these
        checks instead (see ``_CHECK_BY_PASS``), after the same epochs.
    newton : bool
        Try an exact Newton step on the support once the sign pattern has
        settled (see :mod:`skreg.solvers._newton`).
    ws_growth : float
        Working sets after the first hold ``ws_growth`` times the current
        support (at least ``p0`` features): 1.5 was faster than 2 by 10-20%
        on the reference benchmark's wide, tall and sparse problems at
        ``alpha_max / 100`` and neutral at ``alpha_max / 10``.
    full_every : int
        Only every ``full_every``-th epoch sweeps the whole working set; the
        others sweep its nonzero coefficients (glmnet's active-set cycling).
        3 measured 6-11% faster to relative suboptimality 1e-6 than 1 (full
        sweeps only) on the reference benchmark's tall and wide problems,
        Lasso and ElasticNet, and neutral on sparse and diabetes; 5 was
        faster on wide 500 x 5000 at ``alpha_max / 100`` (42.6 against 45.6
        ms) but 10-40% slower on the sparse ElasticNet and on diabetes.
    xty : ndarray of shape (n_features,) or None
        ``Z^T S y`` when already known (see ``Design(targets=...)``): a
        cold start (``w = 0``) then skips the first pass over the design.

    Returns
    -------
    CDResult
    """
    w_out = w
    pen = make_penalty(design.n_features, l1, l2, positive, lower, upper)
    max_iter, check_every, anderson = int(max_iter), int(check_every), int(anderson)
    w = np.asarray(w, dtype=np.float64).copy()
    y = np.ascontiguousarray(y, dtype=np.float64)
    Z = design.Z
    norm2 = design.norm2
    p = design.n_features
    rd = np.empty(design.n_samples)
    XtA = np.zeros(p)
    XtA_acc = np.zeros(p)
    r_dual = np.zeros(design.n_samples)
    # [residual offset, weighted residual sum, extrapolated dual available,
    # an Anderson step was accepted]
    state = np.zeros(4)
    best_dual = -np.inf
    random = random_state is not None
    rng_state = _seed_state(random_state)
    y_norm2 = design.weighted_norm2(y)
    tol_abs = tol * y_norm2
    any_l1 = bool(np.any(pen.l1 > 0))
    free_cols = free_features(pen)
    free = FreeFeatures(design, y, free_cols) if free_cols.size and any_l1 else None
    use_ws = working_set and any_l1
    use_screen = screening and any_l1
    keep = (norm2 > 0) & ((pen.lower < 0) | (pen.upper > 0))
    # the features of the last inner solve, when it was easy (see
    # settled_ratio)
    in_last_ws = np.zeros(p, dtype=bool)
    easy = False
    inv_norm = inverse_norms(norm2, pen.l2)
    w[~keep] = 0
    if xty is not None and (np.any(w) or not any_l1):
        xty = None
    n_epochs = 0
    gap = np.inf
    converged = False
    polish = Polish(newton and any_l1, design, max_iter, y_norm2)
    newton_solver = None
    # the global gap and epoch count at the previous pass
    last_gap, last_epochs = np.inf, 0
    # entries one epoch of the last inner solve visits
    epoch_work = 0.0
    first_ws = not np.any(w)
    # A Lasso optimum has at most n_samples nonzero coefficients (when the
    # design is in general position), so a first working set needs no more:
    # capping it at n_samples instead of 4 n_samples measured faster to
    # 1e-6 (wide 500 x 5000: 6.8 -> 5.2 ms at alpha_max/10, 56 -> 48 ms at
    # alpha_max/100; sparse 10000 x 50000 at alpha_max/100: 57.5 -> 54.5 ms;
    # ElasticNet 0.5 on wide 36 -> 28 ms) and later sets grow from the
    # support.
    ws_cap = max(p0, min(p // 2, design.n_samples))
    rd_tmp = np.empty_like(rd)
    last_inner_work = 0.0
    total_work = 0.0
    col_cost = design.nnz / max(p, 1)

    # w changed since the kernel last updated the residual (start, Newton,
    # screening, an accepted Anderson step); outer iterations since the
    # residual was last recomputed
    w_moved = True
    n_kept = 0
    # a Newton step moved w after the pass that computed the residual
    w_stale = False
    # (working set, its tol, best dual, epoch limit) of an inner solve whose
    # gap checks the outer passes answer (see _CHECK_BY_PASS)
    chunk = None
    long_columns = design.long_columns

    def inner(ws, n_max, tol_in, check, goes_on=False):
        # CD epochs on ws (goes_on: more of the last inner solve); returns
        # the number run
        nonlocal w_moved, last_inner_work, total_work, epoch_work
        # only an extrapolated residual of this inner solve is worth a pass
        # over every feature at the next outer iteration
        state[2] = 0.0
        state[3] = 0.0
        sweep = np.empty(ws.size, dtype=np.int64)
        ep, _ = cd_epochs(
            Z,
            norm2,
            y,
            rd,
            state,
            w,
            pen,
            ws,
            n_max,
            tol_in,
            check,
            anderson,
            random,
            rng_state,
            XtA,
            r_dual,
            int(full_every),
            sweep,
        )
        # An accepted Anderson step combined stored residuals, whose rounding
        # grows with the combination's weights (and broke 1e-10 relative
        # objectives): recompute after one.  Plain CD updates keep the
        # residual as exact as scikit-learn's, which never recomputes it.
        w_moved = state[3] == 1.0
        epoch_work = ws.size * col_cost
        work = ep * epoch_work
        last_inner_work = last_inner_work + work if goes_on else work
        total_work += work
        polish.ready = True
        return ep

    def newton_step(primal, add=None):
        # factored Gram matrix of a recent support, reused by later steps
        nonlocal newton_solver, w_stale
        outcome, newton_solver = support_newton(
            design,
            y,
            w,
            pen,
            primal,
            objective,
            add=add,
            solver=newton_solver,
        )
        # The extrapolated residual of the last inner solve was evaluated at
        # the pass before this step, and best_dual keeps its value: the next
        # pass need not read the design for it again (half of each polish
        # round's pass on dense designs, where it is two BLAS products).
        state[2] = 0.0
        w_stale = w_stale or outcome > 0
        return outcome

    def screened(feats, XtA_theta, scale, pass_gap):
        # The features of feats that survive the gap-safe test (keep
        # updated), and the dropped ones whose coefficient is nonzero, which
        # the caller zeroes or keeps
        if (
            gap_safe_screen(XtA_theta, inv_norm, feats, pen.l1, scale, pass_gap, keep)
            == feats.size
        ):
            return feats, feats[:0]
        dropped = feats[~keep[feats]]
        return np.flatnonzero(keep), dropped[w[dropped] != 0]

    def kernel_state(fresh):
        # The residual offset and weighted residual sum the kernel goes on
        # from; with fresh, the residual of w recomputed first (else the
        # kernel's own, updated by plain CD steps only).  The sum is
        # invariant under CD steps only when xm is exactly the weighted mean
        # (not after a float32 round-trip of it): refreshed here, O(n).
        nonlocal w_stale
        if fresh:
            state[0] = residual(Z, y, w, rd)
            w_stale = False
        state[1] = design.weighted_sum(rd) + state[0] * design.sw_sum
        return state[0], state[1]

    def objective(v):
        c_v = residual(Z, y, v, rd_tmp)
        r2, _ = residual_stats(rd_tmp, c_v, y, design.sw, design.has_sw)
        return 0.5 * (r2 + np.dot(pen.l2 * v, v)) + np.dot(pen.l1, np.abs(v))

    while True:
        feats = np.flatnonzero(keep)
        fresh = w_moved or n_kept >= 10
        n_kept = 0 if fresh else n_kept + 1
        c, S = kernel_state(fresh)
        w_moved = True
        if xty is not None:
            # cold start: the residual is y and its correlations are known
            primal, dual, scale = _cold_primal_dual(design, y, xty, feats, pen, XtA)
            dual_acc, xty = -np.inf, None
        else:
            # The dual point used for screening: the rescaled residual, or
            # the extrapolated residual of the last inner solve when it is
            # better (both from one read of the design).
            with_acc = state[2] == 1.0 and any_l1 and free is None
            design.raw_products(rd, r_dual, with_acc, feats, XtA, XtA_acc)
            primal, dual, scale, dual_acc, scale_acc = primal_dual_from_products(
                Z, y, rd, c, r_dual, with_acc, S, w, pen, feats, XtA, XtA_acc
            )
        if free is not None:
            dual, scale = free.dual(XtA, feats, rd, c, y, w, pen)
        XtA_theta = XtA
        if dual_acc > dual:
            dual, scale, XtA_theta = dual_acc, scale_acc, XtA_acc
        # Screening only removes features, so every earlier dual point stays
        # feasible for the current restricted problem: keep the best value.
        best_dual = max(best_dual, dual)
        gap = primal - best_dual
        if not np.isfinite(gap):
            break
        converged = gap <= tol_abs
        if not converged:
            polish.consider_early(
                w,
                pen.l2,
                gap,
                tol_abs,
                last_gap,
                n_epochs - last_epochs,
                epoch_work,
                total_work,
            )
        last_gap, last_epochs = gap, n_epochs
        if (converged or polish.early) and use_screen:
            # Screened before the polish, so that the pass checking its
            # step reads the survivors only (sparse 10000 x 50000 at
            # alpha_max / 10: that pass read all 50000 columns).  Nonzero
            # coefficients stay: w must remain the point whose gap this
            # pass computed, which the polish may accept as final.
            feats, nonzero = screened(feats, XtA_theta, scale, primal - dual)
            if nonzero.size:
                keep[nonzero] = True
                feats = np.flatnonzero(keep)
        if converged or polish.early:
            action = polish.round(
                converged,
                partial(newton_step, primal),
                w,
                XtA,
                feats,
                pen,
                n_epochs,
                total_work,
            )
            if action == AGAIN:
                continue
            if action == STOP:
                break
            if w_stale:
                # CD goes on from a step's w (the pass's products, primal
                # and dual points stay valid bounds for screening and
                # the working set)
                c, _ = kernel_state(True)
                chunk = None
        if n_epochs >= max_iter:
            break
        if chunk is not None and not converged:
            ws, tol_in, chunk_dual, limit = chunk
            dual_ws = _ws_dual(design, y, rd, c, w, ws, XtA_theta, pen)
            chunk_dual = max(chunk_dual, dual_ws)
            if primal - chunk_dual > tol_in and n_epochs < limit:
                # the inner solve goes on, as the kernel's loop would
                chunk = (ws, tol_in, chunk_dual, limit)
                n_max = min(2 * check_every, limit - n_epochs)
                n_epochs += inner(ws, n_max, tol_in, 0, goes_on=True)
                continue
        chunk = None
        if polish.try_step(
            w, total_work, last_inner_work, partial(newton_step, primal)
        ):
            continue
        if use_screen:
            feats, nonzero = screened(feats, XtA_theta, scale, primal - dual)
            if nonzero.size:
                w[nonzero] = 0
                c, _ = kernel_state(True)
        ws = feats
        if use_ws:
            # (w is zero outside feats)
            nnz = int(np.count_nonzero(w))
            scores = np.empty(feats.size)
            ws_scores(XtA_theta, w, feats, pen, inv_norm, scores)
            ws_size = max(p0, int(ws_growth * nnz))
            if first_ws:
                # From a cold start the support is unknown: take every feature
                # violating its optimality condition (up to ws_cap) instead of
                # doubling up from p0, which costs one full pass per doubling.
                n_viol = int(np.count_nonzero(scores > 0))
                ws_size = max(ws_size, min(n_viol, ws_cap))
                first_ws = False
            if ws_size < feats.size:
                # the ws_size best scores by their threshold: the mask keeps
                # the set sorted (0.4 against 0.9 ms for argpartition and a
                # sort on 50000 features); ties at it may add a few features
                ws = feats[scores >= top_threshold(scores, ws_size)]
        tighten = polish.tighten
        if tighten:
            tol_in = inner_ratio * gap
        else:
            settled = (
                settled_ratio < inner_ratio
                and easy
                and not np.any((scores > 0) & ~in_last_ws[feats])
            )
            ratio = settled_ratio if settled else inner_ratio
            tol_in = max(ratio * gap, tol_abs)
        limit = polish.tighten_epochs if tighten else max_iter
        n_max = limit - n_epochs
        # in columns read, BLAS's counted at half: it uses both cores
        pass_cols = feats.size / (2.0 if design.blas_pass(feats.size) else 1.0)
        easy = False
        if long_columns and pass_cols <= _CHECK_BY_PASS * ws.size:
            chunk = (ws, tol_in, -np.inf, limit)
            n_epochs += inner(ws, min(check_every, n_max), tol_in, 0)
        else:
            ep = inner(ws, n_max, tol_in, check_every)
            n_epochs += ep
            # met its target at its first gap check: the set may be the
            # one the solution needs (see settled_ratio)
            easy = use_ws and ep <= check_every < n_max
            if easy:
                in_last_ws[:] = False
                in_last_ws[ws] = True
    w_out[:] = w
    return CDResult(
        coef=w_out,
        n_iter=n_epochs,
        # a negative gap is rounding (the dual never exceeds the primal)
        gap=max(float(gap), 0.0),
        tol=float(tol_abs),
        converged=converged,
    )
