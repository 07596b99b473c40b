"""L2Regressor: drop-in Ridge with closed-form and Numba iterative solvers."""

import numbers
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight

from skreg._penalty_params import check_penalty_params, ridge_column_scale
from skreg._preprocess import is_dask_input
from skreg.linear_model._base import (
    LinearRegressorBase,
    check_fit_data,
    weighted_offsets,
)
from skreg.solvers.cd import enet_cd
from skreg.solvers.design import Design
from skreg.solvers.ridge import (
    DIRECT_SOLVERS,
    NUMBA_SOLVERS,
    POSITIVE_SOLVERS,
    SOLVER_ALIASES,
    choose_solver,
    fit_ridge_direct,
    fit_ridge_iterative,
    fit_ridge_scipy,
)
from skreg.solvers.ridge_gcv import RidgeDecomposition

__all__ = ["L2Regressor"]

_DEFAULT_MAX_ITER = {"cd": 1000, "gd": 10_000, "fista": 10_000}

_CONVERGENCE_MSG = (
    "Solver '{solver}' did not converge in {n_iter} iterations "
    "(criterion {crit:.3e} > tolerance {tol:.3e}). Increase max_iter, "
    "loosen tol, or scale the features."
)


class L2Regressor(LinearRegressorBase, BaseEstimator):
    """Linear least squares with L2 regularisation (Ridge regression).

    A drop-in replacement for :class:`sklearn.linear_model.Ridge`: the same
    objective, parameters, defaults and fitted attributes, with closed-form
    solvers and Numba coordinate-descent / gradient solvers.

    The objective is

    .. math::

        \\sum_i s_i (y_i - x_i^\\top w - b)^2 + \\alpha \\|w\\|_2^2

    with raw sample weights :math:`s_i` (1 without ``sample_weight``; they
    are *not* rescaled, as in scikit-learn).  Compare with the Lasso /
    ElasticNet scaling of :class:`L1Regressor`:

    .. math::

        \\frac{1}{2 n} \\sum_i s_i (y_i - x_i^\\top w - b)^2
        + \\alpha \\rho \\|w\\|_1 + \\frac{\\alpha (1 - \\rho)}{2} \\|w\\|_2^2 ,

    so ``L2Regressor(alpha=a)`` equals
    ``ElasticNetRegressor(alpha=a / n_samples, l1_ratio=0)`` without
    sample weights.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Constant that multiplies the L2 term, ``alpha >= 0``.  An array
        gives one penalty per target.  ``alpha = 0`` is ordinary least
        squares (better solved by
        :class:`sklearn.linear_model.LinearRegression`).
    fit_intercept : bool, default=True
        Whether to fit an intercept.  Dense ``X`` is centred in a copy for
        the closed-form solvers (as scikit-learn does); sparse ``X`` and
        the iterative solvers centre implicitly, never densifying ``X``.
    copy_X : bool, default=True
        If False, the closed-form solvers may centre a dense ``X`` in place.
    max_iter : int, default=None
        Maximum number of iterations of the iterative solvers.  ``None``
        means scipy's default for ``'lsqr'``/``'sparse_cg'``, 15000 for
        ``'lbfgs'``, 1000 epochs for ``'cd'`` and 10000 for ``'gd'`` and
        ``'fista'``.
    tol : float, default=1e-4
        Precision of the solution; its meaning depends on the solver:

        - ``'svd'``, ``'cholesky'``: no effect.
        - ``'cd'``: stop when the duality gap of the Ridge objective is below
          ``tol`` times the objective: the objective is then within a factor
          ``1 + tol`` of its minimum and the coefficients within
          ``sqrt(tol * objective / alpha)`` of the solution.
        - ``'gd'``, ``'fista'``: stop on the norm of the (projected)
          gradient relative to its value at ``w = 0``.
        - ``'lsqr'``, ``'sparse_cg'``, ``'lbfgs'``: as in scikit-learn
          (lsqr's ``atol``/``btol``, CG's relative residual, L-BFGS-B's
          ``tol``).
    solver : {'auto', 'svd', 'cholesky', 'lsqr', 'sparse_cg', 'sag', 'saga', \
            'lbfgs', 'cd', 'gd', 'fista'}, default='auto'
        Solver to use:

        - ``'auto'``: the fastest correct solver for the data, see Notes.
        - ``'cholesky'``: normal equations in the primal when
          ``n_samples >= n_features``, the kernel (dual) form
          ``w = Z^T (Z Z^T + alpha I)^{-1} y`` otherwise.  Falls back to
          ``'svd'`` on a singular system (dense ``X``).
        - ``'svd'``: singular value decomposition of the centred ``X``;
          the most stable, dense ``X`` only.
        - ``'lsqr'``, ``'sparse_cg'``: scipy's iterative least squares /
          conjugate gradients on the implicitly centred design.
        - ``'lbfgs'``: scipy's L-BFGS-B (also supports ``positive``).
        - ``'cd'``: Numba coordinate descent on the duality gap; the solver
          for ``positive=True``.  On wide ``X`` (more features than
          samples, at most 3000 samples) semi-smooth Newton on the dual
          problem does the work CD would do slowly (see Notes).
        - ``'gd'``, ``'fista'``: Numba (accelerated) projected gradient
          descent with a step from a power-iteration estimate of the
          Lipschitz constant; ``verbose`` prints one line per epoch.
        - ``'sag'``, ``'saga'``: scikit-learn's stochastic average gradient
          solvers of the same objective; skreg runs ``'lsqr'`` in their
          place (``tol`` and ``max_iter`` as for ``'lsqr'``), which like
          them moves in the span of the rows of ``X`` from ``w = 0``: the
          same answer to ``tol``, the minimum-norm one at ``alpha=0``.
          ``solver_`` keeps the name asked for.
    positive : bool, default=False
        Force the coefficients to be positive.  Supported by ``'cd'``,
        ``'gd'``, ``'fista'`` and ``'lbfgs'``.
    random_state : int, RandomState instance or None, default=None
        Unused, kept for compatibility with scikit-learn's Ridge (whose
        ``'sag'`` solvers shuffle the data).
    verbose : int, default=0
        With ``'gd'`` or ``'fista'``, print the loss of each epoch.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of ``alpha`` (a per-feature ridge, glmnet's
        ``penalty.factor``): the penalty becomes ``alpha * sum_j pf_j
        w_j^2``.  ``np.inf`` leaves a feature out (coefficient 0).  With
        positive factors every solver solves the same problem exactly (on
        columns scaled by ``1 / sqrt(pf)``).  With a factor of 0 (an
        unpenalised feature) on dense ``X``, ``'auto'``, ``'cholesky'`` and
        ``'svd'`` project the unpenalised columns out, as the intercept is,
        and solve exactly; other solvers, and sparse ``X``, run coordinate
        descent (``solver_='cd'``) to a duality gap within ``tol * ||y||^2``.
        None means all ones.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Weight vector(s).
    intercept_ : float or ndarray of shape (n_targets,)
        Independent term in decision function.  Set to 0.0 if
        ``fit_intercept = False``.
    n_iter_ : ndarray of shape (n_targets,)
        Number of iterations (epochs for ``'cd'``/``'gd'``/``'fista'``) run
        for each target; 1 for the closed-form ``'svd'`` and ``'cholesky'``
        (scikit-learn reports ``None`` there and for ``'sparse_cg'``).
    solver_ : str
        The solver used at fit time.
    loss_history_ : list of ndarray
        Objective after each epoch for ``'gd'`` and ``'fista'`` (one array
        per target); empty arrays for the other solvers.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    L1Regressor : Linear regression with an L1 penalty (Lasso).
    ElasticNetRegressor : L1 and L2 penalties combined.
    sklearn.linear_model.Ridge : The scikit-learn estimator this mirrors.

    Notes
    -----
    ``solver='auto'`` picks ``'cd'`` when ``positive=True``, ``'cholesky'``
    for dense ``X`` and ``'sparse_cg'`` for sparse ``X`` -- the exact solver
    where it is also the fast one, the iterative one where a dense Gram
    matrix would dominate.  Timings (one BLAS thread, ``alpha=1``, default
    ``tol``), in seconds:

    =======================  ========  =====  =====  =====  =========
    X                        cholesky  svd    lsqr   cd     sparse_cg
    =======================  ========  =====  =====  =====  =========
    dense 5000 x 1000        0.21      1.9    0.07   0.13   --
    dense 500 x 5000         0.05      0.68   0.04   0.05   --
    dense 2000 x 2000        0.52      5.3    1.0    1.3    --
    sparse 10000 x 3000 .5%  1.4       --     0.017  0.029  0.015
    sparse 5000 x 20000 .1%  2.0       --     0.005  0.05   0.009
    =======================  ========  =====  =====  =====  =========

    The iterative solvers are only as exact as ``tol``; ``'cholesky'``
    matches scikit-learn to rounding and is never much slower on dense data.

    The Numba ``'cd'`` solver reuses the ElasticNet coordinate descent with
    ``l1 = 0``: it minimises half the Ridge objective, so its duality gap is
    doubled before being compared with ``tol``.  Unlike the Lasso rule
    (gap relative to ``sum_i s_i y_i^2``), the Ridge rule is relative to the
    objective itself: on wide, nearly interpolating problems the optimum is
    orders of magnitude below ``sum_i s_i y_i^2`` and the Lasso rule at the
    default ``tol`` would stop percents away from it.

    On wide ``X`` the conditioning of ``Z^T S Z + alpha I`` makes coordinate
    descent slow (500 x 5000 at ``alpha=1``: 792 epochs, 0.9 s; with
    ``positive=True`` no convergence in 1000).  There ``'cd'`` solves the
    dual problem, over the ``n_samples`` residuals, by semi-smooth Newton:
    one step (the kernel form) without ``positive``; with it, after 20 CD
    epochs, steps on the pattern of features with positive correlation,
    with an exact line search, at most 10 (CD finishes if they did not).
    On that design: 0.05 s, and 0.1 s with ``positive=True`` (27
    iterations: 20 epochs and 7 steps) to an exact solution, where
    scikit-learn's L-BFGS-B stops 0.4% above the optimal objective.
    ``n_iter_`` counts both epochs and Newton steps.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import L2Regressor
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(10, 5), rng.randn(10)
    >>> reg = L2Regressor(alpha=1.0).fit(X, y)
    >>> reg.solver_
    'cholesky'
    >>> print(reg.coef_.round(3))
    [-0.187  0.047 -0.015 -0.114  0.091]
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "solver": [
            StrOptions(
                {
                    "auto",
                    "svd",
                    "cholesky",
                    "lsqr",
                    "sparse_cg",
                    "lbfgs",
                    "cd",
                    "gd",
                    "fista",
                    "sag",
                    "saga",
                }
            )
        ],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        max_iter=None,
        tol=1e-4,
        solver="auto",
        positive=False,
        random_state=None,
        verbose=0,
        penalty_factor=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state
        self.verbose = verbose
        self.penalty_factor = penalty_factor

    def _alphas(self, n_targets):
        alpha = np.asarray(self.alpha, dtype=np.float64)
        if alpha.ndim > 1 or (alpha.ndim == 1 and alpha.shape[0] not in (1, n_targets)):
            raise ValueError(
                "alpha: Number of targets and number of penalties do not "
                f"correspond: {alpha.size} != {n_targets}"
            )
        if not np.all(np.isfinite(alpha)) or np.any(alpha < 0):
            raise ValueError(f"alpha must be finite and >= 0; got {self.alpha!r}")
        return np.broadcast_to(alpha.ravel(), (n_targets,)).copy()

    def _check_solver(self, X):
        if self.positive and self.solver not in ("auto",) + POSITIVE_SOLVERS:
            raise ValueError(
                f"solver='{self.solver}' does not support positive=True; use "
                f"solver='auto', 'cd', 'gd', 'fista' or 'lbfgs', or set "
                "positive=False."
            )
        if sparse.issparse(X) and self.solver == "svd":
            # scikit-learn's exception types: ValueError when an intercept
            # is asked for, TypeError from its SVD solver otherwise.
            error = ValueError if self.fit_intercept else TypeError
            raise error(
                "solver='svd' does not support sparse X (it would densify it); "
                "use solver='auto', 'cholesky', 'lsqr', 'sparse_cg' or 'cd'."
            )

    def _check_sample_weight(self, sample_weight, X):
        # Raw weights, as scikit-learn's Ridge: a scalar c weights every
        # sample by c, which scales the data term against the penalty.
        if sample_weight is None:
            return None
        if isinstance(sample_weight, numbers.Number) and not (
            np.isfinite(sample_weight) and sample_weight > 0
        ):
            raise ValueError(
                f"sample_weight must be a positive finite number or an array; "
                f"got {sample_weight!r}."
            )
        sw = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        if not sw.sum() > 0:
            raise ValueError("sample_weight must have a positive sum; got all zeros.")
        return sw

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit Ridge regression model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.  Dense input is used in its own memory order by
            the closed-form and scipy solvers; ``'cd'``/``'gd'``/``'fista'``
            need Fortran order (C-ordered input is copied once) or CSC.
            A dask array or DataFrame is reduced to sufficient statistics
            in one pass and solved in closed form (see :ref:`dask`).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values, cast to ``X``'s dtype.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Individual weights for each sample.  A float weights every
            sample equally by that value.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if is_dask_input(X, y, sample_weight):
            from skreg.linear_model._dask_fit import fit_ridge_dask

            return fit_ridge_dask(self, X, y, sample_weight)
        # Dense X keeps its memory order (the closed forms and scipy solvers
        # take either); other sparse formats become CSR with int32 indices.
        X, y = check_fit_data(self, X, y, order=None, accept_sparse=["csr", "csc"])
        factor, _, _ = check_penalty_params(self, X.shape[1])
        # positive factors: the same Ridge on columns scaled by 1/sqrt(pf)
        scale = None
        if factor is not None and np.all(factor > 0):
            scale = ridge_column_scale(factor)
            sx = scale.astype(X.dtype)
            if sparse.issparse(X):
                X = (X @ sparse.diags(sx)).asformat(self._sparse_format(X))
            else:
                X = X * sx
            factor = None
        self._check_solver(X)
        sw = self._check_sample_weight(sample_weight, X)
        n_samples, n_features = X.shape
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        n_targets = Y.shape[1]
        alphas = self._alphas(n_targets)
        solver = choose_solver(
            self.solver, positive=self.positive, is_sparse=sparse.issparse(X)
        )
        X_offset, y_offset = weighted_offsets(X, y, sw, self.fit_intercept)
        Yc = Y - y_offset
        n_iter = None
        histories = None
        if factor is not None and solver in DIRECT_SOLVERS and not sparse.issparse(X):
            # unpenalised features projected out as the intercept is: exact
            W = self._fit_free_direct(X, Y, alphas, factor, sw, solver)
        elif factor is not None:
            # per-feature l2 weights in the CD kernels
            W, n_iter = self._fit_factors(X, Yc, alphas, factor, sw, X_offset)
            solver = "cd"
        elif solver in DIRECT_SOLVERS:
            W, solver = fit_ridge_direct(
                X,
                Yc,
                alphas,
                solver=solver,
                X_offset=X_offset,
                sample_weight=sw,
                fit_intercept=self.fit_intercept,
                copy_X=self.copy_X,
            )
        elif solver in NUMBA_SOLVERS:
            W, n_iter, histories = self._fit_numba(X, Yc, alphas, solver, sw, X_offset)
        else:
            W, n_iter = fit_ridge_scipy(
                X,
                Yc,
                alphas,
                solver=solver,
                X_offset=X_offset,
                sample_weight=sw,
                max_iter=self.max_iter,
                tol=self.tol,
                positive=self.positive,
            )
        if n_iter is None:
            # scikit-learn reports None here; one factorisation counts as one
            # iteration so that n_iter_ >= 1 holds for every solver (its
            # common check_non_transformer_estimators_n_iter).
            n_iter = np.ones(n_targets, dtype=np.int32)
        W = np.asarray(W, dtype=X.dtype)
        self.coef_ = W[0] if n_targets == 1 else W
        self.n_iter_ = n_iter
        # 'sag' and 'saga' run 'cd' but keep their name, as scikit-learn's
        # solver_ names the solver asked for unless it resolves 'auto'
        self.solver_ = self.solver if self.solver in SOLVER_ALIASES else solver
        if histories is None:
            histories = [np.empty(0) for _ in range(n_targets)]
        self.loss_history_ = histories
        self._set_intercept(X_offset, y_offset)
        if scale is not None:
            # (the intercept, from the scaled columns' means, is unchanged)
            self.coef_ = (self.coef_ * scale).astype(X.dtype, copy=False)
        if not (np.isfinite(self.coef_).all() and np.isfinite(self.intercept_).all()):
            raise ValueError(
                "Ridge fit resulted in non-finite coefficients; the input data may "
                "contain large values and need to be preprocessed."
            )
        return self

    @staticmethod
    def _sparse_format(X):
        return "csc" if X.format == "csc" else "csr"

    def _fit_free_direct(self, X, Y, alphas, factor, sw, solver):
        """The exact Ridge with unpenalised features (factor 0): the other
        columns scaled by ``1 / sqrt(pf)``, the free ones projected out of
        one decomposition (:class:`~skreg.solvers.ridge_gcv.RidgeDecomposition`),
        as ``solver`` (an SVD, or else the eigendecomposition of the
        smaller Gram matrix, the cost of ``'cholesky'``)."""
        scale = ridge_column_scale(factor)
        dec = RidgeDecomposition(
            np.asarray(X, dtype=np.float64) * scale, Y, sample_weight=sw,
            fit_intercept=self.fit_intercept,
            mode="svd" if solver == "svd" else "eigen",
            free=np.flatnonzero(factor == 0),
        )  # fmt: skip
        W = np.empty((Y.shape[1], X.shape[1]))
        for k, alpha in enumerate(alphas):
            W[k] = dec.coef(float(alpha))[:, k] * scale
        return W

    def _fit_factors(self, X, Yc, alphas, factor, sw, X_offset):
        """Coordinate descent with per-feature L2 weights ``alpha * factor``
        (CD scaling: the Ridge objective is twice CD's)."""
        if sparse.issparse(X):
            X = X.tocsc()
            X.sort_indices()
        else:
            X = np.asfortranarray(X)
        design = Design(X, sw, X_offset)
        out = np.isinf(factor)
        bound = np.where(out, 0.0, np.inf)
        W = np.zeros((Yc.shape[1], X.shape[1]))
        n_iter = np.zeros(Yc.shape[1], dtype=np.int32)
        for k in range(Yc.shape[1]):
            res = enet_cd(
                design,
                np.asarray(Yc[:, k], dtype=np.float64),
                W[k],
                0.0,
                alphas[k] * np.where(out, 0.0, factor),
                lower=-bound,
                upper=bound,
                positive=self.positive,
                max_iter=self.max_iter or 1000,
                tol=self.tol,
            )
            n_iter[k] = res.n_iter
            if not res.converged:
                warnings.warn(
                    _CONVERGENCE_MSG.format(
                        solver="cd", n_iter=res.n_iter, crit=res.gap, tol=res.tol
                    ),
                    ConvergenceWarning,
                    stacklevel=3,
                )
        return W, n_iter

    def _fit_numba(self, X, Yc, alphas, solver, sw, X_offset):
        if sparse.issparse(X):
            X = X.tocsc()
            X.sort_indices()
        else:
            X = np.asfortranarray(X)
        design = Design(X, sw, X_offset)
        max_iter = self.max_iter
        if max_iter is None:
            max_iter = _DEFAULT_MAX_ITER[solver]
        W = np.zeros((Yc.shape[1], X.shape[1]), dtype=np.float64)
        results = fit_ridge_iterative(
            design,
            np.asfortranarray(Yc),
            W,
            alphas,
            solver=solver,
            max_iter=max_iter,
            tol=self.tol,
            positive=self.positive,
            verbose=self.verbose,
        )
        for res in results:
            if not res.converged:
                warnings.warn(
                    _CONVERGENCE_MSG.format(
                        solver=solver, n_iter=res.n_iter, crit=res.gap, tol=res.tol
                    ),
                    ConvergenceWarning,
                    stacklevel=3,
                )
        n_iter = np.array([r.n_iter for r in results], dtype=np.int32)
        histories = [np.asarray(r.history, dtype=np.float64) for r in results]
        return W, n_iter, histories

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.solver != "svd"
        return tags
