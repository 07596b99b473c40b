"""Column operations on a design matrix that is dense or CSC sparse.

Every CD/gradient kernel sees the design as the tuple of arrays
``(X, data, indices, indptr)`` plus the flag ``is_sparse``: for a dense
Fortran-ordered ``X`` the CSC arrays are 1-element dummies, for a CSC matrix
``X`` is a ``(2, 2)`` Fortran-ordered dummy.  One compiled signature per
dtype then serves both layouts; the branch on ``is_sparse`` is taken once per
column, never per element.

Centring is implicit (the design is never copied): the centred column is
``z_j = x_j - m_j`` and a residual is stored as ``r = rd + c`` with a dense
part ``rd`` and a scalar offset ``c``, so that updating ``w_j`` touches only
the stored entries of column ``j``.  Sample weights ``sw`` enter every inner
product.  ``S = sum_i sw_i r_i`` is invariant under CD updates when ``m`` is
the ``sw``-weighted column mean, which is what makes the lazy offset exact.

The kernels take these arrays bundled as one tuple, the *design tuple*
``Z = (X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, sw_sum)``
(see :attr:`skreg.solvers.design.Design.Z`): weights ``sw`` (a 1-element
dummy when ``has_sw`` is False), offsets ``xm``, weighted column sums
``colsum_j = sum_i sw_i x_ij`` and ``sw_sum = sum_i sw_i``.  Numba compiles
one signature per tuple type, as it did per argument list.

The single-column primitives are in :mod:`skreg._kernels._columns`, the
column statistics in :mod:`skreg._kernels._stats`; this module holds the
passes over many columns (correlations, residuals).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._columns import (
    dense_axpy,
    dense_dot,
    dense_dot_w,
    sparse_axpy,
    sparse_dot,
    sparse_dot_w,
)


class DesignArrays(NamedTuple):
    """The design tuple: a dense or CSC design, implicitly centred.

    ``X`` is dense Fortran-ordered (a ``(2, 2)`` dummy for CSC designs);
    ``data``, ``indices``, ``indptr`` the CSC arrays (1-element dummies for
    dense ones); ``sw`` the sample weights (a dummy when not ``has_sw``);
    ``xm`` the column offsets, ``colsum`` the weighted column sums and
    ``sw_sum`` the weights' sum.
    """

    X: np.ndarray
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    is_sparse: bool
    sw: np.ndarray
    has_sw: bool
    xm: np.ndarray
    colsum: np.ndarray
    sw_sum: float


# The per-pass functions below unpack the design tuple once and branch on
# the layout per column in their own loop.  Per-column helpers taking the
# tuple (or the unpacked arrays) and dispatching to the leaf loops cost more
# than the arithmetic on short columns, inlined or not.
@njit(**JIT_OPTIONS)
def col_products(Z, v, feats, out):
    """``out[j] = sum_i sw_i X[i, j] v_i`` for ``j in feats`` (uncentred)."""
    X, data, indices, indptr, is_sparse, sw, has_sw, _, _, _ = Z
    for k in range(feats.shape[0]):
        j = feats[k]
        if is_sparse:
            if has_sw:
                out[j] = sparse_dot_w(j, data, indices, indptr, sw, v)
            else:
                out[j] = sparse_dot(j, data, indices, indptr, v)
        elif has_sw:
            out[j] = dense_dot_w(j, X, sw, v)
        else:
            out[j] = dense_dot(j, X, v)


@njit(**JIT_OPTIONS)
def add_columns(Z, coefs, cols, v):
    """``v += sum_k coefs[k] X[:, cols[k]]``; returns ``sum_k coefs[k] m_k``
    (the change of the residual offset when ``v`` is ``-rd``)."""
    X, data, indices, indptr, is_sparse, _, _, xm, _, _ = Z
    c = 0.0
    for k in range(cols.shape[0]):
        a = coefs[k]
        if a == 0.0:
            continue
        j = cols[k]
        if is_sparse:
            sparse_axpy(j, a, data, indices, indptr, v)
        else:
            dense_axpy(j, a, X, v)
        c += a * xm[j]
    return c


@njit(**JIT_OPTIONS)
def copy_into(dst, src):
    """``dst[:] = src`` for 1-d arrays of the same length.

    A loop rather than the slice assignment, whose shape check and error
    message (string formatting) add seconds of compile to a first fit.
    """
    for i in range(dst.shape[0]):
        dst[i] = src[i]


@njit(**JIT_OPTIONS)
def residual(Z, y, w, rd):
    """Set ``rd = y - X w`` in place and return ``c = m^T w``.

    Only the columns with ``w_j != 0`` are read, so this costs the stored
    entries of the support, not of the whole design.
    """
    copy_into(rd, y)
    n_support = 0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            n_support += 1
    support = np.empty(n_support, dtype=np.int64)
    coefs = np.empty(n_support)
    k = 0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            support[k] = j
            coefs[k] = -w[j]
            k += 1
    return -add_columns(Z, coefs, support, rd)
