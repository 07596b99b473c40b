"""The multi-task inner solve on a working set: block CD epochs, Anderson
steps, gap checks.

The epochs run compiled (:func:`skreg._kernels.multitask_bcd.bcd_epochs`),
from one gap check to the next.  At each check this module

- tries the Anderson extrapolation of the last ``K + 1`` iterates
  (Anderson, 1965; Scieur et al., 2016), kept only when it lowers the
  objective, so that block CD stays monotone; its residual is the same
  combination of the stored residuals (the residual is affine in ``W`` and
  the weights sum to one);
- computes the working set's duality gap at the residual, at the
  extrapolated residual when the point was not kept (dual extrapolation,
  Massias et al., 2018) and at the remembered dual point moved towards
  both (:func:`skreg._kernels.multitask_dual.absorb`).

Both cost a few array operations per check; compiled into the epochs'
kernel they cost most of a first multi-task fit's compile time
(``docs/benchmarks.rst``).
"""

import numpy as np

from skreg._kernels.cd import EpochRun, History
from skreg._kernels.multitask_bcd import bcd_epochs
from skreg._kernels.multitask_dual import absorb
from skreg._kernels.multitask_gap import (
    gap_from_products,
    penalty_value,
    residual_stats,
)
from skreg._kernels.multitask_rows import row_products
from skreg.solvers._inner import anderson_coefs

__all__ = ["InnerBCD", "mt_residual", "weighted_sums"]

_NO_HISTORY = History(np.empty((1, 1)), np.empty((1, 1)))


def weighted_sums(design, R):
    """``sum_i s_i R[t, i]`` for every row ``t`` of ``R``."""
    return R @ design.sw if design.has_sw else R.sum(axis=1)


def _columns(design, rows=None):
    # the design's columns rows (all when None), dense or CSC
    X = design.sparse_X if design.is_sparse else design.X
    return X if rows is None else X[:, rows]


def mt_residual(design, Y, W, rd, c, S):
    """Set ``rd = Y - W^T X^T``, ``c = W^T m`` and ``S_t = sum_i s_i r_ti``
    in place (``Y`` and ``rd`` of shape ``(n_tasks, n_samples)``); only the
    nonzero rows of ``W`` are read."""
    nz = np.flatnonzero(np.any(W != 0.0, axis=1))
    rd[:] = Y
    c[:] = 0.0
    if nz.size:
        rd -= np.asarray(_columns(design, nz) @ W[nz]).T
        c[:] = design.xm[nz] @ W[nz]
    S[:] = weighted_sums(design, rd) + c * design.sw_sum


