"""One cross-validation fold of the ElasticNet/Lasso CV estimators: the path
on its training part, scored on its test part."""

import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot

from skreg.linear_model._base import weighted_offsets
from skreg.solvers.enet import resolve_gram
from skreg.solvers.path_cd import solve_path

__all__ = ["_fold_mse"]


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
):
    """Test-fold mean squared error of every model on the training-fold path."""
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
    X_offset, y_offset = weighted_offsets(X_tr, y_tr, sw_tr, fit_intercept)
    if sparse.issparse(X_tr):
        X_tr = sparse.csc_matrix(X_tr)
        X_tr.sort_indices()
    else:
        X_tr = np.asfortranarray(X_tr)
    yc = np.asarray(y_tr, dtype=np.float64) - float(y_offset)
    gram = resolve_gram(X_tr, precompute, sw_tr, X_offset, fit_intercept)
    Xy = None
    if gram is not None:
        v = yc if sw_tr is None else yc * sw_tr
        Xy = safe_sparse_dot(X_tr.T, v).astype(np.float64) - X_offset * v.sum()
    random_state = solve_kw.pop("random_state")
    coefs, gaps, _, converged = solve_path(
        X_tr,
        yc,
        alphas,
        l1_ratio,
        sample_weight=sw_tr,
        X_offset=X_offset,
        gram=gram,
        Xy=Xy,
        random_state=check_random_state(random_state)
        if random_state is not None
        else None,
        **solve_kw,
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
    intercepts = float(y_offset) - X_offset.astype(np.float64) @ coefs
    # Only the features active somewhere on the path contribute (a handful
    # when p >> n): predict with those columns instead of all of X[test].
    active = np.flatnonzero(np.any(coefs != 0, axis=1))
    X_te = X[test]
    pred = np.asarray(
        safe_sparse_dot(X_te[:, active], coefs[active], dense_output=True)
    )
    residues = pred + intercepts - np.asarray(y[test], dtype=np.float64)[:, None]
    # Errors in units of y_scale (a power of two: exact, so the curves equal
    # the unscaled ones bit for bit) cannot overflow when y is huge.
    residues /= y_scale
    if sw is None:
        return (residues**2).mean(axis=0)
    return np.average(residues**2, weights=sw[test], axis=0)
