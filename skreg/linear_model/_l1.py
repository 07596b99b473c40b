"""ElasticNetRegressor and L1Regressor: drop-in Lasso / ElasticNet."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from skreg._penalty_params import (
    PENALTY_CONSTRAINTS,
    check_penalty_params,
)
from skreg._preprocess import is_dask_input
from skreg.linear_model._base import (
    LinearRegressorBase,
    check_design_values,
    check_fit_data,
    check_weights,
    target_offset,
)
from skreg.solvers.design import Design
from skreg.solvers.enet import fit_enet_targets

__all__ = ["ElasticNetRegressor", "L1Regressor"]

_CONVERGENCE_MSG = (
    "Objective did not converge. You might want to increase the number of "
    "iterations, check the scale of the features or consider increasing "
    "regularisation. Duality gap: {gap:.6e}, tolerance: {tol:.3e}"
)


def _check_layout(X, sample_weight):
    # scikit-learn's check_input=False skips the conversions and its Cython
    # kernels reject what they cannot read (a C-ordered X, unless sample
    # weights made it rescale a Fortran copy); refuse the same inputs clearly.
    if sparse.issparse(X):
        if X.format != "csc":
            raise ValueError(
                f"check_input=False: X must be a CSC matrix, got {X.format}."
            )
        dtype = X.dtype
    elif isinstance(X, np.ndarray):
        if X.ndim == 2 and not X.flags.f_contiguous and sample_weight is None:
            raise ValueError(
                "check_input=False: X must be Fortran-ordered "
                "(np.asfortranarray(X)); got a C-ordered array."
            )
        dtype = X.dtype
    else:
        raise ValueError(
            f"check_input=False: X must be a numpy array, got {type(X).__name__}."
        )
    if dtype not in (np.float64, np.float32):
        raise ValueError(
            f"check_input=False: X must be float64 or float32, got {dtype}."
        )


# Parameters and attributes both estimators document alike (each docstring
# names them by a %(...)s field, filled in below the classes).
_L1_DOC = {
    "warm_start_to_selection": r"""warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.
    positive : bool, default=False
        Force the coefficients to be positive.
    random_state : int, RandomState instance or None, default=None
        Seed of the coordinate draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit coordinates in order or at random.
""".rstrip(),
    "attributes": r"""coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Parameter vector (w in the objective).
    intercept_ : float or ndarray of shape (n_targets,)
        Independent term in the decision function.
    n_iter_ : int or list of int
        Number of epochs run by the solver for each target.
    dual_gap_ : float or ndarray of shape (n_targets,)
        Duality gap at the end of the optimisation, in the objective's scale.
    sparse_coef_ : scipy.sparse.csr_array of shape (n_targets, n_features)
        Sparse representation of ``coef_``.
    loss_history_ : list of ndarray
        Objective after each epoch for gradient solvers (one array per
        target); empty arrays for ``solver='cd'``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.