class InnerBCD:
    """Block CD epochs on working sets (see the module docstring).

    Parameters
    ----------
    design : Design
    YT : ndarray of shape (n_tasks, n_samples)
        Centred targets, one task per row.
    anderson : int
        Iterates the extrapolation combines, ``K`` (0: none).
    full_every : int
        See :func:`skreg._kernels.multitask_bcd.bcd_epochs`.
    random : bool
        Rows drawn at random, from the generator state ``rng_state``.
    rng_state : ndarray of one uint64
    """

    def __init__(self, design, YT, anderson, full_every, random, rng_state):
        self.design, self.YT = design, YT
        self.K = anderson
        self.full_every = full_every
        self.random, self.rng_state = random, rng_state
        self.sw = design.sw, design.has_sw

    def run(self, state, ws, l1, l2, acc, mem, n_max, tol_ws, first_check, check):
        """Block CD on the rows ``ws`` until the gap of the problem restricted
        to ``ws`` is at most ``tol_ws``, checked after ``first_check`` epochs,
        then every ``check`` and after at most ``n_max``.

        ``state = (W, rd, c, S, G)`` is updated in place (``G`` receives the
        products of the last check on ``ws``), ``acc = (r_acc, G_acc)`` the
        extrapolated residual (offset included) and its products when it
        was a dual point of the last check; ``mem`` is the remembered dual
        point of :func:`skreg._kernels.multitask_dual.absorb` (products
        current on ``ws``; a nan value disables it).

        Returns
        -------
        n_epochs : int
        gap : float
            The restricted gap at the last check.
        has_acc : bool
            Whether ``acc`` holds a dual point of the last check.
        """
        rd = state[1]
        K1 = self.K + 1
        T, n = rd.shape
        record = self.K > 0
        hist = (
            History(np.empty((K1, ws.size * T)), np.empty((K1, T * n)))
            if record
            else _NO_HISTORY
        )
        active = np.empty(ws.size, dtype=np.int64)
        n_sweep, epochs, next_check = 0, 0, first_check
        gap, has_acc = np.inf, False
        while epochs < n_max:
            stop = min(next_check, n_max)
            if record and stop - epochs > K1:
                # only the last K + 1 iterates before a check are extrapolated
                n_sweep = self._epochs(state, ws, l1, l2, epochs, stop - K1, n_sweep,
                                       active, _NO_HISTORY)  # fmt: skip
                epochs = stop - K1
            n_sweep = self._epochs(
                state, ws, l1, l2, epochs, stop, n_sweep, active, hist
            )
            epochs = stop
            next_check += check
            has_acc = False
            if record and epochs > self.K:
                kept = self._anderson(state, ws, l1, l2, hist, epochs % K1, acc[0])
                # a point not kept leaves its residual as a dual point (or,
                # when no point was made, an earlier one: any residual is)
                has_acc = not kept and np.isfinite(acc[0][0, 0])
            gap = self._gap(state, ws, l1, l2, has_acc, acc, mem)
            if gap <= tol_ws:
                break
        return epochs, gap, has_acc

    def _epochs(self, state, ws, l1, l2, start, stop, n_sweep, active, hist):
        W, rd, c, S, _ = state
        run = EpochRun(
            stop - start, start, self.full_every, n_sweep, self.random,
            hist is not _NO_HISTORY, start % hist.w.shape[0],
        )  # fmt: skip
        d = self.design
        return bcd_epochs(
            d.Z, d.norm2, W, rd, c, S, ws, l1, l2, run, active, self.rng_state, hist
        )

    def _anderson(self, state, ws, l1, l2, hist, first, r_acc):
        """Try the extrapolation of the iterates in ``hist`` (oldest at row
        ``first``); its residual goes to ``r_acc``.  Returns whether the
        point was kept."""
        W, rd, c, S, _ = state
        a = anderson_coefs(hist.w, first)
        if a is None:
            return False
        W_acc = (a @ hist.w).reshape(ws.size, -1)
        flat = a @ hist.r
        if not (np.all(np.isfinite(W_acc)) and np.all(np.isfinite(flat))):
            return False
        r_acc[:] = flat.reshape(rd.shape)
        zero = np.zeros_like(c)
        r2, _ = residual_stats(rd, c, self.YT, *self.sw)
        r2_acc, _ = residual_stats(r_acc, zero, self.YT, *self.sw)
        rows = np.arange(ws.size)
        if 0.5 * r2_acc + penalty_value(W_acc, rows, l1[ws], l2[ws]) >= (
            0.5 * r2 + penalty_value(W, ws, l1, l2)
        ):
            return False
        W[ws] = W_acc
        rd[:] = r_acc
        c[:] = 0.0
        S[:] = weighted_sums(self.design, rd)
        return True

    def _gap(self, state, ws, l1, l2, has_acc, acc, mem):
        # the restricted gap at the best of the residual's dual point, the
        # extrapolated residual's (has_acc) and, when mem is in use (a
        # finite or -inf value, not nan), the remembered point moved
        # towards both; the products by the compiled loop over the rows
        # (a BLAS product would first copy the working set's columns)
        W, rd, c, S, G = state
        r_acc, G_acc = acc
        Z = self.design.Z
        jobs = [(rd, c, S, G)]
        if has_acc:
            zero = np.zeros_like(c)
            jobs.append((r_acc, zero, weighted_sums(self.design, r_acc), G_acc))
        use_mem = not np.isnan(mem[3][0])
        primal = dual = None
        for r, off, sums, Gr in jobs:
            row_products(Z, r, off, sums, ws, Gr)
            r2, ry = residual_stats(r, off, self.YT, *self.sw)
            p, dl, _ = gap_from_products(Gr, W, ws, l1, l2, r2, ry)
            primal = p if primal is None else primal
            dual = dl if dual is None else max(dual, dl)
            if use_mem:
                dual = max(dual, absorb(mem, r, off, Gr, W, ws, l1, l2, self.YT,
                                        *self.sw))  # fmt: skip
        return primal - dual
