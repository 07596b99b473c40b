r"""Multi-task estimators that choose ``alpha`` (and ``l1_ratio``) by CV.

:class:`MultiTaskL1RegressorCV` / :class:`MultiTaskElasticNetRegressorCV`
compute, on every training fold, a warm-started multi-task path along the
``alpha`` grid (:func:`skreg._multitask_path.solve_multitask_path`, working
sets and gap-safe screening of feature rows) on a design built once per
fold, score it on the test fold and refit the best model on all the data.
"""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from threadpoolctl import threadpool_limits

from skreg._multitask_path import solve_multitask_path
from skreg._penalty_params import PENALTY_CONSTRAINTS, check_penalty_params
from skreg.linear_model._base import (
    LinearRegressorBase,
    check_fit_data,
    check_weights,
    target_offset,
)
from skreg.linear_model._cv_folds import cv_alpha_grids
from skreg.linear_model._cv_select import choose_alpha, refit_best
from skreg.linear_model._multitask import (
    MultiTaskElasticNetRegressor,
    check_multitask_y,
)
from skreg.path import enet_path, lasso_path
from skreg.solvers.design import Design

__all__ = ["MultiTaskElasticNetRegressorCV", "MultiTaskL1RegressorCV"]


def _fold_mse(X, Y, sw, train, test, fit_intercept, alphas, l1_ratio, solve_kw):
    """Test-fold mean squared error (averaged over targets, as scikit-learn)
    of every model on the training fold's multi-task path."""
    X_tr, Y_tr = X[train], Y[train]
    sw_tr = None
    if sw is not None:
        sw_tr = sw[train]
        if not (sw_tr.sum() > 0 and sw[test].sum() > 0):
            raise ValueError(
                "sample_weight: a cross-validation fold has zero total weight in "
                "its training or test part, so it cannot be fitted or scored; use "
                "fewer folds, another cv splitter, or drop zero-weight samples."
            )
        sw_tr = sw_tr * (len(train) / sw_tr.sum())
    if sparse.issparse(X_tr):
        X_tr = sparse.csc_matrix(X_tr)
        X_tr.sort_indices()
    else:
        X_tr = np.asfortranarray(X_tr)
    y_offset = np.asarray(
        target_offset(Y_tr, sw_tr, fit_intercept, np.dtype(np.float64)), dtype=float
    )
    Yc = np.asarray(Y_tr, dtype=np.float64) - y_offset
    design = Design(X_tr, sw_tr, center=fit_intercept)
    random_state = solve_kw.pop("random_state")
    coefs, _, _, _ = solve_multitask_path(
        design,
        Yc,
        alphas,
        l1_ratio,
        random_state=None if random_state is None else check_random_state(random_state),
        **solve_kw,
    )
    T, _, n_alphas = coefs.shape
    intercepts = y_offset[:, None] - np.einsum("j,tja->ta", design.xm, coefs)
    # only the features active somewhere on the path contribute
    active = np.flatnonzero(np.any(coefs != 0, axis=(0, 2)))
    C = coefs[:, active, :].transpose(1, 0, 2).reshape(active.size, T * n_alphas)
    X_te = X[test]
    pred = np.asarray(safe_sparse_dot(X_te[:, active], C, dense_output=True))
    pred = pred.reshape(-1, T, n_alphas) + intercepts
    residues = pred - np.asarray(Y[test], dtype=np.float64)[:, :, None]
    if sw is None:
        mse = (residues**2).mean(axis=0)
    else:
        mse = np.average(residues**2, weights=sw[test], axis=0)
    return mse.mean(axis=0)


