"""The geometric ``alpha`` grid of the ElasticNet and Lasso paths (and CV)."""

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

__all__ = ["alpha_grid", "grid_from_correlations"]


def _residual_on(X, yc, cols, sw, fit_intercept):
    """``yc`` less its weighted least-squares fit on the columns ``cols``
    (centred with an intercept): the residual of the unpenalised features'
    model, the dual point at ``alpha_max``."""
    XU = X[:, cols]
    XU = np.asarray(XU.toarray() if hasattr(XU, "toarray") else XU, dtype=np.float64)
    if fit_intercept:
        XU = XU - np.average(XU, axis=0, weights=sw)
    root = np.ones(X.shape[0]) if sw is None else np.sqrt(sw)
    Y = yc.reshape(X.shape[0], -1)
    beta = np.linalg.lstsq(XU * root[:, None], Y * root[:, None], rcond=None)[0]
    return (Y - XU @ beta).reshape(yc.shape)


def alpha_grid(
    X,
    y,
    *,
    Xy=None,
    l1_ratio=1.0,
    fit_intercept=True,
    eps=1e-3,
    n_alphas=100,
    sample_weight=None,
    positive=False,
    penalty_factor=None,
):
    """Geometric grid of ``alpha`` from ``alpha_max`` down to ``eps * alpha_max``.

    ``alpha_max`` is the smallest ``alpha`` whose ElasticNet solution is all
    zeros: ``max_j |z_j^T S y| / (sum(s) l1_ratio)`` with ``z_j`` the
    (weighted-)centred columns, or the largest positive correlation when
    ``positive=True``.  Same grid as scikit-learn's ``_alpha_grid``.  ``X``
    is never copied nor densified.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Target values.
    Xy : array-like of shape (n_features,) or (n_features, n_targets), default=None
        Precomputed ``X^T y`` (then ``X`` is only used for its shape).
    l1_ratio : float, default=1.0
        ElasticNet mixing parameter, ``0 < l1_ratio <= 1``.
    fit_intercept : bool, default=True
        Centre ``X`` and ``y`` (implicitly) before computing correlations.
    eps : float, default=1e-3
        ``alpha_min / alpha_max``.
    n_alphas : int, default=100
        Number of values on the grid.
    sample_weight : ndarray of shape (n_samples,), default=None
        Sample weights.
    positive : bool, default=False
        Grid for the positivity-constrained problem.
    penalty_factor : ndarray of shape (n_features,), default=None
        Per-feature factors: ``alpha_max`` is then the largest correlation
        over its feature's factor, among penalised features (factor > 0
        and finite), with the target first fitted on the unpenalised ones
        (factor 0), which are in every model.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        Decreasing grid of penalty strengths.
    """
    if l1_ratio == 0:
        raise ValueError(
            "l1_ratio: Automatic alpha grid generation is not supported for "
            "l1_ratio=0. Please supply a grid by providing your estimator with "
            "the appropriate `alphas=` argument."
        )
    free = None if penalty_factor is None else np.flatnonzero(penalty_factor == 0)
    if Xy is not None and (free is None or free.size == 0):
        Xyw = np.asarray(Xy, dtype=np.float64)
    else:
        yw = np.asarray(y, dtype=np.float64)
        sw = None if sample_weight is None else np.asarray(sample_weight, np.float64)
        if fit_intercept:
            yw = yw - np.average(yw, axis=0, weights=sw)
        if free is not None and free.size:
            yw = _residual_on(X, yw, free, sw, fit_intercept)
        if sw is not None:
            yw = yw * sw.reshape((-1,) + (1,) * (yw.ndim - 1))
        Xyw = np.asarray(safe_sparse_dot(X.T, yw, dense_output=True), dtype=np.float64)
        if fit_intercept:
            # Implicit centring: (X - 1 m^T)^T v = X^T v - m sum(v).
            if sw is None:
                X_mean = np.asarray(X.mean(axis=0)).ravel()
            else:
                X_mean = np.asarray(safe_sparse_dot(sw, X)).ravel() / sw.sum()
            Xyw = Xyw - np.multiply.outer(X_mean, yw.sum(axis=0))
    n = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
    return grid_from_correlations(
        Xyw, n, l1_ratio, positive, penalty_factor, eps=eps, n_alphas=n_alphas
    )


def grid_from_correlations(
    Xyw, n, l1_ratio, positive=False, penalty_factor=None, *, eps=1e-3, n_alphas=100
):
    """:func:`alpha_grid` from the correlations ``Xyw = Z^T S r`` (shape
    (n_features,) or (n_features, n_targets)) of the residual ``r`` of the
    unpenalised features' model, and the weights' sum ``n``: the grid of
    fits that only have these statistics (dask input)."""
    if Xyw.ndim == 1:
        Xyw = Xyw[:, None]
    if penalty_factor is not None:
        pf = np.asarray(penalty_factor, dtype=np.float64)
        scale = np.zeros_like(pf)
        penalised = np.isfinite(pf) & (pf > 0)
        scale[penalised] = 1.0 / pf[penalised]
        Xyw = Xyw * scale[:, None]
    if positive:
        a_max = max(0.0, float(np.max(Xyw))) / (n * l1_ratio)
    else:
        with np.errstate(over="ignore"):
            a_max = float(np.sqrt(np.max(np.sum(Xyw**2, axis=1)))) / (n * l1_ratio)
        if not np.isfinite(a_max) and np.all(np.isfinite(Xyw)):
            # Huge correlations overflow their squares: the same norm, scaled.
            m = float(np.max(np.abs(Xyw)))
            a_max = m * float(np.sqrt(np.max(np.sum((Xyw / m) ** 2, axis=1))))
            a_max /= n * l1_ratio
    tiny = np.finfo(np.float64).resolution
    if a_max <= tiny:
        return np.full(n_alphas, tiny)
    return np.geomspace(a_max, a_max * eps, num=n_alphas)
