"""Glue shared by every skreg estimator: validation, centring, prediction."""

import numpy as np
from scipy import sparse
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import (
    assert_all_finite,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "LinearRegressorBase",
    "check_design_values",
    "check_fit_data",
    "check_weights",
    "target_offset",
    "weighted_offsets",
]

from skreg._preprocess import (
    check_weights,
    is_dask_input,
    target_offset,
    weighted_offsets,
)

FLOAT_DTYPES = (np.float64, np.float32)


def check_fit_data(
    estimator, X, y, *, order="F", accept_sparse="csc", copy=False, check_X=True
):
    """Validate ``X`` and ``y`` for fitting, keeping float32 as float32.

    Dense ``X`` is returned in ``order`` (a copy only when the input is not
    already laid out so), sparse ``X`` in ``accept_sparse`` format with
    int32 indices, sorted and without duplicate entries; ``y`` is cast to
    ``X``'s dtype.  Other sparse formats (COO, LIL, DOK, BSR, DIA) are
    converted.  Raises ``ValueError`` for non-finite values, values too
    large for the fit's squared norms, and ``TypeError`` for a sparse ``y``.
    With ``check_X=False`` the caller checks ``X``'s values itself (see
    :func:`check_design_values`, which reuses the design's pass over ``X``).
    """
    if sparse.issparse(y):
        # scikit-learn's check_X_y lets a sparse y through; converting it
        # later fails with "setting an array element with a sequence".
        raise TypeError(
            f"{type(estimator).__name__} does not accept a sparse y; pass a "
            "dense array instead (e.g. y.toarray())."
        )
    if sparse.issparse(X):
        X = _int32_indices(X, accept_sparse)
    X, y = validate_data(
        estimator,
        X,
        y,
        accept_sparse=accept_sparse,
        order=order,
        dtype=list(FLOAT_DTYPES),
        copy=copy,
        # non-finite values are caught by _check_finite_scale's max and min
        ensure_all_finite=False,
        multi_output=True,
        y_numeric=True,
        accept_large_sparse=False,
    )
    y = np.asarray(y, dtype=X.dtype)
    if sparse.issparse(X):
        X = _canonical_sparse(X, copy)
    if check_X:
        _check_finite_scale(X, "X", X.shape[0])
    _check_finite_scale(y, "y", X.shape[0])
    return X, y


def check_design_values(X, design):
    """:func:`check_fit_data`'s checks on ``X``'s values.

    The bound on ``max |X|`` that :class:`~skreg.solvers.design.Design`
    found while computing its column statistics settles them for ordinary
    data; two more passes over ``X`` are only made when it does not."""
    _check_finite_scale(X, "X", X.shape[0], bound=design.max_abs_bound)


def _int32_indices(X, accept_sparse):
    # scipy builds int64 index arrays in many constructions (sparse arrays,
    # stacking, large shapes) even when every index fits in int32; the
    # kernels are compiled for int32 indices only.  Downcast when that is
    # exact (the data array is shared, not copied) and refuse clearly when
    # it is not, instead of scikit-learn's "please report" message.
    if isinstance(accept_sparse, bool):
        return X
    formats = [accept_sparse] if isinstance(accept_sparse, str) else list(accept_sparse)
    if X.format not in formats or X.format not in ("csr", "csc"):
        X = X.asformat(formats[0])
    if X.format not in ("csr", "csc"):
        return X
    if X.indices.dtype == np.int32 and X.indptr.dtype == np.int32:
        return X
    limit = np.iinfo(np.int32).max
    if X.nnz > limit or max(X.shape) > limit:
        raise ValueError(
            f"X has {X.nnz} stored entries and shape {X.shape}: sparse input "
            "is limited to int32 indices (fewer than 2**31 entries and rows)."
        )
    return type(X)(
        (X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)),
        shape=X.shape,
    )


def _canonical_sparse(X, copy):
    # The kernels visit each stored entry once and the centred column
    # norms count stored rows, so duplicated (row, column) entries must be
    # summed first; sorted indices keep memory access sequential.  The
    # caller's matrix is not touched (scikit-learn's Lasso silently fits
    # the wrong problem on duplicated entries).
    if not X.has_canonical_format:
        if not copy:
            X = X.copy()
        X.sum_duplicates()
    return X


def _check_finite_scale(a, name, n_samples=None, bound=None):
    # Values near the float maximum overflow the squared norms and inner
    # products of the duality gap (sums of n_samples products, accumulated
    # in float64 by the kernels) into inf; say so instead of returning NaN
    # coefficients.  float32 arrays are also summed in float32 (column
    # means), which bounds them by the float32 maximum over n_samples.
    data = a.data if sparse.issparse(a) else a
    if not data.size:
        return
    n = max(int(a.shape[0] if n_samples is None else n_samples), 1)
    limit = np.sqrt(np.finfo(np.float64).max / n) / 10
    if data.dtype == np.float32:
        limit = min(limit, float(np.finfo(np.float32).max) / (1e3 * n))
    if bound is not None and bound <= limit:
        # a finite bound on max |a| within the limit: nothing to check
        return
    # max and min: two passes without the temporary copy np.abs would make;
    # both propagate NaN and inf, so they also replace the finiteness check.
    largest = max(abs(float(data.max())), abs(float(data.min())))
    if not np.isfinite(largest):
        # NaN that appear only after validation, e.g. None in an object y
        # cast to float: scikit-learn's usual message.
        assert_all_finite(data, input_name=name)
        raise ValueError(f"Input {name} contains NaN or infinity.")
    if largest > limit:
        raise ValueError(
            f"{name} contains values too large in magnitude "
            f"(max |{name}| = {largest:.3g}, limit {limit:.3g} for "
            f"{n} samples in {data.dtype}) for the squared norms computed "
            f"during fitting to stay finite; rescale {name} (e.g. with "
            "StandardScaler)."
        )


class LinearRegressorBase(MultiOutputMixin, RegressorMixin):
    """Prediction and intercept handling for fitted linear models."""

    def _set_intercept(self, X_offset, y_offset):
        if self.fit_intercept:
            self.intercept_ = y_offset - np.dot(X_offset, np.asarray(self.coef_).T)
        else:
            # scikit-learn sets a plain 0.0, also for multi-target models.
            self.intercept_ = 0.0

    def _decision_function(self, X):
        if is_dask_input(X):
            from skreg.linear_model._dask import dask_predict

            return dask_predict(self, X)
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"], reset=False)
        coef = np.asarray(self.coef_)
        return safe_sparse_dot(X, coef.T, dense_output=True) + self.intercept_

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