""".rstrip(),
}


class ElasticNetRegressor(LinearRegressorBase, BaseEstimator):
    r"""Linear regression with combined L1 and L2 priors (ElasticNet).

    A drop-in replacement for :class:`sklearn.linear_model.ElasticNet`: the
    same objective, parameters, fitted attributes and stopping rule, solved
    by working-set coordinate descent with gap-safe screening and Anderson
    acceleration in Numba kernels.

    The objective is

    .. math::

        \frac{1}{2 n} \|y - Xw - b\|_2^2 + \alpha \rho \|w\|_1
        + \frac{\alpha (1 - \rho)}{2} \|w\|_2^2

    with :math:`\rho` = ``l1_ratio``.  With ``sample_weight`` the squared
    error is the weighted mean (weights rescaled to sum to ``n_samples``).

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the penalty terms.  ``alpha = 0`` is
        ordinary least squares (use :class:`sklearn.linear_model.LinearRegression`).
    l1_ratio : float, default=0.5
        The ElasticNet mixing parameter, ``0 <= l1_ratio <= 1``: 1 is the
        Lasso, 0 the (Lasso-scaled) Ridge.
    fit_intercept : bool, default=True
        Whether to fit an intercept.  The data are centred implicitly: ``X``
        is never copied nor densified.
    precompute : bool or array-like of shape (n_features, n_features), default=False
        Use a precomputed Gram matrix (``True`` computes it) with the
        covariance-update kernel.  Ignored for sparse ``X``.  With
        ``False``, small dense data (no more features than samples, ``n p^2
        <= 1e7``) is still solved on its Gram matrix: the same answer,
        faster (see :ref:`solvers`).
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs.
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol * ||y||^2 / n`` (weighted
        when ``sample_weight`` is given), as scikit-learn does.
    %(warm_start_to_selection)s
    solver : {'cd', 'fista', 'gd'}, default='cd'
        ``'cd'``: working-set coordinate descent.  ``'fista'``: accelerated
        proximal gradient; ``'gd'``: proximal gradient descent.  All stop on
        the same duality-gap rule.
    verbose : int, default=0
        With a gradient solver, print the loss and gap of each epoch.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty (glmnet's
        ``penalty.factor``): feature ``j``'s term becomes
        ``alpha * pf_j * (l1_ratio |w_j| + (1 - l1_ratio) / 2 w_j^2)``.  0
        leaves a feature unpenalised, ``np.inf`` leaves it out (its
        coefficient is 0).  Used as given: glmnet rescales its factors to
        sum to ``n_features``, which ``pf * n_features / pf.sum()`` (with
        ``alpha`` unchanged) reproduces.  None means all ones.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), \
            default=None
        Box constraints on the coefficients (glmnet's ``lower.limits`` and
        ``upper.limits``); the box must contain 0 (``lower_bounds <= 0 <=
        upper_bounds``).  ``positive=True`` is ``lower_bounds=0``.  None
        means unbounded.

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    L1Regressor : The ``l1_ratio=1`` special case (Lasso).
    L2Regressor : Ridge regression.
    sklearn.linear_model.ElasticNet : The scikit-learn estimator this mirrors.

    Examples
    --------
    >>> from skreg import ElasticNetRegressor
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(n_features=2, random_state=0)
    >>> regr = ElasticNetRegressor(random_state=0).fit(X, y)
    >>> print(regr.coef_.round(4))
    [18.8382 64.5597]
    >>> print(round(float(regr.intercept_), 3))
    1.451
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "precompute": ["boolean", "array-like"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "copy_X": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
        "solver": [StrOptions({"cd", "fista", "gd"})],
        "verbose": ["verbose"],
        **PENALTY_CONSTRAINTS,
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        precompute=False,
        max_iter=1000,
        copy_X=True,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        solver="cd",
        verbose=0,
        penalty_factor=None,
        lower_bounds=None,
        upper_bounds=None,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.solver = solver
        self.verbose = verbose
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def _l1_ratio(self):
        return self.l1_ratio

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model by coordinate descent (or the chosen solver).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.  Dense input is used in Fortran order (C-ordered
            input is copied once); sparse input as CSC.  A dask array or
            DataFrame is reduced to sufficient statistics in one pass and
            solved by Gram coordinate descent (see :ref:`dask`).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values, cast to ``X``'s dtype.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Sample weights, rescaled internally to sum to ``n_samples``.
        check_input : bool, default=True
            As in scikit-learn: ``False`` promises that ``X`` is a float64
            or float32 Fortran-ordered array (or a CSC matrix) and raises a
            ``ValueError`` when it is not, instead of converting it.  The
            values are checked either way.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if is_dask_input(X, y, sample_weight):
            from skreg.linear_model._dask_fit import fit_enet_dask

            return fit_enet_dask(self, X, y, sample_weight)
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are "
                "advised to use the LinearRegression estimator",
                stacklevel=2,
            )
        if not check_input:
            _check_layout(X, sample_weight)
        X, y = check_fit_data(self, X, y, check_X=False)
        sw = check_weights(sample_weight, X)
        y_offset = target_offset(y, sw, self.fit_intercept, X.dtype)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        Yc = np.asfortranarray(Y - y_offset, dtype=X.dtype)
        # means, column norms, max |X| and the first correlations with the
        # targets in one read of X, shared with the solver
        design = Design(X, sw, center=self.fit_intercept, targets=Yc)
        try:
            check_design_values(X, design)
        except ValueError as exc:
            if "too large" not in str(exc):
                raise
            # scikit-learn's message (users match it), said before iterating
            raise ValueError(
                "Coordinate descent iterations resulted in non-finite parameter "
                f"values (checked before iterating): {exc}"
            ) from None
        X_offset = design.xm.astype(X.dtype)
        n_targets = Y.shape[1]
        factor, lower, upper = check_penalty_params(self, X.shape[1])
        if self.warm_start and hasattr(self, "coef_"):
            W = np.array(np.atleast_2d(self.coef_), dtype=X.dtype)
            if W.shape != (n_targets, X.shape[1]):
                raise ValueError(
                    f"warm_start: previous coef_ has shape {W.shape}, "
                    f"expected {(n_targets, X.shape[1])}"
                )
        else:
            W = np.zeros((n_targets, X.shape[1]), dtype=X.dtype)
        random_state = (
            check_random_state(self.random_state)
            if self.selection == "random"
            else None
        )
        results = fit_enet_targets(
            X,
            Yc,
            W,
            self.alpha,
            self._l1_ratio(),
            sample_weight=sw,
            X_offset=X_offset,
            precompute=self.precompute,
            max_iter=self.max_iter,
            tol=self.tol,
            positive=self.positive,
            random_state=random_state,
            solver=self.solver,
            verbose=self.verbose,
            fit_intercept=self.fit_intercept,
            design=design,
            penalty_factor=factor,
            lower=lower,
            upper=upper,
        )
        n = X.shape[0]
        for res in results:
            if not res.converged:
                warnings.warn(
                    _CONVERGENCE_MSG.format(gap=res.gap, tol=res.tol),
                    ConvergenceWarning,
                    stacklevel=2,
                )
        gaps = np.array([r.gap / n for r in results], dtype=X.dtype)
        n_iter = [r.n_iter for r in results]
        self.loss_history_ = [np.asarray(r.history) for r in results]
        if n_targets == 1 and y.ndim == 1:
            self.coef_ = W[0]
            self.dual_gap_ = gaps[0]
            self.n_iter_ = n_iter[0]
        else:
            self.coef_ = W
            self.dual_gap_ = gaps
            self.n_iter_ = n_iter
        self._set_intercept(X_offset, y_offset)
        if not (
            np.all(np.isfinite(self.coef_)) and np.all(np.isfinite(self.intercept_))
        ):
            raise ValueError(
                "Coordinate descent iterations resulted in non-finite parameter "
                "values. The input data may contain large values and need to be "
                "preprocessed."
            )
        return self

    @property
    def sparse_coef_(self):
        """Sparse representation of the fitted ``coef_``."""
        return sparse.csr_array(np.atleast_2d(self.coef_))


