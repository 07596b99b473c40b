"""Input checks, sample weights and centring offsets, shared by the
estimators and :mod:`skreg.penalties` (which must not import the
estimators)."""

import numbers
import sys

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import _check_sample_weight

__all__ = ["check_weights", "is_dask_input", "target_offset", "weighted_offsets"]


def is_dask_input(*objs):
    """Whether any of ``objs`` is a dask collection (without importing dask)."""
    dask = sys.modules.get("dask")
    if dask is None:
        return False
    return any(
        o is not None and hasattr(o, "__dask_graph__") and dask.is_dask_collection(o)
        for o in objs
    )


def check_weights(sample_weight, X):
    """Validate ``sample_weight`` and rescale it to sum to ``n_samples``.

    Returns ``None`` for ``None`` or a positive scalar (uniform weights, as
    in scikit-learn's ElasticNet).  A scalar that is not a positive finite
    number, negative or non-finite weights and weights summing to zero raise
    ``ValueError``.
    """
    if sample_weight is None:
        return None
    is_scalar = isinstance(sample_weight, numbers.Number)
    if is_scalar and not isinstance(sample_weight, bool):
        # scikit-learn silently ignores any scalar, even 0, -1 or NaN.
        if not (np.isfinite(sample_weight) and sample_weight > 0):
            raise ValueError(
                "sample_weight: a scalar weight must be a positive finite number "
                f"(it weights every sample equally); got {sample_weight!r}."
            )
        return None
    sw = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
    largest = float(np.max(sw))
    if not largest > 0:
        raise ValueError("sample_weight must have a positive sum; got all zeros.")
    # Divide by the largest weight first: the sum can then neither overflow
    # (weights near the float maximum, float32 sums) nor be so small that
    # n_samples / sum overflows (denormal weights).
    sw = np.asarray(sw, dtype=np.float64) / largest
    sw *= X.shape[0] / sw.sum()
    return sw.astype(X.dtype, copy=False)


def weighted_offsets(X, y, sample_weight, fit_intercept, X_offset=None):
    """Weighted column means of ``X`` and ``y`` (zeros without intercept).

    A precomputed ``X_offset`` (e.g. from :class:`skreg.solvers.design.Design`
    with ``center=True``, which reads ``X`` once for means and norms) is
    only cast to ``X``'s dtype.
    """
    n_features = X.shape[1]
    y_offset = target_offset(y, sample_weight, fit_intercept, X.dtype)
    if not fit_intercept:
        return np.zeros(n_features, dtype=X.dtype), y_offset
    if X_offset is None:
        if sample_weight is None:
            X_offset = np.asarray(X.mean(axis=0)).ravel()
        else:
            X_offset = np.asarray(safe_sparse_dot(sample_weight, X)).ravel()
            X_offset /= sample_weight.sum()
    return X_offset.astype(X.dtype, copy=False), y_offset


def target_offset(y, sample_weight, fit_intercept, dtype):
    """Weighted mean of ``y`` (per target), zero without intercept."""
    if not fit_intercept:
        return np.zeros(y.shape[1:], dtype=dtype) if y.ndim > 1 else dtype.type(0)
    if sample_weight is None:
        y_offset = y.mean(axis=0)
    else:
        y_offset = np.dot(sample_weight, y) / sample_weight.sum()
    return np.asarray(y_offset, dtype=dtype)
