"""One cross-validation fold of the ElasticNet/Lasso CV estimators: the path
on its training part, scored on its test part (mean squared error, or any
scikit-learn scorer)."""

import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import _check_method_params
from threadpoolctl import threadpool_limits

from skreg._alpha_grid import alpha_grid
from skreg._penalty_params import check_penalty_params
from skreg.linear_model._base import weighted_offsets
from skreg.solvers.enet import resolve_gram
from skreg.solvers.path_cd import solve_path

__all__ = ["_fold_mse", "centred_path", "cv_alpha_grids", "cv_fold_paths"]


def centred_path(X, y, sw, fit_intercept, alphas, l1_ratio, precompute, solve_kw):
    """Warm-started path of the model with intercept (implicit centring).

    ``sw`` are sample weights summing to ``n_samples`` (or None) and
    ``solve_kw`` holds ``max_iter``, ``tol``, ``positive`` and a
    ``random_state`` seed (or None).  Returns ``coefs`` of shape
    (n_features, n_alphas), ``intercepts`` of shape (n_alphas,) and the
    solver's ``(dual_gaps, n_iters, converged)``.
    """
    solve_kw = dict(solve_kw)
    X_offset, y_offset = weighted_offsets(X, y, sw, fit_intercept)
    if sparse.issparse(X):
        X = sparse.csc_matrix(X)
        X.sort_indices()
    else:
        X = np.asfortranarray(X)
    yc = np.asarray(y, dtype=np.float64) - float(y_offset)
    gram = resolve_gram(X, precompute, sw, X_offset, fit_intercept)
    Xy = None
    if gram is not None:
        v = yc if sw is None else yc * sw
        Xy = safe_sparse_dot(X.T, v).astype(np.float64) - X_offset * v.sum()
    random_state = solve_kw.pop("random_state")
    coefs, *info = solve_path(
        X,
        yc,
        alphas,
        l1_ratio,
        sample_weight=sw,
        X_offset=X_offset,
        gram=gram,
        Xy=Xy,
        random_state=check_random_state(random_state)
        if random_state is not None
        else None,
        **solve_kw,
    )
    intercepts = float(y_offset) - X_offset.astype(np.float64) @ coefs
    return coefs, intercepts, info


def cv_alpha_grids(est, X, y, sw, l1_ratios):
    """The decreasing alpha grid of each ``l1_ratio`` of a CV estimator."""
    if isinstance(est.alphas, Integral):
        factor, _, _ = check_penalty_params(est, X.shape[1])
        return [
            alpha_grid(
                X,
                y,
                l1_ratio=r,
                fit_intercept=est.fit_intercept,
                positive=getattr(est, "positive", False),
                eps=est.eps,
                n_alphas=est.alphas,
                sample_weight=sw,
                penalty_factor=factor,
            )
            for r in l1_ratios
        ]
    # each entry as given (np.ravel would turn a mix of numbers and strings
    # into strings): scikit-learn's messages
    for index, a in enumerate(np.ravel(np.asarray(est.alphas, dtype=object))):
        a = a.item() if isinstance(a, np.generic) else a
        check_scalar(a, f"alphas[{index}]", target_type=Real, min_val=0.0)
    grid = np.sort(np.asarray(est.alphas, dtype=np.float64).ravel())[::-1]
    return [grid] * len(l1_ratios)


def cv_fold_paths(est, X, y, sw, folds, alphas, l1_ratios, scorer, score_params):
    """Test errors (or scores) of every path model on every fold.

    Returns the array of shape (n_l1_ratio, n_folds, n_alphas) and the power
    of two that the mean squared errors are expressed in (see ``_fold_mse``).
    """
    factor, lower, upper = check_penalty_params(est, X.shape[1])
    solve_kw = {
        "max_iter": est.max_iter,
        "tol": est.tol,
        "positive": est.positive,
        "penalty_factor": factor,
        "lower": lower,
        "upper": upper,
    }
    # One seed drawn here keeps the folds reproducible and thread-safe.
    rs = (
        check_random_state(est.random_state).randint(np.iinfo(np.int32).max)
        if est.selection == "random"
        else None
    )
    y_max = float(np.max(np.abs(y))) if y.size else 0.0
    y_scale = float(2.0 ** np.round(np.log2(y_max))) if y_max > 0 else 1.0
    jobs = (
        delayed(_fold_mse)(
            X,
            y,
            sw,
            train,
            test,
            est.fit_intercept,
            a,
            r,
            est.precompute,
            {**solve_kw, "random_state": rs},
            y_scale,
            scorer,
            _check_method_params(X, score_params, indices=test),
        )
        for r, a in zip(l1_ratios, alphas, strict=True)
        for train, test in folds
    )
    # Folds are memory-bound matrix-vector work: a multi-threaded BLAS
    # inside each (possibly threaded) fold only adds contention.
    with threadpool_limits(limits=1, user_api="blas"):
        path = Parallel(n_jobs=est.n_jobs, verbose=est.verbose, prefer="threads")(jobs)
    return np.reshape(path, (len(l1_ratios), len(folds), -1)), y_scale


