"""Coordinate-descent epochs for ElasticNet on a working set.

One kernel serves dense and CSC designs, float32 and float64 (see
:mod:`skreg._kernels._design` for the layout and the implicit centring).
Gap checks and Anderson extrapolation run between its calls, in NumPy
(:mod:`skreg.solvers._inner`): compiled into it they cost most of a first
fit's compile time, and a few array operations every few epochs cost
little.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
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
from skreg._kernels.prox import coordinate_min


class EpochRun(NamedTuple):
    """What one :func:`cd_epochs` call runs (see its docstring)."""

    n_epochs: int
    epoch0: int
    full_every: int
    n_sweep: int
    random: bool
    record: bool
    row: int


class History(NamedTuple):
    """Rows of recent iterates: ``w`` the working set's coefficients, ``r``
    the residuals (``(K1, 1)`` dummies when nothing is recorded)."""

    w: np.ndarray
    r: np.ndarray


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


@njit(**JIT_OPTIONS)
def cd_epochs(Z, norm2, pen, ws, rd, w, c, S, run, sweep, rng_state, hist):
    """Run ``run.n_epochs`` CD epochs over the features ``ws``, in place.

    ``rd`` and ``w`` are updated; ``c`` is the residual offset (``r = rd +
    c``) and ``S`` the weighted sum of ``r``, which CD steps leave
    unchanged (see :mod:`skreg._kernels._design`).  Epoch ``e`` of the call is
    epoch ``run.epoch0 + e`` of the inner solve: only every
    ``run.full_every``-th one (counted from the solve's first) sweeps the
    whole working set, the others the features the last full sweep left
    nonzero (glmnet's active-set cycling; a feature a full sweep leaves at
    zero is usually still at zero in the next one).  ``sweep`` holds the
    positions in ``ws`` an epoch sweeps, its first ``run.n_sweep`` valid on
    entry.  With ``run.record``, epoch ``e`` writes ``w[ws]`` and ``rd + c``
    to row ``(run.row + e) % K1`` of ``hist.w`` and ``hist.r`` (``K1`` rows
    each): the iterates the caller extrapolates (see
    :mod:`skreg.solvers._inner`).

    Returns ``(c, n_sweep)``: the new offset and the valid length of
    ``sweep``.
    """
    n = rd.shape[0]
    n_ws = ws.shape[0]
    K1 = hist.w.shape[0]
    n_sweep = run.n_sweep
    # Long columns stream from memory: the sweep prefetches its next column
    # (see _sweep), which a random order does not know.
    stream = n >= LONG_COLUMN_ROWS and not run.random
    for e in range(run.n_epochs):
        full = (run.epoch0 + e) % run.full_every == 0
        if full:
            n_sweep = n_ws
            for t in range(n_ws):
                sweep[t] = t
        c = _sweep(
            Z, norm2, pen, ws, sweep, n_sweep, rd, w, c, S, run.random,
            rng_state, stream,
        )  # fmt: skip
        if full and run.full_every > 1:
            n_sweep = 0
            for t in range(n_ws):
                if w[ws[t]] != 0.0:
                    sweep[n_sweep] = t
                    n_sweep += 1
        if run.record:
            row = (run.row + e) % K1
            for t in range(n_ws):
                hist.w[row, t] = w[ws[t]]
            for i in range(n):
                hist.r[row, i] = rd[i] + c
    return c, n_sweep
