"""The inner solve of the multi-task working-set solver: block CD epochs on
a working set with Anderson extrapolation, stopped on the working set's gap.

See :mod:`skreg._kernels.multitask_rows` for the problem and the residual's
representation, :mod:`skreg._kernels.multitask_gap` for the gap.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels.cd import _combine, anderson_weights
from skreg._kernels.multitask_dual import absorb
from skreg._kernels.multitask_gap import (
    gap_from_products,
    penalty_value,
    residual_stats,
)
from skreg._kernels.multitask_rows import row_products, sweep

__all__ = ["bcd_solve"]


@njit(**JIT_OPTIONS)
def _store(hist, rhist, pos, W, ws, rd, c):
    # iterate W[ws] and its full residual rd + c as row pos of the histories
    T, n = rd.shape
    for k in range(ws.shape[0]):
        for t in range(T):
            hist[pos, k * T + t] = W[ws[k], t]
    for t in range(T):
        for i in range(n):
            rhist[pos, t * n + i] = rd[t, i] + c[t]


@njit(**JIT_OPTIONS)
def _anderson(Z, Y, W, rd, c, S, ws, l1, l2, hist, rhist, first, r_acc):
    # Anderson extrapolation of the iterates in hist (oldest at row first);
    # the residual is affine in W and the weights sum to one, so the
    # extrapolated point's residual r_acc is the same combination of the
    # stored residuals (K n T instead of a pass over the working set).  The
    # point is kept when it lowers the objective (CD stays monotone);
    # otherwise r_acc remains a candidate dual point (dual extrapolation,
    # Massias et al., 2018).  Returns True when the point was kept.
    T, n = rd.shape
    K = hist.shape[0] - 1
    coefs = np.empty(K)
    if not anderson_weights(hist, first, S, False, coefs):
        return False
    W_acc = np.empty(hist.shape[1])
    flat = np.empty(T * n)
    if not (
        _combine(hist, first, coefs, W_acc) and _combine(rhist, first, coefs, flat)
    ):
        return False
    r_acc[:] = flat.reshape((T, n))
    zero = np.zeros(T)
    r2, _ = residual_stats(rd, c, Y, Z.sw, Z.has_sw)
    r2_acc, _ = residual_stats(r_acc, zero, Y, Z.sw, Z.has_sw)
    p_cur = 0.5 * r2 + penalty_value(W, ws, l1, l2)
    W_old = np.empty((ws.shape[0], T))
    for k in range(ws.shape[0]):
        for t in range(T):
            W_old[k, t] = W[ws[k], t]
            W[ws[k], t] = W_acc[k * T + t]
    if 0.5 * r2_acc + penalty_value(W, ws, l1, l2) < p_cur:
        rd[:] = r_acc
        c[:] = 0.0
        for t in range(T):
            s = 0.0
            for i in range(n):
                s += rd[t, i] * Z.sw[i] if Z.has_sw else rd[t, i]
            S[t] = s
        return True
    for k in range(ws.shape[0]):
        W[ws[k], :] = W_old[k]
    return False


@njit(**JIT_OPTIONS)
def _ws_gap(Z, Y, W, rd, c, S, ws, l1, l2, G, has_acc, r_acc, G_acc, mem):
    # the restricted gap at the best of the residual's dual point, the
    # extrapolated residual's (has_acc) and, when mem is in use (a finite
    # or -inf value, not nan), the remembered point moved towards both
    row_products(Z, rd, c, S, ws, G)
    r2, ry = residual_stats(rd, c, Y, Z.sw, Z.has_sw)
    primal, dual, _ = gap_from_products(G, W, ws, l1, l2, r2, ry)
    use_mem = not np.isnan(mem[3][0])
    if use_mem:
        dual = max(dual, absorb(mem, rd, c, G, W, ws, l1, l2, Y, Z.sw, Z.has_sw))
    if has_acc:
        T = rd.shape[0]
        zero = np.zeros(T)
        S_acc = np.zeros(T)
        for t in range(T):
            for i in range(rd.shape[1]):
                S_acc[t] += r_acc[t, i] * Z.sw[i] if Z.has_sw else r_acc[t, i]
        row_products(Z, r_acc, zero, S_acc, ws, G_acc)
        r2, ry = residual_stats(r_acc, zero, Y, Z.sw, Z.has_sw)
        _, dual_acc, _ = gap_from_products(G_acc, W, ws, l1, l2, r2, ry)
        dual = max(dual, dual_acc)
        if use_mem:
            dual = max(
                dual, absorb(mem, r_acc, zero, G_acc, W, ws, l1, l2, Y, Z.sw, Z.has_sw)
            )
    return primal - dual


@njit(**JIT_OPTIONS)
def _nonzero_rows(W, ws):
    keep = np.zeros(ws.shape[0], dtype=np.bool_)
    for k in range(ws.shape[0]):
        for t in range(W.shape[1]):
            if W[ws[k], t] != 0.0:
                keep[k] = True
                break
    return ws[keep]


@njit(**JIT_OPTIONS)
def _is_check(n_done, first_check, check_every, max_epochs):
    # checks after first_check epochs, then every check_every, and at the end
    if n_done == max_epochs or n_done == first_check:
        return True
    return n_done > first_check and (n_done - first_check) % check_every == 0


@njit(**JIT_OPTIONS)
def bcd_solve(Z, norm2, Y, W, rd, c, S, ws, l1, l2, G, rng_state, opts, acc, mem):
    """Block CD epochs on the rows ``ws`` of ``W`` until the gap of the
    problem restricted to ``ws`` is at most ``tol_ws``.

    ``Z`` is the design tuple; ``W``, ``rd``, ``c`` and ``S`` are updated in
    place (``W`` must be zero outside ``ws``).  ``opts`` is the tuple
    ``(max_epochs, tol_ws, first_check, check_every, anderson, random,
    full_every)``: the gap is checked after ``first_check`` epochs, then
    every ``check_every`` and after the last.  With ``anderson = K > 0``,
    each check after ``K + 1`` epochs first extrapolates the last ``K + 1``
    iterates: the point is kept when it lowers the objective, and its
    residual is a second dual point of the check either way.  ``G``
    (``(n_features, n_tasks)``) receives the products of the last check,
    ``acc = (r_acc, G_acc)`` the extrapolated residual (of shape
    ``(n_tasks, n_samples)``, offset included) and its products.  Only
    every ``full_every``-th epoch sweeps all of ``ws``; the others sweep its
    nonzero rows (glmnet's active-set cycling).  ``mem`` is a remembered
    dual point for :func:`skreg._kernels.multitask_dual.absorb` (products
    current on ``ws``), improved at every check; a nan value disables it.

    Returns
    -------
    n_epochs : int
    gap : float
        The restricted gap at the last check (inf when none was made).
    has_acc : bool
        Whether ``acc`` holds a dual point of the last check.
    """
    max_epochs, tol_ws, first_check, check_every, K, random, full_every = opts
    r_acc, G_acc = acc
    T, n = rd.shape
    n_ws = ws.shape[0]
    g = np.empty(T)
    d = np.empty(T)
    hist = np.empty((K + 1, n_ws * T))
    rhist = np.empty((K + 1, T * n if K > 0 else 1))
    gap = np.inf
    n_done = 0
    active = ws
    has_acc = False
    for ep in range(max_epochs):
        if ep % full_every == 0:
            sweep(Z, norm2, W, rd, c, S, ws, l1, l2, random, rng_state, g, d)
            active = _nonzero_rows(W, ws)
        else:
            sweep(Z, norm2, W, rd, c, S, active, l1, l2, random, rng_state, g, d)
        n_done = ep + 1
        if K > 0:
            _store(hist, rhist, ep % (K + 1), W, ws, rd, c)
        if _is_check(n_done, first_check, check_every, max_epochs):
            has_acc = False
            if K > 0 and n_done > K:
                first = n_done % (K + 1)
                kept = _anderson(
                    Z, Y, W, rd, c, S, ws, l1, l2, hist, rhist, first, r_acc
                )
                has_acc = not kept and np.isfinite(r_acc[0, 0])
            gap = _ws_gap(Z, Y, W, rd, c, S, ws, l1, l2, G, has_acc, r_acc, G_acc, mem)
            if gap <= tol_ws:
                break
    return n_done, gap, has_acc
