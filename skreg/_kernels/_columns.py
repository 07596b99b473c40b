"""Single-column primitives of the design tuple's kernels.

Inner products and updates on one column ``j`` of a dense Fortran-ordered
``X`` or of a CSC matrix ``(data, indices, indptr)``, with or without sample
weights, and the scalar ``centring`` term that implicit centring adds (see
:mod:`skreg._kernels._design` for the layout).  The dense leaves are inlined
into their callers; the per-pass loops over many columns live in
:mod:`skreg._kernels._design`, the column statistics in
:mod:`skreg._kernels._stats`.
"""

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from skreg._config import JIT_OPTIONS

# A dense column of at least this many rows is *long*: every read of it
# streams from memory, where shorter ones stay in the caches between reads.
# Long columns are read several at a time here (col_stats, col_products),
# CD sweeps prefetch them (skreg._kernels.cd.cd_epochs), the solver leaves
# its working-set checks to the full pass over them (skreg.solvers.cd).
LONG_COLUMN_ROWS = 8192


# One single-loop function per layout: LLVM vectorises a lone reduction
# loop, but not loops that share an accumulator across branches; callers
# branch on the (run-time) layout flags once per column.  The dense leaves
# are inlined at Numba-IR level; the sparse ones are not, since inlining
# them made a short CSC step slower (docs/solvers.rst, Measurements).
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
def _prefetch_block(X, start):
    # the _PF_BLOCK entries of X's buffer from start, one hint per line
    for k in range(0, _PF_BLOCK, 8):
        _prefetch_l2(X, start + k)


@njit(inline="always", **JIT_OPTIONS)
def dense_dot_next(j, nxt, X, sw, has_sw, v):
    """``x_j^T S v`` on a long Fortran column while the same rows of column
    ``nxt`` (the next one a CD sweep reads) are prefetched into L2.

    A long column streams from memory at one core's bandwidth, which the
    product alone does not use up, and the step's axpy reads the column
    from cache with the memory bus idle: prefetching the next column under
    each product (with the axpy applied in the next step's sweep, see
    :func:`dense_axpy_dot_next`) fills that gap.  The sum runs in blocks of
    ``_PF_BLOCK`` entries.
    """
    n = X.shape[0]
    base = nxt * n
    m = n - n % _PF_BLOCK
    s = 0.0
    for i0 in range(0, m, _PF_BLOCK):
        _prefetch_block(X, base + i0)
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
        _prefetch_block(X, base + i0)
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
@njit(inline="always", **JIT_OPTIONS)
def dense_axpy(j, a, X, v):
    for i in range(X.shape[0]):
        v[i] += a * X[i, j]


# On short dense columns a CD step is latency-bound: the dot of column j
# waits for the axpy of the previous step.  Applying that pending axpy in the
# same sweep as the next dot reads the residual once instead of twice.
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


@njit(inline="always", **JIT_OPTIONS)
def centring(j, xm, colsum, c, S):
    """What turns ``x_j^T diag(sw) rd`` into ``z_j^T diag(sw) r`` for the
    residual ``r = rd + c`` with ``S = sum_i sw_i r_i`` (``xm`` and
    ``colsum`` are the design tuple's offsets and weighted column sums)."""
    return c * colsum[j] - xm[j] * S
