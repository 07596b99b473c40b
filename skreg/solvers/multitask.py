"""Working-set block coordinate descent for the multi-task ElasticNet.

The outer loop computes the global duality gap from one pass over the
(unscreened) design, drops the rows that gap-safe screening proves zero,
ranks the others by how close the rescaled dual point is to their
constraint and hands a working set (the support and the most violated
rows) to :func:`skreg._kernels.multitask.bcd_solve`, which runs block CD
epochs with Anderson extrapolation until the working set's own gap falls
below a fraction of the global one.  The fit stops on the global gap against
``tol * sum_i s_i |y_i|^2`` (scikit-learn's rule, so ``tol`` and the
reported gap mean the same as in its MultiTaskElasticNet).
"""

from dataclasses import dataclass, field

import numpy as np

from skreg._kernels.multitask import (
    bcd_solve,
    gap_from_products,
    mt_residual,
    row_products,
    screen_scores,
)

__all__ = ["MTResult", "multitask_cd", "penalty_weights"]


def penalty_weights(n_samples, n_features, alpha, l1_ratio):
    """Per-feature ``(l1, l2)`` in CD scaling for scikit-learn's objective
    (all features weighted alike until per-feature penalty factors land)."""
    l1 = np.full(n_features, n_samples * alpha * l1_ratio, dtype=np.float64)
    l2 = np.full(n_features, n_samples * alpha * (1.0 - l1_ratio), dtype=np.float64)
    return l1, l2


@dataclass
class MTResult:
    """Outcome of one multi-task solve (coordinate-descent scaling)."""

    coef: np.ndarray
    n_iter: int
    gap: float
    tol: float
    converged: bool


@dataclass
class _State:
    """What the outer loop carries between iterations."""

    W: np.ndarray  # (n_features, n_tasks), C-ordered rows
    rd: np.ndarray  # (n_tasks, n_samples): residual without its offset
    c: np.ndarray  # (n_tasks,): residual offset m^T W
    S: np.ndarray  # (n_tasks,): weighted column sums of the residual
    keep: np.ndarray  # features not screened out
    G: np.ndarray  # (n_features, n_tasks): Z^T S r of the last pass
    n_epochs: int = 0
    gap: float = np.inf
    best_dual: float = -np.inf
    first_ws: bool = True
    last_ws: np.ndarray = None
    seed: np.ndarray = field(default_factory=lambda: np.ones(1, dtype=np.uint64))


def _seed_state(random_state):
    if random_state is None:
        return np.ones(1, dtype=np.uint64)
    seed = int(random_state.randint(1, np.iinfo(np.int32).max))
    return np.array([seed * 2654435761 + 1], dtype=np.uint64)


def _products(design, st, feats):
    """``G[feats] = Z^T S r`` in one compiled pass: single-threaded like
    the epochs, it is predictable where a multi-threaded BLAS product
    spins on a busy machine, and it needs no process-wide BLAS limit that
    fits in other threads would share."""
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, _ = design.Z
    row_products(
        X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum,
        st.rd, st.c, st.S, feats, st.G,
    )  # fmt: skip


def _refresh_residual(design, Y, st):
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, sw_sum = design.Z
    mt_residual(
        X, data, indices, indptr, is_sparse, xm, colsum, sw, has_sw, sw_sum,
        Y, st.W, st.rd, st.c, st.S,
    )  # fmt: skip


def _residual_stats(design, Y, st):
    r = st.rd + st.c[:, None]
    if design.has_sw:
        rw = r * design.sw
        return float(np.vdot(rw, r)), float(np.vdot(rw, Y))
    return float(np.vdot(r, r)), float(np.vdot(r, Y))


def _working_set(st, feats, scores, rel, p0, n):
    """The support and the features closest to violating their conditions
    (twice as many as the support, at least ``p0``; from a cold start every
    violating feature, up to ``n``), and whether the last working set looks
    settled: no feature outside it violates its optimality condition."""
    support = np.any(st.W[feats] != 0.0, axis=1)
    violated = ~support & (rel > 1.0)
    n_supp = int(support.sum())
    size = max(p0, 2 * n_supp)
    settled = False
    if st.first_ws:
        n_viol = int(violated.sum())
        size = max(size, min(n_viol, n))
        # every violated feature is in the set: it may be the solution's
        settled = n_viol <= n
        st.first_ws = False
    elif st.last_ws is not None:
        in_last = np.zeros(st.W.shape[0], dtype=bool)
        in_last[st.last_ws] = True
        settled = not np.any(violated & ~in_last[feats])
    ws = feats
    if size < feats.size:
        prio = np.where(support, -np.inf, scores)
        pick = np.argpartition(prio, size - 1)[:size]
        ws = np.sort(feats[pick])
    st.last_ws = ws
    return ws, settled


