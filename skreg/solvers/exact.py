r"""An exact finish for ElasticNet fits at a very tight ``tol``.

A duality gap within ``tol`` bounds the objective, not the coefficients:
on an ill-conditioned design (300 x 100, effective rank 10) coordinate
descent stops at ``tol=1e-11`` with coefficients 1e-3 away from the
optimum, and at ``alpha=0`` the gap is no measure at all.  Once CD has
found the support ``S`` and its signs ``s``, the optimum solves the linear
system of the optimality conditions on ``S``,

.. math::

    (Z_S^\top W Z_S + l_2 I)\, w_S = Z_S^\top W y - l_1 s ,

which one factorisation settles to rounding.  :func:`exact_finish` solves
it (by QR of the weighted, centred columns, stacked on ``sqrt(l2) I``:
least squares without squaring the condition number; minimum-norm least
squares at ``alpha=0``), and keeps the answer only when it is an optimum:
signs kept (``w >= 0`` with ``positive``), every feature outside ``S``
within the optimality bound, and an objective no larger than CD's.  It
runs only below ``EXACT_TOL`` (ordinary ``tol`` pays nothing) and on
supports small enough for dense columns.
"""

import numpy as np
from scipy import linalg, sparse

__all__ = [
    "EXACT_TOL",
    "enet_gap",
    "exact_finish",
    "wants_exact_finish",
]

# tol below which a converged fit gets the exact finish: scikit-learn's tests
# of exactness use 1e-10 to 1e-16; its default is 1e-4
EXACT_TOL = 1e-9
# largest support (dense n x |S| columns and an |S|^2 factor) we finish
_MAX_SUPPORT = 2000
_MAX_ENTRIES = 5e7


def wants_exact_finish(tol, l1, l2):
    """Whether a fit at ``tol`` (or unpenalised: the gap means nothing) gets it."""
    return tol <= EXACT_TOL or (l1 == 0.0 and l2 == 0.0)


def _residual(X, y, w, xm):
    Xw = np.asarray(X @ w).ravel()
    if xm is not None:
        Xw = Xw - float(xm @ w)
    return y - Xw


def _gradient(X, sr, xm):
    # Z^T S r with Z = X - 1 xm^T; sr = s * r
    g = np.asarray(X.T @ sr).ravel()
    if xm is not None:
        g = g - xm * sr.sum()
    return g


def enet_gap(X, y, w, l1, l2, sample_weight=None, X_offset=None, positive=False):
    """Duality gap of ``1/2 |y - Zw|_S^2 + l1|w|_1 + l2/2 |w|^2`` at ``w``.

    The dual point is the residual ``r``: as it is with ``l2 > 0`` (every
    point is dual feasible; the gap is 0 at the optimum), rescaled into the
    feasible set ``|Z^T S theta| <= l1`` without (scikit-learn's Lasso gap).
    ``X`` is dense or sparse, centred implicitly by ``X_offset``.  Returns
    ``(gap, residual, gradient)`` with the gradient ``Z^T S r``.
    """
    w = np.asarray(w, dtype=np.float64)
    r = _residual(X, y, w, X_offset)
    sr = r if sample_weight is None else sample_weight * r
    g = _gradient(X, sr, X_offset)
    R_norm2 = float(sr @ r)
    primal = 0.5 * R_norm2 + l1 * float(np.abs(w).sum()) + 0.5 * l2 * float(w @ w)
    return _gap_terms(primal, R_norm2, float(sr @ y), g, l1, l2, positive), r, g


def _keeps_signs(v, signs, l1, positive):
    if not np.all(np.isfinite(v)):
        return False
    if l1 > 0 and np.any(v * signs <= 0):
        return False
    return not (positive and np.any(v < 0))


def _optimal_off_support(g, S, l1, positive):
    # the optimality bound outside the support, up to rounding of g
    out = np.ones(g.size, dtype=bool)
    out[S] = False
    slack = 1e-9 * (l1 + np.abs(g).max())
    bound = g[out] if positive else np.abs(g[out])
    return not np.any(bound > l1 + slack)


