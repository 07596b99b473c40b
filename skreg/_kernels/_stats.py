"""Column statistics of a design: weighted sums, centred squared norms,
the largest squared norm (a bound on ``max |x_ij|``) and the targets'
correlations, in one read of each column (see :func:`col_stats`)."""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._columns import LONG_COLUMN_ROWS, sparse_dot

# Column statistics: one function per layout, each doing a column's whole
# work (its loops find the column in cache after the first); the has_sw
# branches sit outside the element loops, since per-statistic helpers
# branching on the layout inside cost more than a short column's arithmetic.
#
# A dense column is read once: its centred squared norm is expanded as
# sum sw x^2 - 2 m sum sw x + m^2 sum sw (see _centred_norm2).  The direct
# sum of squared centred values would take a second loop over every column.
# Only where the expansion cancels (|m| large against the spread) is the
# direct sum taken, in a later pass over those columns: a branch on it
# inside the column loop cost as much as the second loop itself.
_CANCEL_RATIO = 16.0
# Long columns are read four at a time: one core streams several columns
# from memory faster than one.  Short ones, which the caches hold, are read
# one at a time, where the grouped loop was slower.


@njit(inline="always", **JIT_OPTIONS)
def _dense_col_stats(j, X, sw, has_sw, y1, XtY):
    # the weighted sum, the (unweighted) sum of squares and the weighted
    # one; the plain one turns NaN or inf when an entry is NaN, infinite or
    # too large to square, so callers can trust the values without a
    # separate finiteness pass.  With one target, its products with the
    # column come from the same loop (y1, the target as a contiguous row).
    n = X.shape[0]
    one = XtY.shape[1] == 1
    s = 0.0
    q = 0.0
    qw = 0.0
    a = 0.0
    if has_sw:
        for i in range(n):
            x = X[i, j]
            wx = sw[i] * x
            s += wx
            q += x * x
            qw += wx * x
            if one:
                a += wx * y1[i]
    else:
        for i in range(n):
            x = X[i, j]
            s += x
            q += x * x
            if one:
                a += x * y1[i]
        qw = q
    if one:
        XtY[j, 0] = a
    return s, q, qw


@njit(inline="always", **JIT_OPTIONS)
def _dense_col_stats4(j, X, sw, has_sw, y1, XtY, plain, colsum, norm2):
    # _dense_col_stats of columns j .. j + 3 in one loop, four streams from
    # memory at once (see LONG_COLUMN_ROWS), stored in place
    n = X.shape[0]
    one = XtY.shape[1] == 1
    s0 = q0 = w0 = a0 = 0.0
    s1 = q1 = w1 = a1 = 0.0
    s2 = q2 = w2 = a2 = 0.0
    s3 = q3 = w3 = a3 = 0.0
    for i in range(n):
        x0 = X[i, j]
        x1 = X[i, j + 1]
        x2 = X[i, j + 2]
        x3 = X[i, j + 3]
        q0 += x0 * x0
        q1 += x1 * x1
        q2 += x2 * x2
        q3 += x3 * x3
        if has_sw:
            x0 = sw[i] * x0
            x1 = sw[i] * x1
            x2 = sw[i] * x2
            x3 = sw[i] * x3
            w0 += x0 * X[i, j]
            w1 += x1 * X[i, j + 1]
            w2 += x2 * X[i, j + 2]
            w3 += x3 * X[i, j + 3]
        s0 += x0
        s1 += x1
        s2 += x2
        s3 += x3
        if one:
            a0 += x0 * y1[i]
            a1 += x1 * y1[i]
            a2 += x2 * y1[i]
            a3 += x3 * y1[i]
    if not has_sw:
        w0, w1, w2, w3 = q0, q1, q2, q3
    if one:
        XtY[j, 0] = a0
        XtY[j + 1, 0] = a1
        XtY[j + 2, 0] = a2
        XtY[j + 3, 0] = a3
    plain[j], colsum[j], norm2[j] = q0, s0, w0
    plain[j + 1], colsum[j + 1], norm2[j + 1] = q1, s1, w1
    plain[j + 2], colsum[j + 2], norm2[j + 2] = q2, s2, w2
    plain[j + 3], colsum[j + 3], norm2[j + 3] = q3, s3, w3


@njit(**JIT_OPTIONS)
def _dense_target_products(X, sw, has_sw, YT, XtY):
    # X^T S Y for two targets or more, in a second read of X (see
    # _dense_stats)
    for j in range(XtY.shape[0]):
        for t in range(YT.shape[0]):
            a = 0.0
            if has_sw:
                for i in range(X.shape[0]):
                    a += sw[i] * X[i, j] * YT[t, i]
            else:
                for i in range(X.shape[0]):
                    a += X[i, j] * YT[t, i]
            XtY[j, t] = a


