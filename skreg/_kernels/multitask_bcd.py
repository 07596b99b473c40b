"""Block coordinate-descent epochs of the multi-task working-set solver.

One kernel runs epochs only (see :mod:`skreg._kernels.multitask_rows` for
the problem and the residual's representation).  The gap checks, the
remembered dual point and Anderson extrapolation run between its calls in
NumPy (:mod:`skreg.solvers._multitask_inner`): compiled into it they cost
most of a first multi-task fit's compile time, and a few array operations
every few epochs cost little.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels.multitask_rows import sweep

__all__ = ["bcd_epochs"]


@njit(**JIT_OPTIONS)
def bcd_epochs(Z, norm2, W, rd, c, S, ws, l1, l2, run, active, rng_state, hist):
    """Run ``run.n_epochs`` block CD epochs over the rows ``ws`` of ``W``.

    ``W``, ``rd``, ``c`` and ``S`` are updated in place (``Z`` the design
    tuple; ``W`` must be zero outside ``ws``).  ``run`` is a
    :class:`skreg._kernels.cd.EpochRun`: epoch ``e`` of the call is epoch
    ``run.epoch0 + e`` of the inner solve, and only every
    ``run.full_every``-th one sweeps all of ``ws``; the others sweep the
    rows the last full sweep left nonzero (glmnet's active-set cycling),
    kept as ``active[:run.n_sweep]`` between calls.  With ``run.record``,
    epoch ``e`` writes ``W[ws]`` (flattened) and the residual ``rd + c``
    (flattened, task by task) to row ``(run.row + e) % K1`` of ``hist.w``
    and ``hist.r``.

    Returns the valid length of ``active``.
    """
    T, n = rd.shape
    n_ws = ws.shape[0]
    K1 = hist.w.shape[0]
    n_sweep = run.n_sweep
    g = np.empty(T)
    d = np.empty(T)
    for e in range(run.n_epochs):
        full = (run.epoch0 + e) % run.full_every == 0
        if full:
            sweep(Z, norm2, W, rd, c, S, ws, l1, l2, run.random, rng_state, g, d)
            n_sweep = 0
            for k in range(n_ws):
                for t in range(T):
                    if W[ws[k], t] != 0.0:
                        active[n_sweep] = ws[k]
                        n_sweep += 1
                        break
        else:
            sweep(
                Z, norm2, W, rd, c, S, active[:n_sweep], l1, l2, run.random,
                rng_state, g, d,
            )  # fmt: skip
        if run.record:
            row = (run.row + e) % K1
            for k in range(n_ws):
                for t in range(T):
                    hist.w[row, k * T + t] = W[ws[k], t]
            for t in range(T):
                for i in range(n):
                    hist.r[row, t * n + i] = rd[t, i] + c[t]
    return n_sweep
