"""A second thread for fits on long dense columns.

On a dense design with long columns (at least
:data:`~skreg._kernels._columns.LONG_COLUMN_ROWS` rows) CD sweeps and full
passes stream the design from memory, and one core reads memory at about
half the rate two do.  Such a fit runs a second thread from start to end
(:mod:`skreg._kernels.helper_thread`), which

- during CD epochs reads the sweep's next columns ahead of it, or, in
  epochs without Anderson steps or gap checks, runs the same steps on half
  of the rows in step with the fit's thread
  (:mod:`skreg._kernels.cd_split`);
- computes half of each full pass's correlations, instead of a BLAS call.
  OpenBLAS keeps its threads spinning for a while after each call (about
  0.1 s), and a spinning BLAS thread next to the two left the fit's own
  thread a shared core (one CD step took 17.7 us instead of 5.5).

One thread for the whole fit, not one per task: starting a thread and
handing it numba arguments took 0.3-0.5 ms each time.

A fit uses the second thread when

- the design is dense with long columns and the selection cyclic;
- the process may run on at least two CPUs (its affinity mask) and
  ``NUMBA_NUM_THREADS`` allows two threads (set it to 1 to keep every fit
  on one core; joblib sets it for the workers of ``n_jobs`` searches);
- the fit runs in the main thread: fits run from threads (as by joblib's
  threading backend) may already fill the cores;
- no other thread of the process is running when the second would start
  (read from ``/proc``: Linux only).  After a BLAS call OpenBLAS's threads
  spin for about 0.1 s, and a spinning thread next to the two made the
  fit's own thread share a core (the tall benchmark's fit took 70 ms
  instead of 37 right after an ``X @ w``).  Such a fit tries again at each
  full pass, which it computes in the kernel meanwhile: a BLAS pass would
  keep OpenBLAS spinning, and the next fit from starting its thread;

and only one fit of the process uses it at a time.
"""

import os
import threading

import numba
import numpy as np

from skreg._kernels import helper_thread as H
from skreg._kernels._sync import FSIZE
from skreg._kernels.cd_split import cd_split
from skreg._kernels.gap import raw_products
from skreg._split import n_cpus, others_running

__all__ = ["NO_HELPER", "FitHelper", "single_thread_blas", "two_threads"]

# what cd_epochs takes for "no helper thread"
NO_HELPER = np.zeros(1, dtype=np.int64)
_BUSY = threading.Lock()
# times a fit tries to start its thread (at its start and at full passes)
_MAX_TRIES = 4
# threadpoolctl's controller, built at the first limit (see single_thread_blas)
_CONTROLLER = None


