"""The design matrix as the kernels see it: dense or CSC, implicitly centred."""

from functools import cached_property

import numpy as np
from scipy import sparse

from skreg._kernels._columns import LONG_COLUMN_ROWS
from skreg._kernels._design import DesignArrays
from skreg._kernels._stats import col_stats
from skreg._kernels.gap import primal_dual

# entries below which a dense pass stays in the kernel: a BLAS call's
# overhead would dominate the work
_BLAS_MIN_SIZE = 50_000


# The CSC kernels index stored entries and rows with 32-bit unsigned integers
_MAX_SPARSE_INDEX = int(np.iinfo(np.uint32).max)


# OpenBLAS spreads a long dot product over its threads, which then spin
# after it returns: long vectors are summed by numpy's own loops instead
_BLAS_DOT_MAX = 10_000


def _dot(a, b):
    if a.shape[0] > _BLAS_DOT_MAX:
        return float(np.einsum("i,i->", a, b))
    return float(np.dot(a, b))


def weighted_norm2(v, sample_weight=None):
    """``sum_i s_i v_i^2`` (``s = 1`` when ``sample_weight`` is None)."""
    if sample_weight is None:
        return _dot(v, v)
    return _dot(sample_weight * v, v)


class Design:
    """Arrays describing ``Z = X - 1 m^T`` with sample weights ``s``.

    Built once per fit and shared by every target, alpha of a path and
    solver call.  ``X`` is never copied: a dense ``X`` must already be
    Fortran-ordered, a sparse one CSC.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features) or CSC sparse matrix
        Float32 or float64 design.
    sample_weight : ndarray of shape (n_samples,) or None
        Weights, already rescaled by the caller (they sum to ``n_samples``
        under scikit-learn's convention).
    X_offset : ndarray of shape (n_features,) or None
        Column offsets ``m`` (the weighted means when an intercept is fitted).
    center : bool, default=False
        Compute ``m`` as the weighted column means (``X_offset`` must then be
        None), in the same read of ``X`` as the column norms.
    targets : ndarray of shape (n_samples, n_targets) or None
        Centred targets ``Y``: ``X^T S Y`` is computed in the same read of
        ``X`` (a second one for two targets or more on a dense design;
        attribute ``XtY``, else None).  For centred ``Y`` these are
        the centred design's correlations ``Z^T S Y``, the first gradient of
        a cold-started solver.

    Notes
    -----
    Only the design itself keeps the input dtype.  Every vector the solvers
    update (weights, offsets, residuals, coefficients) is float64: float32
    residuals updated by many rank-one steps drift by more than the duality
    gap scikit-learn reaches in float32, while float64 vectors cost O(n + p)
    memory and keep the float32 design (the large object) untouched.
    """

    def __init__(
        self, X, sample_weight=None, X_offset=None, center=False, targets=None
    ):
        dtype = X.dtype
        self.dtype = dtype
        self.n_samples, self.n_features = X.shape
        self.is_sparse = sparse.issparse(X)
        # kept for the BLAS-backed support Newton step (column subsets)
        self.sparse_X = X if self.is_sparse else None
        if self.is_sparse:
            # (2, 2): a (1, 1) array is C-contiguous too, which Numba types
            # as a C-layout array, and every kernel then compiled a second
            # signature for sparse designs, paid on an empty cache
            self.X = np.zeros((2, 2), dtype=dtype, order="F")
            self._X_kernel = self.X
            n_stored = int(X.indptr[-1])
            if max(n_stored, self.n_samples) > _MAX_SPARSE_INDEX:
                raise ValueError(
                    f"Sparse X with {n_stored} stored entries and "
                    f"{self.n_samples} rows is not supported: skreg's sparse "
                    f"kernels index both with 32-bit integers (at most "
                    f"{_MAX_SPARSE_INDEX}). Split X by rows or pass it dense."
                )
            self.data = np.asarray(X.data, dtype=dtype)
            # Unsigned views (the values are never negative): Numba then
            # knows the loop counters over a column's entries are too, and
            # drops the negative-index wraparound of every access, which
            # dominates short CSC columns.
            self.indices = np.asarray(X.indices, dtype=np.int32).view(np.uint32)
            self.indptr = np.asarray(X.indptr, dtype=np.int32).view(np.uint32)
        else:
            self.X = X
            # the X of the kernels' design tuple
            self._X_kernel = X
            if X.flags.c_contiguous and self.n_features == 1 and self.n_samples > 1:
                # One column is C- and Fortran-contiguous, and Numba types it
                # as C-ordered: every kernel would compile a second signature
                # on an empty cache.  The kernels get the column
                # inside a two-column Fortran array; they read feature 0 only.
                self._X_kernel = np.zeros((self.n_samples, 2), dtype=dtype, order="F")
                self._X_kernel[:, 0] = X[:, 0]
            self.data = np.zeros(1, dtype=dtype)
            self.indices = np.zeros(1, dtype=np.uint32)
            self.indptr = np.zeros(2, dtype=np.uint32)
        self.has_sw = sample_weight is not None
        if self.has_sw:
            self.sw = np.ascontiguousarray(sample_weight, dtype=np.float64)
            self.sw_sum = float(self.sw.sum())
        else:
            self.sw = np.ones(1)
            self.sw_sum = float(self.n_samples)
        if X_offset is None:
            self.xm = np.zeros(self.n_features)
        else:
            self.xm = np.ascontiguousarray(X_offset, dtype=np.float64)
        # the targets as the rows of a C-ordered array (see col_stats)
        if targets is None:
            YT = np.zeros((0, self.n_samples))
        else:
            Y = np.asarray(targets, dtype=np.float64).reshape(self.n_samples, -1)
            YT = np.ascontiguousarray(Y.T)
        self.colsum, self.norm2, sumsq, XtY = col_stats(
            *self._layout, self.sw, self.has_sw, self.xm, self.sw_sum, bool(center), YT
        )
        self.XtY = None if targets is None else XtY
        # an upper bound on max |X| from the same read of X; NaN or inf when
        # X holds NaN, inf or values too large to square
        self.max_abs_bound = float(np.sqrt(sumsq))

    @property
    def _layout(self):
        return self._X_kernel, self.data, self.indices, self.indptr, self.is_sparse

    @cached_property
    def Z(self):
        """The design tuple the kernels take (see :mod:`skreg._kernels._design`):
        ``(X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, sw_sum)``
        (built once: the solvers pass it at every kernel call)."""
        return DesignArrays(
            *self._layout, self.sw, self.has_sw, self.xm, self.colsum, self.sw_sum
        )

    @property
    def long_columns(self):
        """Dense with long columns (see ``LONG_COLUMN_ROWS``)."""
        return not self.is_sparse and self.n_samples >= LONG_COLUMN_ROWS

    @property
    def nnz(self):
        """Stored entries: the cost of one pass over all columns."""
        if self.is_sparse:
            return int(self.indptr[-1])
        return self.n_samples * self.n_features

    def blas_pass(self, n_feats):
        """Whether :meth:`primal_dual` on ``n_feats`` features goes
        through BLAS (every core) rather than the single-threaded kernel."""
        return (
            not self.is_sparse
            and self.X.dtype == np.float64
            and 2 * n_feats >= self.n_features
            and self.nnz >= _BLAS_MIN_SIZE
        )

    def primal_dual(self, y, rd, c, r_acc, with_acc, S, w, pen, feats, XtA, XtA_acc):
        """:func:`skreg._kernels.gap.primal_dual` on this design.

        A dense float64 design (of at least ``_BLAS_MIN_SIZE`` entries: on
        small ones the call overhead dominates) with ``feats`` covering at
        least half its columns gets its products from BLAS matrix-vector
        products, which use every core: a pass over all of ``X`` is
        memory-bound, and one core does not saturate the memory bus.
        Otherwise the kernel reads only ``feats``.
        """
        read = not self.blas_pass(feats.size)
        if not read:
            XT = self.X.T
            # two matrix-vector products: one product with an (n, 2) block
            # reads X once but is slower
            pairs = ((rd, XtA), (r_acc, XtA_acc)) if with_acc else ((rd, XtA),)
            for r, out in pairs:
                prod = XT @ (r * self.sw if self.has_sw else r)
                if feats.size == self.n_features:
                    out[:] = prod
                else:
                    out[feats] = prod[feats]
        return primal_dual(
            self.Z, y, rd, c, r_acc, with_acc, S, w, pen, feats, XtA, XtA_acc, read
        )

    def add_columns(self, coefs, cols, v):
        """``v += X[:, cols] @ coefs`` in place; returns ``m[cols] @ coefs``
        (the change of the residual offset when ``v`` is ``-rd``)."""
        X = self.sparse_X if self.is_sparse else self.X
        v += X[:, cols] @ coefs
        return float(self.xm[cols] @ coefs)

    def residual(self, y, w, rd):
        """Set ``rd = y - X w`` in place and return ``c = m^T w`` (the
        residual is ``rd + c``, see :mod:`skreg._kernels._design`).  Only the
        columns of the support are read."""
        support = np.flatnonzero(w)
        rd[:] = y
        return -self.add_columns(-w[support], support, rd)

    def weighted_norm2(self, y):
        """``sum_i s_i y_i^2``."""
        return weighted_norm2(y, self.sw if self.has_sw else None)

    def weighted_sum(self, v):
        """``sum_i s_i v_i``."""
        if self.has_sw:
            return _dot(self.sw, v)
        return float(v.sum())