@njit(**JIT_OPTIONS)
def _centred_norm2(X, sw, has_sw, xm, sw_sum, colsum, qw):
    # sum_i sw_i (x_ij - m_j)^2 from the column's sums, overwriting qw; where
    # the expansion loses more than log2(_CANCEL_RATIO) bits, the direct sum
    for j in range(qw.shape[0]):
        m = xm[j]
        big = qw[j] + m * m * sw_sum
        qc = big - 2.0 * m * colsum[j]
        if m != 0.0 and not qc * _CANCEL_RATIO >= big:
            qc = 0.0
            if has_sw:
                for i in range(X.shape[0]):
                    x = X[i, j] - m
                    qc += sw[i] * x * x
            else:
                for i in range(X.shape[0]):
                    x = X[i, j] - m
                    qc += x * x
        qw[j] = max(qc, 0.0)


# The sums of one sparse column, a function per case (weights or not, the
# one target's correlation or not), and _sparse_stats branches on the case
# once, outside its loop over the columns: with the branches and the
# finishing arithmetic inside the inlined per-column function, the pass was
# several times slower on short columns.  Sums over
# all rows, implicit zeros included: sum_i sw_i (x_ij - m)^2 is sum sw x^2
# - 2 m sum sw x + m^2 sum sw (scikit-learn's sparse CD expands it the same
# way); the target's correlation in the same loop (a second loop cost as
# much as the first).
@njit(inline="always", **JIT_OPTIONS)
def _sparse_sums(j, data, indices, indptr, y1):
    s = 0.0
    q = 0.0
    a = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        x = data[k]
        s += x
        q += x * x
        a += x * y1[indices[k]]
    return s, q, a


@njit(inline="always", **JIT_OPTIONS)
def _sparse_sums_w(j, data, indices, indptr, sw, y1):
    s = 0.0
    q = 0.0
    qw = 0.0
    a = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        i = indices[k]
        x = data[k]
        wx = sw[i] * x
        s += wx
        q += x * x
        qw += wx * x
        a += wx * y1[i]
    return s, q, qw, a


@njit(inline="always", **JIT_OPTIONS)
def _sparse_sums0(j, data, indptr):
    # _sparse_sums without a target
    s = 0.0
    q = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        x = data[k]
        s += x
        q += x * x
    return s, q


@njit(inline="always", **JIT_OPTIONS)
def _sparse_sums0_w(j, data, indices, indptr, sw):
    # _sparse_sums_w without a target
    s = 0.0
    q = 0.0
    qw = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        x = data[k]
        wx = sw[indices[k]] * x
        s += wx
        q += x * x
        qw += wx * x
    return s, q, qw


# The column loops of _dense_stats, each in a function of its own (see
# there), with nothing but the columns' sums inside: a branch in them (the
# running maximum, the cancellation test) measured as slow as a second read
# of every column.
@njit(**JIT_OPTIONS)
def _dense_sums(X, sw, has_sw, y1, XtY, plain, colsum, norm2):
    # one column at a time
    for j in range(colsum.shape[0]):
        s, q, qw = _dense_col_stats(j, X, sw, has_sw, y1, XtY)
        plain[j] = q
        colsum[j] = s
        # the weighted sum of squares, centred later
        norm2[j] = qw


@njit(**JIT_OPTIONS)
def _dense_sums_grouped(X, sw, has_sw, y1, XtY, plain, colsum, norm2):
    # four columns at a time (the last p % 4 one by one)
    p = colsum.shape[0]
    m = p - p % 4
    for j in range(0, m, 4):
        _dense_col_stats4(j, X, sw, has_sw, y1, XtY, plain, colsum, norm2)
    for j in range(m, p):
        s, q, qw = _dense_col_stats(j, X, sw, has_sw, y1, XtY)
        plain[j] = q
        colsum[j] = s
        norm2[j] = qw


def _dense_stats(X, sw, has_sw, xm, sw_sum, center, YT, colsum, norm2, XtY):
    # col_stats of a dense design: its two column loops in compiled functions
    # of their own: compiled next to the sparse loop, a call for several
    # targets or the other loop, the same loop ran slower.
    # The features are counted by the statistics' length, not X's columns:
    # X may carry a padding column (see skreg.solvers.design.Design)
    p = colsum.shape[0]
    y1 = YT[0] if YT.shape[0] == 1 else np.zeros(0)
    plain = np.empty(p)
    long_columns = X.shape[0] >= LONG_COLUMN_ROWS
    sums = _dense_sums_grouped if long_columns else _dense_sums
    sums(X, sw, has_sw, y1, XtY, plain, colsum, norm2)
    # NaN sticks (np.max propagates it)
    largest = float(plain.max(initial=0.0))
    if center:
        np.divide(colsum, sw_sum, out=xm)
    _centred_norm2(X, sw, has_sw, xm, sw_sum, colsum, norm2)
    return largest


