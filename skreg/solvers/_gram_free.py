"""Unpenalised features in the Gram solver.

A feature without any penalty (a penalty factor of 0) and without bounds
is minimised out in closed form (:class:`Reduced`): coordinate descent runs
on the Schur complement of the penalised features, whose duality gap is
the full problem's.  One with a single finite bound (``positive=True``)
cannot be: its dual constraint is an inequality, which
:func:`projected_gap` enforces by projecting the residual off the columns
whose constraint it breaks, as :mod:`skreg.solvers._free` does in memory.
"""

import numpy as np

from skreg._kernels.gap import dual_scale
from skreg._kernels.penalty import Penalty, conjugates

__all__ = ["Reduced", "fully_free", "one_sided_free", "projected_gap"]


def fully_free(penalty):
    """Features without any penalty or bound: eliminated in closed form."""
    l1, l2, lower, upper = penalty
    return (l1 == 0) & (l2 == 0) & (lower == -np.inf) & (upper == np.inf)


class Reduced:
    """The problem in the penalised features once the free ones (``F``) are
    minimised out: ``w_F = A (q_F - G_FP w_P)`` with ``A`` the pseudo-inverse
    of ``G_FF``, a Schur complement for ``G`` and the residual's ``yy``.

    The reduced objective at ``w_P`` is the full one at ``(w_P, w_F)``, so
    its duality gap bounds the full problem's suboptimality (a residual
    that is not orthogonal to the free columns has no feasible scaling).
    """

    def __init__(self, G, q, yy, free):
        self.F, self.P = np.flatnonzero(free), np.flatnonzero(~free)
        F, P = self.F, self.P
        self.A = np.linalg.pinv(G[np.ix_(F, F)], hermitian=True)
        self.G_PF = G[np.ix_(P, F)]
        AG = self.A @ self.G_PF.T
        G_red = G[np.ix_(P, P)] - self.G_PF @ AG
        self.G = np.ascontiguousarray(0.5 * (G_red + G_red.T))
        self.q = q[P] - self.G_PF @ (self.A @ q[F])
        self.q_F = q[F]
        self.yy = max(float(yy - q[F] @ (self.A @ q[F])), 0.0)

    def full(self, w_P):
        w = np.empty(self.F.size + self.P.size)
        w[self.P] = w_P
        w[self.F] = self.A @ (self.q_F - self.G_PF.T @ w_P)
        return w


def one_sided_free(penalty):
    """Unpenalised features with one infinite bound and one finite bound."""
    l1, l2, lower, upper = penalty
    return (l1 == 0) & (l2 == 0) & (np.isinf(lower) != np.isinf(upper))


def projected_gap(G, q, yy, w, penalty):
    """Duality gap of the Gram problem at ``w``, with the dual point
    projected off the unpenalised features' columns whose dual constraint
    the residual breaks (the kernel's :func:`~skreg._kernels.gram_cd.gram_gap`
    otherwise: scaled into the L1 part's domain, or formulation B without
    any L1 weight)."""
    l1, l2, lower, upper = penalty
    Gw = G @ w
    r_norm2 = max(yy + float(w @ Gw) - 2.0 * float(q @ w), 0.0)
    ry = yy - float(q @ w)
    l2_w2 = float(w @ (l2 * w))
    primal = 0.5 * (r_norm2 + l2_w2) + float(l1 @ np.abs(w))
    v = q - Gw - l2 * w
    cols = np.flatnonzero((l1 == 0) & (l2 == 0))
    lo, hi, u = lower[cols], upper[cols], v[cols]
    act = (np.isinf(lo) & (u < 0)) | (np.isinf(hi) & (u > 0))
    t_norm2, ty = r_norm2, ry
    if act.any():
        A = cols[act]
        beta = np.linalg.pinv(G[np.ix_(A, A)], hermitian=True) @ v[A]
        t_norm2 = max(t_norm2 - float(beta @ v[A]), 0.0)
        ty -= float(beta @ q[A])
        v = v - G[:, A] @ beta
    u = v[cols]
    eps = 1e-12 * max(float(np.abs(v).max(initial=0.0)), 1.0)
    if np.any(~act & ((np.isinf(lo) & (u < -eps)) | (np.isinf(hi) & (u > eps)))):
        # a constraint the projection broke: no feasible scale but 0
        return primal
    if np.any(l1 > 0):
        feats = np.flatnonzero(l1 > 0)
        scale = dual_scale(v, feats, Penalty(l1, l2, lower, upper))
        dual = scale * ty - 0.5 * scale * scale * (t_norm2 + l2_w2)
        return primal - dual + conjugates(scale * v, l1, lower, upper)
    # formulation B: the conjugates of the ridge terms at the correlations
    g = v + l2 * w
    g = np.where(lower == 0.0, np.maximum(g, 0.0), g)
    g = np.where(upper == 0.0, np.minimum(g, 0.0), g)
    ridge = l2 > 0
    conj = float(np.sum(g[ridge] ** 2 / (2.0 * l2[ridge])))
    bounded = np.flatnonzero(~ridge)
    conj += conjugates(v[bounded], 0.0, lower[bounded], upper[bounded])
    return primal - (ty - 0.5 * t_norm2 - conj)
