"""Semi-smooth Newton on the dual of Ridge (and non-negative Ridge), for wide designs.

In coordinate-descent scale the Ridge problem of :func:`~skreg.solvers.ridge.ridge_cd`
is

.. math::

    \\min_w \\tfrac12 \\|\\tilde y - \\tilde Z w\\|^2 + \\tfrac{\\alpha}{2} \\|w\\|^2
    \\quad (w \\ge 0 \\text{ with } \\texttt{positive})

with ``Z~ = diag(sqrt(s)) (X - 1 m^T)`` and ``y~ = sqrt(s) y``.  Its optimum is
``w = P(Z~^T u) / alpha`` where ``u = y~ - Z~ w`` is the weighted residual and
``P`` the identity, or ``max(0, .)`` when ``positive``.  So ``u`` is the zero
of

.. math::

    F(u) = u - \\tilde y + \\tilde Z P(\\tilde Z^\\top u) / \\alpha ,

the gradient of the convex dual
``D(u) = |u|^2 / 2 - u . y~ + |P(Z~^T u)|^2 / (2 alpha)``.  ``F`` is piecewise
linear: on the pattern ``A = {j : (Z~^T u)_j > 0}`` (every feature without
``positive``) its Jacobian is ``I + Z~_A Z~_A^T / alpha``, an ``n x n``
symmetric positive definite matrix.  Newton steps on it, each followed by
an exact line search on ``D`` (piecewise quadratic along the step), find
the pattern of the solution and then land on the solution exactly
(without ``positive``: in one step).

A step costs a factor of an ``n x n`` matrix and, for the kernel matrix
``Z~_A Z~_A^T``, ``n^2`` flops per feature that changed pattern: on a wide
design (``n_features > n_samples``) far less than primal coordinate
descent, whose rate degrades with the conditioning of ``Z~^T Z~ + alpha I``
(500 x 5000 correlated at ``alpha = 1``: no convergence in 1000 epochs).
"""

import numpy as np
from scipy.linalg.lapack import dpotrf, dpotrs

from skreg.solvers._blas import single_thread_blas
from skreg.solvers.ridge import (
    CentredOperator,
    _sparse_gram,
    _weighted_centred_dense,
)

__all__ = ["ridge_dual_newton", "use_dual_newton"]

# the kernel matrix is a dense n x n array: 72 MB at 3000 samples
_MAX_SAMPLES = 3000
# Newton steps at most: on wide designs whose solution keeps about as many
# features as samples or more, 3 to 7 steps solved every case measured; on
# strongly correlated designs with a small alpha and a small support the
# steps can shorten to a few percent of the Newton step (the pattern of the
# current point misses most features that enter) and coordinate descent
# finishes faster
_MAX_STEPS = 10


def use_dual_newton(design, alpha):
    """Whether :func:`ridge_dual_newton` suits ``design`` (wide, not too many
    samples for an ``n x n`` matrix) and ``alpha`` (positive)."""
    n, p = design.n_samples, design.n_features
    return alpha > 0 and p > n and n <= _MAX_SAMPLES


class _Kernel:
    """``Z~_A Z~_A^T`` for a pattern ``A``, updated as ``A`` changes."""

    def __init__(self, design, sw_sqrt):
        self.design = design
        self.sw_sqrt = sw_sqrt
        self.A = np.zeros(design.n_features, dtype=bool)
        self.K = np.zeros((design.n_samples, design.n_samples))

    def _block(self, cols):
        # Z~_B Z~_B^T for the features cols
        d = self.design
        if d.is_sparse:
            XB = d.sparse_X[:, cols].astype(np.float64)
            return _sparse_gram(XB, d.xm[cols], self.sw_sqrt, kernel=True)
        # the fancy-indexed float64 block is a fresh array: centred in place
        ZB = _weighted_centred_dense(
            np.asarray(d.X[:, cols], dtype=np.float64),
            d.xm[cols],
            self.sw_sqrt,
            True,
            copy=False,
        )
        return ZB @ ZB.T

    def update(self, A):
        entering = np.flatnonzero(A & ~self.A)
        leaving = np.flatnonzero(self.A & ~A)
        if entering.size + leaving.size == 0:
            return self.K
        if entering.size + leaving.size >= np.count_nonzero(A):
            # as many changes as features: a fresh product (no cancellation)
            self.K = self._block(np.flatnonzero(A)) if A.any() else 0.0 * self.K
        else:
            if entering.size:
                self.K += self._block(entering)
            if leaving.size:
                self.K -= self._block(leaving)
        self.A = A.copy()
        return self.K


