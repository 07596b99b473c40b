"""Ridge solvers: closed forms (cholesky, kernel, svd) and scipy iterations.

Every solver minimises, per target ``k``,

.. math::

    \\sum_i s_i (y_{ik} - z_i^\\top w_k)^2 + \\alpha_k \\|w_k\\|_2^2

with ``z_i = x_i - m`` the centred row (``m`` the ``s``-weighted column
means when an intercept is fitted, else 0) and raw sample weights ``s``
(scikit-learn's Ridge does not rescale them).  With ``u = sqrt(s)`` the
weighted, centred design is ``Z~ = diag(u) (X - 1 m^T)`` and the target
``y~ = u * y``, so the problem is an unweighted Ridge in ``(Z~, y~)``.

* dense ``X``: ``Z~`` is formed in a copy (or ``X`` itself is used when
  there is nothing to centre or weight), as scikit-learn does, so the
  closed forms see exactly the same matrix;
* sparse ``X`` is never densified: the Gram matrices are corrected for
  the centring (``Z~^T Z~ = X~^T X~ - m v^T - v m^T + (u.u) m m^T``) and
  the iterative scipy solvers act on a :class:`CentredOperator`.

The Numba iterative solvers (``cd``, ``gd``, ``fista``) live in
:mod:`skreg.solvers.cd` and :mod:`skreg.solvers.prox_grad`; this module
dispatches to them (:func:`fit_ridge_iterative`) and gives the ElasticNet
coordinate descent Ridge's stopping rule (:func:`ridge_cd`).
"""

import warnings

import numpy as np
from scipy import linalg, optimize, sparse
from scipy.sparse import linalg as sp_linalg
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "CentredOperator",
    "choose_solver",
    "fit_ridge_direct",
    "fit_ridge_iterative",
    "fit_ridge_scipy",
    "ridge_cd",
    "ridge_objective",
]

DIRECT_SOLVERS = ("cholesky", "svd")
SCIPY_SOLVERS = ("lsqr", "sparse_cg", "lbfgs")
NUMBA_SOLVERS = ("cd", "gd", "fista")
POSITIVE_SOLVERS = ("cd", "gd", "fista", "lbfgs")
# scikit-learn's stochastic average gradient solvers minimise the same
# objective by steps in the span of the rows of X.  LSQR, a Krylov method
# from w = 0, also stays in that span: it reaches their answer to ``tol``,
# the minimum-norm one at alpha = 0 (which coordinate descent does not), on
# dense or sparse X with or without intercept, and counts its iterations.
SOLVER_ALIASES = {"sag": "lsqr", "saga": "lsqr"}


def choose_solver(solver, *, positive, is_sparse):
    """Resolve ``solver='auto'`` and the aliases ``'sag'``, ``'saga'`` (``'lsqr'``).

    * ``positive=True``: ``'cd'`` (coordinate descent handles the bound
      exactly and stops on the duality gap);
    * dense ``X``: ``'cholesky'``, exact (the same answer as scikit-learn's
      ``'auto'`` to rounding) and, with one BLAS-3 Gram product and a
      factorisation of a ``min(n, p)`` square matrix, as fast as the
      iterative solvers up to a few thousand features;
    * sparse ``X``: ``'sparse_cg'`` (scikit-learn's choice too, hence the
      same iterates): forming a dense Gram matrix out of a sparse ``X`` costs
      seconds where conjugate gradients on the implicitly centred operator
      take milliseconds.
    """
    if solver != "auto":
        return SOLVER_ALIASES.get(solver, solver)
    if positive:
        return "cd"
    return "sparse_cg" if is_sparse else "cholesky"


def _as_2d_targets(Y):
    return Y.reshape(-1, 1) if Y.ndim == 1 else Y


def _groups(alphas):
    """Indices of the targets sharing each distinct alpha."""
    uniq, inverse = np.unique(alphas, return_inverse=True)
    return [(float(a), np.flatnonzero(inverse == g)) for g, a in enumerate(uniq)]


# ---------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------


def _weighted_centred_dense(X, X_offset, sw_sqrt, fit_intercept, copy):
    """``Z~ = diag(u) (X - m)`` for dense ``X``; ``X`` itself when untouched."""
    if not fit_intercept and sw_sqrt is None:
        return X
    if copy or not X.flags.writeable:
        Z = X - X_offset if fit_intercept else X.copy()
    else:
        # copy_X=False: centre in place, as scikit-learn's _preprocess_data.
        Z = X
        if fit_intercept:
            Z -= X_offset
    if sw_sqrt is not None:
        Z *= sw_sqrt[:, None]
    return Z


