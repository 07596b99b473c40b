"""Fits of the estimators on dask input, from the reduced statistics.

Each function reads the data once (:func:`~skreg.linear_model._dask.reduce_stats`)
and solves on the client: Gram coordinate descent for the Lasso and
ElasticNet (same duality gap and ``tol`` as in memory), the closed form for
Ridge.  Cross-validation keeps one set of statistics per fold from the same
pass: a training fold is the whole minus its fold, and the held-out error
of every ``alpha`` comes from the fold's own moments.
"""

import numbers
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, PredefinedSplit

from skreg._alpha_grid import grid_from_correlations
from skreg._penalty_params import check_penalty_params
from skreg.linear_model._cv_select import choose_alpha, one_se_alpha
from skreg.linear_model._dask import DaskData, reduce_stats
from skreg.solvers.gram import (
    GramCD,
    enet_penalty,
    gram_enet_path,
    ridge_cd_from_gram,
    ridge_from_gram,
)
from skreg.stats import gram_system, heldout_sse, merge_all, subtract

__all__ = [
    "fit_enet_cv_dask",
    "fit_enet_dask",
    "fit_ridge_cv_dask",
    "fit_ridge_dask",
]


def _check_scalar_weight(sample_weight):
    if isinstance(sample_weight, numbers.Number) and not (
        np.isfinite(sample_weight) and sample_weight > 0
    ):
        raise ValueError(
            "sample_weight: a scalar weight must be a positive finite number; "
            f"got {sample_weight!r}."
        )


def _read(estimator, X, y, sample_weight, **kw):
    _check_scalar_weight(sample_weight)
    data = DaskData(X, y, sample_weight)
    # bad controls fail before any data are read
    data.controls = check_penalty_params(estimator, data.n_features)
    estimator.n_features_in_ = data.n_features
    if data.feature_names is not None and all(
        isinstance(c, str) for c in data.feature_names
    ):
        estimator.feature_names_in_ = data.feature_names
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    return data


def _check_weight(stats, name="sample_weight"):
    if not stats.weight > 0:
        raise ValueError(f"{name} must have a positive sum; got all zeros.")


def _enet_solve(
    stats, alpha, l1_ratio, *, fit_intercept, positive, max_iter, tol, W0, controls
):
    """Coefficients (n_targets, p), intercepts and results for one alpha
    (``controls``: the validated penalty factors and bounds)."""
    G, Q, yy = gram_system(stats, fit_intercept=fit_intercept, rescale=True)
    p, k = Q.shape
    penalty = enet_penalty(alpha, l1_ratio, stats.n_rows, p, positive, *controls)
    W = np.zeros((k, p))
    results = []
    for t in range(k):
        solver = GramCD(
            G, np.ascontiguousarray(Q[:, t]), yy[t], max_iter=max_iter, tol=tol
        )
        res = solver.solve(penalty, None if W0 is None else W0[t])
        W[t] = res.coef
        results.append(res)
    b = stats.y_mean - W @ stats.x_mean if fit_intercept else np.zeros(k)
    return W, b, results


def _warn_convergence(results):
    for res in results:
        if not res.converged:
            warnings.warn(
                "Objective did not converge. You might want to increase the "
                "number of iterations. Duality gap: "
                f"{res.gap:.6e}, tolerance: {res.tol:.3e}",
                ConvergenceWarning,
                stacklevel=4,
            )


def _refit(est, stats, alpha, l1_ratio, W0, data):
    """Solve for one ``alpha`` from ``stats`` and set the fitted attributes."""
    W, b, results = _enet_solve(
        stats,
        alpha,
        l1_ratio,
        fit_intercept=est.fit_intercept,
        positive=est.positive,
        max_iter=est.max_iter,
        tol=est.tol,
        W0=W0,
        controls=data.controls,
    )
    _warn_convergence(results)
    _set_enet_attributes(
        est, W, b, results, stats.n_rows, data.y_ndim, data.dtype, est.fit_intercept
    )