def ridge_dual_newton(design, y, w, alpha, positive, max_steps=_MAX_STEPS):
    """Solve the (non-negative) Ridge problem of ``design`` by dual Newton.

    Parameters
    ----------
    design : Design
        See :func:`use_dual_newton` for the designs this suits.
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    w : ndarray of shape (n_features,)
        Starting point (its residual starts the dual iterate), replaced by
        the solution in place.
    alpha : float
        Ridge strength in coordinate-descent scale (``l2`` of
        :func:`~skreg.solvers.cd.enet_cd`), positive.
    positive : bool
        Constrain ``w >= 0``.
    max_steps : int
        At most this many Newton steps (and at most 10).

    Returns
    -------
    n_steps : int
        Newton steps taken.  ``w`` is the exact solution (to rounding) when
        the last step kept its pattern; the caller checks the duality gap
        either way.
    """
    sw_sqrt = np.sqrt(design.sw) if design.has_sw else None
    X = design.sparse_X if design.is_sparse else design.X
    op = CentredOperator(X, design.xm, sw_sqrt)
    y_t = y if sw_sqrt is None else sw_sqrt * y
    kernel = _Kernel(design, sw_sqrt)
    n = design.n_samples
    u = y_t - op.matvec(w) if np.any(w) else y_t.copy()

    def at(u):
        # D(u), F(u), the correlations Z~^T u and the primal point of u
        g = op.rmatvec(u)
        wu = np.maximum(g, 0.0) / alpha if positive else g / alpha
        F = u - y_t + op.matvec(wu)
        D = 0.5 * (u @ u) - u @ y_t + 0.5 * alpha * (wu @ wu)
        return D, F, g, wu

    D, F, g, wu = at(u)
    n_steps = 0
    # wu is worth returning once a step was taken or F(u) = 0; before that
    # it is the point u induces, which may be worse than the caller's w
    solved = False
    with single_thread_blas():
        while n_steps < min(max_steps, _MAX_STEPS):
            A = g > 0 if positive else np.ones(g.size, dtype=bool)
            M = kernel.update(A).copy()
            M[np.diag_indices(n)] += alpha
            factor, info = dpotrf(M, lower=1, clean=0, overwrite_a=1)
            if info != 0:
                break
            # (I + K / alpha) d = -F
            d, _ = dpotrs(factor, -alpha * F, lower=1)
            slope = F @ d
            if not slope < 0:
                # F is zero to rounding: u is the optimum
                solved = True
                break
            n_steps += 1
            # unconstrained, D is quadratic and the Newton step its minimiser
            t = _line_minimum(u, d, y_t, g, op.rmatvec(d), alpha) if positive else 1.0
            D_new, F_new, g_new, w_new = at(u + t * d)
            if positive and not D_new < D:
                break
            u = u + t * d
            solved = True
            # a full step that kept its pattern solved the linear system of
            # the solution's pattern
            exact = t == 1.0 and (not positive or np.array_equal(g_new > 0, A))
            D, F, g, wu = D_new, F_new, g_new, w_new
            if exact:
                break
    if solved and np.all(np.isfinite(wu)):
        w[:] = wu
    return n_steps


def _line_minimum(u, d, y_t, g, gd, alpha):
    """The minimiser over ``t > 0`` of ``D(u + t d)`` (exact line search),
    for the non-negative problem.

    Along the line the correlations are ``g + t gd``, so the derivative
    ``D'(t) = u.d - y~.d + t d.d + P(g + t gd).gd / alpha`` is increasing
    and piecewise linear, with breakpoints where a correlation changes
    sign: its root is found from cumulative sums over the sorted
    breakpoints.  A Newton step on the solution's pattern gives ``t = 1``.
    """
    c0 = u @ d - y_t @ d
    c1 = d @ d
    on = (g > 0) | ((g == 0) & (gd > 0))
    c0 += (g[on] @ gd[on]) / alpha
    c1 += (gd[on] @ gd[on]) / alpha
    # features whose correlation changes sign at some t > 0
    idx = np.flatnonzero(((g > 0) & (gd < 0)) | ((g < 0) & (gd > 0)))
    tb = -g[idx] / gd[idx]
    keep = tb > 0
    idx, tb = idx[keep], tb[keep]
    if np.array_equal(on, g > 0) and not np.any(tb <= 1.0):
        # The step solved the Newton system of the pattern it keeps up to
        # t = 1, where D'(t) = (1 - t) F.d vanishes: t = 1 exactly.  The
        # root computed from c0 and c1 is that only to rounding, which is
        # relative to the step: a rounding-sized step from the solution gave
        # t = 1 + 8e-6 (with OpenBLAS's Haswell kernels) and another step.
        return 1.0
    order = np.argsort(tb)
    idx, tb = idx[order], tb[order]
    # crossing a breakpoint adds an entering feature's terms, removes a
    # leaving one's
    sgn = np.where(gd[idx] > 0, 1.0, -1.0)
    c0k = c0 + np.concatenate(([0.0], np.cumsum(sgn * g[idx] * gd[idx]) / alpha))
    c1k = c1 + np.concatenate(([0.0], np.cumsum(sgn * gd[idx] ** 2) / alpha))
    # segment k spans [tb[k-1], tb[k]] (tb[-1] = 0, tb[len] = inf)
    ends = np.concatenate((tb, [np.inf]))
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = np.where(c1k > 0, -c0k / c1k, np.inf)
    k = int(np.argmax(roots <= ends))
    t = roots[k]
    if not np.isfinite(t) or t <= 0:
        return 1.0
    # a step within rounding of the full Newton step is the full step
    return 1.0 if abs(t - 1.0) <= 1e-12 else float(t)
