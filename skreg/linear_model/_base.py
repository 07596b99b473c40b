"""Glue shared by every skreg estimator: validation, centring, prediction."""

import numbers

import numpy as np
from scipy import sparse
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "LinearRegressorBase",
    "check_fit_data",
    "check_weights",
    "weighted_offsets",
]

FLOAT_DTYPES = (np.float64, np.float32)


def check_fit_data(estimator, X, y, *, order="F", accept_sparse="csc", copy=False):
    """Validate ``X`` and ``y`` for fitting, keeping float32 as float32.

    Dense ``X`` is returned in ``order`` (a copy only when the input is not
    already laid out so), sparse ``X`` in ``accept_sparse`` format with
    int32 indices; ``y`` is cast to ``X``'s dtype.
    """
    X, y = validate_data(
        estimator,
        X,
        y,
        accept_sparse=accept_sparse,
        order=order,
        dtype=list(FLOAT_DTYPES),
        copy=copy,
        multi_output=True,
        y_numeric=True,
        accept_large_sparse=False,
    )
    y = np.asarray(y, dtype=X.dtype)
    if sparse.issparse(X):
        X.sort_indices()
    _check_finite_scale(X, "X")
    _check_finite_scale(y, "y")
    return X, y


def _check_finite_scale(a, name):
    # Values near the float maximum overflow the squared norms of the gap
    # computation into inf; say so instead of returning NaN coefficients.
    data = a.data if sparse.issparse(a) else a
    if data.size and np.max(np.abs(data)) > np.sqrt(np.finfo(data.dtype).max) / 1e3:
        raise ValueError(
            f"{name} contains values too large in magnitude "
            f"(max |{name}| = {np.max(np.abs(data)):.3g}) for the squared "
            f"norms computed during fitting to stay finite in {data.dtype}; "
            f"rescale {name} (e.g. with StandardScaler)."
        )


def check_weights(sample_weight, X):
    """Validate ``sample_weight`` and rescale it to sum to ``n_samples``.

    Returns ``None`` for ``None`` or a scalar (uniform weights, as in
    scikit-learn's ElasticNet).  Negative weights and weights summing to
    zero raise ``ValueError``.
    """
    if sample_weight is None or isinstance(sample_weight, numbers.Number):
        return None
    sw = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
    total = sw.sum()
    if not total > 0:
        raise ValueError("sample_weight must have a positive sum; got all zeros.")
    return sw * (X.shape[0] / total)


def weighted_offsets(X, y, sample_weight, fit_intercept):
    """Weighted column means of ``X`` and ``y`` (zeros without intercept)."""
    n_features = X.shape[1]
    if not fit_intercept:
        y_offset = np.zeros(y.shape[1:], dtype=X.dtype) if y.ndim > 1 else X.dtype.type(0)
        return np.zeros(n_features, dtype=X.dtype), y_offset
    if sample_weight is None:
        X_offset = np.asarray(X.mean(axis=0)).ravel()
        y_offset = y.mean(axis=0)
    else:
        total = sample_weight.sum()
        X_offset = np.asarray(safe_sparse_dot(sample_weight, X)).ravel() / total
        y_offset = np.dot(sample_weight, y) / total
    return X_offset.astype(X.dtype, copy=False), np.asarray(y_offset, dtype=X.dtype)


class LinearRegressorBase(MultiOutputMixin, RegressorMixin):
    """Prediction and intercept handling for fitted linear models."""

    def _set_intercept(self, X_offset, y_offset):
        if self.fit_intercept:
            self.intercept_ = y_offset - np.dot(X_offset, np.asarray(self.coef_).T)
        else:
            # scikit-learn sets a plain 0.0, also for multi-target models.
            self.intercept_ = 0.0

    def _decision_function(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"], reset=False)
        return safe_sparse_dot(X, np.asarray(self.coef_).T, dense_output=True) + self.intercept_

    def predict(self, X):
        """Predict using the linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values.
        """
        return self._decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags
