"""Support Newton step: solve the ElasticNet exactly on a fixed sign pattern.

Once coordinate descent has found the support ``A`` and the signs ``s`` of
the solution, the optimality conditions on ``A`` are the linear system

.. math::

    (Z_A^\\top S Z_A + \\lambda_2 I)\\, w_A = Z_A^\\top S y - \\lambda_1 s_A ,

which one Cholesky solve answers to machine precision.  CD alone converges
linearly, and slowly on correlated designs, while its duality gap lags its
objective (the gap is linear in the distance to the optimum, the objective
quadratic); the Newton step closes both at once.  The step is a proposal:
it is kept only when it keeps the signs (else the largest sign-preserving
fraction of it is tried) and lowers the objective, so the solver stays
monotone and the stopping rule remains the duality gap.
"""

import numpy as np
from scipy.linalg import cho_factor, cho_solve

__all__ = ["support_newton"]

_CONTROLLER = None


def _single_thread_blas():
    # One BLAS thread: the products are small, and a multi-threaded BLAS
    # on a busy machine (or inside a threaded GridSearchCV) spins for up to
    # 100x the single-threaded time.  A cached controller makes the limit
    # cost microseconds instead of a library scan per call.
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def _centred_gram(design, cols):
    """``Z_A^T S Z_A`` and ``Z_A^T S`` as a function, for the columns ``A``."""
    if design.is_sparse:
        XA = design.sparse_X[:, cols].astype(np.float64)
        XAw = XA.multiply(design.sw[:, None]).tocsc() if design.has_sw else XA
        G = (XA.T @ XAw).toarray()
    else:
        XA = np.asarray(design.X[:, cols], dtype=np.float64)
        XAw = XA * design.sw[:, None] if design.has_sw else XA
        G = XA.T @ XAw
    m = design.xm[cols]
    cs = design.colsum[cols]
    # (X - 1 m^T)^T S (X - 1 m^T) expanded, X never centred in memory
    G -= np.outer(m, cs) + np.outer(cs, m) - design.sw_sum * np.outer(m, m)
    return G, XAw, m


def support_newton(design, y, w, l1, l2, positive, primal, objective):
    """Try the Newton step on the current support of ``w`` (in place); see
    :func:`_support_newton`, run with a single BLAS thread."""
    k = int(np.count_nonzero(w))
    if design.n_samples * k * k < 4_000_000:
        # too small for OpenBLAS to start threads; skips the one-off
        # library scan of the thread-pool controller (~0.1 s) on small fits
        return _support_newton(design, y, w, l1, l2, positive, primal, objective)
    with _single_thread_blas():
        return _support_newton(design, y, w, l1, l2, positive, primal, objective)


def _support_newton(design, y, w, l1, l2, positive, primal, objective):
    """Try the Newton step on the current support of ``w`` (in place).

    Parameters
    ----------
    design : Design
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    w : ndarray of shape (n_features,)
        Current iterate (float64), replaced by the step when it is accepted.
    l1, l2 : float
        Penalty strengths in CD scaling.
    positive : bool
        Whether ``w >= 0`` is imposed.
    primal : float
        Objective at ``w``.
    objective : callable
        ``objective(w) -> float`` evaluating the primal at a candidate.

    Returns
    -------
    outcome : int
        0 when rejected, 1 when a partial (sign-limited) step was taken,
        2 when the full Newton step was taken.
    """
    cols = np.flatnonzero(w)
    k = cols.size
    if k == 0 or k > design.n_samples or k > 3000:
        return 0
    G, XAw, m = _centred_gram(design, cols)
    signs = np.sign(w[cols])
    b = np.asarray(XAw.T @ y).ravel() - m * float(
        np.dot(design.sw, y) if design.has_sw else y.sum()
    )
    b -= l1 * signs
    G[np.diag_indices(k)] += l2
    factor = _cholesky(G)
    if factor is None:
        return 0
    w_new = cho_solve(factor, b, check_finite=False)
    if not np.all(np.isfinite(w_new)):
        return 0
    w_old = w[cols]
    crossing = np.sign(w_new) != signs
    if not np.any(crossing):
        cand = w.copy()
        cand[cols] = w_new
        if positive:
            np.maximum(cand, 0.0, out=cand)
        if objective(cand) < primal:
            w[:] = cand
            return 2
        return 0
    # Some signs flip: those features are leaving the support.  Drop every
    # flipping feature and solve again on the rest (reusing G), a few
    # times; the candidate is verified by the objective like any other.
    active = np.arange(k)
    for _ in range(8):
        active = active[~crossing]
        if active.size == 0:
            break
        sub_factor = _cholesky(G[np.ix_(active, active)])
        if sub_factor is None:
            break
        sub = cho_solve(sub_factor, b[active], check_finite=False)
        if not np.all(np.isfinite(sub)):
            break
        crossing = np.sign(sub) != signs[active]
        if not np.any(crossing):
            cand = np.zeros_like(w)
            cand[cols[active]] = sub
            if positive:
                np.maximum(cand, 0.0, out=cand)
            if objective(cand) < primal:
                w[:] = cand
                return 1
            break
    # Fall back to the largest sign-preserving fraction of the first step.
    crossing = np.sign(w_new) != signs
    t = float(np.min(w_old[crossing] / (w_old[crossing] - w_new[crossing])))
    if not 0.0 < t <= 1.0:
        return 0
    cand = w.copy()
    cand[cols] = w_old + t * (w_new - w_old)
    hit = crossing & (np.abs(cand[cols]) <= 1e-12 * np.abs(w_old) + 1e-300)
    cand[cols[hit]] = 0.0
    if positive:
        np.maximum(cand, 0.0, out=cand)
    if objective(cand) < primal:
        w[:] = cand
        return 1
    return 0


def _cholesky(G):
    # G is symmetric positive semi-definite; a singular one (more support
    # than rank, l2 = 0) has no Newton step to offer
    try:
        factor = cho_factor(G, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    return factor if np.all(np.isfinite(factor[0])) else None