def _set_enet_attributes(est, W, b, results, n_rows, y_ndim, dtype, fit_intercept):
    gaps = np.array([r.gap / n_rows for r in results], dtype=dtype)
    W = W.astype(dtype)
    if y_ndim == 1:
        est.coef_, est.dual_gap_, est.n_iter_ = W[0], gaps[0], results[0].n_iter
        est.intercept_ = dtype.type(b[0]) if fit_intercept else 0.0
    else:
        est.coef_, est.dual_gap_ = W, gaps
        est.n_iter_ = [r.n_iter for r in results]
        est.intercept_ = b.astype(dtype) if fit_intercept else 0.0
    est.loss_history_ = [np.empty(0) for _ in results]


def fit_enet_dask(est, X, y, sample_weight):
    """:meth:`ElasticNetRegressor.fit` on dask input (one pass over the data)."""
    if est.alpha == 0:
        warnings.warn(
            "With alpha=0, this algorithm does not converge well. You are "
            "advised to use the LinearRegression estimator",
            stacklevel=3,
        )
    data = _read(est, X, y, sample_weight)
    stats = reduce_stats(data)[0]
    _check_weight(stats)
    W0 = None
    if est.warm_start and hasattr(est, "coef_"):
        W0 = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
        if W0.shape != (data.n_targets, data.n_features):
            raise ValueError(
                f"warm_start: previous coef_ has shape {W0.shape}, expected "
                f"{(data.n_targets, data.n_features)}"
            )
    _refit(est, stats, est.alpha, est._l1_ratio(), W0, data)
    return est


def fit_ridge_dask(est, X, y, sample_weight):
    """:meth:`L2Regressor.fit` on dask input: the closed form from statistics
    (Gram coordinate descent with ``positive=True``)."""
    data = _read(est, X, y, sample_weight)
    stats = reduce_stats(data)[0]
    _check_weight(stats)
    alphas = est._alphas(data.n_targets)
    W, n_iter, solver = _ridge_solve(stats, alphas, est, sample_weight, data)
    W = W.astype(data.dtype)
    est.coef_ = W[0] if data.y_ndim == 1 else W
    est.n_iter_ = n_iter
    est.solver_ = solver
    est.loss_history_ = [np.empty(0) for _ in range(data.n_targets)]
    if est.fit_intercept:
        b = stats.y_mean - W.astype(np.float64) @ stats.x_mean
        est.intercept_ = data.dtype.type(b[0]) if data.y_ndim == 1 else b
    else:
        est.intercept_ = 0.0
    return est


def _ridge_solve(stats, alphas, est, sample_weight, data):
    G, Q, yy = gram_system(stats, fit_intercept=est.fit_intercept, rescale=False)
    if isinstance(sample_weight, numbers.Number):
        # raw weights, as Ridge: a scalar c scales the data term by c
        G, Q, yy = G * sample_weight, Q * sample_weight, yy * sample_weight
    k, p = Q.shape[1], Q.shape[0]
    factor = data.controls[0]
    if not est.positive:
        W = ridge_from_gram(G, Q, alphas, factor)
        return W, np.ones(k, dtype=np.int32), "cholesky"
    W = np.zeros((k, p))
    n_iter = np.zeros(k, dtype=np.int32)
    max_iter = 1000 if est.max_iter is None else est.max_iter
    results = []
    for t in range(k):
        res = ridge_cd_from_gram(
            G,
            np.ascontiguousarray(Q[:, t]),
            yy[t],
            alphas[t],
            positive=True,
            max_iter=max_iter,
            tol=est.tol,
            factor=factor,
        )
        W[t], n_iter[t] = res.coef, res.n_iter
        results.append(res)
    _warn_convergence(results)
    return W, n_iter, "cd"


def resolve_folds(cv, data):
    """``(fold ids, edges, number of KFold folds or None)`` for dask input.

    ``cv`` may be None (5 folds), an int or an unshuffled ``KFold``: folds
    by row order with KFold's sizes; a ``PredefinedSplit`` or a dask array
    of fold ids (one per row, -1 for rows never held out).
    """
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral):
        cv = KFold(int(cv))
    if isinstance(cv, KFold):
        if cv.shuffle:
            raise ValueError(
                "cv: dask input is split by row order; KFold(shuffle=True) is "
                "not supported (shuffle the rows or give fold ids instead)."
            )
        return (*data.fold_ids(n_folds=cv.n_splits), cv.n_splits)
    if isinstance(cv, PredefinedSplit):
        return (*data.fold_ids(fold_ids=np.asarray(cv.test_fold)), None)
    if hasattr(cv, "__dask_graph__"):
        return (*data.fold_ids(fold_ids=cv), None)
    raise ValueError(
        "cv: on dask input, cv must be None, an int, an unshuffled KFold, a "
        f"PredefinedSplit or a dask array of fold ids; got {type(cv).__name__}."
    )


