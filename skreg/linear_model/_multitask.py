"""MultiTaskElasticNetRegressor and MultiTaskL1Regressor: joint feature selection.

Drop-in replacements for scikit-learn's MultiTaskElasticNet and
MultiTaskLasso: the L2,1 penalty keeps or drops a feature for every target
together, where the single-task estimators fit each target on its own.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from skreg._penalty_params import PENALTY_CONSTRAINTS, check_penalty_params
from skreg.linear_model._base import (
    LinearRegressorBase,
    check_design_values,
    check_fit_data,
    check_weights,
    target_offset,
)
from skreg.solvers.design import Design
from skreg.solvers.multitask import multitask_cd, penalty_weights

__all__ = [
    "MultiTaskElasticNetRegressor",
    "MultiTaskL1Regressor",
    "check_multitask_y",
    "fit_multitask",
]

_CONVERGENCE_MSG = (
    "Objective did not converge. You might want to increase the number of "
    "iterations, check the scale of the features or consider increasing "
    "regularisation. Duality gap: {gap:.6e}, tolerance: {tol:.3e}"
)


def check_multitask_y(estimator, y, single):
    """Refuse a 1-d ``y`` as scikit-learn does (its message, naming y)."""
    if y.ndim == 1:
        raise ValueError(
            f"y: {type(estimator).__name__} needs y of shape (n_samples, "
            f"n_targets); got a 1-d y. For mono-task outputs, use {single}."
        )


def fit_multitask(design, Yc, W, alpha, l1_ratio, penalty_factor=None, **solve_kw):
    """Solve one multi-task problem with ``W`` of shape (n_features, n_tasks)
    updated in place; returns the solver's :class:`MTResult`."""
    l1, l2 = penalty_weights(
        design.n_samples, design.n_features, alpha, l1_ratio, penalty_factor
    )
    return multitask_cd(design, Yc, W, l1, l2, **solve_kw)