@njit(inline="always", **JIT_OPTIONS)
def _sparse_finish(j, s, q, qw, xm, sw_sum, center, colsum, norm2, largest):
    # a column's mean, sum and centred squared norm from its sums; returns
    # the running largest plain squared norm (not max(): a NaN must stick)
    if center:
        xm[j] = s / sw_sum
    m = xm[j]
    colsum[j] = s
    norm2[j] = max(qw - 2.0 * m * s + m * m * sw_sum, 0.0)
    return q if (q > largest or q != q) else largest


@njit(**JIT_OPTIONS)
def _sparse_stats(
    data, indices, indptr, sw, has_sw, xm, sw_sum, center, YT, colsum, norm2, XtY
):
    # col_stats of a CSC design; returns the largest plain squared norm.
    # One loop over the columns per case, the branch on the case outside
    # it (see _sparse_sums).
    largest = 0.0
    p = colsum.shape[0]
    if YT.shape[0] == 1:
        y1 = YT[0]
        if has_sw:
            for j in range(p):
                s, q, qw, a = _sparse_sums_w(j, data, indices, indptr, sw, y1)
                XtY[j, 0] = a
                largest = _sparse_finish(
                    j, s, q, qw, xm, sw_sum, center, colsum, norm2, largest
                )
        else:
            for j in range(p):
                s, q, a = _sparse_sums(j, data, indices, indptr, y1)
                XtY[j, 0] = a
                largest = _sparse_finish(
                    j, s, q, q, xm, sw_sum, center, colsum, norm2, largest
                )
        return largest
    # no target, or several: their correlations in loops of their own
    if has_sw:
        for j in range(p):
            s, q, qw = _sparse_sums0_w(j, data, indices, indptr, sw)
            largest = _sparse_finish(
                j, s, q, qw, xm, sw_sum, center, colsum, norm2, largest
            )
    else:
        for j in range(p):
            s, q = _sparse_sums0(j, data, indptr)
            largest = _sparse_finish(
                j, s, q, q, xm, sw_sum, center, colsum, norm2, largest
            )
    for t in range(YT.shape[0]):
        # the weighted target (sw_i y_i): one product per entry
        yw = YT[t] * sw if has_sw else YT[t]
        for j in range(p):
            XtY[j, t] = sparse_dot(j, data, indices, indptr, yw)
    return largest


def col_stats(X, data, indices, indptr, is_sparse, sw, has_sw, xm, sw_sum, center, YT):
    """Weighted column sums ``sum_i sw_i x_ij``, centred squared norms and
    the largest plain squared column norm ``max_j sum_i x_ij^2``.

    The last bounds ``max |x_ij|`` (its square root), and is NaN or inf
    when ``X`` holds a NaN, an infinity or values too large to square.
    The squared norm is ``sum_i sw_i (x_ij - m_j)^2``; for sparse columns the
    implicit zeros contribute ``m_j^2`` each, added as one term.  With
    ``center``, ``xm`` is first overwritten with the weighted column means.
    The fourth output holds ``sum_i sw_i x_ij Y_it`` for each target ``t``,
    given as the rows of the C-ordered ``YT`` of shape ``(n_targets, n)``
    (``(0, n)`` for none): with centred targets, the correlations a
    cold-started solver's first duality gap needs.  Targets as rows: a
    C-ordered array has the same Numba type for any number of them, where
    an ``(n, 1)`` column is typed C-ordered and ``(n, 2)`` Fortran-ordered,
    two compiled signatures, each paid on an empty cache.
    Each column is read from memory once (twice on a dense design with
    several targets, or for a dense column whose mean dwarfs its spread).

    A Python function calling one compiled function per layout, not a
    compiled one calling them: a compiled caller inlines a callee compiled
    in the same process (LLVM links its code in) but calls the cached
    machine code of one compiled earlier.  The vectorised sums then added
    in another order, and a process that compiled the kernels got other
    last bits than every later one (n_iter 1412 against 1104 on a 40 x 200
    Lasso at tol 1e-8).
    """
    p = xm.shape[0]
    colsum = np.zeros(p, dtype=xm.dtype)
    norm2 = np.zeros(p, dtype=xm.dtype)
    XtY = np.zeros((p, YT.shape[0]))
    if is_sparse:
        largest = _sparse_stats(
            data,
            indices,
            indptr,
            sw,
            has_sw,
            xm,
            sw_sum,
            center,
            YT,
            colsum,
            norm2,
            XtY,
        )
        return colsum, norm2, largest, XtY
    largest = _dense_stats(X, sw, has_sw, xm, sw_sum, center, YT, colsum, norm2, XtY)
    if YT.shape[0] > 1:
        _dense_target_products(X, sw, has_sw, YT, XtY)
    return colsum, norm2, largest, XtY