class _MultiTaskCVBase(LinearRegressorBase, BaseEstimator):
    """Shared fit of the multi-task CV estimators."""

    _parameter_constraints: dict = {
        "eps": [Interval(Real, 0, None, closed="neither")],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "copy_X": ["boolean"],
        "cv": ["cv_object"],
        "verbose": ["verbose"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
        "penalty_factor": PENALTY_CONSTRAINTS["penalty_factor"],
    }

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor

    def _l1_ratios(self):
        return np.array([1.0])

    def _folds(self, X, y, sample_weight, params):
        cv = check_cv(self.cv)
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **params)
            return list(cv.split(X, y, **routed.splitter.split))
        return list(cv.split(X, y))

    def _fold_errors(self, X, y, sw, folds, alphas, l1_ratios, factor):
        """Test errors of shape (n_l1_ratio, n_folds, n_alphas)."""
        # one seed drawn here keeps the folds reproducible and thread-safe
        rs = (
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            if self.selection == "random"
            else None
        )
        solve_kw = {"max_iter": self.max_iter, "tol": self.tol}
        solve_kw.update(penalty_factor=factor)
        jobs = (
            delayed(_fold_mse)(
                X,
                y,
                sw,
                train,
                test,
                self.fit_intercept,
                a,
                r,
                {**solve_kw, "random_state": rs},
            )  # fmt: skip
            for r, a in zip(l1_ratios, alphas, strict=True)
            for train, test in folds
        )
        # folds are memory-bound kernel work: a threaded BLAS inside each
        # only adds contention
        with threadpool_limits(limits=1, user_api="blas"):
            mse = Parallel(n_jobs=self.n_jobs, verbose=self.verbose, prefer="threads")(
                jobs
            )
        mse = np.reshape(mse, (len(l1_ratios), len(folds), -1))
        if not np.all(np.isfinite(mse.mean(axis=1))):
            raise ValueError(
                "Cross-validation errors are not finite: the data may contain "
                "values too large or too small; rescale X and y."
            )
        return mse

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the model along a path of alphas and choose the best by CV.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.  Sparse input is used as CSC and never densified.
        y : array-like of shape (n_samples, n_targets)
            Target values.  A 1-d ``y`` is refused.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Sample weights used for fitting and for the weighted mean squared
            error of each test fold.
        **params : dict
            Parameters passed to the CV splitter (only with metadata routing
            enabled, ``sklearn.set_config(enable_metadata_routing=True)``).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        X, y = check_fit_data(self, X, y)
        single = (
            "ElasticNetRegressorCV" if hasattr(self, "l1_ratio") else "L1RegressorCV"
        )
        check_multitask_y(self, y, single)
        sw = check_weights(sample_weight, X)
        factor = check_penalty_params(self, X.shape[1])[0]
        l1_ratios = self._l1_ratios()
        alphas = cv_alpha_grids(self, X, y, sw, l1_ratios)
        folds = self._folds(X, y, sample_weight, params)
        mse = self._fold_errors(X, y, sw, folds, alphas, l1_ratios, factor)
        self.mse_path_ = np.squeeze(np.moveaxis(mse, 2, 1))
        self.alpha_, _, self.l1_ratio_ = choose_alpha(mse, alphas, l1_ratios)
        # one grid per l1_ratio when generated, the user grid once (sklearn)
        self.alphas_ = np.asarray(alphas)
        if len(l1_ratios) == 1 or not isinstance(self.alphas, Integral):
            self.alphas_ = self.alphas_[0]
        model = MultiTaskElasticNetRegressor(
            alpha=self.alpha_,
            l1_ratio=self.l1_ratio_,
            fit_intercept=self.fit_intercept,
            max_iter=self.max_iter,
            tol=self.tol,
            random_state=self.random_state,
            selection=self.selection,
            penalty_factor=factor,
        )
        return refit_best(self, model, X, y, sample_weight)

    def get_metadata_routing(self):
        """Get metadata routing of this object (the CV splitter's ``split``).

        Returns
        -------
        routing : MetadataRouter
            Routing information.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=check_cv(self.cv),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


class MultiTaskL1RegressorCV(_MultiTaskCVBase):
    r"""Multi-task Lasso with ``alpha`` chosen by cross-validation.

    A drop-in replacement for :class:`sklearn.linear_model.MultiTaskLassoCV`:
    same parameters, alpha grid, folds, ``mse_path_`` (test-fold errors
    averaged over targets) and chosen ``alpha_``; the final model is
    refitted on all the data with :class:`skreg.MultiTaskL1Regressor`'s
    solver.  The objective for each ``alpha`` is

    .. math::

        \frac{1}{2 n} \|Y - XW - b\|_F^2 + \alpha \|W\|_{2,1} .

    Parameters
    ----------
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid, or the list of alphas.
    fit_intercept : bool, default=True
        Whether to fit an intercept (``X`` is centred implicitly).
    max_iter : int, default=1000
        Maximum number of block coordinate-descent epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance, relative to ``||Y||_F^2 / n``.
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    cv : int, cross-validation generator or iterable, default=None
        Splitting strategy (``None``: 5-fold).
    verbose : bool or int, default=False
        Amount of verbosity.
    n_jobs : int, default=None
        Number of folds fitted in parallel (threads).
    random_state : int, RandomState instance or None, default=None
        Seed of the row draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the features' rows in order or at random.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty (0: unpenalised, ``np.inf``:
        left out), as in :class:`MultiTaskElasticNetRegressor`; the alpha
        grid follows them (``alpha_max`` is the largest correlation over its
        feature's factor).  None means all ones.

    Attributes
    ----------
    alpha_ : float
        The penalisation chosen by cross-validation.
    coef_ : ndarray of shape (n_targets, n_features)
        Coefficients of the refitted model.
    intercept_ : ndarray of shape (n_targets,)
        Independent term of the refitted model.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Test-fold mean squared errors (averaged over targets).
    alphas_ : ndarray of shape (n_alphas,)
        The grid of alphas used, in decreasing order.
    dual_gap_ : float
        Duality gap at the end of the refit.
    n_iter_ : int
        Number of epochs run by the refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiTaskL1Regressor : The multi-task Lasso with a fixed ``alpha``.
    MultiTaskElasticNetRegressorCV : Also chooses ``l1_ratio``.
    sklearn.linear_model.MultiTaskLassoCV : The estimator this mirrors.

    Examples
    --------
    >>> from skreg import MultiTaskL1RegressorCV
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(n_targets=2, noise=4, random_state=0)
    >>> reg = MultiTaskL1RegressorCV(cv=5).fit(X, y)
    >>> round(reg.score(X, y), 4)
    0.9994
    >>> reg.mse_path_.shape
    (100, 5)
    """

    path = staticmethod(lasso_path)


class MultiTaskElasticNetRegressorCV(_MultiTaskCVBase):
    r"""Multi-task ElasticNet with ``alpha`` and ``l1_ratio`` chosen by CV.

    A drop-in replacement for
    :class:`sklearn.linear_model.MultiTaskElasticNetCV`: same parameters,
    grids, folds, ``mse_path_``, chosen ``alpha_`` and ``l1_ratio_``; the
    final model is refitted with
    :class:`skreg.MultiTaskElasticNetRegressor`'s solver.  The objective for
    each ``alpha`` and :math:`\rho` = ``l1_ratio`` is

    .. math::

        \frac{1}{2 n} \|Y - XW - b\|_F^2 + \alpha \rho \|W\|_{2,1}
        + \frac{\alpha (1 - \rho)}{2} \|W\|_F^2 .

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        Mixing parameter(s) between 0 and 1 to try; each gets its own alpha
        grid.
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        Number of alphas on each automatic grid, or the list of alphas.
    fit_intercept : bool, default=True
        Whether to fit an intercept (``X`` is centred implicitly).
    max_iter : int, default=1000
        Maximum number of block coordinate-descent epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance, relative to ``||Y||_F^2 / n``.
    cv : int, cross-validation generator or iterable, default=None
        Splitting strategy (``None``: 5-fold).
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    verbose : bool or int, default=0
        Amount of verbosity.
    n_jobs : int, default=None
        Number of (fold, ``l1_ratio``) paths fitted in parallel (threads).
    random_state : int, RandomState instance or None, default=None
        Seed of the row draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the features' rows in order or at random.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty (0: unpenalised, ``np.inf``:
        left out), as in :class:`MultiTaskElasticNetRegressor`; the alpha
        grid follows them (``alpha_max`` is the largest correlation over its
        feature's factor).  None means all ones.

    Attributes
    ----------
    alpha_ : float
        The penalisation chosen by cross-validation.
    l1_ratio_ : float
        The ``l1_ratio`` chosen by cross-validation.
    coef_ : ndarray of shape (n_targets, n_features)
        Coefficients of the refitted model.
    intercept_ : ndarray of shape (n_targets,)
        Independent term of the refitted model.
    mse_path_ : ndarray of shape (n_l1_ratio, n_alphas, n_folds)
        Test-fold mean squared errors (the first axis is dropped when a
        single ``l1_ratio`` is given).
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The alpha grids used.
    dual_gap_ : float
        Duality gap at the end of the refit.
    n_iter_ : int
        Number of epochs run by the refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiTaskElasticNetRegressor : Fixed ``alpha`` and ``l1_ratio``.
    MultiTaskL1RegressorCV : The ``l1_ratio=1`` case.
    sklearn.linear_model.MultiTaskElasticNetCV : The estimator this mirrors.

    Examples
    --------
    >>> from skreg import MultiTaskElasticNetRegressorCV
    >>> reg = MultiTaskElasticNetRegressorCV(cv=3)
    >>> reg = reg.fit([[0, 0], [1, 1], [2, 2]], [[0, 0], [1, 1], [2, 2]])
    >>> print(reg.coef_.round(4))
    [[0.5184 0.4797]
     [0.5184 0.4797]]
    """

    _parameter_constraints: dict = {
        **_MultiTaskCVBase._parameter_constraints,
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
    }

    path = staticmethod(enet_path)

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.l1_ratio = l1_ratio
        super().__init__(
            eps=eps,
            alphas=alphas,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            copy_X=copy_X,
            cv=cv,
            verbose=verbose,
            n_jobs=n_jobs,
            random_state=random_state,
            selection=selection,
            penalty_factor=penalty_factor,
        )

    def _l1_ratios(self):
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64)).ravel()
        if ratios.size == 0 or np.any((ratios < 0) | (ratios > 1)):
            raise ValueError(
                "l1_ratio must be in [0, 1] (a float or a list); "
                f"got {self.l1_ratio!r}."
            )
        return ratios
