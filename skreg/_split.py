"""Column passes split over two threads.

A full read of a large dense ``X`` is memory-bound, and one core streams
memory at about half the rate two do.  The worker is one thread kept for
the process (starting a thread costs more than the half-pass it would
run), which sleeps between hand-overs; the compiled functions it runs
release the GIL.  A hand-over costs about 0.1-0.15 ms: worth it for the
column statistics of long columns (20000 x 500: fits 1.5-3 ms faster), not
for passes over 500 x 5000 (0.53 ms split against 0.33 ms for BLAS on both
cores), which keep BLAS.

A pass is split only where a second thread is welcome (the conditions of
:mod:`skreg.solvers._threads`): the caller is the main thread (fits run
from threads, as by joblib's threading backend, may already fill the
cores), ``NUMBA_NUM_THREADS`` allows two threads (joblib sets it to 1 in
the workers of ``n_jobs`` searches), the process may run on two CPUs, and
no other thread of the process is running (``/proc``; OpenBLAS's threads
spin for about 0.1 s after each call, and a worker next to a spinning
thread made the pass slower than one thread's).
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

__all__ = [
    "MIN_SPLIT_ENTRIES",
    "n_cpus",
    "others_running",
    "run_split",
    "split_welcome",
]

# entries of a pass below which the hand-over costs more than the
# half-pass saves
MIN_SPLIT_ENTRIES = 1 << 20

_POOL = None


def _forget_pool():
    # a forked child inherits the pool but not its thread: a hand-over to
    # it would wait forever
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def n_cpus():
    """CPUs this process may run on (its affinity mask where known)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def others_running():
    """Whether a thread of this process other than the caller is running
    (or spinning); True where ``/proc`` cannot tell."""
    me = str(threading.get_native_id())
    try:
        for tid in os.listdir("/proc/self/task"):
            if tid == me:
                continue
            with open(f"/proc/self/task/{tid}/stat", "rb") as f:
                stat = f.read()
            # the state follows the parenthesised command name
            end = stat.rfind(b")")
            if stat[end + 2 : end + 3] == b"R":
                return True
    except OSError:
        return True
    return False


def split_welcome(n_entries):
    """Whether a pass over ``n_entries`` entries should run as two halves."""
    return (
        n_entries >= MIN_SPLIT_ENTRIES
        and threading.current_thread() is threading.main_thread()
        and numba.config.NUMBA_NUM_THREADS >= 2
        and n_cpus() >= 2
        and not others_running()
    )


def run_split(fn, first, second):
    """``fn(*first)`` on the worker thread while ``fn(*second)`` runs in the
    caller's; returns when both are done (the worker's exception, if any,
    is raised here)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skreg-split")
    done = _POOL.submit(fn, *first)
    try:
        fn(*second)
    finally:
        done.result()
