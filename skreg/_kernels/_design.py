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
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from skreg._config import JIT_OPTIONS

# A dense column of at least this many rows is *long*: every read of it
# streams from memory, where shorter ones stay in the caches between reads.
# Long columns are read several at a time here (col_stats, col_products),
# CD sweeps prefetch them (skreg._kernels.cd.cd_epochs), the solver leaves
# its working-set checks to the full pass over them (skreg.solvers.cd), and
# a fit on them may run a second thread (skreg.solvers._threads).
LONG_COLUMN_ROWS = 8192


# One single-loop function per layout: LLVM vectorises a lone reduction
# loop, but not loops that share an accumulator across branches; callers
# branch on the (run-time) layout flags once per column.  Measured on a
# 500 x 900 dense block: 0.09 ms per pass this way, 0.8 ms with the
# branches inside one function.  The dense leaves are inlined at Numba-IR
# level (0.085 -> 0.075 ms per CD epoch of 700 x 500); the sparse ones are
# not (inlined, a CD step on a CSC column of 10 entries went 52 -> 63 ns).
@njit(inline="always", **JIT_OPTIONS)
def dense_dot(j, X, v):
    s = 0.0
    for i in range(X.shape[0]):
        s += X[i, j] * v[i]
    return s


@njit(inline="always", **JIT_OPTIONS)
def dense_dot_w(j, X, sw, v):
    s = 0.0
    for i in range(X.shape[0]):
        s += X[i, j] * sw[i] * v[i]
    return s