def _fold_mse(
    X,
    y,
    sw,
    train,
    test,
    fit_intercept,
    alphas,
    l1_ratio,
    precompute,
    solve_kw,
    y_scale,
    scorer=None,
    score_params=None,
):
    """Test-fold mean squared error (or ``scorer``'s score) of every model on
    the training-fold path."""
    X_tr, y_tr = X[train], y[train]
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
    coefs, intercepts, (gaps, _, converged) = centred_path(
        X_tr, y_tr, sw_tr, fit_intercept, alphas, l1_ratio, precompute, solve_kw
    )
    del X_tr
    if not all(converged):
        # as scikit-learn's folds (its enet_path warns)
        k = converged.index(False)
        warnings.warn(
            "Objective did not converge on a cross-validation fold. You might "
            "want to increase the number of iterations. Duality gap: "
            f"{gaps[k]:.3e} at alpha={alphas[k]:.3e}.",
            ConvergenceWarning,
            stacklevel=2,
        )
    # A path step whose warm start already meets tol returns its predecessor
    # unchanged: equal models must tie exactly, or the rounding of the
    # products below (different for float32 and float64 X) picks alpha_.
    first = _first_equal_column(coefs)
    intercepts = intercepts[first]
    # Only the features active somewhere on the path contribute (a handful
    # when p >> n): predict with those columns instead of all of X[test].
    active = np.flatnonzero(np.any(coefs != 0, axis=1))
    X_te = X[test]
    if scorer is not None:
        return _fold_scores(
            X_te,
            y[test],
            coefs,
            intercepts,
            (alphas, l1_ratio, fit_intercept),
            scorer,
            score_params,
        )[first]
    pred = np.asarray(
        safe_sparse_dot(X_te[:, active], coefs[active], dense_output=True)
    )
    residues = pred + intercepts - np.asarray(y[test], dtype=np.float64)[:, None]
    # Errors in units of y_scale (a power of two: exact, so the curves equal
    # the unscaled ones bit for bit) cannot overflow when y is huge.
    residues /= y_scale
    if sw is None:
        return (residues**2).mean(axis=0)[first]
    return np.average(residues**2, weights=sw[test], axis=0)[first]


def _first_equal_column(coefs):
    """For each column, the index of the first of the run of equal columns
    it belongs to (a path repeats a model only at consecutive alphas)."""
    k = coefs.shape[1]
    same = np.zeros(k, dtype=bool)
    same[1:] = np.all(coefs[:, 1:] == coefs[:, :-1], axis=0)
    return np.maximum.accumulate(np.where(same, 0, np.arange(k)))


def _fold_scores(X_te, y_te, coefs, intercepts, model_params, scorer, params):
    # A scorer may read any attribute of the model, not only its predictions:
    # each path model is scored as a fitted ElasticNetRegressor.
    from skreg.linear_model._l1 import ElasticNetRegressor

    alphas, l1_ratio, fit_intercept = model_params
    scores = np.empty(coefs.shape[1])
    for k in range(coefs.shape[1]):
        model = ElasticNetRegressor(
            alpha=float(alphas[k]), l1_ratio=l1_ratio, fit_intercept=fit_intercept
        )
        model.coef_ = coefs[:, k].astype(X_te.dtype, copy=False)
        model.intercept_ = float(intercepts[k]) if fit_intercept else 0.0
        model.n_features_in_ = X_te.shape[1]
        model.n_iter_, model.dual_gap_ = 0, 0.0
        scores[k] = scorer(model, X_te, y_te, **(params or {}))
    return scores