def fold_stats(est, data):
    """Whole-data statistics and the (training, held-out) pairs of each fold."""
    folds, edges, n_folds = resolve_folds(est.cv, data)
    by_id = reduce_stats(data, folds=folds, edges=edges, n_sets=(n_folds or 1) + 1)
    total = merge_all(list(by_id.values()))
    _check_weight(total)
    ids = sorted(f for f in by_id if f >= 0)
    if len(ids) < 2:
        raise ValueError(f"cv: at least 2 folds are needed; got {len(ids)}.")
    pairs = []
    for f in ids:
        test = by_id[f]
        train = subtract(total, test)
        if not (train.weight > 0 and test.weight > 0):
            raise ValueError(
                "sample_weight: a cross-validation fold has zero total weight in "
                "its training or test part, so it cannot be fitted or scored."
            )
        pairs.append((train, test))
    return total, pairs


def enet_cv_curves(pairs, alpha_grids, l1_ratios, est, controls):
    """Held-out MSE, shape (n_l1_ratios, n_folds, n_alphas)."""
    mse = np.empty((len(l1_ratios), len(pairs), len(alpha_grids[0])))
    for i, (r, alphas) in enumerate(zip(l1_ratios, alpha_grids, strict=True)):
        for f, (train, test) in enumerate(pairs):
            G, Q, yy = gram_system(train, fit_intercept=est.fit_intercept)
            coefs, _ = gram_enet_path(
                G,
                np.ascontiguousarray(Q[:, 0]),
                yy[0],
                train.n_rows,
                alphas,
                r,
                positive=est.positive,
                max_iter=est.max_iter,
                tol=est.tol,
                controls=controls,
            )
            b = (
                train.y_mean[0] - train.x_mean @ coefs
                if est.fit_intercept
                else np.zeros(coefs.shape[1])
            )
            mse[i, f] = heldout_sse(test, coefs, b) / test.weight
    return mse


def _unpenalised_residual_correlations(stats, factor, fit_intercept):
    """``Z^T S r`` for the residual ``r`` of the least-squares fit on the
    unpenalised features (factor 0), from the statistics: the Schur
    complement that :func:`skreg._alpha_grid.alpha_grid` computes from ``X``
    (zero on the unpenalised features themselves)."""
    G, Q, _ = gram_system(stats, fit_intercept=fit_intercept)
    q = Q[:, 0]
    free = np.zeros(q.shape[0], dtype=bool) if factor is None else factor == 0
    if not free.any():
        return q
    F = np.flatnonzero(free)
    beta = np.linalg.pinv(G[np.ix_(F, F)], hermitian=True) @ q[F]
    out = q - G[:, F] @ beta
    out[F] = 0.0
    return out


