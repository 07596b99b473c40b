"""A second thread for a fit on long dense columns: reads ahead, computes.

A CD step on a long dense column streams the column from memory, and one
core streams at about 19 GB/s where two reach about 33 GB/s (what BLAS
gets on a full pass).  The steps themselves are sequential, but which
columns a sweep reads next is known: a helper thread reads them a few
columns ahead of the sweep, so that the sweep finds them in the shared
cache.  Measured on 500 columns of 20000 rows: 8.9 -> 5.6 us per CD step;
12 epochs of the tall benchmark's first working set: 20.8 -> 15.1 ms.

The sweep never waits for the helper: it publishes its position in
``progress`` (one store per column) and goes on.  The helper follows that
position and reads columns ``gap`` to ``lead`` positions ahead of it.

Between CD calls the same thread computes half of a full pass's
correlations (:func:`~skreg._kernels.gap.raw_products` on a range of
``feats``), for which the caller waits, and CD epochs without Anderson
steps or gap checks run on half of the rows in it, in step with the
caller's thread (:mod:`skreg._kernels.cd_split`).

``progress`` holds int64 words, each on its own cache line (their offsets
are in :mod:`skreg._kernels._sync`); a one-element array means no helper.
The task words are set by the caller while the helper is between tasks.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._sync import (
    ABANDON,
    BASE,
    CLAIM,
    COUNTER,
    DONE,
    EPOCHS,
    EXITED,
    FULL_EVERY,
    HI,
    KIND,
    L1,
    L2,
    LO,
    NSWEEP,
    NWS,
    OFFSET,
    POS,
    POSITIVE,
    RSUM,
    SIZE,
    STOP,
    SWEEP_NO,
    TASK,
    TASK_NO,
    WITH_ACC,
    compare_exchange,
    load_acquire,
    spin_pause,
    store_release,
)
from skreg._kernels.cd_split import cd_split
from skreg._kernels.gap import raw_products

__all__ = [
    "IDLE",
    "PRODUCTS",
    "READ_AHEAD",
    "SPLIT_CD",
    "fetch_distances",
    "give_products",
    "give_split_cd",
    "helper_gone",
    "helper_loop",
    "products_done",
    "new_progress",
    "publish_position",
    "start_sweep",
]

IDLE, READ_AHEAD, PRODUCTS, SPLIT_CD = 0, 1, 2, 3
# the helper returns after falling behind the sweep this many times
_MAX_BEHIND = 4
# the helper reads the columns from about _GAP_BYTES to _LEAD_BYTES of
# data ahead of the sweep's position
_LEAD_BYTES = 2 * 2**20
_GAP_BYTES = 2**19


def new_progress():
    """Zeroed words for a sweep and its helper."""
    return np.zeros(SIZE, dtype=np.int64)


def fetch_distances(n_rows, itemsize):
    """``(gap, lead)`` in columns of ``n_rows`` entries: the helper reads
    about 0.5 to 2 MB ahead of the sweep (12 columns of 20000 float64
    rows: 5.5 us per step; 8 to 24 columns measured the same)."""
    col = max(n_rows * itemsize, 1)
    lead = max(4, _LEAD_BYTES // col)
    gap = max(1, min(_GAP_BYTES // col, lead // 2))
    return int(gap), int(lead)


@njit(inline="always", **JIT_OPTIONS)
def start_sweep(progress, n_sweep):
    """Announce a new sweep of ``n_sweep`` positions."""
    progress[POS] = 0
    progress[NSWEEP] = n_sweep
    store_release(progress, SWEEP_NO, progress[SWEEP_NO] + 1)


@njit(**JIT_OPTIONS)
def give_products(progress, lo, hi, with_acc):
    """Set the PRODUCTS task on ``feats[lo:hi]``; returns its number.

    A numbered task is given only once the helper is done with the last
    one (``DONE``), so that it never reads a task's words half rewritten.
    """
    progress[LO] = lo
    progress[HI] = hi
    progress[WITH_ACC] = 1 if with_acc else 0
    return _give(progress, PRODUCTS)


@njit(inline="always", **JIT_OPTIONS)
def _give(progress, kind):
    progress[KIND] = kind
    task_no = progress[TASK_NO] + 1
    store_release(progress, TASK_NO, task_no)
    return task_no


@njit(**JIT_OPTIONS)
def give_split_cd(progress, fparams, n_ws, l1, l2, positive, epochs, full_every, c, S):
    """Set the SPLIT_CD task (:func:`~skreg._kernels.cd_split.cd_split` on
    the helper's rows of ``ws[:n_ws]``); returns its number.  The main
    thread then runs its own rows with the same arguments."""
    progress[NWS] = n_ws
    progress[EPOCHS] = epochs
    progress[FULL_EVERY] = full_every
    progress[POSITIVE] = 1 if positive else 0
    progress[CLAIM] = 0
    progress[ABANDON] = 0
    # step numbers above both counters' (which differ after a take-over)
    progress[BASE] = max(progress[COUNTER], progress[COUNTER + 8]) + 2
    fparams[L1] = l1
    fparams[L2] = l2
    fparams[OFFSET] = c
    fparams[RSUM] = S
    return _give(progress, SPLIT_CD)


@njit(**JIT_OPTIONS)
def helper_gone(progress, task_no):
    """Whether the helper is done with numbered task ``task_no`` (finished
    or passed over it) or has returned."""
    done = load_acquire(progress, DONE) == task_no
    return done or load_acquire(progress, EXITED) != 0


@njit(**JIT_OPTIONS)
def products_done(progress, task_no):
    """Whether the helper finished PRODUCTS task ``task_no`` (its results
    are then visible to the caller)."""
    return load_acquire(progress, DONE) == task_no


@njit(inline="always", **JIT_OPTIONS)
def publish_position(progress, f):
    """The sweep is at position ``f``."""
    store_release(progress, POS, f)


@njit(**JIT_OPTIONS)
def _read_column(X, j):
    s = 0.0
    for i in range(X.shape[0]):
        s += X[i, j]
    return s


@njit(**JIT_OPTIONS)
def helper_loop(
    Z, norm2, w, rd, r_acc, XtA, XtA_acc, feats, ws, sweep, progress, fparams, gap, lead
):
    """The helper thread: serve the tasks set in ``progress`` until
    ``progress[STOP]``.

    READ_AHEAD: read columns ``ws[sweep[f + gap : f + lead]]`` while the
    sweep is at ``f``.  After falling behind the sweep by more than ``lead``
    ``_MAX_BEHIND`` times (this thread was kept from running: its core is
    busy) it returns, and the caller goes on alone.

    Numbered tasks (``TASK_NO`` above ``DONE``), then ``DONE = TASK_NO``:
    PRODUCTS, ``raw_products(Z, rd, r_acc, WITH_ACC, feats[LO:HI], XtA,
    XtA_acc)``; SPLIT_CD, :func:`~skreg._kernels.cd_split.cd_split` on the
    helper's rows (unless the main thread claimed them first).  Sets
    ``EXITED`` when it returns.

    Returns the number of columns read ahead.
    """
    X, _, _, _, _, _, _, _, _, _ = Z
    n_ws = ws.shape[0]
    total = 0.0
    n_read = 0
    behind = 0
    number = 0
    nxt = 0
    done = 0
    while load_acquire(progress, STOP) == 0:
        task_no = load_acquire(progress, TASK_NO)
        if task_no != done:
            kind = progress[KIND]
            if kind == PRODUCTS:
                lo, hi = progress[LO], progress[HI]
                with_acc = progress[WITH_ACC] != 0
                raw_products(Z, rd, r_acc, with_acc, feats[lo:hi], XtA, XtA_acc)
            elif kind == SPLIT_CD and compare_exchange(progress, CLAIM, 0, 1):
                # (the main thread may have taken the task over before)
                cd_split(
                    Z,
                    norm2,
                    rd,
                    w,
                    ws[: progress[NWS]],
                    fparams[L1],
                    fparams[L2],
                    progress[POSITIVE] != 0,
                    progress[EPOCHS],
                    progress[FULL_EVERY],
                    fparams[OFFSET],
                    fparams[RSUM],
                    1,
                    progress,
                    fparams,
                )
            done = task_no
            store_release(progress, DONE, done)
            continue
        task = load_acquire(progress, TASK)
        if task == READ_AHEAD:
            current = load_acquire(progress, SWEEP_NO)
            f = load_acquire(progress, POS)
            n_sweep = min(progress[NSWEEP], sweep.shape[0])
            if current != number:
                number = current
                nxt = f + gap
            elif nxt <= f:
                # the sweep overtook what was read for it: far (by more than
                # the lead) only when this thread was kept from running
                if f - nxt >= lead:
                    behind += 1
                    if behind >= _MAX_BEHIND:
                        break
                nxt = f + gap
            if nxt < min(f + lead, n_sweep):
                # positions are read while the sweep may refill its list:
                # an out-of-range one is skipped, a stale one costs a read
                k = sweep[nxt]
                if 0 <= k < n_ws:
                    total += _read_column(X, ws[k])
                    n_read += 1
                nxt += 1
                continue
        spin_pause()
    store_release(progress, EXITED, 1)
    # the sum keeps the reads from being optimised away
    return n_read if total == total else n_read + 1