def _sparse_gram(X, X_offset, sw_sqrt, kernel):
    """``Z~^T Z~`` (``kernel=False``) or ``Z~ Z~^T`` for sparse ``X``, dense."""
    n = X.shape[0]
    Xs = X if sw_sqrt is None else sparse.diags(sw_sqrt) @ X
    u = np.ones(n) if sw_sqrt is None else sw_sqrt.astype(np.float64)
    m = np.asarray(X_offset, dtype=np.float64)
    centred = np.any(m != 0)
    if kernel:
        G = np.asarray((Xs @ Xs.T).toarray(), dtype=np.float64)
        if centred:
            a = np.asarray(Xs @ m).ravel()
            G -= np.outer(a, u) + np.outer(u, a)
            G += float(m @ m) * np.outer(u, u)
    else:
        G = np.asarray((Xs.T @ Xs).toarray(), dtype=np.float64)
        if centred:
            v = np.asarray(Xs.T @ u).ravel()
            G -= np.outer(m, v) + np.outer(v, m)
            G += float(u @ u) * np.outer(m, m)
    return G


def _rmatvec_sparse(X, X_offset, sw_sqrt, V):
    """``Z~^T V`` for sparse ``X`` (``V`` already weighted by ``u``)."""
    XtV = np.asarray(X.T @ (V if sw_sqrt is None else sw_sqrt[:, None] * V))
    u_sum = V.sum(axis=0) if sw_sqrt is None else sw_sqrt @ V
    return XtV - np.outer(X_offset, u_sum)


def _solve_spd(A, B, alphas, shift_index):
    """Solve ``(A + alpha_k I) x_k = B[:, k]`` for each target by Cholesky.

    ``A`` is float64 and left unchanged; targets sharing an alpha share one
    factorisation.  Raises ``LinAlgError`` when a system is not positive
    definite (the caller falls back to the SVD).
    """
    out = np.empty((A.shape[0], B.shape[1]))
    diag = np.diag(A).copy()
    for a, idx in _groups(alphas):
        A[shift_index] = diag + a
        try:
            factor = linalg.cho_factor(A, lower=False, check_finite=False)
            out[:, idx] = linalg.cho_solve(factor, B[:, idx], check_finite=False)
        finally:
            A[shift_index] = diag
    return out


def _cholesky_dense(Z, Yt, alphas):
    n, p = Z.shape
    if n >= p:
        A = np.asarray(Z.T @ Z, dtype=np.float64)
        B = np.asarray(Z.T @ Yt, dtype=np.float64)
        W = _solve_spd(A, B, alphas, np.diag_indices(p))
        return W.T
    K = np.asarray(Z @ Z.T, dtype=np.float64)
    dual = _solve_spd(K, Yt.astype(np.float64), alphas, np.diag_indices(n))
    return np.asarray(Z.T @ dual.astype(Z.dtype, copy=False)).T


def _cholesky_sparse(X, Yt, alphas, X_offset, sw_sqrt):
    n, p = X.shape
    if n >= p:
        A = _sparse_gram(X, X_offset, sw_sqrt, kernel=False)
        B = _rmatvec_sparse(X, X_offset, sw_sqrt, Yt.astype(np.float64))
        W = _solve_spd(A, B, alphas, np.diag_indices(p))
        return W.T
    K = _sparse_gram(X, X_offset, sw_sqrt, kernel=True)
    dual = _solve_spd(K, Yt.astype(np.float64), alphas, np.diag_indices(n))
    return _rmatvec_sparse(X, X_offset, sw_sqrt, dual).T


def _svd_dense(Z, Yt, alphas):
    U, s, Vt = linalg.svd(
        Z, full_matrices=False, check_finite=False, lapack_driver="gesdd"
    )
    # Drop null directions: singular values below scipy.linalg.pinv's default
    # cut, max(n, p) * eps * s_max, are rounding of zero.  scikit-learn's
    # fixed cut of 1e-15 keeps the null direction that centring leaves in a
    # float32 Z (its singular value is float32 rounding, not ~1e-15), which
    # a tiny alpha amplifies by s / alpha into the coefficients: on a
    # centred 20 x 300 float32 design at alpha = 1e-6 that was an error of
    # 1.7e-5 relative to the float64 solution with OpenBLAS's Haswell
    # kernels (9.9e-7 with others; scikit-learn 9.4e-7); with the cut 6.1e-7
    # and 5.6e-7.
    cut = max(Z.shape) * np.finfo(s.dtype).eps * (s[0] if s.size else 0.0)
    keep = s > max(cut, 1e-15)
    s = s[keep].astype(np.float64)[:, None]
    UtY = np.asarray(U[:, keep].T @ Yt, dtype=np.float64)
    D = s / (s**2 + np.asarray(alphas)[None, :])
    return (Vt[keep].T.astype(np.float64) @ (D * UtY)).T