class L1Regressor(ElasticNetRegressor):
    r"""Linear regression with an L1 prior (the Lasso).

    A drop-in replacement for :class:`sklearn.linear_model.Lasso`,
    minimising

    .. math::

        \frac{1}{2 n} \|y - Xw - b\|_2^2 + \alpha \|w\|_1 .

    The L1 penalty sets coefficients exactly to zero: soft-thresholding in
    each coordinate update clips small correlations to 0.

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the L1 term.
    fit_intercept : bool, default=True
        Whether to fit an intercept (implicit centring, ``X`` never copied).
    precompute : bool or array-like of shape (n_features, n_features), default=False
        Use a precomputed Gram matrix with the covariance-update kernel
        (small dense data uses one anyway: see :class:`ElasticNetRegressor`).
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol * ||y||^2 / n``.
    %(warm_start_to_selection)s
    solver : {'cd', 'fista', 'gd'}, default='cd'
        Coordinate descent, accelerated or plain proximal gradient.
    verbose : int, default=0
        With a gradient solver, print the loss and gap of each epoch.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of ``alpha`` (glmnet's ``penalty.factor``):
        0 leaves a feature unpenalised, ``np.inf`` leaves it out.  See
        :class:`ElasticNetRegressor`.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), \
            default=None
        Box constraints on the coefficients, containing 0 (glmnet's
        ``lower.limits``/``upper.limits``).

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    ElasticNetRegressor : L1 and L2 penalties combined.
    sklearn.linear_model.Lasso : The scikit-learn estimator this mirrors.

    Examples
    --------
    >>> from skreg import L1Regressor
    >>> reg = L1Regressor(alpha=0.1).fit([[0, 0], [1, 1], [2, 2]], [0, 1, 2])
    >>> print(reg.coef_)
    [0.85 0.  ]
    >>> print(round(float(reg.intercept_), 2))
    0.15
    """

    _parameter_constraints: dict = {
        k: v
        for k, v in ElasticNetRegressor._parameter_constraints.items()
        if k != "l1_ratio"
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        precompute=False,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        solver="cd",
        verbose=0,
        penalty_factor=None,
        lower_bounds=None,
        upper_bounds=None,
    ):
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            copy_X=copy_X,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
            random_state=random_state,
            selection=selection,
            solver=solver,
            verbose=verbose,
            penalty_factor=penalty_factor,
            lower_bounds=lower_bounds,
            upper_bounds=upper_bounds,
        )


for _cls in (ElasticNetRegressor, L1Regressor):
    if _cls.__doc__:  # None under python -OO
        _cls.__doc__ %= _L1_DOC
del _cls