def single_thread_blas():
    """A context in which BLAS uses one thread.

    For the small products of Newton steps: a multi-threaded BLAS on a busy
    machine (or inside a threaded GridSearchCV) spins for up to 100x the
    single-threaded time.  The controller is built once, so that a limit
    costs microseconds instead of a scan of the loaded libraries.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def two_threads(design, random=False):
    """Whether a fit on ``design`` may use a second thread (the conditions
    that do not change during the fit)."""
    return (
        design.long_columns
        and not random
        and threading.current_thread() is threading.main_thread()
        and numba.config.NUMBA_NUM_THREADS >= 2
        and n_cpus() >= 2
        and os.path.isdir("/proc/self/task")
    )


class FitHelper:
    """The second thread of one fit; a no-op helper when it cannot start.

    Parameters
    ----------
    design : Design
    rd, r_acc, XtA, XtA_acc : ndarray
        The fit's residual, extrapolated residual and correlation arrays
        (the pass's operands, fixed for the fit).
    w : ndarray of shape (n_features,) or None
        The fit's coefficients (float64), which split CD epochs update;
        ``None``: no split epochs.
    """

    def __init__(self, design, rd, r_acc, XtA, XtA_acc, w=None):
        self.design = design
        self.thread = None
        p = design.n_features
        self._ws = np.zeros(p, dtype=np.int64)
        self._sweep = np.zeros(p, dtype=np.int64)
        self._feats = np.zeros(p, dtype=np.int64)
        self._args = (rd, r_acc, XtA, XtA_acc)
        self._w = np.zeros(p) if w is None else w
        # split CD epochs until the main thread once had to take one over
        self.split = w is not None
        self.fparams = np.zeros(FSIZE)
        self.progress = H.new_progress()
        # the last numbered task given (see _settle)
        self._task_no = 0
        self._tries = 0
        self._try_start()

    def _try_start(self):
        # start the thread unless another fit holds it or another thread of
        # the process runs (it may have stopped since the last try; a try
        # reads a file per thread of the process, so a fit makes a few)
        if self.thread is not None or self.progress[H.STOP]:
            return
        if self._tries >= _MAX_TRIES:
            return
        self._tries += 1
        if not _BUSY.acquire(blocking=False):
            return
        if others_running():
            _BUSY.release()
            return
        design = self.design
        gap, lead = H.fetch_distances(design.n_samples, design.X.dtype.itemsize)
        args = (design.Z, design.norm2, self._w, *self._args, self._feats)
        thread = threading.Thread(
            target=H.helper_loop,
            args=(*args, self._ws, self._sweep, self.progress, self.fparams, gap, lead),
            daemon=True,
        )
        try:
            thread.start()
        except RuntimeError:
            _BUSY.release()
            return
        self.thread = thread

    @property
    def active(self):
        return self.thread is not None and self.thread.is_alive()

    def _settle(self):
        # A numbered task is given once the helper is done with the last
        # one: a split task the main thread ran alone from its start may
        # still be ahead of the helper, which then passes over it.
        progress = self.progress
        while not H.helper_gone(progress, self._task_no):
            if not self.thread.is_alive():
                break

    def epochs(self, kernel, args, ws):
        """``kernel(*args[:9], ws, *args[9:], sweep, progress)``
        (:func:`~skreg._kernels.cd.cd_epochs`) with the helper reading the
        sweeps' columns ahead, or the same epochs with the rows split
        between the two threads (:func:`~skreg._kernels.cd_split.cd_split`)
        when they take no Anderson step and no gap check."""
        if not self.active:
            sweep = np.empty(ws.size, dtype=np.int64)
            return kernel(*args[:9], ws, *args[9:], sweep, NO_HELPER)
        k = ws.size
        self._ws[:k] = ws
        progress = self.progress
        Z, norm2, _, rd, state, w, l1, l2, positive, n_max = args[:10]
        check, anderson, full_every = args[11], args[12], args[17]
        # cd_epochs would take no Anderson step and check no gap
        plain = check <= 0 and (anderson <= 0 or n_max <= anderson)
        if self.split and plain and k > 1 and w is self._w:
            self._settle()
            c, S = float(state[0]), float(state[1])
            opts = (l1, l2, positive, n_max, full_every, c, S)
            self._task_no = H.give_split_cd(progress, self.fparams, k, *opts)
            ws_k = self._ws[:k]
            n_ep, c, alone = cd_split(
                Z, norm2, rd, w, ws_k, *opts, 0, progress, self.fparams
            )
            state[0] = c
            # the helper's core is taken: read ahead from now on, which
            # never waits for it
            self.split = not alone
            return n_ep, np.inf
        progress[H.TASK] = H.READ_AHEAD
        try:
            return kernel(*args[:9], self._ws[:k], *args[9:], self._sweep[:k], progress)
        finally:
            progress[H.TASK] = H.IDLE

    def products(self, with_acc, feats):
        """``design.raw_products(rd, r_acc, with_acc, feats, XtA, XtA_acc)``,
        the second half of ``feats`` computed by the helper."""
        rd, r_acc, XtA, XtA_acc = self._args
        Z = self.design.Z
        self._try_start()
        if not self.active:
            # not BLAS: its threads would spin for the next 0.1 s, and keep
            # the helper from starting (on long columns the kernel reads
            # four columns at a time: 3.0 ms on 20000 x 500, BLAS 2.1-2.6)
            raw_products(Z, rd, r_acc, with_acc, feats, XtA, XtA_acc)
            return
        m = feats.size
        half = m // 2
        self._settle()
        self._feats[:m] = feats
        progress = self.progress
        task_no = self._task_no = H.give_products(progress, half, m, with_acc)
        raw_products(Z, rd, r_acc, with_acc, self._feats[:half], XtA, XtA_acc)
        while not H.products_done(progress, task_no):
            if not self.thread.is_alive():
                # it returned (fell behind) before taking the task
                raw_products(Z, rd, r_acc, with_acc, feats[half:], XtA, XtA_acc)
                break

    def close(self):
        """Stop and join the thread."""
        self.progress[H.STOP] = 1
        if self.thread is not None:
            self.thread.join()
            self.thread = None
            _BUSY.release()