def fit_ridge_direct(
    X, Yc, alphas, *, solver, X_offset, sample_weight, fit_intercept, copy_X=True
):
    """Closed-form Ridge for every column of the centred targets ``Yc``.

    Returns ``(coef of shape (n_targets, n_features), solver_used)``;
    ``solver_used`` is ``'svd'`` when the Cholesky factorisation failed
    (singular system), as in scikit-learn.
    """
    Yc = _as_2d_targets(Yc)
    sw_sqrt = None if sample_weight is None else np.sqrt(sample_weight)
    Yt = Yc if sw_sqrt is None else Yc * sw_sqrt[:, None].astype(Yc.dtype)
    if sparse.issparse(X):
        if solver == "svd":
            raise TypeError(
                "solver='svd' does not support sparse X (it would densify it); "
                "use solver='cholesky', 'lsqr', 'sparse_cg' or 'cd'."
            )
        sw_c = None if sw_sqrt is None else sw_sqrt.astype(np.float64)
        try:
            return _cholesky_sparse(
                X, Yt, alphas, np.asarray(X_offset, np.float64), sw_c
            ), solver
        except linalg.LinAlgError:
            # Singular sparse system: solve it iteratively rather than densify.
            W, _ = fit_ridge_scipy(
                X,
                Yc,
                alphas,
                solver="lsqr",
                X_offset=X_offset,
                sample_weight=sample_weight,
                max_iter=None,
                tol=1e-12,
            )
            return W, "lsqr"
    sw_z = None if sw_sqrt is None else sw_sqrt.astype(X.dtype)
    Z = _weighted_centred_dense(X, X_offset, sw_z, fit_intercept, copy_X)
    if solver == "cholesky":
        try:
            return _cholesky_dense(Z, Yt, alphas), "cholesky"
        except linalg.LinAlgError:
            solver = "svd"
    return _svd_dense(Z, Yt, alphas), "svd"


# ---------------------------------------------------------------------------
# scipy iterative solvers on the implicitly centred operator
# ---------------------------------------------------------------------------


class CentredOperator(sp_linalg.LinearOperator):
    """``Z~ = diag(u) (X - 1 m^T)`` as a LinearOperator; ``X`` is not copied.

    The solver's vectors are float64; products with a float32 ``X`` are
    taken in float32 (as scikit-learn does), since ``X @ w`` with a float64
    ``w`` would cast the whole of ``X`` to float64 at every iteration.
    """

    def __init__(self, X, X_offset, sw_sqrt):
        self.X = X
        self.m = np.asarray(X_offset, dtype=np.float64)
        self.u = None if sw_sqrt is None else np.asarray(sw_sqrt, dtype=np.float64)
        super().__init__(dtype=np.float64, shape=X.shape)

    def _matvec(self, w):
        w = np.ravel(w)
        Xw = self.X @ w.astype(self.X.dtype, copy=False)
        v = np.asarray(Xw, dtype=np.float64).ravel() - self.m @ w
        return v if self.u is None else self.u * v

    def _rmatvec(self, v):
        v = np.ravel(v)
        if self.u is not None:
            v = self.u * v
        Xtv = self.X.T @ v.astype(self.X.dtype, copy=False)
        return np.asarray(Xtv, dtype=np.float64).ravel() - self.m * v.sum()


def _lbfgs(op, y, alpha, positive, max_iter, tol):
    p = op.shape[1]

    def fun(w):
        r = op.matvec(w) - y
        return 0.5 * (r @ r) + 0.5 * alpha * (w @ w), op.rmatvec(r) + alpha * w

    bounds = [(0, np.inf)] * p if positive else None
    maxiter = 15000 if max_iter is None else max_iter
    res = optimize.minimize(
        fun,
        np.zeros(p),
        method="L-BFGS-B",
        jac=True,
        bounds=bounds,
        tol=tol,
        options={"maxiter": maxiter},
    )
    if not res.success:
        warnings.warn(
            f"The lbfgs solver did not converge. Try increasing max_iter or "
            f"tol. Currently: max_iter={max_iter} and tol={tol}",
            ConvergenceWarning,
            stacklevel=4,
        )
    return res.x, int(res.nit)