def fit_enet_cv_dask(est, X, y, sample_weight):
    """:meth:`L1RegressorCV.fit` / :meth:`ElasticNetRegressorCV.fit` on dask
    input: one pass for every fold, alpha and the final refit."""
    if est.scoring is not None:
        raise ValueError(
            "scoring: on dask input the CV curves are mean squared errors from "
            f"sufficient statistics; only scoring=None is supported, got "
            f"{est.scoring!r}."
        )
    data = _read(est, X, y, sample_weight)
    if data.n_targets > 1:
        raise ValueError(
            f"y: {type(est).__name__} fits a single target; got {data.n_targets}."
        )
    total, pairs = fold_stats(est, data)
    l1_ratios = est._l1_ratios()
    if isinstance(est.alphas, numbers.Integral):
        factor = data.controls[0]
        Xy = _unpenalised_residual_correlations(total, factor, est.fit_intercept)
        grids = [
            grid_from_correlations(
                Xy,
                total.n_rows,
                r,
                est.positive,
                factor,
                eps=est.eps,
                n_alphas=est.alphas,
            )
            for r in l1_ratios
        ]
    else:
        grid = np.sort(np.asarray(est.alphas, dtype=np.float64).ravel())[::-1]
        if np.any(grid < 0):
            raise ValueError("alphas must be >= 0.")
        grids = [grid] * len(l1_ratios)
    mse = enet_cv_curves(pairs, grids, l1_ratios, est, data.controls)
    est.mse_path_ = np.squeeze(np.moveaxis(mse, 2, 1))
    est.alpha_min_, est.alpha_1se_, est.l1_ratio_ = choose_alpha(mse, grids, l1_ratios)
    est.alpha_ = est.alpha_min_ if est.alpha_rule == "min" else est.alpha_1se_
    est.alphas_ = np.asarray(grids)
    if len(l1_ratios) == 1 or not isinstance(est.alphas, numbers.Integral):
        est.alphas_ = est.alphas_[0]
    _refit(est, total, est.alpha_, est.l1_ratio_, None, data)
    if not hasattr(est, "l1_ratio"):
        del est.l1_ratio_
    return est


def fit_ridge_cv_dask(est, X, y, sample_weight, alphas):
    """:meth:`L2RegressorCV.fit` on dask input with ``cv`` folds: every
    alpha's held-out R^2 (or MSE) from one pass, then the refit."""
    if est.cv is None:
        raise ValueError(
            "cv: leave-one-out (cv=None) needs every row's leverage, which "
            "dask input cannot give in one pass; pass cv=5 (or another int, "
            "KFold, PredefinedSplit or a dask array of fold ids)."
        )
    if est.scoring not in (None, "r2", "neg_mean_squared_error"):
        raise ValueError(
            "scoring: on dask input only None, 'r2' and "
            f"'neg_mean_squared_error' are supported; got {est.scoring!r}."
        )
    if est.store_cv_results or est.alpha_per_target:
        raise ValueError(
            "cv!=None is incompatible with store_cv_results and alpha_per_target."
        )
    data = _read(est, X, y, sample_weight)
    total, pairs = fold_stats(est, data)
    factor = data.controls[0]
    scores = np.empty((len(alphas), len(pairs)))
    for f, (train, test) in enumerate(pairs):
        G, Q, _ = gram_system(train, fit_intercept=est.fit_intercept, rescale=False)
        for i, alpha in enumerate(alphas):
            W = ridge_from_gram(G, Q, np.full(Q.shape[1], alpha), factor)
            b = (
                train.y_mean - W @ train.x_mean
                if est.fit_intercept
                else 0.0 * train.y_mean
            )
            sse = _target_sse(test, W, b)
            if est.scoring == "neg_mean_squared_error":
                scores[i, f] = -np.mean(sse) / test.weight
            else:
                scores[i, f] = np.mean(1.0 - sse / test.yy)
    mean = scores.mean(axis=1)
    i = int(np.argmax(mean))
    est.alpha_min_ = float(alphas[i])
    est.alpha_1se_ = one_se_alpha(alphas, -scores, i)
    if est.alpha_rule == "1se":
        i = int(np.flatnonzero(alphas == est.alpha_1se_)[0])
    est.alpha_ = float(alphas[i])
    est.best_score_ = float(mean[i])
    G, Q, _ = gram_system(total, fit_intercept=est.fit_intercept, rescale=False)
    W = ridge_from_gram(G, Q, np.full(Q.shape[1], est.alpha_), factor)
    est.coef_ = W[0] if data.y_ndim == 1 else W
    if est.fit_intercept:
        b = total.y_mean - W @ total.x_mean
        est.intercept_ = float(b[0]) if data.y_ndim == 1 else b
    else:
        est.intercept_ = 0.0
    return est


def _target_sse(stats, W, b):
    """Weighted residual sum of squares of each target's model (rows of W)."""
    shift = stats.y_mean - W @ stats.x_mean - b
    return (
        stats.yy
        - 2.0 * np.einsum("pk,kp->k", stats.xy, W)
        + np.einsum("kp,kp->k", W, W @ stats.xx)
        + stats.weight * shift**2
    )
