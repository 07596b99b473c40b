r"""Block coordinate descent for the multi-task (L2,1) ElasticNet.

The problem, in coordinate-descent scaling, is

.. math::

    \min_W \frac12 \sum_i s_i \|y_i - z_i^T W\|_2^2
    + \sum_j \Big(l1_j \|W_j\|_2 + \frac{l2_j}{2} \|W_j\|_2^2\Big)

with ``W`` of shape ``(n_features, n_tasks)`` (one C-contiguous row per
feature, so a block update touches one contiguous row), ``z_j = x_j - m_j``
the implicitly centred columns and ``s`` the sample weights.  scikit-learn's
MultiTaskElasticNet is the case ``l1_j = n alpha l1_ratio`` and
``l2_j = n alpha (1 - l1_ratio)``; per-feature arrays leave room for
penalty factors without new kernels.

The design arrives as the unpacked design tuple of
:mod:`skreg._kernels._design` (dense Fortran ``X`` or CSC arrays, weights,
offsets ``m``, weighted column sums).  The residual ``r = Y - Z W`` is
stored as ``rd + c 1^T``: ``rd`` (C-ordered ``(n_tasks, n_samples)``, one
task's residual per row, so each product is a vectorised dot over the
samples) changes only on the stored entries of an updated column, the
offset ``c = W^T m`` absorbs the centring, and ``S`` (the weighted sums
of ``r``) is kept up to date so the gradient of a row costs one read of its
column:
``Z_j^T S r = X_j^T S rd + c colsum_j - m_j S``.

The duality gap is scikit-learn's (``gap_enet_multi_task`` of its
``_cd_fast.pyx``): formulation A, the Lasso dual of the problem augmented
with ``sqrt(l2_j) e_j`` rows, when some ``l1_j > 0``; formulation B (ridge)
when every ``l1_j`` is 0 and some ``l2_j > 0``; the squared gradient norm
for least squares.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS

__all__ = [
    "bcd_solve",
    "gap_from_products",
    "mt_residual",
    "row_products",
    "screen_scores",
]


@njit(**JIT_OPTIONS)
def _dense_dots(j, X, sw, has_sw, rd, g):
    # g[t] = sum_i s_i X[i, j] rd[t, i], four tasks per read of the column
    # (one load of X feeds four vectorised accumulators)
    T, n = rd.shape
    t = 0
    while t + 4 <= T:
        a0 = a1 = a2 = a3 = 0.0
        for i in range(n):
            x = X[i, j] * sw[i] if has_sw else X[i, j]
            a0 += x * rd[t, i]
            a1 += x * rd[t + 1, i]
            a2 += x * rd[t + 2, i]
            a3 += x * rd[t + 3, i]
        g[t], g[t + 1], g[t + 2], g[t + 3] = a0, a1, a2, a3
        t += 4
    while t < T:
        a0 = 0.0
        for i in range(n):
            x = X[i, j] * sw[i] if has_sw else X[i, j]
            a0 += x * rd[t, i]
        g[t] = a0
        t += 1


@njit(**JIT_OPTIONS)
def _dense_axpys(j, d, X, rd):
    # rd[t] -= d[t] X[:, j] for every task, four tasks per read of the column
    T, n = rd.shape
    t = 0
    while t + 4 <= T:
        d0, d1, d2, d3 = d[t], d[t + 1], d[t + 2], d[t + 3]
        for i in range(n):
            x = X[i, j]
            rd[t, i] -= d0 * x
            rd[t + 1, i] -= d1 * x
            rd[t + 2, i] -= d2 * x
            rd[t + 3, i] -= d3 * x
        t += 4
    while t < T:
        a = d[t]
        if a != 0.0:
            for i in range(n):
                rd[t, i] -= a * X[i, j]
        t += 1


@njit(**JIT_OPTIONS)
def _row_grad(
    j, X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, rd, c, S, g
):
    # g = Z_j^T S r for the residual r = rd + c 1^T (rd holds one task per
    # row: each product is a vectorised dot over the samples)
    T = rd.shape[0]
    if is_sparse:
        for t in range(T):
            s = 0.0
            if has_sw:
                for k in range(indptr[j], indptr[j + 1]):
                    i = indices[k]
                    s += data[k] * sw[i] * rd[t, i]
            else:
                for k in range(indptr[j], indptr[j + 1]):
                    s += data[k] * rd[t, indices[k]]
            g[t] = s
    else:
        _dense_dots(j, X, sw, has_sw, rd, g)
    for t in range(T):
        g[t] += c[t] * colsum[j] - xm[j] * S[t]


@njit(**JIT_OPTIONS)
def _row_add(j, d, X, data, indices, indptr, is_sparse, xm, colsum, sw_sum, rd, c, S):
    # r -= z_j d^T: the stored entries of column j in rd, the centring in c;
    # S moves by the column's weighted sum (zero when m_j is the exact mean)
    T = rd.shape[0]
    m = xm[j]
    drift = colsum[j] - m * sw_sum
    if is_sparse:
        for t in range(T):
            a = d[t]
            if a != 0.0:
                for k in range(indptr[j], indptr[j + 1]):
                    rd[t, indices[k]] -= a * data[k]
    else:
        _dense_axpys(j, d, X, rd)
    for t in range(T):
        c[t] += m * d[t]
        S[t] -= drift * d[t]


@njit(**JIT_OPTIONS)
def mt_residual(
    X, data, indices, indptr, is_sparse, xm, colsum, sw, has_sw, sw_sum, Y, W, rd, c, S
):
    """Set ``rd = Y - W^T X^T``, ``c = W^T m`` and ``S_t = sum_i s_i r_ti``
    in place (``Y`` and ``rd`` of shape ``(n_tasks, n_samples)``).

    Only the rows of ``W`` that are nonzero are read (their columns' stored
    entries, not the whole design).
    """
    T, n = rd.shape
    for t in range(T):
        for i in range(n):
            rd[t, i] = Y[t, i]
    for t in range(T):
        c[t] = 0.0
    d = np.empty(T)
    zero_S = np.zeros(T)
    for j in range(W.shape[0]):
        nz = False
        for t in range(T):
            d[t] = W[j, t]
            if d[t] != 0.0:
                nz = True
        if nz:
            _row_add(
                j,
                d,
                X,
                data,
                indices,
                indptr,
                is_sparse,
                xm,
                colsum,
                sw_sum,
                rd,
                c,
                zero_S,
            )
    for t in range(T):
        s = 0.0
        if has_sw:
            for i in range(n):
                s += sw[i] * rd[t, i]
        else:
            for i in range(n):
                s += rd[t, i]
        S[t] = s + c[t] * sw_sum


@njit(**JIT_OPTIONS)
def row_products(
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, rd, c, S, feats, G
):
    """``G[j] = Z_j^T S r`` for ``j in feats`` (rows of ``G`` elsewhere untouched)."""
    g = np.empty(rd.shape[0])
    for k in range(feats.shape[0]):
        j = feats[k]
        _row_grad(
            j, X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, rd, c, S, g
        )
        for t in range(rd.shape[0]):
            G[j, t] = g[t]


@njit(**JIT_OPTIONS)
def _residual_stats(rd, c, Y, sw, has_sw):
    # sum_i s_i |r_i|^2 and sum_i s_i r_i^T y_i for r = rd + c 1^T
    T, n = rd.shape
    r2 = 0.0
    ry = 0.0
    for t in range(T):
        ct = c[t]
        for i in range(n):
            r = rd[t, i] + ct
            if has_sw:
                r2 += sw[i] * r * r
                ry += sw[i] * r * Y[t, i]
            else:
                r2 += r * r
                ry += r * Y[t, i]
    return r2, ry


@njit(**JIT_OPTIONS)
def gap_from_products(G, W, feats, l1, l2, r_norm2, ry):
    """Primal value, dual value and relative dual norm from ``G = Z^T S r``.

    Sums run over the rows ``feats`` (``W`` is zero elsewhere); the dual
    norm is ``max_j |G_j - l2_j W_j|_2 / l1_j``, the factor by which the
    rescaled residual leaves the dual feasible set (scikit-learn's
    ``dual_norm_XtA / alpha``).  Formulation A when some ``l1_j > 0``
    (features with ``l1_j = 0`` are left out of the dual norm), else
    formulation B or the least-squares gradient norm, as scikit-learn's
    ``gap_enet_multi_task``.
    """
    T = W.shape[1]
    w_l21 = 0.0
    w_l2 = 0.0
    any_l1 = False
    any_l2 = False
    for k in range(feats.shape[0]):
        j = feats[k]
        if l1[j] > 0:
            any_l1 = True
        if l2[j] > 0:
            any_l2 = True
        nw2 = 0.0
        for t in range(T):
            nw2 += W[j, t] * W[j, t]
        w_l21 += l1[j] * np.sqrt(nw2)
        w_l2 += l2[j] * nw2
    if not any_l1:
        # ridge (formulation B) or least squares: the gradient X^T r
        gg = 0.0
        for k in range(feats.shape[0]):
            j = feats[k]
            s = 0.0
            for t in range(T):
                s += G[j, t] * G[j, t]
            gg += s / (2.0 * l2[j]) if any_l2 else s
        if not any_l2:
            return gg, 0.0, 0.0
        primal = 0.5 * (r_norm2 + w_l2)
        # gap = r2 + w_l2 / 2 - ry + |G|^2 / (2 l2), split as primal - dual
        return primal, primal - (r_norm2 + 0.5 * w_l2 - ry + gg), 0.0
    dual_norm = 0.0
    for k in range(feats.shape[0]):
        j = feats[k]
        if l1[j] <= 0:
            continue
        s = 0.0
        for t in range(T):
            a = G[j, t] - l2[j] * W[j, t]
            s += a * a
        v = np.sqrt(s) / l1[j]
        if v > dual_norm:
            dual_norm = v
    primal = 0.5 * (r_norm2 + w_l2) + w_l21
    scale = 1.0 / dual_norm if dual_norm > 1.0 else 1.0
    dual = -0.5 * scale * scale * (r_norm2 + w_l2) + scale * ry
    return primal, dual, dual_norm


@njit(**JIT_OPTIONS)
def screen_scores(G, W, feats, l1, l2, norm2, scale, out, rel):
    """``out[k] = (l1_j - scale |G_j - l2_j W_j|) / sqrt(norm2_j + l2_j)``
    and ``rel[k] = |G_j - l2_j W_j| / l1_j`` for ``j = feats[k]``.

    ``out`` is the distance of the rescaled dual point to the boundary of
    feature ``j``'s constraint, in units of the augmented column's norm:
    gap-safe screening drops ``j`` when it exceeds ``sqrt(2 gap)``, and the
    working set takes the smallest first.  A zero row with ``rel > 1``
    violates its optimality condition.
    """
    T = W.shape[1]
    for k in range(feats.shape[0]):
        j = feats[k]
        s = 0.0
        for t in range(T):
            a = G[j, t] - l2[j] * W[j, t]
            s += a * a
        a = np.sqrt(s)
        out[k] = (l1[j] - scale * a) / np.sqrt(norm2[j] + l2[j])
        rel[k] = a / l1[j] if l1[j] > 0 else np.inf


@njit(**JIT_OPTIONS)
def _rand(rng_state, n):
    # xorshift64*: a uniform integer in [0, n)
    x = rng_state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng_state[0] = x
    return int((x * np.uint64(2685821657736338717)) >> np.uint64(33)) % n


@njit(**JIT_OPTIONS)
def _solve_small(C, b):
    # Gaussian elimination with partial pivoting on a small K x K system;
    # False when (numerically) singular
    K = C.shape[0]
    A = C.copy()
    x = b.copy()
    for col in range(K):
        piv = col
        for r in range(col + 1, K):
            if abs(A[r, col]) > abs(A[piv, col]):
                piv = r
        if abs(A[piv, col]) <= 1e-14 * (abs(A[0, 0]) + 1e-300):
            return False, x
        if piv != col:
            for k in range(K):
                A[col, k], A[piv, k] = A[piv, k], A[col, k]
            x[col], x[piv] = x[piv], x[col]
        for r in range(col + 1, K):
            f = A[r, col] / A[col, col]
            for k in range(col, K):
                A[r, k] -= f * A[col, k]
            x[r] -= f * x[col]
    for col in range(K - 1, -1, -1):
        s = x[col]
        for k in range(col + 1, K):
            s -= A[col, k] * x[k]
        x[col] = s / A[col, col]
    return True, x


@njit(**JIT_OPTIONS)
def _penalty(W, ws, l1, l2):
    pen = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        s = 0.0
        for t in range(W.shape[1]):
            s += W[j, t] * W[j, t]
        pen += l1[j] * np.sqrt(s) + 0.5 * l2[j] * s
    return pen


@njit(**JIT_OPTIONS)
def _anderson(Z, Y, W, rd, c, S, ws, l1, l2, buf, pos, rd_acc, c_acc, S_acc):
    # Extrapolate the last K + 1 iterates of W[ws] stored in buf (row pos is
    # the newest); keep the extrapolation when it lowers the objective.
    # Returns True when accepted.
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, sw_sum = Z
    K = buf.shape[0] - 1
    T = W.shape[1]
    m = buf.shape[1]
    U = np.empty((K, m))
    for k in range(K):
        a = buf[(pos + 2 + k) % (K + 1)]
        b = buf[(pos + 1 + k) % (K + 1)]
        for q in range(m):
            U[k, q] = a[q] - b[q]
    C = np.empty((K, K))
    for a in range(K):
        for b in range(a + 1):
            s = 0.0
            for q in range(m):
                s += U[a, q] * U[b, q]
            C[a, b] = s
            C[b, a] = s
    ok, z = _solve_small(C, np.ones(K))
    if not ok:
        return False
    zs = z.sum()
    if zs == 0.0 or not np.isfinite(zs):
        return False
    z /= zs
    W_acc = np.zeros(m)
    for k in range(K):
        row = buf[(pos + 2 + k) % (K + 1)]
        for q in range(m):
            W_acc[q] += z[k] * row[q]
    # residual of the extrapolated point: r - Z_ws (W_acc - W)
    for t in range(T):
        for i in range(rd.shape[1]):
            rd_acc[t, i] = rd[t, i]
    for t in range(T):
        c_acc[t] = c[t]
        S_acc[t] = S[t]
    d = np.empty(T)
    for k in range(ws.shape[0]):
        j = ws[k]
        nz = False
        for t in range(T):
            d[t] = W_acc[k * T + t] - W[j, t]
            if d[t] != 0.0:
                nz = True
        if nz:
            _row_add(
                j,
                d,
                X,
                data,
                indices,
                indptr,
                is_sparse,
                xm,
                colsum,
                sw_sum,
                rd_acc,
                c_acc,
                S_acc,
            )
    r2, _ = _residual_stats(rd, c, Y, sw, has_sw)
    r2_acc, _ = _residual_stats(rd_acc, c_acc, Y, sw, has_sw)
    p_cur = 0.5 * r2 + _penalty(W, ws, l1, l2)
    W_old = np.empty((ws.shape[0], T))
    for k in range(ws.shape[0]):
        j = ws[k]
        for t in range(T):
            W_old[k, t] = W[j, t]
            W[j, t] = W_acc[k * T + t]
    p_acc = 0.5 * r2_acc + _penalty(W, ws, l1, l2)
    if p_acc < p_cur:
        for t in range(T):
            for i in range(rd.shape[1]):
                rd[t, i] = rd_acc[t, i]
        for t in range(T):
            c[t] = c_acc[t]
            S[t] = S_acc[t]
        return True
    for k in range(ws.shape[0]):
        j = ws[k]
        for t in range(T):
            W[j, t] = W_old[k, t]
    return False


@njit(**JIT_OPTIONS)
def _sweep(Z, norm2, W, rd, c, S, ws, l1, l2, random, rng_state, g, d):
    # one epoch of block CD over ws (cyclic, or |ws| uniform draws)
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, sw_sum = Z
    T = W.shape[1]
    n_ws = ws.shape[0]
    for kk in range(n_ws):
        k = _rand(rng_state, n_ws) if random else kk
        j = ws[k]
        nj = norm2[j]
        if nj == 0.0:
            continue
        _row_grad(
            j, X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, rd, c, S, g
        )
        nrm = 0.0
        for t in range(T):
            g[t] += nj * W[j, t]
            nrm += g[t] * g[t]
        nrm = np.sqrt(nrm)
        shrink = 0.0
        if nrm > l1[j]:
            shrink = (1.0 - l1[j] / nrm) / (nj + l2[j])
        moved = False
        for t in range(T):
            new = g[t] * shrink
            d[t] = new - W[j, t]
            if d[t] != 0.0:
                moved = True
            W[j, t] = new
        if moved:
            _row_add(
                j, d, X, data, indices, indptr, is_sparse, xm, colsum, sw_sum, rd, c, S
            )


@njit(**JIT_OPTIONS)
def _nonzero_rows(W, ws):
    n_nz = 0
    keep = np.zeros(ws.shape[0], dtype=np.bool_)
    for k in range(ws.shape[0]):
        for t in range(W.shape[1]):
            if W[ws[k], t] != 0.0:
                keep[k] = True
                n_nz += 1
                break
    out = np.empty(n_nz, dtype=ws.dtype)
    q = 0
    for k in range(ws.shape[0]):
        if keep[k]:
            out[q] = ws[k]
            q += 1
    return out


@njit(**JIT_OPTIONS)
def bcd_solve(
    Z,
    norm2,
    Y,
    W,
    rd,
    c,
    S,
    ws,
    l1,
    l2,
    max_epochs,
    tol_ws,
    check_every,
    anderson,
    random,
    rng_state,
    G,
    full_every,
):
    """Block CD epochs on the rows ``ws`` of ``W`` until the gap of the
    problem restricted to ``ws`` is at most ``tol_ws``.

    ``Z`` is the design tuple ``(X, data, indices, indptr, is_sparse, sw,
    has_sw, xm, colsum, sw_sum)``; ``W``, ``rd``, ``c`` and ``S`` are updated
    in place (``W`` must be zero outside ``ws``).  The gap is checked every
    ``check_every`` epochs and after the last; with ``anderson = K > 0``
    every ``K + 1``-th epoch tries an Anderson extrapolation of the last
    ``K + 1`` iterates.  ``G`` (``(n_features, n_tasks)``) receives the
    products of the last check.  Only every ``full_every``-th epoch sweeps
    all of ``ws``; the others sweep its nonzero rows (glmnet's active-set
    cycling).

    Returns
    -------
    n_epochs : int
    gap : float
        The restricted gap at the last check (inf when none was made).
    """
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, sw_sum = Z
    T = W.shape[1]
    n_ws = ws.shape[0]
    g = np.empty(T)
    d = np.empty(T)
    K = anderson
    buf = np.empty((K + 1, n_ws * T))
    rd_acc = np.empty((T, rd.shape[1]) if K > 0 else (T, 1))
    c_acc = np.empty(T)
    S_acc = np.empty(T)
    gap = np.inf
    n_done = 0
    active = ws
    for ep in range(max_epochs):
        if ep % full_every == 0:
            _sweep(Z, norm2, W, rd, c, S, ws, l1, l2, random, rng_state, g, d)
            active = _nonzero_rows(W, ws)
        else:
            _sweep(Z, norm2, W, rd, c, S, active, l1, l2, random, rng_state, g, d)
        n_done = ep + 1
        if K > 0:
            pos = ep % (K + 1)
            for k in range(n_ws):
                for t in range(T):
                    buf[pos, k * T + t] = W[ws[k], t]
            if pos == K:
                _anderson(Z, Y, W, rd, c, S, ws, l1, l2, buf, pos, rd_acc, c_acc, S_acc)
        if n_done % check_every == 0 or n_done == max_epochs:
            row_products(
                X,
                data,
                indices,
                indptr,
                is_sparse,
                sw,
                has_sw,
                xm,
                colsum,
                rd,
                c,
                S,
                ws,
                G,
            )
            r2, ry = _residual_stats(rd, c, Y, sw, has_sw)
            primal, dual, _ = gap_from_products(G, W, ws, l1, l2, r2, ry)
            gap = primal - dual
            if gap <= tol_ws:
                break
    return n_done, gap
