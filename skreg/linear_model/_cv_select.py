"""Choosing ``alpha`` on cross-validation curves: the minimum and the
one-standard-error rule (glmnet's ``lambda.min`` and ``lambda.1se``)."""

import numpy as np

__all__ = ["choose_alpha", "one_se_alpha", "one_se_index", "refit_best"]


def _within_one_se(errors, i_min):
    """Which alphas' mean errors are at most that of ``i_min`` plus its
    standard error ``std(ddof=1) / sqrt(n_folds)`` (0 with a single fold)."""
    mean = errors.mean(axis=1)
    n_folds = errors.shape[1]
    se = 0.0
    if n_folds > 1:
        se = float(np.std(errors[i_min], ddof=1)) / np.sqrt(n_folds)
    within = mean <= mean[i_min] + se
    within[i_min] = True  # also when the errors are not finite
    return within


def one_se_index(fold_errors):
    """Indices of the minimum and of the one-standard-error choice on one curve.

    Parameters
    ----------
    fold_errors : ndarray of shape (n_alphas, n_folds)
        Errors (lower is better) of every alpha, sorted by decreasing alpha,
        on every fold.

    Returns
    -------
    i_min : int
        Index of the smallest mean error (the first, i.e. largest alpha, on
        ties, as ``np.argmin`` in scikit-learn's CV estimators).
    i_1se : int
        Index of the largest alpha whose mean error is at most the minimum
        plus its standard error ``std(ddof=1) / sqrt(n_folds)``: glmnet's
        ``cvsd`` for folds of equal weight (0 with a single fold).
    """
    errors = np.asarray(fold_errors, dtype=np.float64)
    i_min = int(np.argmin(errors.mean(axis=1)))
    # the grid decreases: the first index within the bound is the largest alpha
    i_1se = int(np.flatnonzero(_within_one_se(errors, i_min))[0])
    return i_min, i_1se


def one_se_alpha(alphas, fold_errors, i_min):
    """The largest of ``alphas`` (in any order) whose mean error over folds
    is within one standard error of that of ``alphas[i_min]``.

    ``fold_errors`` has shape (n_alphas, n_folds), lower is better.
    """
    errors = np.asarray(fold_errors, dtype=np.float64)
    return float(np.max(np.asarray(alphas)[_within_one_se(errors, i_min)]))


def choose_alpha(fold_errors, grids, l1_ratios):
    """The CV choices over one curve per ``l1_ratio``.

    Parameters
    ----------
    fold_errors : ndarray of shape (n_l1_ratio, n_folds, n_alphas)
        Errors (lower is better).
    grids : sequence of ndarray of shape (n_alphas,)
        The decreasing alpha grid of each ``l1_ratio``.
    l1_ratios : ndarray of shape (n_l1_ratio,)
        The ``l1_ratio`` values.

    Returns
    -------
    alpha_min, alpha_1se, l1_ratio : float
        The minimising alpha, the one-standard-error alpha on the curve of
        the chosen ``l1_ratio`` and that ``l1_ratio`` (the one with the
        smallest minimum, the first on ties, as scikit-learn's ElasticNetCV).
    """
    best = None
    for r, grid, errors in zip(l1_ratios, grids, fold_errors, strict=True):
        i_min, i_1se = one_se_index(errors.T)
        err = errors[:, i_min].mean()
        if best is None or err < best[0]:
            best = (err, float(grid[i_min]), float(grid[i_1se]), float(r))
    return best[1], best[2], best[3]


def refit_best(est, model, X, y, sample_weight):
    """Fit ``model`` (the CV choice) on all the data and copy its fitted
    attributes to the CV estimator ``est`` (``l1_ratio_`` only kept on
    estimators with an ``l1_ratio`` parameter)."""
    model.fit(X, y, sample_weight=sample_weight)
    est.coef_ = model.coef_
    est.intercept_ = model.intercept_
    est.dual_gap_ = model.dual_gap_
    est.n_iter_ = model.n_iter_
    if not hasattr(est, "l1_ratio"):
        del est.l1_ratio_
    return est
