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
``feats``), for which the caller waits.

``progress`` holds int64 words, each on its own cache line (``_*``
offsets below); a one-element array means no helper.  The task words are
set by the caller while the helper is between tasks.
"""

import platform

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from skreg._config import JIT_OPTIONS
from skreg._kernels.gap import raw_products

__all__ = [
    "IDLE",
    "PRODUCTS",
    "READ_AHEAD",
    "fetch_distances",
    "give_products",
    "helper_loop",
    "products_done",
    "new_progress",
    "publish_position",
    "start_sweep",
]

_POS = 0  # position in ``sweep`` of the step under way
_NSWEEP = 8  # positions the current sweep runs
_SWEEP_NO = 16  # sweeps started so far (1, 2, ...)
STOP = 24  # nonzero: the helper returns
TASK = 32  # IDLE, READ_AHEAD or PRODUCTS
TASK_NO = 40  # PRODUCTS tasks given so far
DONE = 48  # PRODUCTS tasks finished
LO, HI, WITH_ACC = 56, 64, 72  # the task: raw_products on feats[LO:HI]
_SIZE = 80
IDLE, READ_AHEAD, PRODUCTS = 0, 1, 2
# the helper returns after falling behind the sweep this many times
_MAX_BEHIND = 4
# the helper reads the columns from about _GAP_BYTES to _LEAD_BYTES of
# data ahead of the sweep's position
_LEAD_BYTES = 2 * 2**20
_GAP_BYTES = 2**19

_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")


def _element_pointer(context, builder, signature, args):
    ary = context.make_array(signature.args[0])(context, builder, args[0])
    return cgutils.get_item_pointer(
        context, builder, signature.args[0], ary, [args[1]], wraparound=False
    )


@intrinsic
def _load_acquire(typingctx, arr, idx):
    """``arr[idx]`` read atomically (acquire), never hoisted out of a loop."""
    sig = types.int64(arr, idx)

    def codegen(context, builder, signature, args):
        ptr = _element_pointer(context, builder, signature, args)
        return builder.load_atomic(ptr, ordering="acquire", align=8)

    return sig, codegen


@intrinsic
def _store_release(typingctx, arr, idx, val):
    """``arr[idx] = val`` atomically (release): a thread that reads ``val``
    with :func:`_load_acquire` also sees the stores made before it."""
    sig = types.void(arr, idx, val)

    def codegen(context, builder, signature, args):
        ptr = _element_pointer(context, builder, signature, args)
        builder.store_atomic(args[2], ptr, ordering="release", align=8)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _spin_pause(typingctx):
    """The x86 ``pause`` hint in a spin loop (nothing elsewhere)."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        if _X86:
            fnty = ir.FunctionType(ir.VoidType(), [])
            fn = builder.module.declare_intrinsic("llvm.x86.sse2.pause", fnty=fnty)
            builder.call(fn, [])
        return context.get_dummy_value()

    return sig, codegen


def new_progress():
    """Zeroed words for a sweep and its helper."""
    return np.zeros(_SIZE, dtype=np.int64)


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
    progress[_POS] = 0
    progress[_NSWEEP] = n_sweep
    _store_release(progress, _SWEEP_NO, progress[_SWEEP_NO] + 1)


@njit(**JIT_OPTIONS)
def give_products(progress, lo, hi, with_acc):
    """Set the PRODUCTS task on ``feats[lo:hi]``; returns its number."""
    progress[LO] = lo
    progress[HI] = hi
    progress[WITH_ACC] = 1 if with_acc else 0
    task_no = progress[TASK_NO] + 1
    progress[TASK] = PRODUCTS
    _store_release(progress, TASK_NO, task_no)
    return task_no


@njit(**JIT_OPTIONS)
def products_done(progress, task_no):
    """Whether the helper finished PRODUCTS task ``task_no`` (its results
    are then visible to the caller)."""
    return _load_acquire(progress, DONE) == task_no


@njit(inline="always", **JIT_OPTIONS)
def publish_position(progress, f):
    """The sweep is at position ``f``."""
    _store_release(progress, _POS, f)


@njit(**JIT_OPTIONS)
def _read_column(X, j):
    s = 0.0
    for i in range(X.shape[0]):
        s += X[i, j]
    return s


@njit(**JIT_OPTIONS)
def helper_loop(Z, rd, r_acc, XtA, XtA_acc, feats, ws, sweep, progress, gap, lead):
    """The helper thread: serve the tasks set in ``progress`` until
    ``progress[STOP]``.

    READ_AHEAD: read columns ``ws[sweep[f + gap : f + lead]]`` while the
    sweep is at ``f``.  After falling behind the sweep by more than ``lead``
    ``_MAX_BEHIND`` times (this thread was kept from running: its core is
    busy) it returns, and the caller goes on alone.

    PRODUCTS: ``raw_products(Z, rd, r_acc, WITH_ACC, feats[LO:HI], XtA,
    XtA_acc)``, then ``DONE = TASK_NO``.

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
    while _load_acquire(progress, STOP) == 0:
        task = _load_acquire(progress, TASK)
        if task == PRODUCTS:
            task_no = _load_acquire(progress, TASK_NO)
            if task_no != done:
                lo, hi = progress[LO], progress[HI]
                with_acc = progress[WITH_ACC] != 0
                raw_products(Z, rd, r_acc, with_acc, feats[lo:hi], XtA, XtA_acc)
                done = task_no
                _store_release(progress, DONE, done)
                continue
        elif task == READ_AHEAD:
            current = _load_acquire(progress, _SWEEP_NO)
            f = _load_acquire(progress, _POS)
            n_sweep = min(progress[_NSWEEP], sweep.shape[0])
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
        _spin_pause()
    # the sum keeps the reads from being optimised away
    return n_read if total == total else n_read + 1
