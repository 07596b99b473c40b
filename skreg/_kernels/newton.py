"""The support Newton step of a small support, in one compiled call.

:func:`skreg.solvers._newton.support_newton` solves the ElasticNet exactly on
a sign pattern (a Cholesky solve of ``Z_A^T S Z_A + l2 I``) and walks to the
first sign change when the solution flips signs (feature-sign search).  On
large supports its NumPy/LAPACK route (a factor reused by bordering) is the
right one; on a support of a few features its fifty-odd NumPy calls cost far
more than the arithmetic (about 0.15 ms of a 0.57 ms Lasso fit on the
diabetes data, 442 x 10).  :func:`support_newton_small` does the same walk
on an explicitly centred copy of the support's columns, refactoring the
small Gram matrix for every solve.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._cholesky import cholesky_in_place, cholesky_solve

# The rules of the feature-sign walk, shared with the NumPy route
# (skreg.solvers._newton):
#
# The walk's first sign change is short-cut by dropping every flipped
# feature at once only when at most SHORTCUT_FLIPS flipped, or
# 1 / SHORTCUT_SHARE of the support.  Measured on CD iterates: the shortcut
# succeeded with 1 to 6 flips (and 13 of 461), and failed with 7, 11, 12
# and 22 of 70-100 (random correlated designs of 80-300 rows) and 74 of 480
# (the wide benchmark at alpha_max / 100, where it dropped 87 features and
# cost four solves for nothing: Newton time per fit 15.0 -> 13.7 ms without
# it)
SHORTCUT_FLIPS = 6
SHORTCUT_SHARE = 32
# A walk makes at most max(WALK_SOLVES, k // WALK_SHARE) solves on a
# support of k features, then keeps the way it went (downhill) so far
WALK_SOLVES = 8
WALK_SHARE = 4


@njit(**JIT_OPTIONS)
def _weighted_centred_columns(Z, y, cols, D, ys):
    # D[a] = sqrt(s) (x_j - m_j) for j = cols[a], ys = sqrt(s) y: the
    # support's problem as an unweighted least-squares one
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, _, _ = Z
    n = D.shape[1]
    for a in range(cols.shape[0]):
        j = cols[a]
        m = xm[j]
        if is_sparse:
            for i in range(n):
                D[a, i] = -m
            for e in range(indptr[j], indptr[j + 1]):
                D[a, indices[e]] += data[e]
        else:
            for i in range(n):
                D[a, i] = X[i, j] - m
    for i in range(n):
        ys[i] = y[i]
    if has_sw:
        root = np.empty(n)
        for i in range(n):
            root[i] = np.sqrt(sw[i])
            ys[i] *= root[i]
        for a in range(cols.shape[0]):
            for i in range(n):
                D[a, i] *= root[i]


@njit(**JIT_OPTIONS)
def _gram(D, ys, l2, G, b):
    # lower triangle of D D^T + l2 I (the Cholesky factor reads no more)
    # and D ys
    k, n = D.shape
    for a in range(k):
        for c in range(a + 1):
            s = 0.0
            for i in range(n):
                s += D[a, i] * D[c, i]
            G[a, c] = s
        G[a, a] += l2
        s = 0.0
        for i in range(n):
            s += D[a, i] * ys[i]
        b[a] = s


@njit(**JIT_OPTIONS)
def _sparse_gram(Z, y, cols, l2, G, b):
    # _gram's G and b for the CSC columns cols, from sparse products (the
    # centring terms expanded, as the NumPy route's); returns sum_i s_i y_i^2.
    # Densified rows would cost n k^2 for the products where the columns'
    # stored entries cost about k nnz: 10000 rows, 82 columns of 10 entries:
    # 1.7 ms per step through the NumPy route.
    _, data, indices, indptr, _, sw, has_sw, xm, colsum, sw_sum = Z
    n = y.shape[0]
    y_sum = 0.0
    yy = 0.0
    for i in range(n):
        s = sw[i] if has_sw else 1.0
        y_sum += s * y[i]
        yy += s * y[i] * y[i]
    # S x_a, scattered (and cleared after each column)
    v = np.zeros(n)
    for a in range(cols.shape[0]):
        j = cols[a]
        t = 0.0
        for e in range(indptr[j], indptr[j + 1]):
            i = indices[e]
            x = data[e] * sw[i] if has_sw else data[e]
            v[i] = x
            t += x * y[i]
        b[a] = t - xm[j] * y_sum
        for c in range(a + 1):
            jc = cols[c]
            t = 0.0
            for e in range(indptr[jc], indptr[jc + 1]):
                t += data[e] * v[indices[e]]
            G[a, c] = (
                t - xm[j] * colsum[jc] - xm[jc] * colsum[j] + sw_sum * xm[j] * xm[jc]
            )
        G[a, a] += l2
        for e in range(indptr[j], indptr[j + 1]):
            v[indices[e]] = 0.0
    return yy


@njit(**JIT_OPTIONS)
def _objective(D, ys, yy, G, b, x, l1, l2, r):
    # 1/2 |ys - D x|^2 + l1 |x|_1 + l2/2 |x|^2; without rows (D with none),
    # from the quadratic form 1/2 yy - b^T x + 1/2 x^T G x (G holding l2 on
    # its diagonal, its lower triangle filled)
    if D.shape[0] == 0:
        k = x.shape[0]
        q = 0.0
        pen = 0.0
        for a in range(k):
            xa = x[a]
            if xa == 0.0:
                continue
            pen += l1 * abs(xa) - b[a] * xa
            t = 0.5 * G[a, a] * xa
            for c in range(a):
                t += G[a, c] * x[c]
            q += t * xa
        return 0.5 * yy + pen + q
    k, n = D.shape
    for i in range(n):
        r[i] = ys[i]
    pen = 0.0
    for a in range(k):
        xa = x[a]
        if xa == 0.0:
            continue
        pen += l1 * abs(xa) + 0.5 * l2 * xa * xa
        for i in range(n):
            r[i] -= D[a, i] * xa
    s = 0.0
    for i in range(n):
        s += r[i] * r[i]
    return 0.5 * s + pen


@njit(**JIT_OPTIONS)
def _solve(G, b, signs, l1, act, m, L, sol):
    # sol[:m] solves (G + l2 I)[act, act] x = b[act] - l1 signs[act] (G's
    # lower triangle holds l2 already); False when the matrix is not
    # numerically positive definite or the solution is not finite
    for a in range(m):
        for c in range(a + 1):
            L[a, c] = G[act[a], act[c]] if act[a] >= act[c] else G[act[c], act[a]]
    if not cholesky_in_place(L, m):
        return False
    for a in range(m):
        sol[a] = b[act[a]] - l1 * signs[act[a]]
    cholesky_solve(L, m, sol)
    for a in range(m):
        if not np.isfinite(sol[a]):
            return False
    return True


@njit(**JIT_OPTIONS)
def _flips(sol, signs, idx, m, flips):
    # flips[a]: sol[a]'s sign differs from the pattern's at idx[a] (a zero
    # counts as a change: the pattern has no zero signs); their count
    n_flips = 0
    for a in range(m):
        flips[a] = not sol[a] * signs[idx[a]] > 0.0
        n_flips += flips[a]
    return n_flips


@njit(**JIT_OPTIONS)
def _compact(idx, m, drop):
    # idx[:m] less its entries with drop set; returns the new count
    mm = 0
    for a in range(m):
        if not drop[a]:
            idx[mm] = idx[a]
            mm += 1
    return mm


@njit(**JIT_OPTIONS)
def _scatter(idx, m, sol, x_new):
    # x_new = sol on the positions idx[:m], zero elsewhere
    for a in range(x_new.shape[0]):
        x_new[a] = 0.0
    for a in range(m):
        x_new[idx[a]] = sol[a]


@njit(**JIT_OPTIONS)
def _lowers(D, ys, yy, G, b, x, x_new, positive, l1, l2, primal, r):
    # whether the candidate x_new, clipped at zero when positive, has an
    # objective below primal: then x takes it
    if positive:
        for a in range(x_new.shape[0]):
            if x_new[a] < 0.0:
                x_new[a] = 0.0
    if _objective(D, ys, yy, G, b, x_new, l1, l2, r) < primal:
        for a in range(x.shape[0]):
            x[a] = x_new[a]
        return True
    return False


@njit(**JIT_OPTIONS)
def support_newton_small(Z, y, w, cols, signs, l1, l2, positive):
    """The support Newton step with feature-sign walk, in place on ``w``.

    The same step as :func:`skreg.solvers._newton._try_step` (see there),
    its solves refactoring the Gram matrix of the walk's current support
    instead of bordering a reference factor, and its objective evaluated on
    the support's columns: ``w`` must be zero outside ``cols``.

    Parameters
    ----------
    Z : tuple
        The design tuple (see :mod:`skreg._kernels._design`).
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    w : ndarray of shape (n_features,)
        Current iterate (float64), zero outside ``cols``.
    cols : ndarray of int64
        The support, then the zero features joining it.
    signs : ndarray of float64
        The sign each feature of ``cols`` takes.
    l1, l2 : float
        Penalty strengths in CD scaling.
    positive : bool
        Whether ``w >= 0`` is imposed.

    Returns
    -------
    outcome : int
        0 rejected (``w`` unchanged), 1 a partial (sign-limited) step, 2 the
        exact solution on the support less the features whose sign flipped,
        3 the full Newton step.
    """
    n = y.shape[0]
    k = cols.shape[0]
    G = np.zeros((k, k))
    b = np.empty(k)
    if Z[4]:
        # CSC columns: products of their stored entries, no rows
        yy = _sparse_gram(Z, y, cols, l2, G, b)
        D = np.empty((0, n))
        ys = y
    else:
        # one row per feature: the Gram matrix's dot products read rows
        D = np.empty((k, n))
        ys = np.empty(n)
        _weighted_centred_columns(Z, y, cols, D, ys)
        _gram(D, ys, l2, G, b)
        yy = 0.0
    x = np.empty(k)
    for a in range(k):
        x[a] = w[cols[a]]
    outcome = _walk(D, ys, yy, G, b, x, signs, l1, l2, positive)
    if outcome > 0:
        for a in range(k):
            w[cols[a]] = x[a]
    return outcome


@njit(**JIT_OPTIONS)
def _walk(D, ys, yy, G, b, x, signs, l1, l2, positive):
    # support_newton_small on the support's Gram matrix G (lower triangle,
    # l2 added) and right-hand side b, the objective evaluated on the
    # weighted, centred rows D (and ys), or from G, b and yy when D has no
    # rows: x, the support's coefficients, moves in place; returns the
    # outcome
    k = x.shape[0]
    r = np.empty(ys.shape[0])
    L = np.empty((k, k))
    x_new = np.empty(k)
    primal = _objective(D, ys, yy, G, b, x, l1, l2, r)
    # the walk's support act[:m], its solution and sign changes; the same
    # for the shortcut (keep[:mk]), which the walk goes on from if it fails
    act = np.arange(k)
    sol = np.empty(k)
    flips = np.empty(k, dtype=np.bool_)
    keep = np.empty(k, dtype=np.int64)
    sol_keep = np.empty(k)
    flips_keep = np.empty(k, dtype=np.bool_)
    m = k
    full = True
    shortcut = True
    for _ in range(max(WALK_SOLVES, k // WALK_SHARE)):
        if not _solve(G, b, signs, l1, act, m, L, sol):
            break
        n_flips = _flips(sol, signs, act, m, flips)
        if n_flips == 0:
            _scatter(act, m, sol, x_new)
            if _lowers(D, ys, yy, G, b, x, x_new, positive, l1, l2, primal, r):
                return 3 if full else 2
            return 0
        full = False
        entering = False
        for a in range(m):
            entering = entering or (flips[a] and x[act[a]] == 0.0)
        if entering:
            # added features that ask for the other sign leave before any
            # move (flips now marks them)
            for a in range(m):
                flips[a] = flips[a] and x[act[a]] == 0.0
            m = _compact(act, m, flips)
            continue
        if shortcut:
            shortcut = False
            if n_flips <= max(SHORTCUT_FLIPS, m // SHORTCUT_SHARE):
                # drop every flipped feature at once, then what flips next
                # (at most four solves; see skreg.solvers._newton)
                for a in range(m):
                    keep[a] = act[a]
                mk = _compact(keep, m, flips)
                for _ in range(4):
                    if not _solve(G, b, signs, l1, keep, mk, L, sol_keep):
                        break
                    if _flips(sol_keep, signs, keep, mk, flips_keep) == 0:
                        _scatter(keep, mk, sol_keep, x_new)
                        if _lowers(
                            D, ys, yy, G, b, x, x_new, positive, l1, l2, primal, r
                        ):
                            return 2
                        break
                    mk = _compact(keep, mk, flips_keep)
        # the first coordinate to reach zero on the way to sol leaves
        t = np.inf
        for a in range(m):
            if flips[a]:
                xa = x[act[a]]
                t = min(t, xa / (xa - sol[a]))
        for a in range(m):
            xa = x[act[a]]
            x[act[a]] = xa + t * (sol[a] - xa)
            # (flips now marks the features leaving)
            flips[a] = flips[a] and xa / (xa - sol[a]) <= t * (1 + 1e-12)
            if flips[a]:
                x[act[a]] = 0.0
        m = _compact(act, m, flips)
        if m == 0:
            break
    # out of solves: keep the walk so far, which only went downhill
    for a in range(k):
        x_new[a] = x[a]
    return 1 if _lowers(D, ys, yy, G, b, x, x_new, positive, l1, l2, primal, r) else 0