def multitask_cd(
    design,
    Y,
    W,
    l1,
    l2,
    *,
    max_iter=1000,
    tol=1e-4,
    random_state=None,
    xty=None,
    working_set=True,
    screening=True,
    anderson=5,
    p0=10,
    inner_ratio=0.3,
    settled_ratio=0.01,
    check_every=5,
    full_every=3,
):
    """Minimise ``1/2 sum_i s_i |y_i - z_i^T W|^2 + sum_j (l1_j |W_j| +
    l2_j/2 |W_j|^2)`` in place.

    Parameters
    ----------
    design : Design
        The (implicitly centred, weighted) design.
    Y : ndarray of shape (n_samples, n_tasks)
        Centred targets.
    W : ndarray of shape (n_features, n_tasks)
        Starting point, updated in place.
    l1, l2 : ndarray of shape (n_features,)
        Per-feature penalty strengths in CD scaling (``n alpha l1_ratio`` and
        ``n alpha (1 - l1_ratio)`` for scikit-learn's objective).
    max_iter : int
        Maximum number of block-CD epochs (over the working sets).
    tol : float
        Stop when the duality gap is ``<= tol * sum_i s_i |y_i|^2``.
    random_state : numpy.random.RandomState or None
        When given, rows are drawn at random (``selection='random'``).
    xty : ndarray of shape (n_features, n_tasks) or None
        ``Z^T S Y`` when known (``Design(targets=Y).XtY``): a cold start
        then skips its first pass over the design.
    working_set, screening : bool
        Use working sets / gap-safe screening (both need some ``l1_j > 0``).
    anderson : int
        Number of iterates Anderson extrapolation combines (0 disables it).
    p0 : int
        Smallest working set.
    inner_ratio : float
        An inner solve stops at ``inner_ratio`` times the global gap.
    settled_ratio : float
        The ratio used instead when no feature outside the last working set
        violates its optimality condition (the set may be the solution's):
        otherwise the outer loop runs many passes, each cutting the gap by
        only a few times.
    check_every : int
        Epochs between the inner solve's gap checks.
    full_every : int
        Only every ``full_every``-th epoch sweeps the whole working set, the
        others its nonzero rows.

    Returns
    -------
    MTResult
    """
    n, T = Y.shape
    p = design.n_features
    # one task per row (see skreg._kernels.multitask)
    Y = np.ascontiguousarray(np.asarray(Y, dtype=np.float64).T)
    l1 = np.ascontiguousarray(l1, dtype=np.float64)
    l2 = np.ascontiguousarray(l2, dtype=np.float64)
    norm2 = design.norm2
    st = _State(
        W=np.ascontiguousarray(W, dtype=np.float64).copy(),
        rd=np.empty((T, n)),
        c=np.zeros(T),
        S=np.zeros(T),
        keep=norm2 > 0,
        G=np.zeros((p, T)),
        seed=_seed_state(random_state),
    )
    st.W[~st.keep] = 0.0
    has_l1 = bool(np.any(l1 > 0))
    use_ws = working_set and has_l1
    use_screen = screening and has_l1
    random = random_state is not None
    rw = Y * design.sw if design.has_sw else Y
    tol_abs = float(tol) * float(np.vdot(rw, Y))
    converged = False
    n_outer = 0
    while True:
        feats = np.flatnonzero(st.keep)
        if n_outer % 10 == 0:
            # the kernel keeps the residual up to date (as scikit-learn's
            # does); recomputed at the start and every 10 passes against
            # drift, not at every pass (a full read of the support)
            _refresh_residual(design, Y, st)
        n_outer += 1
        if xty is not None and not np.any(st.W):
            # at W = 0 the residual is Y: its products are known
            st.G[:] = xty
        else:
            _products(design, st, feats)
        xty = None
        r2, ry = _residual_stats(design, Y, st)
        primal, dual, dual_norm = gap_from_products(st.G, st.W, feats, l1, l2, r2, ry)
        # screening only removes features: earlier dual points stay feasible
        st.best_dual = max(st.best_dual, dual)
        st.gap = primal - st.best_dual
        if not np.isfinite(st.gap):
            break
        if st.gap <= tol_abs:
            converged = True
            break
        if st.n_epochs >= max_iter:
            break
        ws, settled = feats, False
        if use_screen or use_ws:
            scale = 1.0 / dual_norm if dual_norm > 1.0 else 1.0
            scores, rel = np.empty(feats.size), np.empty(feats.size)
            screen_scores(st.G, st.W, feats, l1, l2, norm2, scale, scores, rel)
            if use_screen:
                # gap of this dual point: the sphere's radius must use it
                out = scores > np.sqrt(2.0 * max(primal - dual, 0.0))
                if np.any(out):
                    dropped = feats[out]
                    st.keep[dropped] = False
                    if np.any(st.W[dropped]):
                        st.W[dropped] = 0.0
                        _refresh_residual(design, Y, st)
                    feats, scores, rel = feats[~out], scores[~out], rel[~out]
            ws = feats
            if use_ws:
                ws, settled = _working_set(st, feats, scores, rel, p0, n)
        ratio = settled_ratio if settled else inner_ratio
        tol_in = max(ratio * st.gap, tol_abs) if use_ws else tol_abs
        ep, _ = bcd_solve(
            design.Z,
            norm2,
            Y,
            st.W,
            st.rd,
            st.c,
            st.S,
            ws.astype(np.int64),
            l1,
            l2,
            int(max_iter - st.n_epochs),
            float(tol_in),
            int(check_every),
            int(anderson),
            random,
            st.seed,
            st.G,
            int(full_every),
        )
        st.n_epochs += int(ep)
    W[:] = st.W
    return MTResult(
        coef=W,
        n_iter=st.n_epochs,
        gap=max(float(st.gap), 0.0),
        tol=tol_abs,
        converged=converged,
    )
