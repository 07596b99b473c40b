"""Coordinate-descent epochs for ElasticNet on a working set, with Anderson.

One kernel serves dense and CSC designs, float32 and float64 (see
:mod:`skreg._kernels._design` for the layout and the implicit centring).
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._cholesky import cholesky_in_place, cholesky_solve
from skreg._kernels._columns import (
    LONG_COLUMN_ROWS,
    centring,
    dense_axpy,
    dense_axpy_dot,
    dense_axpy_dot_next,
    dense_dot,
    dense_dot_next,
    dense_dot_w,
    sparse_axpy,
    sparse_dot,
    sparse_dot_w,
)
from skreg._kernels._design import add_columns, copy_into
from skreg._kernels.gap import enet_primal_dual2, residual_stats
from skreg._kernels.prox import coordinate_min

# The kernel state array cd_epochs shares with its caller: the residual
# offset, the weighted residual sum, "r_dual holds a better dual point" and
# "an Anderson step was accepted" (floats: one array, one signature).
OFFSET, RSUM, HAS_DUAL, ACCEPTED = 0, 1, 2, 3


@njit(**JIT_OPTIONS)
def _rand_below(rng_state, n):
    # xorshift64*: a tiny deterministic generator, one state per call site,
    # so concurrent fits in threads never share random state.
    x = rng_state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng_state[0] = x
    return int((x * np.uint64(2685821657736338717)) >> np.uint64(33)) % n


@njit(**JIT_OPTIONS)
def _penalty_ws(w, ws, pen):
    # the penalty of the working set's coefficients, w[k] for feature ws[k]
    out = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        out += pen.l1[j] * abs(w[k]) + 0.5 * pen.l2[j] * w[k] * w[k]
    return out


@njit(**JIT_OPTIONS)
def _solve_ones_spd(C, z):
    """Solve ``C z = 1`` for a small symmetric positive definite ``C``.

    Cholesky factorisation in place (the lower triangle of ``C`` is
    overwritten; only it is read; see :mod:`skreg._kernels._cholesky`).
    Returns False when a pivot is not positive (``C`` numerically
    singular).
    """
    K = C.shape[0]
    if not cholesky_in_place(C, K):
        return False
    for i in range(K):
        z[i] = 1.0
    cholesky_solve(C, K, z)
    return True


@njit(**JIT_OPTIONS)
def anderson_weights(hist, first, weights, has_weights, coefs):
    """Anderson weights of the K+1 iterates stored circularly in ``hist``.

    Row ``(first + k) % (K+1)`` is the k-th oldest iterate.  The weights
    ``coefs`` (summing to one) minimise ``||sum_k c_k (x_{k+1} - x_k)||`` in
    the norm weighted by ``weights`` when ``has_weights`` (residuals live in
    the sample-weighted space, so that integer weights and repeated rows give
    the same extrapolation); the extrapolated point is
    ``sum_k c_k x_{k+1}`` (Anderson, 1965; Scieur et al., 2016).  Returns
    False when the differences are degenerate.
    """
    K = hist.shape[0] - 1
    m = hist.shape[1]
    U = np.empty((K, m))
    umax = 0.0
    for k in range(K):
        a = (first + k + 1) % (K + 1)
        b = (first + k) % (K + 1)
        for t in range(m):
            u = hist[a, t] - hist[b, t]
            if has_weights:
                u *= np.sqrt(weights[t])
            U[k, t] = u
            umax = max(umax, abs(u))
    if umax == 0.0 or not np.isfinite(umax):
        return False
    # normalised so that U U^T neither underflows nor overflows
    inv = 1.0 / umax
    for k in range(K):
        for t in range(m):
            U[k, t] *= inv
    # the lower triangle of U U^T (all _solve_ones_spd reads)
    C = np.empty((K, K))
    for a in range(K):
        for b in range(a + 1):
            s = 0.0
            for t in range(m):
                s += U[a, t] * U[b, t]
            C[a, b] = s
    scale = 0.0
    for k in range(K):
        scale = max(scale, C[k, k])
    if scale == 0.0 or not np.isfinite(scale):
        return False
    for k in range(K):
        C[k, k] += 1e-10 * scale
    z = np.empty(K)
    if not _solve_ones_spd(C, z):
        return False
    zsum = 0.0
    for k in range(K):
        zsum += z[k]
    if zsum == 0.0 or not np.isfinite(zsum):
        return False
    for k in range(K):
        coefs[k] = z[k] / zsum
    return True


@njit(**JIT_OPTIONS)
def _combine(hist, first, coefs, out):
    # out = sum_k coefs_k x_{k+1}; False when it is not finite
    K = hist.shape[0] - 1
    m = hist.shape[1]
    out[:] = 0.0
    for k in range(K):
        ck = coefs[k]
        a = (first + k + 1) % (K + 1)
        for t in range(m):
            out[t] += ck * hist[a, t]
    for t in range(m):
        if not np.isfinite(out[t]):
            return False
    return True


@njit(**JIT_OPTIONS)
def anderson_combine(hist, first, weights, has_weights, out):
    """Anderson extrapolation of the K+1 iterates stored circularly in ``hist``.

    ``out`` receives the extrapolated point (see :func:`anderson_weights`);
    returns False when the differences are degenerate.
    """
    coefs = np.empty(hist.shape[0] - 1)
    if not anderson_weights(hist, first, weights, has_weights, coefs):
        return False
    return _combine(hist, first, coefs, out)


@njit(**JIT_OPTIONS)
def _anderson_step(Z, y, rd, c, w, ws, pen, hist, rdhist, chist, w_acc, rd_tmp):
    """Try the Anderson extrapolation of the iterates stored in ``hist``.

    ``rdhist`` and ``chist`` hold the residuals ``rd + c`` of those iterates:
    the residual is affine in ``w`` and the weights sum to one, so the
    extrapolated point's residual is the same combination of them, which
    costs ``K n`` instead of a pass over the working set's columns (unless
    the bounds clip the point).  The point is accepted only if it lowers
    the primal objective (as in Bertrand and Massias, 2021), so CD keeps its
    monotonicity.  Returns ``(c, accepted)`` with the new residual offset.
    """
    sw, has_sw = Z.sw, Z.has_sw
    n_ws = ws.shape[0]
    K = hist.shape[0] - 1
    coefs = np.empty(K)
    # Typed (not literal) arguments: a literal 0 or False makes Numba compile
    # a second copy of each callee for it, paid again on a first fit.
    first = np.int64(0)
    if not anderson_weights(hist, first, sw, np.bool_(False), coefs):
        return c, False
    if not _combine(hist, first, coefs, w_acc):
        return c, False
    clipped = False
    for t in range(n_ws):
        j = ws[t]
        v = min(max(w_acc[t], pen.lower[j]), pen.upper[j])
        clipped = clipped or v != w_acc[t]
        w_acc[t] = v
    if clipped:
        copy_into(rd_tmp, rd)
        steps = np.empty(n_ws)
        for t in range(n_ws):
            steps[t] = w[ws[t]] - w_acc[t]
        c_acc = c - add_columns(Z, steps, ws, rd_tmp)
    else:
        if not _combine(rdhist, first, coefs, rd_tmp):
            return c, False
        c_acc = 0.0
        for k in range(K):
            c_acc += coefs[k] * chist[k + 1]
    r2, _ = residual_stats(rd_tmp, c_acc, y, sw, has_sw)
    p_acc = 0.5 * r2 + _penalty_ws(w_acc, ws, pen)
    r2, _ = residual_stats(rd, c, y, sw, has_sw)
    w_cur = np.empty(n_ws)
    for t in range(n_ws):
        w_cur[t] = w[ws[t]]
    p_cur = 0.5 * r2 + _penalty_ws(w_cur, ws, pen)
    if p_acc < p_cur:
        copy_into(rd, rd_tmp)
        for t in range(n_ws):
            w[ws[t]] = w_acc[t]
        return c_acc, True
    return c, False


@njit(inline="always", **JIT_OPTIONS)
def _sweep(Z, norm2, pen, ws, sweep, n_sweep, rd, w, c, S, random, rng_state, stream):
    """One CD epoch over the positions ``sweep[:n_sweep]`` of ``ws`` (in a
    random order when ``random``); ``rd`` and ``w`` are updated in place.
    Returns the new residual offset ``c``.

    On dense designs a step's axpy is deferred into the next step's dot
    sweep (see dense_axpy_dot): ``pend`` is the column still to apply, so
    each step reads and writes the residual once.  With ``stream`` (long
    columns, cyclic order) the next column is also prefetched under each
    step.  Inlined into :func:`cd_epochs` (the same machine code as one
    function).
    """
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, _ = Z
    fuse = rd.shape[0] < LONG_COLUMN_ROWS or stream
    pend = -1
    pend_d = 0.0
    for f in range(n_sweep):
        k = sweep[_rand_below(rng_state, n_sweep) if random else f]
        j = ws[k]
        lip = norm2[j]
        if lip == 0.0:
            continue
        wj = w[j]
        # The layout branches are written out here, on arrays unpacked
        # once, rather than through a per-column helper (see
        # col_products), whose call costs more than a short column's work.
        if is_sparse:
            if has_sw:
                g = sparse_dot_w(j, data, indices, indptr, sw, rd)
            else:
                g = sparse_dot(j, data, indices, indptr, rd)
        elif stream:
            nxt = ws[sweep[f + 1]] if f + 1 < n_sweep else j
            if pend >= 0:
                g = dense_axpy_dot_next(pend, -pend_d, j, nxt, X, sw, has_sw, rd)
                pend = -1
            else:
                g = dense_dot_next(j, nxt, X, sw, has_sw, rd)
        elif pend >= 0:
            g = dense_axpy_dot(pend, -pend_d, j, X, sw, has_sw, rd)
            pend = -1
        elif has_sw:
            g = dense_dot_w(j, X, sw, rd)
        else:
            g = dense_dot(j, X, rd)
        g += centring(j, xm, colsum, c, S)
        new = coordinate_min(
            g + wj * lip, lip, pen.l1[j], pen.l2[j], pen.lower[j], pen.upper[j]
        )
        if new != wj:
            d = new - wj
            if is_sparse:
                sparse_axpy(j, -d, data, indices, indptr, rd)
            elif fuse:
                pend = j
                pend_d = d
            else:
                dense_axpy(j, -d, X, rd)
            c += d * xm[j]
            w[j] = new
    if pend >= 0:
        dense_axpy(pend, -pend_d, X, rd)
    return c


@njit(inline="always", **JIT_OPTIONS)
def _ws_gap(
    Z, y, rd, c, S, w, pen, ws, XtA, XtA_acc, r_acc, with_acc, r_dual, state, best
):
    """The working set's duality gap against the best dual value ``best``
    seen, at the residual ``rd + c`` and (``with_acc``) at the extrapolated
    residual ``r_acc``, which is kept in ``r_dual`` (and ``state[HAS_DUAL]`` set)
    when it is the best dual point.  Returns ``(gap, best)``."""
    primal, dual, _, dual_acc, _ = enet_primal_dual2(
        Z, y, rd, c, r_acc, with_acc, S, w, pen, ws, XtA, XtA_acc
    )
    best = max(best, dual)
    if dual_acc > best:
        best = dual_acc
        copy_into(r_dual, r_acc)
        state[HAS_DUAL] = 1.0
    return primal - best, best


@njit(**JIT_OPTIONS)
def cd_epochs(
    Z,
    norm2,
    y,
    rd,
    state,
    w,
    pen,
    ws,
    max_epochs,
    tol_in,
    check_every,
    anderson_k,
    random,
    rng_state,
    XtA,
    r_dual,
    full_every,
    sweep,
):
    """Run CD epochs over the features ``ws`` until their gap is ``<= tol_in``.

    ``state`` (four floats, indexed by ``OFFSET``, ``RSUM``, ``HAS_DUAL``,
    ``ACCEPTED``) carries the residual offset ``c`` (updated in place), the
    invariant weighted residual sum ``S``, a flag set to 1 when ``r_dual``
    holds an extrapolated residual whose dual value beat the plain
    residual's, and one set to 1 when an Anderson step was accepted.
    The restricted duality gap is checked after ``check_every`` epochs, then
    every ``2 * check_every`` epochs and after the last one; with
    ``check_every <= 0`` never (the caller checks it from its own pass over
    the design: exactly ``max_epochs`` epochs run).
    With ``anderson_k > 0``, Anderson extrapolation is tried on the primal
    iterates every ``anderson_k + 1`` epochs, and on the residuals at each
    gap check (dual extrapolation, Massias et al., 2018): CD residuals
    converge to the dual optimum far more slowly than the primal objective,
    so the extrapolated residual gives a much tighter duality gap.

    Only every ``full_every``-th epoch (starting with the first) sweeps the
    whole working set; the epochs between sweep the features it left
    nonzero.  A feature that such a full sweep leaves at zero is usually
    still at zero in the next one, and skipping it changes no iterate.
    ``sweep`` (``n_ws`` integers) receives the positions in ``ws`` each
    epoch sweeps.

    ``Z`` is the design tuple (see :mod:`skreg._kernels._design`).

    Returns ``(n_epochs, gap_ws)``.
    """
    X, data, indices, indptr, is_sparse, sw, has_sw, xm, colsum, _ = Z
    n = rd.shape[0]
    n_ws = ws.shape[0]
    c = state[OFFSET]
    S = state[RSUM]
    # Primal extrapolation needs K + 1 epochs in one call, dual
    # extrapolation K + 1 epochs before a gap check: without them the
    # histories are never read, and storing them anyway costs a visible part
    # of the short calls on tall data (whose gap checks are the outer passes).
    use_aa = anderson_k > 0 and n_ws > 1 and max_epochs > anderson_k
    any_l1 = False
    for t in range(n_ws):
        any_l1 = any_l1 or pen.l1[ws[t]] > 0.0
    use_dx = any_l1 and anderson_k > 0 and check_every > 0 and max_epochs > anderson_k
    K = anderson_k if anderson_k > 0 else 1
    hist = np.empty((K + 1, n_ws))
    w_acc = np.empty(n_ws)
    rd_tmp = np.empty_like(rd) if use_aa else rd
    rdhist = np.empty((K + 1, n)) if use_aa else np.empty((1, 1))
    chist = np.empty(K + 1)
    rhist = np.empty((K + 1, n)) if use_dx else np.empty((1, 1))
    r_acc = np.empty(n) if use_dx else rd
    XtA_acc = np.empty_like(XtA) if use_dx else XtA
    n_hist = 0
    n_rhist = 0
    best_dual = -np.inf
    gap_ws = np.inf
    n_epochs = 0
    # The first check comes early (well-conditioned sub-problems are solved
    # in a few epochs); later ones every 2 * check_every epochs, since each
    # costs about one epoch (two with dual extrapolation).
    next_check = check_every
    # Long columns stream from memory: the sweep prefetches its next column
    # (see _sweep), which a random order does not know.
    stream = n >= LONG_COLUMN_ROWS and not random
    n_sweep = n_ws
    for epoch in range(max_epochs):
        full = epoch % full_every == 0
        if full:
            n_sweep = n_ws
            for t in range(n_ws):
                sweep[t] = t
        c = _sweep(
            Z, norm2, pen, ws, sweep, n_sweep, rd, w, c, S, random, rng_state, stream
        )
        n_epochs += 1
        if full and full_every > 1:
            n_sweep = 0
            for t in range(n_ws):
                if w[ws[t]] != 0.0:
                    sweep[n_sweep] = t
                    n_sweep += 1
        if use_aa:
            for t in range(n_ws):
                hist[n_hist, t] = w[ws[t]]
            copy_into(rdhist[n_hist], rd)
            chist[n_hist] = c
            n_hist += 1
            if n_hist == K + 1:
                c, accepted = _anderson_step(
                    Z,
                    y,
                    rd,
                    c,
                    w,
                    ws,
                    pen,
                    hist,
                    rdhist,
                    chist,
                    w_acc,
                    rd_tmp,
                )
                n_hist = 0
                if accepted:
                    # the residual sequence jumped: restart its history
                    n_rhist = 0
                    state[ACCEPTED] = 1.0
        if use_dx:
            row = n_rhist % (K + 1)
            for i in range(n):
                rhist[row, i] = rd[i] + c
            n_rhist += 1
        if check_every > 0 and (n_epochs == next_check or epoch == max_epochs - 1):
            next_check += 2 * check_every
            # the extrapolated residual's correlations come from the same
            # read of the working set's columns as the residual's
            with_acc = (
                use_dx
                and n_rhist >= K + 1
                and anderson_combine(rhist, n_rhist % (K + 1), sw, has_sw, r_acc)
            )
            gap_ws, best_dual = _ws_gap(
                Z, y, rd, c, S, w, pen, ws, XtA, XtA_acc, r_acc, with_acc,
                r_dual, state, best_dual,
            )  # fmt: skip
            if gap_ws <= tol_in:
                break
    state[OFFSET] = c
    return n_epochs, gap_ws
