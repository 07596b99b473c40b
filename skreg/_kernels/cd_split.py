"""CD epochs on long dense columns with the rows split between two threads.

A CD step on a column of tens of thousands of rows streams the column from
memory and updates a residual that lives in the core's cache.  The steps
are sequential, but each is a sum over rows: two threads that each own
half of the rows (their halves of the residual stay in their own caches)
compute half of every inner product, exchange the two partial sums, make
the same update from the same total and apply it to their own rows.  Both
cores then stream the columns, each half of each one.  Four epochs over
250 columns of the tall benchmark's 20000 x 500 design: 6.2-6.9 ms on one
thread, 4.0 ms split (5.3 ms without prefetching the next column's rows).

Both threads run :func:`cd_split` on the same features with the same
scalars, each on its rows; the main thread (``me = 0``) writes the
coefficients back at the end.  They agree on every update because each
forms the total of the two partial sums in the same order, and keeps its
own copy of the working set's coefficients and of the residual offset.

The exchange is one word per thread per step and a partial sum (the
``progress`` words and ``fparams`` floats of :mod:`skreg._kernels._sync`).
The helper first claims its rows (``CLAIM``).  When it does not answer an
exchange for about a millisecond (another process took its core), the main
thread *takes over*: it claims the helper's rows itself if the helper never
did (nothing was applied to them yet), else it raises ``ABANDON`` and waits
once for the helper to leave (its rows then hold every update up to the
step the main thread waits on); then it goes on alone over all the rows.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._columns import _prefetch_l2, centring
from skreg._kernels._sync import (
    ABANDON,
    BASE,
    CLAIM,
    COUNTER,
    DONE,
    TASK_NO,
    compare_exchange,
    load_acquire,
    spin_pause,
    store_release,
)
from skreg._kernels.prox import enet_coordinate_min

__all__ = ["cd_split", "split_row"]

# the main thread takes over after this many spins on one exchange (each
# spin is a ``pause``: about 1-3 ms in all, hundreds of steps' time)
_PATIENCE = 1 << 15


@njit(inline="always", **JIT_OPTIONS)
def split_row(n):
    """The first row of the helper's half: a multiple of 8 rows (one cache
    line of float64), so that no line of the residual is written by both."""
    return (n // 2) & ~7


@njit(inline="always", **JIT_OPTIONS)
def _rows_axpy_dot(X, sw, has_sw, rd, lo, hi, k, a, j, nxt):
    # rd[lo:hi] += a * X[lo:hi, k] (k >= 0), then sum_i s_i X[i, j] rd_i
    # over the rows, after hinting the same rows of column nxt (the sweep's
    # next) into L2.  On slices, whose loops start at 0, Numba drops its
    # negative-index checks and the loops vectorise (5x faster than the
    # same loops over range(lo, hi)).
    base = nxt * X.shape[0] + lo
    for i0 in range(0, hi - lo, 8):
        _prefetch_l2(X, base + i0)
    xj = X[lo:hi, j]
    r = rd[lo:hi]
    s = 0.0
    if k >= 0:
        xk = X[lo:hi, k]
        if has_sw:
            w = sw[lo:hi]
            for i in range(xj.shape[0]):
                ri = r[i] + a * xk[i]
                r[i] = ri
                s += w[i] * xj[i] * ri
        else:
            for i in range(xj.shape[0]):
                ri = r[i] + a * xk[i]
                r[i] = ri
                s += xj[i] * ri
    elif has_sw:
        w = sw[lo:hi]
        for i in range(xj.shape[0]):
            s += w[i] * xj[i] * r[i]
    else:
        for i in range(xj.shape[0]):
            s += xj[i] * r[i]
    return s


@njit(inline="always", **JIT_OPTIONS)
def _rows_axpy(X, rd, lo, hi, k, a):
    xk = X[lo:hi, k]
    r = rd[lo:hi]
    for i in range(xk.shape[0]):
        r[i] += a * xk[i]


@njit(inline="always", **JIT_OPTIONS)
def _wait_done(progress):
    # until the helper is done with (or passed over) the task under way
    while load_acquire(progress, DONE) != progress[TASK_NO]:
        spin_pause()


@njit(**JIT_OPTIONS)
def _wait_other(X, sw, has_sw, rd, progress, me, step, j, part, slot):
    """Wait for the other thread's partial sum of ``step``.  Returns 0 when
    it came, 1 when this (helper) thread is to leave, 2 when the main
    thread takes over with the other partial sum in ``part[slot + 8]``."""
    other = 1 - me
    spins = 0
    while load_acquire(progress, COUNTER + 8 * other) < step:
        if me == 1:
            # Leave only at the step after the one the main thread waits
            # on: it raised ABANDON after publishing that step, so a helper
            # that sees ABANDON while its step's sum is out (it was held up
            # between two reads of the counter) goes on through that step,
            # whose partial sum and update the main thread then needs.
            # Leaving there lost one update of the helper's rows (1 in about
            # 140 take-overs of the split tests next to a busy core).
            if load_acquire(progress, ABANDON) != 0:
                if load_acquire(progress, COUNTER + 8 * other) >= step:
                    return 0
                return 1
        elif spins == _PATIENCE:
            if compare_exchange(progress, CLAIM, 0, 2):
                # The helper never started, so this is the first exchange
                # and nothing was applied to its rows: read them here.
                n = rd.shape[0]
                part[slot + 8] = _rows_axpy_dot(
                    X, sw, has_sw, rd, split_row(n), n, -1, 0.0, j, j
                )
                return 2
            # It started: once it has left, its rows hold every update
            # before this step and its partial sum of this one (it leaves
            # at the next step's exchange, or at its end).
            store_release(progress, ABANDON, 1)
            _wait_done(progress)
            return 2
        spins += 1
        spin_pause()
    return 0


@njit(**JIT_OPTIONS)
def cd_split(
    Z,
    norm2,
    rd,
    w,
    ws,
    l1,
    l2,
    positive,
    max_epochs,
    full_every,
    c,
    S,
    me,
    progress,
    part,
):
    """``max_epochs`` cyclic CD epochs over ``ws``, on this thread's rows.

    Thread ``me = 0`` (the main thread) owns the rows before
    :func:`split_row`, thread 1 (the helper, which first sets ``CLAIM`` to
    1) the rest.  Epochs sweep as in :func:`~skreg._kernels.cd.cd_epochs`
    (every ``full_every``-th one the whole working set, the others its
    nonzero coefficients), without Anderson steps or gap checks.  ``c`` and
    ``S`` are the residual offset and the weighted residual sum (see
    :mod:`skreg._kernels._design`); ``Z`` is the design tuple of a dense
    design; ``progress`` and ``part`` are the words and floats of
    :mod:`skreg._kernels._sync`.

    Returns ``(n_epochs, c, alone)``: the residual offset after the epochs
    and whether the main thread took over (the helper then leaves early).
    The main thread returns once the helper is done with its rows, and
    writes the coefficients to ``w``.
    """
    X, _, _, _, _, sw, has_sw, xm, colsum, _ = Z
    n = rd.shape[0]
    h = split_row(n)
    lo, hi = (0, h) if me == 0 else (h, n)
    n_ws = ws.shape[0]
    wl = np.empty(n_ws)
    for t in range(n_ws):
        wl[t] = w[ws[t]]
    sweep = np.empty(n_ws, dtype=np.int64)
    step = progress[BASE]
    pend = -1
    pend_d = 0.0
    alone = False
    left = False
    n_sweep = n_ws
    n_epochs = 0
    for epoch in range(max_epochs):
        full = epoch % full_every == 0
        if full:
            n_sweep = n_ws
            for t in range(n_ws):
                sweep[t] = t
        for f in range(n_sweep):
            k = sweep[f]
            j = ws[k]
            lip = norm2[j]
            if lip == 0.0:
                continue
            nxt = ws[sweep[f + 1]] if f + 1 < n_sweep else j
            g = _rows_axpy_dot(X, sw, has_sw, rd, lo, hi, pend, -pend_d, j, nxt)
            pend = -1
            if not alone:
                step += 1
                slot = 16 * (step & 1)
                part[slot + 8 * me] = g
                store_release(progress, COUNTER + 8 * me, step)
                outcome = _wait_other(
                    X, sw, has_sw, rd, progress, me, step, j, part, slot
                )
                if outcome == 1:
                    left = True
                    break
                # the same sum, in the same order, on both threads
                g = part[slot] + part[slot + 8]
                alone = outcome == 2
            g += centring(j, xm, colsum, c, S)
            wj = wl[k]
            new = enet_coordinate_min(g + wj * lip, lip, l1, l2, positive)
            if new != wj:
                d = new - wj
                pend = j
                pend_d = d
                c += d * xm[j]
                wl[k] = new
            if alone and hi == h:
                # taken over: the helper's rows hold this step's update
                # (its own thread's, or none yet with this step read here:
                # then they get it from the next step on); this thread's
                # get it now, and every row is this thread's from here
                if pend >= 0:
                    _rows_axpy(X, rd, lo, hi, pend, -pend_d)
                    if progress[CLAIM] == 2:
                        _rows_axpy(X, rd, h, n, pend, -pend_d)
                    pend = -1
                hi = n
        if left:
            break
        n_epochs += 1
        if full and full_every > 1:
            n_sweep = 0
            for t in range(n_ws):
                if wl[t] != 0.0:
                    sweep[n_sweep] = t
                    n_sweep += 1
    if pend >= 0:
        _rows_axpy(X, rd, lo, hi, pend, -pend_d)
    if me == 0:
        if not compare_exchange(progress, CLAIM, 0, 2) and progress[CLAIM] == 1:
            # the helper runs its rows: wait until it is done with them
            _wait_done(progress)
        for t in range(n_ws):
            w[ws[t]] = wl[t]
    return n_epochs, c, alone or left
