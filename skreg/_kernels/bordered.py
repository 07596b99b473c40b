"""The bordered system of a support Newton step, in one compiled call.

:class:`skreg.solvers._support_solver.SupportSolver` answers the Newton
system on a support ``A`` close to a factored reference support by block
elimination: the features of the reference outside ``A`` (``D``) are held
at zero by multipliers, the features of ``A`` outside the reference
(``B``) are bordered on, and only a system of ``|B| + |D|`` unknowns is
left.  With the reference factor's solves against the bordering columns at
hand (``U``), that system is a few small products and one LU solve: about
20 us of arithmetic for the wide benchmark's walks, where the same steps
as NumPy calls cost 0.16 ms a solve (37 solves a fit at ``alpha_max /
100``).
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._cholesky import lu_solve_in_place

__all__ = ["bordered_solve", "support_solve"]


# (inlined at Numba IR level into support_solve: a compiled caller of a
# separately compiled callee caches other machine code than the process
# that compiled both runs, see skreg._kernels._stats.col_stats)
@njit(inline="always", **JIT_OPTIONS)
def bordered_solve(inv_mat, inv_at, v, C, H, rhs_extra, eb, D, l2, x0, z):
    """Solve the bordered Newton system (see the module docstring).

    Parameters
    ----------
    inv_mat : ndarray of shape (k0, q), Fortran-ordered
        ``G0^-1 q`` for the bordering columns met so far.
    inv_at : ndarray of int64
        The column of ``inv_mat`` for reference position ``j`` (entry
        ``j``) and for extra feature ``e`` (entry ``k0 + e``); -1 when not
        computed yet.
    v : ndarray of shape (k0,)
        ``G0^-1 (b0 - l1 s)``.
    C : ndarray of shape (k0, n_extra)
        The extra features' Gram columns against the reference.
    H : ndarray of shape (n_extra, n_extra)
        The extra features' Gram matrix.
    rhs_extra : ndarray of shape (n_b,)
        ``b_B - l1 s_B`` of the bordered features.
    eb : ndarray of int64
        The bordered features' extra indices.
    D : ndarray of int64
        The held reference positions.
    l2 : float
    x0 : ndarray of shape (k0,)
        Receives the reference features' solution (held ones near zero).
    z : ndarray of shape (n_b + n_d,)
        Receives the bordered features' values, then the multipliers.

    Returns
    -------
    status : int
        0 solved, 1 the system is singular or its solution not finite, 2 a
        needed column of ``inv_mat`` is missing (``inv_at`` of -1).
    """
    k0 = v.shape[0]
    nb = eb.shape[0]
    m = nb + D.shape[0]
    cols = np.empty(m, dtype=np.int64)
    for a in range(nb):
        cols[a] = inv_at[k0 + eb[a]]
    for d in range(D.shape[0]):
        cols[nb + d] = inv_at[D[d]]
    for a in range(m):
        if cols[a] < 0:
            return 2
    # K = -[C_B^T U; U[D]] + [H_BB + l2 I, 0; 0, 0], rhs = [r_B; 0] - ... v
    K = np.empty((m, m))
    for c in range(m):
        u = cols[c]
        for a in range(nb):
            e = eb[a]
            s = 0.0
            for i in range(k0):
                s += C[i, e] * inv_mat[i, u]
            K[a, c] = -s
        for d in range(D.shape[0]):
            K[nb + d, c] = -inv_mat[D[d], u]
    for a in range(nb):
        for c in range(nb):
            K[a, c] += H[eb[a], eb[c]]
        K[a, a] += l2
        e = eb[a]
        s = 0.0
        for i in range(k0):
            s += C[i, e] * v[i]
        z[a] = rhs_extra[a] - s
    for d in range(D.shape[0]):
        z[nb + d] = -v[D[d]]
    if not lu_solve_in_place(K, m, z):
        return 1
    for i in range(k0):
        x0[i] = v[i]
    for c in range(m):
        zc = z[c]
        if not np.isfinite(zc):
            return 1
        u = cols[c]
        for i in range(k0):
            x0[i] -= inv_mat[i, u] * zc
    return 0


@njit(**JIT_OPTIONS)
def support_solve(
    cols, signs, pos0, pos_extra, s_ref, inv_mat, inv_at, v, C, H, b_extra, l1, l2, x
):
    """The Newton system on the support ``cols`` with ``signs``, into ``x``.

    The state of a :class:`~skreg.solvers._support_solver.SupportSolver`
    (reference positions ``pos0``, extra indices ``pos_extra``, the signs
    ``s_ref`` its base solution ``v`` was computed for, the bordering
    columns) is read only: what the solve would need and the state lacks
    is reported, for the caller to add and call again.

    Returns
    -------
    status : int
        0 solved, 1 singular or not finite, 2 a bordering column missing
        from ``inv_mat``, 3 a feature of ``cols`` neither in the reference
        nor among the extras, 4 ``v`` computed for other signs of a
        feature of the reference in ``cols``.
    """
    k0 = v.shape[0]
    k = cols.shape[0]
    held = np.ones(k0, dtype=np.bool_)
    nb = 0
    for a in range(k):
        j = cols[a]
        p = pos0[j]
        if p >= 0:
            if s_ref[p] != signs[a]:
                return 4
            held[p] = False
        elif pos_extra[j] < 0:
            return 3
        else:
            nb += 1
    nd = 0
    for i in range(k0):
        nd += held[i]
    eb = np.empty(nb, dtype=np.int64)
    rhs_extra = np.empty(nb)
    b = 0
    for a in range(k):
        j = cols[a]
        if pos0[j] < 0:
            e = pos_extra[j]
            eb[b] = e
            rhs_extra[b] = b_extra[e] - l1 * signs[a]
            b += 1
    D = np.empty(nd, dtype=np.int64)
    d = 0
    for i in range(k0):
        if held[i]:
            D[d] = i
            d += 1
    x0 = np.empty(k0)
    z = np.empty(nb + nd)
    if nb + nd == 0:
        for i in range(k0):
            x0[i] = v[i]
    else:
        status = bordered_solve(inv_mat, inv_at, v, C, H, rhs_extra, eb, D, l2, x0, z)
        if status != 0:
            return status
    b = 0
    for a in range(k):
        p = pos0[cols[a]]
        if p >= 0:
            x[a] = x0[p]
        else:
            x[a] = z[b]
            b += 1
        if not np.isfinite(x[a]):
            return 1
    return 0
