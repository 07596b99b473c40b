r"""Estimators that choose ``alpha`` (and ``l1_ratio``) by cross-validation.

:class:`L1RegressorCV` / :class:`ElasticNetRegressorCV` compute, on every
training fold, a warm-started path along the ``alpha`` grid with working-set
CD and gap-safe screening on a :class:`skreg.solvers.design.Design` built once
per fold (sparse ``X`` is centred implicitly, never densified).
The Ridge counterpart, :class:`L2RegressorCV`, lives in ``_ridge_cv``.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)

from skreg._penalty_params import PENALTY_CONSTRAINTS, check_penalty_params
from skreg._preprocess import is_dask_input
from skreg.linear_model._base import (
    LinearRegressorBase,
    check_fit_data,
    check_weights,
)
from skreg.linear_model._cv_folds import cv_alpha_grids, cv_fold_paths
from skreg.linear_model._cv_select import choose_alpha, refit_best
from skreg.linear_model._l1 import ElasticNetRegressor
from skreg.path import enet_path, lasso_path

__all__ = ["ElasticNetRegressorCV", "L1RegressorCV"]


# The parameters and attributes both estimators document last (each
# docstring names them by a %(...)s field, filled in below the classes).
_CV_DOC = {
    "parameters": r"""positive : bool, default=False
        Force the coefficients to be positive.
    random_state : int, RandomState instance or None, default=None
        Seed of the coordinate draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit coordinates in order or at random.
    alpha_rule : {'min', '1se'}, default='min'
        The alpha refitted as ``alpha_``: ``'min'`` (scikit-learn's choice)
        the smallest mean CV error, ``'1se'`` the largest alpha within one
        standard error of it (glmnet's ``lambda.1se``, a sparser model).
        Both are computed from the same paths (see ``alpha_1se_``).
    scoring : str, callable or None, default=None
        Scorer of the test folds (a name or ``scorer(estimator, X, y)``), higher is
        better; ``None``: the (weighted) mean squared error of ``mse_path_``.
        Sample weights reach a scorer only through metadata routing.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of ``alpha`` (0: unpenalised, ``np.inf``:
        left out), as :class:`ElasticNetRegressor`'s; the default grid's
        ``alpha_max`` follows them.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), \
            default=None
        Box constraints on the coefficients, containing 0.
""".rstrip(),
    "attributes": r"""dual_gap_ : float
        Duality gap at the end of the refit.
    n_iter_ : int
        Number of epochs run by the refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.
""".rstrip(),
}


class _EnetCVBase(LinearRegressorBase, BaseEstimator):
    """Shared fit of :class:`L1RegressorCV` and :class:`ElasticNetRegressorCV`."""

    _parameter_constraints: dict = {
        "eps": [Interval(Real, 0, None, closed="neither")],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "precompute": [StrOptions({"auto"}), "array-like", "boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "copy_X": ["boolean"],
        "cv": ["cv_object"],
        "verbose": ["verbose"],
        "n_jobs": [Integral, None],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
        "alpha_rule": [StrOptions({"min", "1se"})],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        **PENALTY_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        alpha_rule="min",
        scoring=None,
        penalty_factor=None,
        lower_bounds=None,
        upper_bounds=None,
    ):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.alpha_rule = alpha_rule
        self.scoring = scoring
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def _l1_ratios(self):
        return np.array([1.0])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the model along a path of alphas and choose the best by CV.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.  Sparse input is used as CSC and never densified.
            A dask array or DataFrame is read once for every fold, alpha
            and the refit (see :ref:`dask`; ``cv`` may then also be a dask
            array of fold ids).
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Sample weights used for fitting and for the weighted mean squared
            error of each test fold; the CV error is the unweighted mean over
            folds of those errors (as scikit-learn).
        **params : dict
            Parameters passed to the CV splitter (only with metadata routing
            enabled, ``sklearn.set_config(enable_metadata_routing=True)``).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        for name in ("mse_path_", "score_path_"):  # from a fit with other scoring
            self.__dict__.pop(name, None)
        if is_dask_input(X, y, sample_weight, self.cv):
            from skreg.linear_model._dask_fit import fit_enet_cv_dask

            return fit_enet_cv_dask(self, X, y, sample_weight)
        X, y = check_fit_data(self, X, y)
        if y.ndim > 1 and y.shape[1] > 1:
            raise ValueError(
                f"y: {type(self).__name__} fits a single target; got y of shape "
                f"{y.shape}. Fit one model per target."
            )
        y = column_or_1d(y, warn=True)
        sw = check_weights(sample_weight, X)
        check_penalty_params(self, X.shape[1])  # bad values fail before the folds
        l1_ratios = self._l1_ratios()
        alphas = cv_alpha_grids(self, X, y, sw, l1_ratios)
        cv = check_cv(self.cv)
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **params)
            split_params = routed.splitter.split
            score_params = routed.scorer.score if self.scoring is not None else {}
        else:
            split_params, score_params = {}, {}
        folds = list(cv.split(X, y, **split_params))
        scorer = None
        if self.scoring is not None:
            scorer = check_scoring(self, scoring=self.scoring)
        path, y_scale = cv_fold_paths(
            self, X, y, sw, folds, alphas, l1_ratios, scorer, score_params
        )
        path = np.reshape(path, (len(l1_ratios), len(folds), -1))
        if not np.all(np.isfinite(path.mean(axis=1))):
            raise ValueError(
                "Cross-validation errors are not finite: the data may contain "
                "values too large or too small; rescale X and y."
                if scorer is None
                else f"Cross-validation scores are not finite for scoring="
                f"{self.scoring!r}: check that it can score every test fold."
            )
        # Scorers are higher-is-better: both rules run on errors = -scores.
        errors = path if scorer is None else -path
        alpha_min, self.alpha_1se_, l1_ratio = choose_alpha(errors, alphas, l1_ratios)
        self.alpha_min_ = alpha_min
        self.alpha_ = self.alpha_min_ if self.alpha_rule == "min" else self.alpha_1se_
        self.l1_ratio_ = l1_ratio
        curves = np.squeeze(np.moveaxis(path, 2, 1))
        if scorer is None:
            with np.errstate(over="ignore"):
                self.mse_path_ = curves * y_scale**2
        else:
            self.score_path_ = curves
        # As scikit-learn: one grid per l1_ratio when generated, the (sorted)
        # user grid once when given.
        self.alphas_ = np.asarray(alphas)
        if len(l1_ratios) == 1 or not isinstance(self.alphas, Integral):
            self.alphas_ = self.alphas_[0]
        model = ElasticNetRegressor(
            alpha=self.alpha_,
            l1_ratio=self.l1_ratio_,
            fit_intercept=self.fit_intercept,
            precompute=False if isinstance(self.precompute, str) else self.precompute,
            max_iter=self.max_iter,
            tol=self.tol,
            positive=self.positive,
            random_state=self.random_state,
            selection=self.selection,
            penalty_factor=self.penalty_factor,
            lower_bounds=self.lower_bounds,
            upper_bounds=self.upper_bounds,
        )
        return refit_best(self, model, X, y, sample_weight)

    def get_metadata_routing(self):
        """Get metadata routing of this object (splitter and scorer).

        Returns
        -------
        routing : MetadataRouter
            Routing information.
        """
        router = (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=check_cv(self.cv),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        )
        if self.scoring is not None:
            router.add(
                scorer=check_scoring(self, scoring=self.scoring),
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        return tags


class L1RegressorCV(_EnetCVBase):
    r"""Lasso with the penalty ``alpha`` chosen by cross-validation.

    A drop-in replacement for :class:`sklearn.linear_model.LassoCV`: same
    parameters, alpha grid, folds, ``mse_path_`` and chosen ``alpha_``; the
    final model is refitted on all the data with :class:`skreg.L1Regressor`'s
    solver.  Each fold's path is warm-started along the grid with working-set
    coordinate descent and gap-safe screening.

    Folds (and ``l1_ratio`` values) are fitted in parallel with
    :class:`joblib.Parallel` (``prefer="threads"``: the Numba kernels release
    the GIL).  To spread them over a dask cluster::

        from dask.distributed import Client
        import joblib
        client = Client(...)
        with joblib.parallel_backend("dask"):
            model.fit(X, y)

    Parameters
    ----------
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid, or the list of alphas.
    fit_intercept : bool, default=True
        Whether to fit an intercept (``X`` is centred implicitly).
    precompute : 'auto', bool or array-like, default='auto'
        Use a Gram matrix on the folds (``'auto'``: when the training fold has
        more samples than features).  The final refit uses no Gram matrix for
        ``'auto'``.
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance, relative to ``||y||^2 / n`` (scikit-learn's rule).
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    cv : int, cross-validation generator or iterable, default=None
        Splitting strategy (``None``: 5-fold), see
        :func:`sklearn.model_selection.check_cv`.
    verbose : bool or int, default=False
        Amount of verbosity.
    n_jobs : int, default=None
        Number of folds fitted in parallel (``-1``: all cores).
    %(parameters)s

    Attributes
    ----------
    alpha_ : float
        The amount of penalisation chosen by cross-validation (``alpha_rule``).
    coef_ : ndarray of shape (n_features,)
        Coefficients of the model refitted with ``alpha_``.
    intercept_ : float
        Independent term of the refitted model.
    alpha_min_ : float
        The alpha of the smallest mean CV error.
    alpha_1se_ : float
        The largest alpha whose mean CV error is within one standard error
        of the minimum: ``std(ddof=1) / sqrt(n_folds)`` of the fold errors at
        the minimum (glmnet's ``cvsd`` for folds of equal weight).
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Mean squared error on each test fold for every alpha (with the
        default ``scoring=None`` only).
    score_path_ : ndarray of shape (n_alphas, n_folds)
        Score of each test fold for every alpha (with a ``scoring`` only).
    alphas_ : ndarray of shape (n_alphas,)
        The grid of alphas used, in decreasing order.
    %(attributes)s

    See Also
    --------
    lasso_path : The path computed on every fold.
    L1Regressor : The Lasso with a fixed ``alpha``.
    ElasticNetRegressorCV : Also chooses ``l1_ratio``.
    sklearn.linear_model.LassoCV : The scikit-learn estimator this mirrors.

    Notes
    -----
    The objective for each alpha is

    .. math::

        \frac{1}{2 n} \|y - Xw - b\|_2^2 + \alpha \|w\|_1 .

    Examples
    --------
    >>> from skreg import L1RegressorCV
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(noise=4, random_state=0)
    >>> reg = L1RegressorCV(cv=5).fit(X, y)
    >>> round(reg.score(X, y), 3)
    0.999
    >>> reg.mse_path_.shape
    (100, 5)
    """

    path = staticmethod(lasso_path)


class ElasticNetRegressorCV(_EnetCVBase):
    r"""ElasticNet with ``alpha`` and ``l1_ratio`` chosen by cross-validation.

    A drop-in replacement for :class:`sklearn.linear_model.ElasticNetCV`:
    same parameters, grids, folds, ``mse_path_``, chosen ``alpha_`` and
    ``l1_ratio_``; the final model is refitted with
    :class:`skreg.ElasticNetRegressor`'s solver.

    Folds and ``l1_ratio`` values are fitted in parallel with
    :class:`joblib.Parallel` (threads), or on a dask cluster inside
    ``joblib.parallel_backend("dask")`` (see :class:`L1RegressorCV`).

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        Mixing parameter(s) between 0 and 1 to try; each gets its own alpha
        grid.  Put values near 1 (Lasso) and fewer near 0 (Ridge), e.g.
        ``[.1, .5, .7, .9, .95, .99, 1]``.
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        Number of alphas on each automatic grid, or the list of alphas.
    fit_intercept : bool, default=True
        Whether to fit an intercept (``X`` is centred implicitly).
    precompute : 'auto', bool or array-like, default='auto'
        Use a Gram matrix on the folds (``'auto'``: when a training fold has
        more samples than features).
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance, relative to ``||y||^2 / n``.
    cv : int, cross-validation generator or iterable, default=None
        Splitting strategy (``None``: 5-fold).
    copy_X : bool, default=True
        Kept for compatibility: ``X`` is never modified.
    verbose : bool or int, default=0
        Amount of verbosity.
    n_jobs : int, default=None
        Number of (fold, ``l1_ratio``) paths fitted in parallel.
    %(parameters)s

    Attributes
    ----------
    alpha_ : float
        The penalisation chosen by cross-validation (``alpha_rule``).
    l1_ratio_ : float
        The ``l1_ratio`` chosen by cross-validation.
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refitted model.
    intercept_ : float
        Independent term of the refitted model.
    alpha_min_ : float
        The alpha of the smallest mean CV error (over every ``l1_ratio``).
    alpha_1se_ : float
        The largest alpha whose mean CV error, at the chosen ``l1_ratio_``,
        is within one standard error of the minimum: ``std(ddof=1) /
        sqrt(n_folds)`` of the fold errors at the minimum (glmnet's ``cvsd``
        for folds of equal weight).  ``l1_ratio_`` is chosen by the minimum
        under both rules.
    mse_path_ : ndarray of shape (n_l1_ratio, n_alphas, n_folds)
        Test-fold mean squared errors (the first axis is dropped when a
        single ``l1_ratio`` is given; with ``scoring=None`` only).
    score_path_ : ndarray of shape (n_l1_ratio, n_alphas, n_folds)
        Test-fold scores, shaped as ``mse_path_`` (with a ``scoring`` only).
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The alpha grids used.
    %(attributes)s

    See Also
    --------
    enet_path : The path computed on every fold.
    ElasticNetRegressor : The ElasticNet with fixed penalties.
    sklearn.linear_model.ElasticNetCV : The scikit-learn estimator this mirrors.

    Notes
    -----
    The objective for each ``alpha`` and :math:`\rho` = ``l1_ratio`` is

    .. math::

        \frac{1}{2 n} \|y - Xw - b\|_2^2 + \alpha \rho \|w\|_1
        + \frac{\alpha (1 - \rho)}{2} \|w\|_2^2 .

    Examples
    --------
    >>> from skreg import ElasticNetRegressorCV
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(n_features=2, random_state=0)
    >>> regr = ElasticNetRegressorCV(cv=5, random_state=0).fit(X, y)
    >>> round(regr.alpha_, 3)
    0.199
    >>> regr.mse_path_.shape
    (100, 5)
    """

    _parameter_constraints: dict = {
        **_EnetCVBase._parameter_constraints,
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
    }

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        alpha_rule="min",
        scoring=None,
        penalty_factor=None,
        lower_bounds=None,
        upper_bounds=None,
    ):
        super().__init__(
            eps=eps,
            alphas=alphas,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            tol=tol,
            copy_X=copy_X,
            cv=cv,
            verbose=verbose,
            n_jobs=n_jobs,
            positive=positive,
            random_state=random_state,
            selection=selection,
            alpha_rule=alpha_rule,
            scoring=scoring,
            penalty_factor=penalty_factor,
            lower_bounds=lower_bounds,
            upper_bounds=upper_bounds,
        )
        self.l1_ratio = l1_ratio

    path = staticmethod(enet_path)

    def _l1_ratios(self):
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64)).ravel()
        if ratios.size == 0 or np.any((ratios < 0) | (ratios > 1)):
            raise ValueError(
                "l1_ratio must be in [0, 1] (a float or a list); "
                f"got {self.l1_ratio!r}."
            )
        return ratios


for _cls in (L1RegressorCV, ElasticNetRegressorCV):
    if _cls.__doc__:  # None under python -OO
        _cls.__doc__ %= _CV_DOC
del _cls