def _columns(X, S, xm, u):
    cols = X[:, S]
    cols = cols.toarray() if sparse.issparse(cols) else np.array(cols)
    cols = cols.astype(np.float64, copy=False)
    if xm is not None:
        cols -= xm[S]
    if u is not None:
        cols *= u[:, None]
    return cols


def _support_solve(Zs, yt, l1s, l2):
    """Minimiser of ``1/2 |yt - Zs v|^2 + l1s.v + l2/2 |v|^2`` (``l1s = l1 s``)."""
    k = Zs.shape[1]
    if l2 == 0.0 and not np.any(l1s):
        return linalg.lstsq(Zs, yt, lapack_driver="gelsd")[0]
    # [Zs; sqrt(l2) I] = QR; the minimiser is R^-1 (Q^T [yt; 0]) - R^-1 R^-T l1s
    M = np.vstack([Zs, np.sqrt(l2) * np.eye(k)]) if l2 > 0 else Zs
    if M.shape[0] < k:
        return None
    Q, R = linalg.qr(M, mode="economic")
    diag = np.abs(np.diag(R))
    if not diag.size or diag.min() <= 1e-13 * diag.max():
        return None
    rhs = Q[: Zs.shape[0]].T @ yt
    v = linalg.solve_triangular(R, rhs)
    if np.any(l1s):
        t = linalg.solve_triangular(R, l1s, trans="T")
        v -= linalg.solve_triangular(R, t)
    return v


def exact_finish(X, y, w, l1, l2, *, sample_weight=None, X_offset=None, positive=False):
    """Solve the optimality conditions on the support of ``w``.

    Returns ``(w_exact, gap_exact)`` when the solution of the support system
    keeps the signs, satisfies the optimality bound outside the support and
    has an objective no larger than at ``w`` (CD scaling), else ``None``.
    ``y`` is the centred target; ``w`` is not modified.
    """
    w = np.asarray(w, dtype=np.float64)
    n, p = X.shape
    S = np.flatnonzero(w) if (l1 > 0 or positive) else np.arange(p)
    if S.size == 0 or S.size > _MAX_SUPPORT or n * S.size > _MAX_ENTRIES:
        return None
    u = None if sample_weight is None else np.sqrt(sample_weight)
    Zs = _columns(X, S, X_offset, u)
    yt = y.astype(np.float64) if u is None else u * y
    signs = np.sign(w[S])
    v = _support_solve(Zs, yt, l1 * signs, l2)
    if v is None or not _keeps_signs(v, signs, l1, positive):
        return None
    new = np.zeros(p)
    new[S] = v
    new_gap, r, g = enet_gap(X, y, new, l1, l2, sample_weight, X_offset, positive)
    if not _optimal_off_support(g, S, l1, positive):
        return None
    # a safety net against rounding: never a worse objective than CD's
    if _primal(X, y, new, r, l1, l2, sample_weight, X_offset) > _primal(
        X, y, w, None, l1, l2, sample_weight, X_offset
    ) + 1e-13 * float(yt @ yt):
        return None
    return new, new_gap


def _primal(X, y, w, r, l1, l2, sample_weight, X_offset):
    if r is None:
        r = _residual(X, y, w, X_offset)
    sr = r if sample_weight is None else sample_weight * r
    return 0.5 * float(sr @ r) + l1 * float(np.abs(w).sum()) + 0.5 * l2 * float(w @ w)


def _gap_terms(primal, R_norm2, r_dot_y, g, l1, l2, positive):
    if l2 > 0:
        excess = np.maximum((g if positive else np.abs(g)) - l1, 0.0)
        return primal - (r_dot_y - 0.5 * R_norm2 - 0.5 * float(excess @ excess) / l2)
    dual_norm = float(np.max(g)) if positive else float(np.max(np.abs(g)))
    const = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
    return primal - (const * r_dot_y - 0.5 * const**2 * R_norm2)
