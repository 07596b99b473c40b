"""Solvers that read only the ``p x p`` statistics of the data.

:class:`GramCD` runs coordinate descent on ``G = Z^T S Z``, ``q = Z^T S y``
and ``yy = y^T S y``; its duality gap and stopping rule (gap at most
``tol * yy``) are the in-memory solver's, so ``tol`` and ``dual_gap_`` mean
the same whether the data were in memory or reduced from a cluster.
:func:`ridge_from_gram` is the closed-form Ridge on the same system.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from skreg._kernels.gram_cd import gram_cd, gram_gap
from skreg._kernels.penalty import make_penalty, penalty_arrays
from skreg.solvers._gram_free import (
    Reduced,
    fully_free,
    one_sided_free,
    projected_gap,
)
from skreg.solvers._ws_gram import gram_newton
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


def enet_penalty(
    alpha,
    l1_ratio,
    n_rows,
    n_features,
    positive=False,
    factor=None,
    lower=None,
    upper=None,
):
    """Per-feature ``(l1, l2, lower, upper)`` in CD scaling for ``alpha``,
    with the validated penalty factors and bounds of
    :func:`skreg._penalty_params.check_controls` (None: unset)."""
    l1, l2 = alpha * l1_ratio * n_rows, alpha * (1.0 - l1_ratio) * n_rows
    if factor is None and lower is None and upper is None:
        return uniform_penalty(l1, l2, n_features, positive)
    l1, l2, lower, upper = penalty_arrays(l1, l2, factor, lower, upper)
    return tuple(make_penalty(n_features, l1, l2, positive, lower, upper))


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
    newton : bool
        Finish a converged solve with a Newton step on the support
        (:meth:`polish`).
    rng_state : ndarray of uint64 or None
        With a state (``_seed_state`` of the working-set solver), coordinates are
        drawn at random from it (``selection='random'``); else cyclic.
    """

    G: np.ndarray
    q: np.ndarray
    yy: float
    max_iter: int = 1000
    tol: float = 1e-4
    newton: bool = True
    rng_state: np.ndarray = None

    def solve(self, penalty, w=None, tol_abs=None):
        """Minimise for ``penalty = (l1, l2, lower, upper)`` from ``w``.

        ``tol_abs`` replaces ``tol * yy`` as the gap to reach.  Returns a
        :class:`~skreg.solvers.cd.CDResult` (``coef`` is a new array; the
        gap is in CD scaling).
        """
        p = self.q.shape[0]
        w = np.zeros(p) if w is None else np.array(w, dtype=np.float64)
        if tol_abs is None:
            tol_abs = self.tol * self.yy
        free = fully_free(penalty)
        if free.any():
            return self._solve_reduced(penalty, w, tol_abs, free)
        one_sided = one_sided_free(penalty)
        Gw = self.G @ w
        n_iter, target = 0, tol_abs
        for _ in range(30):
            kernel_gap, epochs = gram_cd(
                self.G,
                self.q,
                float(self.yy),
                w,
                Gw,
                *penalty,
                self.max_iter - n_iter,
                target,
                self.rng_state is not None,
                np.zeros(1, np.uint64) if self.rng_state is None else self.rng_state,
            )
            n_iter += epochs
            gap = self.gap(w, penalty, kernel_gap, one_sided)
            if gap <= tol_abs or n_iter >= self.max_iter or not kernel_gap > 0:
                break
            # the kernel's gap ignores the one-sided free features' dual
            # constraints: ask it for less until the projected gap is met
            target = 0.1 * min(target, kernel_gap)
        if self.newton and gap <= tol_abs and n_iter > 0:
            w, gap = self.polish(w, gap, penalty, one_sided)
        return CDResult(w, int(n_iter), float(gap), tol_abs, bool(gap <= tol_abs))

    def gap(self, w, penalty, kernel_gap=None, one_sided=None):
        """Duality gap at ``w``: the kernel's, or with one-sided unpenalised
        features (``one_sided``), the gap at the residual projected off
        the columns whose dual constraint it breaks (always valid)."""
        if one_sided is None or not one_sided.any():
            if kernel_gap is not None:
                return kernel_gap
            return gram_gap(self.q, float(self.yy), w, self.G @ w, *penalty)
        return projected_gap(self.G, self.q, float(self.yy), w, penalty)

    def _solve_reduced(self, penalty, w, tol_abs, free):
        red = getattr(self, "_reduced", None)
        if red is None or not np.array_equal(red.F, np.flatnonzero(free)):
            red = self._reduced = Reduced(self.G, self.q, self.yy, free)
        if red.P.size == 0:
            return CDResult(red.full(np.zeros(0)), 0, 0.0, tol_abs, True)
        sub = GramCD(
            red.G, red.q, red.yy, self.max_iter, self.tol, self.newton, self.rng_state
        )
        res = sub.solve(tuple(a[red.P] for a in penalty), w[red.P], tol_abs)
        return dataclasses.replace(res, coef=red.full(res.coef))

    def polish(self, w, gap, penalty, one_sided=None):
        """Newton step on the support: the exact minimiser for the signs of
        ``w``, kept when it keeps them and lowers the gap (the in-memory
        solver's polish, one ``|S| x |S|`` solve)."""
        return gram_newton(
            self.G, self.q, w, gap, penalty,
            lambda v: self.gap(v, penalty, None, one_sided),
        )  # fmt: skip