def fit_ridge_scipy(
    X,
    Yc,
    alphas,
    *,
    solver,
    X_offset,
    sample_weight,
    max_iter=None,
    tol=1e-4,
    positive=False,
):
    """``'lsqr'``, ``'sparse_cg'`` or ``'lbfgs'`` on dense or sparse ``X``.

    ``tol`` and ``max_iter`` mean what they mean in scikit-learn's Ridge:
    lsqr's ``atol = btol = tol``, conjugate gradients' relative residual
    ``rtol = tol``, L-BFGS-B's ``tol``.  Returns ``(coef, n_iter)``.
    """
    Yc = _as_2d_targets(Yc)
    n, p = X.shape
    sw_sqrt = (
        None
        if sample_weight is None
        else np.sqrt(np.asarray(sample_weight, dtype=np.float64))
    )
    op = CentredOperator(X, X_offset, sw_sqrt)
    W = np.empty((Yc.shape[1], p))
    n_iter = np.zeros(Yc.shape[1], dtype=np.int32)
    for k in range(Yc.shape[1]):
        y = np.asarray(Yc[:, k], dtype=np.float64)
        if sw_sqrt is not None:
            y = sw_sqrt * y
        a = float(alphas[k])
        if solver == "lsqr":
            out = sp_linalg.lsqr(
                op, y, damp=np.sqrt(a), atol=tol, btol=tol, iter_lim=max_iter
            )
            W[k], n_iter[k] = out[0], out[2]
        elif solver == "lbfgs":
            W[k], n_iter[k] = _lbfgs(op, y, a, positive, max_iter, tol)
        else:
            W[k], n_iter[k] = _cg(op, y, a, max_iter, tol)
    return W, n_iter


def _finite_iterate(x, last):
    # With rtol=0 scipy's CG divides 0 by 0 once the residual is exactly
    # zero and returns NaN (scikit-learn returns them); the last finite
    # iterate is then the solution.
    if last is not None and not np.all(np.isfinite(x)):
        return last
    return x


