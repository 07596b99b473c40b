"""Solvers that read only the ``p x p`` statistics of the data.

:class:`GramCD` runs coordinate descent on ``G = Z^T S Z``, ``q = Z^T S y``
and ``yy = y^T S y``; its duality gap and stopping rule (gap at most
``tol * yy``) are the in-memory solver's, so ``tol`` and ``dual_gap_`` mean
the same whether the data were in memory or reduced from a cluster.
:func:`ridge_from_gram` is the closed-form Ridge on the same system.
"""

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from skreg._kernels.gram_cd import gram_cd, gram_gap
from skreg.solvers.cd import CDResult

__all__ = [
    "GramCD",
    "enet_penalty",
    "gram_enet_path",
    "ridge_cd_from_gram",
    "ridge_from_gram",
    "uniform_penalty",
]


def uniform_penalty(l1, l2, n_features, positive=False):
    """Per-feature ``(l1, l2, lower, upper)`` arrays for scalar strengths."""
    lower = np.zeros(n_features) if positive else np.full(n_features, -np.inf)
    return (
        np.full(n_features, float(l1)),
        np.full(n_features, float(l2)),
        lower,
        np.full(n_features, np.inf),
    )


def enet_penalty(alpha, l1_ratio, n_rows, n_features, positive=False):
    """Per-feature ``(l1, l2, lower, upper)`` in CD scaling for ``alpha``."""
    l1, l2 = alpha * l1_ratio * n_rows, alpha * (1.0 - l1_ratio) * n_rows
    return uniform_penalty(l1, l2, n_features, positive)


@dataclass
class GramCD:
    """Coordinate descent on a Gram system, one target.

    Parameters
    ----------
    G : ndarray of shape (n_features, n_features)
        ``Z^T S Z`` (centred with an intercept).
    q : ndarray of shape (n_features,)
        ``Z^T S y``.
    yy : float
        ``y^T S y``; the tolerance is relative to it.
    max_iter : int
        Maximum number of epochs per solve.
    tol : float
        Stop when the duality gap is at most ``tol * yy``.
    """

    G: np.ndarray
    q: np.ndarray
    yy: float
    max_iter: int = 1000
    tol: float = 1e-4

    def solve(self, penalty, w=None, tol_abs=None):
        """Minimise for ``penalty = (l1, l2, lower, upper)`` from ``w``.

        ``tol_abs`` replaces ``tol * yy`` as the gap to reach.  Returns a
        :class:`~skreg.solvers.cd.CDResult` (``coef`` is a new array; the
        gap is in CD scaling).
        """
        p = self.q.shape[0]
        w = np.zeros(p) if w is None else np.array(w, dtype=np.float64)
        Gw = self.G @ w
        if tol_abs is None:
            tol_abs = self.tol * self.yy
        gap, n_iter = gram_cd(
            self.G,
            self.q,
            float(self.yy),
            w,
            Gw,
            *penalty,
            self.max_iter,
            tol_abs,
            False,
            np.zeros(1, dtype=np.uint64),
        )
        if gap <= tol_abs and n_iter > 0:
            w, gap = self.polish(w, gap, penalty)
        return CDResult(w, int(n_iter), float(gap), tol_abs, bool(gap <= tol_abs))

    def polish(self, w, gap, penalty):
        """Newton step on the support: the exact minimiser for the signs of
        ``w``, kept when it keeps them and lowers the gap (the in-memory
        solver's polish, one ``|S| x |S|`` solve)."""
        l1, l2, lower, upper = penalty
        free = (w != 0.0) & (w > lower) & (w < upper)
        if not free.any():
            return w, gap
        S = np.flatnonzero(free)
        held = np.flatnonzero((w != 0.0) & ~free)
        sign = np.sign(w[S])
        rhs = self.q[S] - l1[S] * sign - self.G[np.ix_(S, held)] @ w[held]
        A = self.G[np.ix_(S, S)] + np.diag(l2[S])
        try:
            w_S = linalg.solve(A, rhs, assume_a="pos", check_finite=False)
        except (linalg.LinAlgError, ValueError):
            return w, gap
        if (
            np.any(np.sign(w_S) != sign)
            or np.any(w_S < lower[S])
            or np.any(w_S > upper[S])
        ):
            return w, gap
        new = w.copy()
        new[S] = w_S
        new_gap = gram_gap(self.q, float(self.yy), new, self.G @ new, *penalty)
        return (new, new_gap) if new_gap < gap else (w, gap)


def gram_enet_path(G, q, yy, n_rows, alphas, l1_ratio, *, positive, max_iter, tol):
    """Warm-started ElasticNet solutions for a decreasing ``alphas`` grid.

    Returns the coefficients, shape (n_features, n_alphas), and the results.
    """
    solver = GramCD(G, q, yy, max_iter=max_iter, tol=tol)
    p = q.shape[0]
    coefs = np.zeros((p, len(alphas)))
    w = None
    results = []
    for i, alpha in enumerate(alphas):
        res = solver.solve(enet_penalty(alpha, l1_ratio, n_rows, p, positive), w)
        w = res.coef
        coefs[:, i] = w
        results.append(res)
    return coefs, results


def ridge_cd_from_gram(G, q, yy, alpha, *, positive, max_iter, tol):
    """Ridge by Gram CD with ``L2Regressor(solver='cd')``'s rule: stop when
    the gap is at most ``tol`` times the objective (re-solved from the last
    iterate while the objective, and so the target gap, decreases)."""
    p = q.shape[0]
    lower = np.zeros(p) if positive else np.full(p, -np.inf)
    penalty = (np.zeros(p), np.full(p, float(alpha)), lower, np.full(p, np.inf))
    solver = GramCD(G, q, yy, max_iter=max_iter, tol=tol)
    w, n_iter, objective = None, 0, 0.5 * yy
    while True:
        res = solver.solve(penalty, w, tol_abs=tol * objective)
        w, n_iter = res.coef, n_iter + res.n_iter
        Gw = G @ w
        objective = 0.5 * (max(yy - 2.0 * q @ w + w @ Gw, 0.0) + alpha * w @ w)
        if res.gap <= tol * objective or not res.converged or n_iter >= max_iter:
            converged = res.gap <= tol * objective
            return CDResult(w, n_iter, res.gap, tol * objective, bool(converged))


def ridge_from_gram(G, Q, alphas):
    """``(G + alpha_k I) w_k = Q[:, k]`` for every target ``k`` (Cholesky,
    least squares when the system is singular); returns (n_targets, p)."""
    p, k = Q.shape
    W = np.empty((k, p))
    for t in range(k):
        A = G + alphas[t] * np.eye(p)
        try:
            W[t] = linalg.solve(A, Q[:, t], assume_a="pos", check_finite=False)
        except (linalg.LinAlgError, ValueError):
            W[t] = linalg.lstsq(A, Q[:, t], check_finite=False)[0]
    return W