def gram_enet_path(
    G, q, yy, n_rows, alphas, l1_ratio, *, positive, max_iter, tol, controls=None
):
    """Warm-started ElasticNet solutions for a decreasing ``alphas`` grid.

    ``controls`` is ``(penalty_factor, lower, upper)`` as returned by
    :func:`skreg._penalty_params.check_controls` (None: unset).  Returns the
    coefficients, shape (n_features, n_alphas), and the results.
    """
    solver = GramCD(G, q, yy, max_iter=max_iter, tol=tol)
    p = q.shape[0]
    controls = (None, None, None) if controls is None else controls
    coefs = np.zeros((p, len(alphas)))
    w = None
    results = []
    for i, alpha in enumerate(alphas):
        penalty = enet_penalty(alpha, l1_ratio, n_rows, p, positive, *controls)
        res = solver.solve(penalty, w)
        w = res.coef
        coefs[:, i] = w
        results.append(res)
    return coefs, results


def ridge_cd_from_gram(G, q, yy, alpha, *, positive, max_iter, tol, factor=None):
    """Ridge by Gram CD with ``L2Regressor(solver='cd')``'s rule: stop when
    the gap is at most ``tol`` times the objective (re-solved from the last
    iterate while the objective, and so the target gap, decreases).
    ``factor`` multiplies ``alpha`` per feature (inf: left out)."""
    p = q.shape[0]
    penalty = enet_penalty(alpha, 0.0, 1.0, p, positive, factor)
    l2 = penalty[1]
    solver = GramCD(G, q, yy, max_iter=max_iter, tol=tol)
    w, n_iter, objective = None, 0, 0.5 * yy
    while True:
        res = solver.solve(penalty, w, tol_abs=tol * objective)
        w, n_iter = res.coef, n_iter + res.n_iter
        Gw = G @ w
        objective = 0.5 * (max(yy - 2.0 * q @ w + w @ Gw, 0.0) + w @ (l2 * w))
        if res.gap <= tol * objective or not res.converged or n_iter >= max_iter:
            converged = res.gap <= tol * objective
            return CDResult(w, n_iter, res.gap, tol * objective, bool(converged))


def ridge_from_gram(G, Q, alphas, factor=None):
    """``(G + alpha_k diag(factor)) w_k = Q[:, k]`` for every target ``k``
    (Cholesky, least squares when the system is singular); features with
    an infinite factor are left out (coefficient 0).  Returns (n_targets, p).
    """
    p, k = Q.shape
    W = np.zeros((k, p))
    pf = np.ones(p) if factor is None else np.asarray(factor, dtype=np.float64)
    keep = np.flatnonzero(np.isfinite(pf))
    G = G[np.ix_(keep, keep)]
    for t in range(k):
        A = G + np.diag(alphas[t] * pf[keep])
        rhs = Q[keep, t]
        try:
            W[t, keep] = linalg.solve(A, rhs, assume_a="pos", check_finite=False)
        except (linalg.LinAlgError, ValueError):
            W[t, keep] = linalg.lstsq(A, rhs, check_finite=False)[0]
    return W