def _cg(op, y, alpha, max_iter, tol):
    n, p = op.shape
    count = [0]
    last = [None]

    def callback(xk):
        count[0] += 1
        if np.all(np.isfinite(xk)):
            last[0] = xk.copy()

    if p > n:
        # Kernel form: w = Z~^T (Z~ Z~^T + alpha I)^{-1} y~, an n x n system.
        C = sp_linalg.LinearOperator(
            (n, n),
            matvec=lambda v: op.matvec(op.rmatvec(v)) + alpha * v,
            dtype=np.float64,
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            dual, info = sp_linalg.cg(
                C, y, rtol=tol, maxiter=max_iter, callback=callback
            )
        w = op.rmatvec(_finite_iterate(dual, last[0]))
    else:
        C = sp_linalg.LinearOperator(
            (p, p),
            matvec=lambda v: op.rmatvec(op.matvec(v)) + alpha * v,
            dtype=np.float64,
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            w, info = sp_linalg.cg(
                C, op.rmatvec(y), rtol=tol, maxiter=max_iter, callback=callback
            )
        w = _finite_iterate(w, last[0])
    if info < 0:
        raise ValueError(f"sparse_cg failed with error code {info}")
    if info > 0:
        # scikit-learn's message, word for word
        warnings.warn(
            f"sparse_cg did not converge after {info} iterations.",
            ConvergenceWarning,
            stacklevel=4,
        )
    return w, count[0]


# ---------------------------------------------------------------------------
# Numba iterative solvers
# ---------------------------------------------------------------------------


def ridge_objective(design, y, w, alpha):
    """``sum_i s_i (y_i - z_i^T w)^2 + alpha |w|^2`` (implicit centring)."""
    rd = np.empty(design.n_samples)
    c = design.residual(np.asarray(y, dtype=np.float64), w, rd)
    return design.weighted_norm2(rd + c) + alpha * float(w @ w)


# CD epochs before a wide non-negative Ridge problem goes to the dual Newton
# (see skreg.solvers.ridge_dual): CD alone solves the well-conditioned ones
# in fewer, and the Newton steps start from a better pattern, which matters
# most on strongly correlated designs with a small support, where the steps
# shorten
_CD_BEFORE_NEWTON = 20


def ridge_cd(design, y, w, alpha, *, max_iter, tol, positive=False):
    """Coordinate descent on the Ridge objective, relative duality-gap rule.

    :func:`skreg.solvers.cd.enet_cd` with ``l1 = 0``, ``l2 = alpha``
    minimises ``P_cd = 1/2 sum s (y - Zw)^2 + alpha/2 |w|^2``, half the Ridge
    objective ``P``; gaps scale alike (``gap = 2 gap_cd``).  It stops on
    ``gap_cd <= tol_cd * sum s y^2``; we want the Ridge rule
    ``gap <= tol * P(w)`` -- scale free, and on a nearly interpolating
    (wide) problem where ``P* << sum s y^2`` still a ``tol``-relative
    accuracy of the objective.  Since ``P(w) >= P*`` is only known as we go,
    ``tol_cd`` starts at ``tol / 2`` (``P(0) = sum s y^2``) and is tightened
    to ``tol P(w) / (2 sum s y^2)`` with warm restarts until the rule holds.

    On wide designs (more features than samples, up to a few thousand
    samples), where the conditioning of ``Z^T S Z + alpha I`` makes CD slow,
    semi-smooth Newton on the dual (:mod:`skreg.solvers.ridge_dual`) solves
    the problem: at once without ``positive`` (one step), after
    ``_CD_BEFORE_NEWTON`` epochs that have not converged with it.  Its steps
    count as iterations; CD then checks the gap (and finishes when the
    Newton steps did not).
    """
    from skreg.solvers.cd import CDResult, enet_cd
    from skreg.solvers.ridge_dual import ridge_dual_newton, use_dual_newton

    y2 = design.weighted_norm2(y)
    tol_cd = tol / 2.0
    n_iter = 0
    newton = use_dual_newton(design, alpha)
    while True:
        cap = max_iter - n_iter
        if newton:
            # unconstrained, one Newton step is the exact solution
            cap = min(cap, _CD_BEFORE_NEWTON if positive else 0)
        res = enet_cd(
            design,
            y,
            w,
            0.0,
            alpha,
            max_iter=max(cap, 0),
            tol=tol_cd,
            positive=positive,
        )
        n_iter += res.n_iter
        target = tol * ridge_objective(design, y, w, alpha) / 2.0  # CD scale
        done = res.gap <= target
        if newton and not (done or res.converged) and n_iter < max_iter:
            # CD is slow here: Newton from its iterate, then CD checks
            n_iter += ridge_dual_newton(
                design, y, w, alpha, positive, max_steps=max_iter - n_iter
            )
            newton = False
            continue
        if done or not res.converged or n_iter >= max_iter or tol_cd == 0.0:
            break
        # 0.9: a margin so that one restart usually suffices as P(w) drops.
        tol_cd = 0.9 * target / y2
    return CDResult(
        coef=w,
        n_iter=n_iter,
        gap=float(res.gap),
        tol=float(target),
        converged=bool(done),
    )


def fit_ridge_iterative(
    design, Yc, W, alphas, *, solver, max_iter, tol, positive=False, verbose=0
):
    """``'cd'``, ``'gd'`` or ``'fista'`` for every target; ``W`` updated in place.

    ``cd`` stops when the Ridge duality gap is below ``tol`` times the Ridge
    objective (:func:`ridge_cd`); ``gd``/``fista`` on the gradient norm
    relative to its value at ``w = 0``.  Returns one ``CDResult`` per target
    (``gap`` and ``tol`` in coordinate-descent scale for ``cd``).
    """
    results = []
    for k in range(Yc.shape[1]):
        y = np.ascontiguousarray(Yc[:, k])
        w = np.ascontiguousarray(W[k], dtype=np.float64)
        a = float(alphas[k])
        if solver == "cd":
            res = ridge_cd(
                design, y, w, a, max_iter=max_iter, tol=tol, positive=positive
            )
        else:
            from skreg.solvers.prox_grad import ridge_prox_grad

            res = ridge_prox_grad(
                design,
                y,
                w,
                a,
                max_iter=max_iter,
                tol=tol,
                positive=positive,
                accelerated=solver == "fista",
                verbose=verbose,
            )
        W[k] = res.coef
        results.append(res)
    return results