class MultiTaskElasticNetRegressor(LinearRegressorBase, BaseEstimator):
    r"""Multi-task ElasticNet: an L2,1 (row-wise) penalty shared by the targets.

    A drop-in replacement for :class:`sklearn.linear_model.MultiTaskElasticNet`:
    the same objective, parameters, fitted attributes and stopping rule,
    solved by working-set block coordinate descent with gap-safe screening
    and Anderson extrapolation in Numba kernels.  A feature is selected for
    all targets or for none.

    The objective is

    .. math::

        \frac{1}{2 n} \|Y - XW - b\|_F^2 + \alpha \rho \|W\|_{2,1}
        + \frac{\alpha (1 - \rho)}{2} \|W\|_F^2

    with :math:`\rho` = ``l1_ratio`` and :math:`\|W\|_{2,1} = \sum_j \|W_j\|_2`
    the sum of the norms of the features' rows.  With ``sample_weight`` the
    squared error is the weighted mean (weights rescaled to sum to
    ``n_samples``).

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the penalty terms.
    l1_ratio : float, default=0.5
        The mixing parameter, ``0 <= l1_ratio <= 1``: 1 is the L2,1 penalty
        alone (:class:`MultiTaskL1Regressor`), 0 the (Lasso-scaled) Ridge.
    fit_intercept : bool, default=True
        Whether to fit an intercept.  The data are centred implicitly: ``X``
        is never copied nor densified.
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    max_iter : int, default=1000
        Maximum number of block coordinate-descent epochs.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol * ||Y||_F^2 / n`` (weighted
        when ``sample_weight`` is given), as scikit-learn does.
    warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.
    random_state : int, RandomState instance or None, default=None
        Seed of the row draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the features' rows in order or at random.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty (glmnet's ``penalty.factor``):
        feature ``j``'s term becomes ``alpha * pf_j * (l1_ratio |W_j|_2 +
        (1 - l1_ratio) / 2 |W_j|_2^2)``.  0 leaves a feature unpenalised,
        ``np.inf`` leaves it out (its row of ``coef_`` is 0).  None means
        all ones (scikit-learn's objective).

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Parameter matrix (``W.T`` in the objective).
    intercept_ : ndarray of shape (n_targets,) or float
        Independent term (0.0 without intercept, as scikit-learn).
    n_iter_ : int
        Number of epochs run by the solver (0 when the starting point
        already met the tolerance).
    dual_gap_ : float
        Duality gap at the end of the optimisation, in the objective's scale.
    eps_ : float
        The tolerance in coordinate-descent scaling, ``tol`` times the
        (weighted) squared Frobenius norm of the centred targets.
    sparse_coef_ : scipy.sparse.csr_array of shape (n_targets, n_features)
        Sparse representation of ``coef_``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiTaskL1Regressor : The ``l1_ratio=1`` special case.
    MultiTaskElasticNetRegressorCV : Chooses ``alpha`` and ``l1_ratio`` by CV.
    ElasticNetRegressor : Independent fits of each target.
    sklearn.linear_model.MultiTaskElasticNet : The estimator this mirrors.

    Examples
    --------
    >>> from skreg import MultiTaskElasticNetRegressor
    >>> reg = MultiTaskElasticNetRegressor(alpha=0.1)
    >>> reg = reg.fit([[0, 0], [1, 1], [2, 2]], [[0, 0], [1, 1], [2, 2]])
    >>> print(reg.coef_.round(4))
    [[0.4566 0.4561]
     [0.4566 0.4561]]
    >>> print(reg.intercept_.round(4))
    [0.0872 0.0872]
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "copy_X": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
        "penalty_factor": PENALTY_CONSTRAINTS["penalty_factor"],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor

    def _l1_ratio(self):
        return self.l1_ratio

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by working-set block coordinate descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.  Dense input is used in Fortran order (C-ordered
            input is copied once); sparse input as CSC.
        y : array-like of shape (n_samples, n_targets)
            Target values, cast to ``X``'s dtype.  A 1-d ``y`` is refused.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Sample weights, rescaled internally to sum to ``n_samples``.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = check_fit_data(self, X, y, check_X=False)
        single = "ElasticNetRegressor" if self._l1_ratio() < 1 else "L1Regressor"
        check_multitask_y(self, y, single)
        sw = check_weights(sample_weight, X)
        n_samples, n_features = X.shape
        n_targets = y.shape[1]
        y_offset = target_offset(y, sw, self.fit_intercept, X.dtype)
        Yc = np.asarray(y, dtype=np.float64) - y_offset
        # the first correlations Z^T S Y come from the solver's first pass
        # (a BLAS-3 product on dense float64 X)
        design = Design(X, sw, center=self.fit_intercept)
        check_design_values(X, design)
        X_offset = design.xm.astype(X.dtype)
        if self.warm_start and hasattr(self, "coef_"):
            coef = np.asarray(self.coef_)
            if coef.shape != (n_targets, n_features):
                raise ValueError(
                    f"warm_start: previous coef_ has shape {coef.shape}, "
                    f"expected {(n_targets, n_features)}"
                )
            W = np.ascontiguousarray(coef.T, dtype=np.float64)
        else:
            W = np.zeros((n_features, n_targets))
        random_state = (
            check_random_state(self.random_state)
            if self.selection == "random"
            else None
        )
        res = fit_multitask(
            design,
            Yc,
            W,
            self.alpha,
            self._l1_ratio(),
            penalty_factor=check_penalty_params(self, n_features)[0],
            max_iter=self.max_iter,
            tol=self.tol,
            random_state=random_state,
        )
        if not res.converged:
            warnings.warn(
                _CONVERGENCE_MSG.format(gap=res.gap, tol=res.tol),
                ConvergenceWarning,
                stacklevel=2,
            )
        self.coef_ = np.asarray(W.T, dtype=X.dtype, order="C")
        self.dual_gap_ = res.gap / n_samples
        self.eps_ = res.tol
        self.n_iter_ = res.n_iter
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


class MultiTaskL1Regressor(MultiTaskElasticNetRegressor):
    r"""Multi-task Lasso: the L2,1 penalty alone, joint selection across targets.

    A drop-in replacement for :class:`sklearn.linear_model.MultiTaskLasso`,
    minimising

    .. math::

        \frac{1}{2 n} \|Y - XW - b\|_F^2 + \alpha \|W\|_{2,1} ,

    where :math:`\|W\|_{2,1} = \sum_j \|W_j\|_2` sums the norms of the
    features' rows: a feature's coefficients are zero for every target or
    for none.

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the L2,1 term.
    fit_intercept : bool, default=True
        Whether to fit an intercept (implicit centring, ``X`` never copied).
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    max_iter : int, default=1000
        Maximum number of block coordinate-descent epochs.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol * ||Y||_F^2 / n``.
    warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.
    random_state : int, RandomState instance or None, default=None
        Seed of the row draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the features' rows in order or at random.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty (glmnet's ``penalty.factor``):
        feature ``j``'s term becomes ``alpha * pf_j * |W_j|_2``.  0 leaves a
        feature unpenalised,
        ``np.inf`` leaves it out (its row of ``coef_`` is 0).  None means
        all ones (scikit-learn's objective).

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Parameter matrix (``W.T`` in the objective).
    intercept_ : ndarray of shape (n_targets,) or float
        Independent term (0.0 without intercept).
    n_iter_ : int
        Number of epochs run by the solver.
    dual_gap_ : float
        Duality gap at the end of the optimisation, in the objective's scale.
    eps_ : float
        The tolerance in coordinate-descent scaling.
    sparse_coef_ : scipy.sparse.csr_array of shape (n_targets, n_features)
        Sparse representation of ``coef_``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiTaskElasticNetRegressor : Adds a squared Frobenius penalty.
    MultiTaskL1RegressorCV : Chooses ``alpha`` by cross-validation.
    L1Regressor : Independent Lasso fits of each target.
    sklearn.linear_model.MultiTaskLasso : The estimator this mirrors.

    Examples
    --------
    >>> from skreg import MultiTaskL1Regressor
    >>> reg = MultiTaskL1Regressor(alpha=0.1)
    >>> reg = reg.fit([[0, 1], [1, 2], [2, 4]], [[0, 0], [1, 1], [2, 3]])
    >>> print(reg.coef_.round(4))
    [[0.     0.6081]
     [0.     0.9459]]
    >>> print(reg.intercept_.round(4))
    [-0.4189 -0.8738]
    """

    _parameter_constraints: dict = {
        k: v
        for k, v in MultiTaskElasticNetRegressor._parameter_constraints.items()
        if k != "l1_ratio"
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            copy_X=copy_X,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            random_state=random_state,
            selection=selection,
            penalty_factor=penalty_factor,
        )