@intrinsic
def _prefetch_l2(typingctx, X, offset):
    """Hint the cache line holding entry ``offset`` of ``X``'s buffer into
    the second-level cache (``llvm.prefetch``, read, locality 2)."""
    sig = types.void(X, offset)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
        fn = builder.module.declare_intrinsic("llvm.prefetch", [byte_ptr], fnty)
        addr = builder.bitcast(builder.gep(data, [args[1]]), byte_ptr)
        builder.call(fn, [addr, i32(0), i32(2), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


# entries per block of a prefetching dot product (8 cache lines)
_PF_BLOCK = 64


@njit(inline="always", **JIT_OPTIONS)
def dense_dot_next(j, nxt, X, sw, has_sw, v):
    """``x_j^T S v`` on a long Fortran column while the same rows of column
    ``nxt`` (the next one a CD sweep reads) are prefetched into L2.

    A long column streams from memory at one core's bandwidth, which the
    product alone does not use up, and the step's axpy reads the column
    from cache with the memory bus idle: with the next column prefetched
    under each product and the axpy applied in the next step's sweep (see
    :func:`dense_axpy_dot_next`), 12 CD epochs over 250 columns of 20000
    rows went from 28.3 to 19.5-21.5 ms.  The sum runs in blocks of
    ``_PF_BLOCK`` entries.
    """
    n = X.shape[0]
    base = nxt * n
    m = n - n % _PF_BLOCK
    s = 0.0
    for i0 in range(0, m, _PF_BLOCK):
        for k in range(0, _PF_BLOCK, 8):
            _prefetch_l2(X, base + i0 + k)
        t = 0.0
        if has_sw:
            for i in range(i0, i0 + _PF_BLOCK):
                t += X[i, j] * sw[i] * v[i]
        else:
            for i in range(i0, i0 + _PF_BLOCK):
                t += X[i, j] * v[i]
        s += t
    for i in range(m, n):
        if has_sw:
            s += X[i, j] * sw[i] * v[i]
        else:
            s += X[i, j] * v[i]
    return s


@njit(inline="always", **JIT_OPTIONS)
def dense_axpy_dot_next(k, a, j, nxt, X, sw, has_sw, v):
    """:func:`dense_axpy_dot` on long Fortran columns while the same rows of
    column ``nxt`` are prefetched into L2 (see :func:`dense_dot_next`)."""
    n = X.shape[0]
    base = nxt * n
    m = n - n % _PF_BLOCK
    s = 0.0
    for i0 in range(0, m, _PF_BLOCK):
        for r in range(0, _PF_BLOCK, 8):
            _prefetch_l2(X, base + i0 + r)
        t = 0.0
        if has_sw:
            for i in range(i0, i0 + _PF_BLOCK):
                vi = v[i] + a * X[i, k]
                v[i] = vi
                t += sw[i] * X[i, j] * vi
        else:
            for i in range(i0, i0 + _PF_BLOCK):
                vi = v[i] + a * X[i, k]
                v[i] = vi
                t += X[i, j] * vi
        s += t
    for i in range(m, n):
        vi = v[i] + a * X[i, k]
        v[i] = vi
        if has_sw:
            s += sw[i] * X[i, j] * vi
        else:
            s += X[i, j] * vi
    return s


@njit(**JIT_OPTIONS)
def sparse_dot(j, data, indices, indptr, v):
    s = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        s += data[k] * v[indices[k]]
    return s


@njit(**JIT_OPTIONS)
def sparse_dot_w(j, data, indices, indptr, sw, v):
    s = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        i = indices[k]
        s += data[k] * sw[i] * v[i]
    return s


# Two inner products against one column in one read of it: the outer loop
# needs z_j^T r for the residual and for the extrapolated dual point, and on
# tall designs each read of X costs as much as the products.
@njit(**JIT_OPTIONS)
def _dense_dot2(j, X, sw, has_sw, u, v):
    a = 0.0
    b = 0.0
    if has_sw:
        for i in range(X.shape[0]):
            x = X[i, j] * sw[i]
            a += x * u[i]
            b += x * v[i]
    else:
        for i in range(X.shape[0]):
            x = X[i, j]
            a += x * u[i]
            b += x * v[i]
    return a, b


@njit(**JIT_OPTIONS)
def _sparse_dot2(j, data, indices, indptr, sw, has_sw, u, v):
    a = 0.0
    b = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        i = indices[k]
        x = data[k] * sw[i] if has_sw else data[k]
        a += x * u[i]
        b += x * v[i]
    return a, b


@njit(inline="always", **JIT_OPTIONS)
def dense_axpy(j, a, X, v):
    for i in range(X.shape[0]):
        v[i] += a * X[i, j]


# On short dense columns a CD step is latency-bound: the dot of column j
# waits for the axpy of the previous step.  Applying that pending axpy in the
# same sweep as the next dot reads the residual once instead of twice
# (measured: 0.12 -> 0.087 ms per epoch on 700 columns of 500 rows).
@njit(inline="always", **JIT_OPTIONS)
def dense_axpy_dot(k, a, j, X, sw, has_sw, v):
    """``v += a * X[:, k]``, then return ``sum_i sw_i X[i, j] v_i``, in one
    sweep over ``v`` (``sw`` ignored when ``has_sw`` is False)."""
    s = 0.0
    if has_sw:
        for i in range(X.shape[0]):
            vi = v[i] + a * X[i, k]
            v[i] = vi
            s += sw[i] * X[i, j] * vi
    else:
        for i in range(X.shape[0]):
            vi = v[i] + a * X[i, k]
            v[i] = vi
            s += X[i, j] * vi
    return s


@njit(**JIT_OPTIONS)
def sparse_axpy(j, a, data, indices, indptr, v):
    for k in range(indptr[j], indptr[j + 1]):
        v[indices[k]] += a * data[k]


# Column statistics: one function per layout, each doing a column's whole
# work (its loops find the column in cache after the first); the has_sw
# branches sit outside the element loops.  Through per-statistic helpers
# branching on the layout inside, CSC columns of 10 entries cost 120 ns each.
#
# A dense column is read once: its centred squared norm is expanded as
# sum sw x^2 - 2 m sum sw x + m^2 sum sw (see _centred_norm2).  The direct
# sum of squared centred values took a second loop over every column:
# 0.91 -> 0.40 ms on 500 x 5000 (a design the last-level cache holds).
# Only where the expansion cancels (|m| large against the spread) is the
# direct sum taken, in a later pass over those columns: a branch on it
# inside the column loop cost as much as the second loop itself.
_CANCEL_RATIO = 16.0
# Long columns are read four at a time: one core streams several columns
# from memory faster than one (20000 x 500: 4.4 ms one at a time, 3.2 two,
# 2.5 four).  On short ones, which the caches hold, the grouped loop was
# slower (500 x 5000: 0.45 -> 1.1 ms for pairs).


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


@njit(inline="always", **JIT_OPTIONS)
def _sparse_col_stats(
    j, data, indices, indptr, sw, has_sw, xm, sw_sum, center, YT, XtY
):
    # as _dense_col_stats, in one loop: sum_i sw_i (x_ij - m)^2 over all
    # rows, implicit zeros included, is sum sw x^2 - 2 m sum sw x + m^2 sum sw
    # (scikit-learn's sparse CD expands it the same way)
    start, end = indptr[j], indptr[j + 1]
    s = 0.0
    q = 0.0
    qw = 0.0
    if has_sw:
        for k in range(start, end):
            x = data[k]
            wx = sw[indices[k]] * x
            s += wx
            q += x * x
            qw += wx * x
    else:
        for k in range(start, end):
            x = data[k]
            s += x
            q += x * x
        qw = q
    if center:
        xm[j] = s / sw_sum
    m = xm[j]
    qc = qw - 2.0 * m * s + m * m * sw_sum
    for t in range(YT.shape[0]):
        a = 0.0
        if has_sw:
            for k in range(start, end):
                i = indices[k]
                a += sw[i] * data[k] * YT[t, i]
        else:
            for k in range(start, end):
                a += data[k] * YT[t, indices[k]]
        XtY[j, t] = a
    return s, q, max(qc, 0.0)


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


@njit(**JIT_OPTIONS)
def _dense_stats(X, sw, has_sw, xm, sw_sum, center, YT, colsum, norm2, XtY):
    # col_stats of a dense design, in a function of its own, and its two
    # column loops in functions of their own: next to the sparse loop, a
    # call for several targets or the other loop, the same loop measured
    # 0.38 -> 0.56 ms on 500 x 5000.  The features are counted by the
    # statistics' length, not X's columns: X may carry a padding column
    # (see skreg.solvers.design.Design)
    p = colsum.shape[0]
    largest = 0.0
    y1 = YT[0] if YT.shape[0] == 1 else np.zeros(0)
    plain = np.empty(p)
    if X.shape[0] >= LONG_COLUMN_ROWS:
        _dense_sums_grouped(X, sw, has_sw, y1, XtY, plain, colsum, norm2)
    else:
        _dense_sums(X, sw, has_sw, y1, XtY, plain, colsum, norm2)
    for j in range(p):
        q = plain[j]
        if q > largest or q != q:
            largest = q
    if center:
        for j in range(p):
            xm[j] = colsum[j] / sw_sum
    _centred_norm2(X, sw, has_sw, xm, sw_sum, colsum, norm2)
    return largest


@njit(**JIT_OPTIONS)
def col_stats(
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, sw_sum, center, YT
):
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
    two compiled signatures of this function (3.7 s each on an empty
    cache).
    Each column is read from memory once (twice on a dense design with
    several targets, or for a dense column whose mean dwarfs its spread).
    """
    p = xm.shape[0]
    colsum = np.zeros(p, dtype=xm.dtype)
    norm2 = np.zeros(p, dtype=xm.dtype)
    XtY = np.zeros((p, YT.shape[0]))
    largest = 0.0
    if is_sparse:
        for j in range(p):
            s, q, qc = _sparse_col_stats(
                j, data, indices, indptr, sw, has_sw, xm, sw_sum, center, YT, XtY
            )
            # not max(): a NaN must stick
            if q > largest or q != q:
                largest = q
            colsum[j] = s
            norm2[j] = qc
        return colsum, norm2, largest, XtY
    largest = _dense_stats(X, sw, has_sw, xm, sw_sum, center, YT, colsum, norm2, XtY)
    if YT.shape[0] > 1:
        _dense_target_products(X, sw, has_sw, YT, XtY)
    return colsum, norm2, largest, XtY


@njit(inline="always", **JIT_OPTIONS)
def centring(j, xm, colsum, c, S):
    """What turns ``x_j^T diag(sw) rd`` into ``z_j^T diag(sw) r`` for the
    residual ``r = rd + c`` with ``S = sum_i sw_i r_i`` (``xm`` and
    ``colsum`` are the design tuple's offsets and weighted column sums)."""
    return c * colsum[j] - xm[j] * S


# The per-pass functions below unpack the design tuple once and branch on
# the layout per column in their own loop.  Per-column helpers taking the
# tuple (or the unpacked arrays) and dispatching to the leaf loops measured
# 1.5-2.5x slower per column on short columns, inlined or not (CD steps on
# CSC columns of 10 entries: 95 ns through such helpers, 51 ns written out).
@njit(**JIT_OPTIONS)
def _dense_dot4(j0, j1, j2, j3, X, sw, has_sw, v):
    # x_j^T S v for four columns in one loop: four streams from memory at
    # once (see LONG_COLUMN_ROWS)
    a0 = a1 = a2 = a3 = 0.0
    for i in range(X.shape[0]):
        vi = sw[i] * v[i] if has_sw else v[i]
        a0 += X[i, j0] * vi
        a1 += X[i, j1] * vi
        a2 += X[i, j2] * vi
        a3 += X[i, j3] * vi
    return a0, a1, a2, a3


@njit(**JIT_OPTIONS)
def _dense_dot2x4(j0, j1, j2, j3, X, sw, has_sw, u, v):
    # _dense_dot4 for two vectors
    a0 = a1 = a2 = a3 = 0.0
    b0 = b1 = b2 = b3 = 0.0
    for i in range(X.shape[0]):
        ui = sw[i] * u[i] if has_sw else u[i]
        vi = sw[i] * v[i] if has_sw else v[i]
        x0, x1, x2, x3 = X[i, j0], X[i, j1], X[i, j2], X[i, j3]
        a0 += x0 * ui
        a1 += x1 * ui
        a2 += x2 * ui
        a3 += x3 * ui
        b0 += x0 * vi
        b1 += x1 * vi
        b2 += x2 * vi
        b3 += x3 * vi
    return a0, a1, a2, a3, b0, b1, b2, b3


@njit(**JIT_OPTIONS)
def _dense_products4(X, sw, has_sw, v, feats, out):
    # col_products on long dense columns, four at a time; returns how many
    # features are left to the caller
    m = feats.shape[0] - feats.shape[0] % 4
    for k in range(0, m, 4):
        j0, j1, j2, j3 = feats[k], feats[k + 1], feats[k + 2], feats[k + 3]
        out[j0], out[j1], out[j2], out[j3] = _dense_dot4(
            j0, j1, j2, j3, X, sw, has_sw, v
        )
    return m


@njit(**JIT_OPTIONS)
def _dense_products2x4(X, sw, has_sw, u, v, feats, out_u, out_v):
    # col_products2 on long dense columns, four at a time
    m = feats.shape[0] - feats.shape[0] % 4
    for k in range(0, m, 4):
        j0, j1, j2, j3 = feats[k], feats[k + 1], feats[k + 2], feats[k + 3]
        a0, a1, a2, a3, b0, b1, b2, b3 = _dense_dot2x4(
            j0, j1, j2, j3, X, sw, has_sw, u, v
        )
        out_u[j0], out_u[j1], out_u[j2], out_u[j3] = a0, a1, a2, a3
        out_v[j0], out_v[j1], out_v[j2], out_v[j3] = b0, b1, b2, b3
    return m


@njit(**JIT_OPTIONS)
def col_products(Z, v, feats, out):
    """``out[j] = sum_i sw_i X[i, j] v_i`` for ``j in feats`` (uncentred).

    Long dense columns are read four at a time (see ``LONG_COLUMN_ROWS``).
    """
    X, data, indices, indptr, is_sparse, sw, has_sw, _, _, _ = Z
    first = 0
    if not is_sparse and X.shape[0] >= LONG_COLUMN_ROWS:
        first = _dense_products4(X, sw, has_sw, v, feats, out)
    for k in range(first, feats.shape[0]):
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
def col_products2(Z, u, v, feats, out_u, out_v):
    """:func:`col_products` for two vectors, reading each column once."""
    X, data, indices, indptr, is_sparse, sw, has_sw, _, _, _ = Z
    first = 0
    if not is_sparse and X.shape[0] >= LONG_COLUMN_ROWS:
        first = _dense_products2x4(X, sw, has_sw, u, v, feats, out_u, out_v)
    for k in range(first, feats.shape[0]):
        j = feats[k]
        if is_sparse:
            out_u[j], out_v[j] = _sparse_dot2(
                j, data, indices, indptr, sw, has_sw, u, v
            )
        else:
            out_u[j], out_v[j] = _dense_dot2(j, X, sw, has_sw, u, v)


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
    message (string formatting) took about 2 s to compile on a first fit
    with an empty cache.
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
