"""L2RegressorCV: Ridge with ``alpha`` chosen by efficient leave-one-out.

With ``cv=None`` every leave-one-out error is read off one decomposition
(generalised cross-validation), as scikit-learn's ``RidgeCV``; with a ``cv``
splitter the alphas are searched with :class:`~sklearn.model_selection.GridSearchCV`.
"""

import warnings
from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.metrics import check_scoring, get_scorer, get_scorer_names
from sklearn.model_selection import GridSearchCV, check_cv
from sklearn.utils import check_scalar
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import _check_sample_weight, validate_data

from skreg._penalty_params import check_controls, ridge_column_scale
from skreg._preprocess import is_dask_input
from skreg.linear_model._base import (
    LinearRegressorBase,
)
from skreg.linear_model._cv_select import one_se_alpha
from skreg.solvers.ridge_gcv import RidgeDecomposition

__all__ = ["L2RegressorCV"]


class _PredictionsAsInput(RegressorMixin, BaseEstimator):
    """Scores leave-one-out predictions with a scorer: ``predict`` is identity."""

    def predict(self, y_pred):
        return y_pred


class L2RegressorCV(LinearRegressorBase, BaseEstimator):
    r"""Ridge regression with ``alpha`` chosen by (efficient) cross-validation.

    A drop-in replacement for :class:`sklearn.linear_model.RidgeCV`.  With
    ``cv=None`` (the default) every leave-one-out error for every ``alpha``
    is read off one decomposition of the centred, weighted design
    (generalised cross-validation): an SVD of ``X`` or an eigendecomposition
    of ``X X^T`` (``n_samples <= n_features``) or ``X^T X``.  With another
    ``cv``, a grid search over :class:`skreg.L2Regressor` fits.

    Parameters
    ----------
    alphas : float or array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        Regularisation strengths to try (positive; ``0`` is allowed only
        with ``cv`` not ``None``).
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    scoring : str, callable or None, default=None
        Scorer of the candidate models.  ``None``: the mean squared error
        (leave-one-out, ``cv=None``) or R^2 (other ``cv``).
    cv : int, cross-validation generator or iterable, default=None
        ``None``: efficient leave-one-out.  Otherwise the splitting strategy of
        a grid search.
    gcv_mode : {'auto', 'svd', 'eigen'}, default=None
        Decomposition used when ``cv=None``: ``'svd'`` (dense ``X`` only) or
        the eigendecomposition (``'auto'``, ``'eigen'``, ``None``) of
        ``X X^T`` when ``n_samples <= n_features`` else of ``X^T X``.
    store_cv_results : bool, default=False
        Keep the leave-one-out squared errors (or predictions when
        ``scoring`` is given) in ``cv_results_`` (``cv=None`` only).
    alpha_per_target : bool, default=False
        Choose one ``alpha`` per target (``cv=None`` only).
    alpha_rule : {'min', '1se'}, default='min'
        The alpha of the model fitted: ``'min'`` the best CV score (as
        scikit-learn), ``'1se'`` the largest alpha whose mean CV error is
        within one standard error of the best (glmnet's ``lambda.1se``).
        ``'1se'`` needs errors per fold: the default squared errors with
        ``cv=None`` (one fold per sample) or any ``cv`` splitter; not a
        ``scoring`` with ``cv=None`` nor ``alpha_per_target``.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of ``alpha`` (glmnet's ``penalty.factor``),
        as in :class:`skreg.L2Regressor`: the penalty becomes
        ``alpha * sum_j pf_j w_j^2``.  ``0`` leaves a feature unpenalised,
        ``np.inf`` leaves it out (coefficient 0).  With ``cv=None`` the
        leave-one-out errors stay exact: positive factors rescale the
        columns, unpenalised ones are projected out as the intercept is.
        None means all ones.

    Attributes
    ----------
    cv_results_ : ndarray of shape (n_samples, n_alphas) or \
            (n_samples, n_targets, n_alphas)
        Leave-one-out squared errors or predictions, when
        ``store_cv_results=True``.
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Weight vector(s).
    intercept_ : float or ndarray of shape (n_targets,)
        Independent term in the decision function.
    alpha_ : float or ndarray of shape (n_targets,)
        Estimated regularisation parameter (one per target when
        ``alpha_per_target=True``).
    best_score_ : float or ndarray of shape (n_targets,)
        Score of the model at ``alpha_`` (negative MSE by default).
    alpha_min_ : float
        The alpha of the best mean CV score (when the one-standard-error rule
        applies, see ``alpha_rule``).
    alpha_1se_ : float
        The largest alpha whose mean CV error is within one standard error,
        ``std(ddof=1) / sqrt(n_folds)`` of the fold errors (leave-one-out:
        of the per-sample errors), of the best one (when the rule applies).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    ridge_path : Ridge solutions for many alphas from one decomposition.
    L2Regressor : Ridge regression with a fixed ``alpha``.
    sklearn.linear_model.RidgeCV : The scikit-learn estimator this mirrors.

    Notes
    -----
    The objective for each ``alpha`` is

    .. math::

        \|y - Xw - b\|_2^2 + \alpha \|w\|_2^2 ,

    and with the hat matrix :math:`H` of the fit the leave-one-out residual
    of sample :math:`i` is :math:`(y_i - \hat y_i) / (1 - H_{ii})`.
    With ``sample_weight`` the leave-one-out errors are weighted, while other
    ``cv`` ignore the weights in the validation score (as scikit-learn).
    With ``cv`` not ``None`` the grid search runs with ``n_jobs=None``; wrap
    ``fit`` in ``joblib.parallel_backend("dask")`` to use a dask cluster.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skreg import L2RegressorCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = L2RegressorCV(alphas=[1e-3, 1e-2, 1e-1, 1]).fit(X, y)
    >>> round(reg.score(X, y), 4)
    0.5166
    >>> float(reg.alpha_)
    0.01
    """

    _parameter_constraints: dict = {
        "alphas": ["array-like", Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "cv": ["cv_object"],
        "gcv_mode": [StrOptions({"auto", "svd", "eigen"}), None],
        "store_cv_results": ["boolean"],
        "alpha_per_target": ["boolean"],
        "alpha_rule": [StrOptions({"min", "1se"})],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self,
        alphas=(0.1, 1.0, 10.0),
        *,
        fit_intercept=True,
        scoring=None,
        cv=None,
        gcv_mode=None,
        store_cv_results=False,
        alpha_per_target=False,
        alpha_rule="min",
        penalty_factor=None,
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target
        self.alpha_rule = alpha_rule
        self.penalty_factor = penalty_factor

    def _checked_alphas(self):
        low = "neither" if self.cv is None else "left"
        # each entry as given, before any cast: a string is a TypeError and
        # the messages show the value the user wrote (scikit-learn's checks)
        entries = np.ravel(np.asarray(self.alphas, dtype=object))
        if entries.size == 0:
            raise ValueError("alphas must contain at least one value.")
        name = "alphas" if entries.size == 1 else "alphas[{}]"
        for i, a in enumerate(entries):
            check_scalar(
                a.item() if isinstance(a, np.generic) else a,
                name.format(i),
                target_type=Real,
                min_val=0.0,
                include_boundaries=low,
            )
        return entries.astype(np.float64)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Fit Ridge models for every alpha and keep the best.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (computations run in float64).  A dask array or
            DataFrame is read once for every fold and alpha; it needs
            ``cv`` (see :ref:`dask`).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Individual weights for each sample (not rescaled: multiplying
            them by ``k`` is equivalent to dividing ``alpha`` by ``k``).
        **params : dict
            Parameters for the scorer / splitter (metadata routing only).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, "
                "but the target y is None"
            )
        if sparse.issparse(y):
            raise TypeError(
                "y: sparse targets are not supported; pass a dense array "
                "(e.g. y.toarray())."
            )
        alphas = self._checked_alphas()
        for name in ("alpha_min_", "alpha_1se_"):  # from a fit with other settings
            self.__dict__.pop(name, None)
        if (
            self.alpha_rule == "1se"
            and self.cv is None
            and (self.scoring is not None or self.alpha_per_target)
        ):
            raise ValueError(
                "alpha_rule='1se' needs an error per fold: with cv=None only the "
                "default squared errors (scoring=None) of a single alpha for all "
                "targets (alpha_per_target=False) give one per sample."
            )
        if is_dask_input(X, y, sample_weight, self.cv):
            from skreg.linear_model._dask_fit import fit_ridge_cv_dask

            return fit_ridge_cv_dask(self, X, y, sample_weight, alphas)
        if self.cv is None:
            self._fit_gcv(X, y, sample_weight, alphas, params)
            return self
        if self.store_cv_results:
            raise ValueError("cv!=None and store_cv_results=True are incompatible")
        if self.alpha_per_target:
            raise ValueError("cv!=None and alpha_per_target=True are incompatible")
        from skreg.linear_model._l2 import L2Regressor

        if sample_weight is not None:
            params["sample_weight"] = sample_weight
        inner = L2Regressor(
            fit_intercept=self.fit_intercept, penalty_factor=self.penalty_factor
        )
        scoring = self.scoring
        if _routing_enabled():
            inner.set_fit_request(sample_weight=True)
            if scoring is None:
                scoring = get_scorer("r2").set_score_request(sample_weight=True)
        search = GridSearchCV(
            inner,
            {"alpha": list(alphas)},
            cv=self.cv,
            scoring=scoring,
        ).fit(X, y, **params)
        best = search.best_estimator_
        self.alpha_ = best.alpha
        self.best_score_ = search.best_score_
        res = search.cv_results_
        fold_scores = np.column_stack(
            [res[f"split{k}_test_score"] for k in range(search.n_splits_)]
        )
        self._one_se(alphas, -fold_scores, int(search.best_index_))
        if self.alpha_rule == "1se" and self.alpha_1se_ != self.alpha_:
            i = int(np.flatnonzero(alphas == self.alpha_1se_)[0])
            best = clone(inner).set_params(alpha=self.alpha_1se_)
            best.fit(
                X,
                y,
                **({} if sample_weight is None else {"sample_weight": sample_weight}),
            )
            self.alpha_ = self.alpha_1se_
            self.best_score_ = float(res["mean_test_score"][i])
        self.coef_ = best.coef_
        self.intercept_ = best.intercept_
        self.n_features_in_ = best.n_features_in_
        if hasattr(best, "feature_names_in_"):
            self.feature_names_in_ = best.feature_names_in_
        return self

    def _one_se(self, alphas, fold_errors, i_min):
        self.alpha_min_ = float(alphas[i_min])
        self.alpha_1se_ = one_se_alpha(alphas, fold_errors, i_min)

    def _fit_gcv(self, X, y, sample_weight, alphas, params):
        orig_dtype = getattr(getattr(X, "dtype", None), "kind", None) == "f" and X.dtype
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc", "coo"],
            dtype=np.float64,
            multi_output=True,
            y_numeric=True,
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        scorer = None
        if self.scoring is not None:
            scorer = check_scoring(self, scoring=self.scoring)
        score_params = {}
        if _routing_enabled() and scorer is not None:
            score_params = process_routing(self, "fit", **params).scorer.score
        X, scale, free = self._factor_columns(X)
        dec = self._gcv_decomposition(X, y, sample_weight, free)
        n, n_y = X.shape[0], dec.h.shape[1]
        per_target = self.alpha_per_target and n_y > 1
        if self.store_cv_results:
            results = np.empty((n, n_y, len(alphas)))
        best_coef = best_score = best_alpha = None
        # one-standard-error rule: leave-one-out is n folds of one sample
        rule = scorer is None and not per_target
        sample_errors = np.empty((len(alphas), n)) if rule else None
        for i, alpha in enumerate(alphas):
            looe, coef = dec.loo(float(alpha))
            if scorer is None:
                sq = looe**2
                if rule:
                    sample_errors[i] = sq.mean(axis=1)
                score = -sq.mean(axis=0) if self.alpha_per_target else -sq.mean()
                if self.store_cv_results:
                    results[:, :, i] = sq
            else:
                pred = dec.u - looe
                if sample_weight is not None:
                    pred = pred / dec.sqrt_sw[:, None]
                pred = pred + dec.y_offset
                if y.ndim == 1:
                    pred = pred[:, 0]
                if self.store_cv_results:
                    results[:, :, i] = pred.reshape(n, n_y)
                score = self._gcv_score(scorer, pred, y, score_params)
            if best_score is None:
                best_coef, best_score = coef, np.array(score, dtype=np.float64).ravel()
                best_alpha = np.full(n_y, alpha) if per_target else alpha
                if not per_target:
                    best_score = float(best_score[0])
            elif per_target:
                better = np.asarray(score) > best_score
                best_coef[:, better] = coef[:, better]
                best_score[better] = np.asarray(score)[better]
                best_alpha[better] = alpha
            elif float(np.ravel(score)[0]) > best_score:
                best_coef, best_score, best_alpha = (
                    coef,
                    float(np.ravel(score)[0]),
                    alpha,
                )
        self.alpha_ = best_alpha if per_target else float(best_alpha)
        self.best_score_ = best_score
        if rule:
            i_min = int(np.flatnonzero(alphas == best_alpha)[0])
            self._one_se(alphas, sample_errors, i_min)
            if self.alpha_rule == "1se":
                self.alpha_ = self.alpha_1se_
                _, best_coef = dec.loo(self.alpha_)
                i = int(np.flatnonzero(alphas == self.alpha_)[0])
                self.best_score_ = -float(sample_errors[i].mean())
        if self.store_cv_results:
            self.cv_results_ = results[:, 0, :] if y.ndim == 1 else results
        self._set_gcv_model(dec, best_coef, y.ndim, orig_dtype, scale)

    def _factor_columns(self, X):
        """``X`` with its columns scaled by ``1 / sqrt(pf)`` (0 for an
        infinite factor: the same Ridge), the scale, and the unpenalised
        columns; the input unchanged without factors."""
        factor = check_controls(X.shape[1], self.penalty_factor)[0]
        if factor is None:
            return X, None, None
        scale = ridge_column_scale(factor)
        if sparse.issparse(X):
            X = (sparse.csr_matrix(X) @ sparse.diags(scale)).tocsr()
        else:
            X = X * scale
        return X, scale, np.flatnonzero(factor == 0)

    def _gcv_decomposition(self, X, y, sample_weight, free=None):
        mode = "svd" if self.gcv_mode == "svd" else "eigen"
        if mode == "svd" and sparse.issparse(X):
            # scikit-learn 1.9's deprecation, word for word
            warnings.warn(
                "The 'svd' mode is not supported for sparse X, we fallback to "
                "`gcv_mode='eigen'`. Passing `gcv_mode='svd'` on sparse X will "
                "raise an error in 1.11, use the default or pass "
                "`gcv_mode='eigen'` to suppress this warning.",
                FutureWarning,
                stacklevel=4,
            )
            mode = "eigen"
        return RidgeDecomposition(
            X,
            y,
            sample_weight=sample_weight,
            fit_intercept=self.fit_intercept,
            mode=mode,
            free=free,
        )

    def _gcv_score(self, scorer, pred, y, score_params):
        """``scorer``'s score of the leave-one-out predictions (one per
        target with ``alpha_per_target``)."""
        if self.alpha_per_target and y.ndim == 2:
            return np.array(
                [
                    scorer(_PredictionsAsInput(), pred[:, j], y[:, j], **score_params)
                    for j in range(y.shape[1])
                ]
            )
        return scorer(_PredictionsAsInput(), pred, y, **score_params)

    def _set_gcv_model(self, dec, best_coef, y_ndim, orig_dtype, scale=None):
        """``coef_`` and ``intercept_`` from the chosen coefficients (of the
        columns ``scale`` rescaled; in the input's float dtype)."""
        coef = best_coef.T
        if y_ndim == 1 or coef.shape[0] == 1:
            coef = coef.ravel()
        if self.fit_intercept:
            y_off = dec.y_offset[0] if y_ndim == 1 else dec.y_offset
            self.intercept_ = y_off - dec.X_offset @ coef.T
        else:
            self.intercept_ = 0.0
        self.coef_ = coef if scale is None else coef * scale
        if orig_dtype:
            self.coef_ = self.coef_.astype(orig_dtype, copy=False)
            if not isinstance(self.intercept_, float):
                self.intercept_ = np.asarray(self.intercept_).astype(orig_dtype)
            if self.store_cv_results:
                self.cv_results_ = self.cv_results_.astype(orig_dtype, copy=False)

    def get_metadata_routing(self):
        """Get metadata routing of this object (scorer and splitter).

        Returns
        -------
        routing : MetadataRouter
            Routing information.
        """
        router = MetadataRouter(owner=self).add_self_request(self)
        if _routing_enabled() and self.scoring is None:
            # As RidgeCV: the default score is R^2 and sample weights reach
            # it; a scorer wrapping ``self`` would route back into this
            # method forever.
            scorer = get_scorer("r2").set_score_request(sample_weight=True)
        else:
            scorer = check_scoring(self, scoring=self.scoring, allow_none=True)
        if scorer is not None:
            router.add(
                scorer=scorer,
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        if self.cv is not None:
            router.add(
                splitter=check_cv(self.cv),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
