"""The inner solve on a working set: CD epochs, Anderson steps, gap checks.

The epochs run compiled (:func:`skreg._kernels.cd.cd_epochs`), a few at a
time.  Between the calls this module

- tries, every ``K + 1`` epochs, the Anderson extrapolation of the last
  ``K + 1`` iterates (Anderson, 1965; Scieur et al., 2016), kept only when
  it lowers the objective, so that CD stays monotone (Bertrand and Massias,
  2021);
- checks the working set's duality gap after ``check_every`` epochs, then
  every ``2 * check_every`` and after the last one, at the residual and at
  the extrapolation of the last residuals (dual extrapolation, Massias et
  al., 2018): CD residuals approach the dual optimum far more slowly than
  the objective approaches its minimum.

Both cost a few small array operations; compiled into the epochs' kernel
they cost most of a first fit's compile time (``docs/benchmarks.rst``).
"""

import numpy as np
from scipy.linalg.lapack import dposv as posv

from skreg._kernels.cd import EpochRun, History, cd_epochs
from skreg._kernels.penalty import Penalty

__all__ = ["ACCEPTED", "HAS_DUAL", "OFFSET", "RSUM", "InnerCD", "anderson_coefs"]

# The state the inner solve shares with the working-set loop: the residual
# offset, the weighted residual sum, "r_dual holds a better dual point" and
# "an Anderson step was accepted".
OFFSET, RSUM, HAS_DUAL, ACCEPTED = 0, 1, 2, 3

_NO_HISTORY = History(np.empty((1, 1)), np.empty((1, 1)))


_DIFFERENCES = {}


def _differences(K1, first):
    # D with D @ hist the K differences of consecutive iterates (oldest at
    # row first, circular), and the rows of their later iterates
    key = (K1, first)
    if key not in _DIFFERENCES:
        k = np.arange(K1 - 1)
        later = (first + k + 1) % K1
        D = np.zeros((K1 - 1, K1))
        D[k, later] = 1.0
        D[k, (first + k) % K1] = -1.0
        _DIFFERENCES[key] = D, later
    return _DIFFERENCES[key]


def anderson_coefs(hist, first, sqrt_weights=None):
    """Anderson weights of the ``K + 1`` rows of ``hist``, oldest at row
    ``first`` (circular order).

    Returns the weights ``a`` (one per row of ``hist``, summing to one, the
    oldest row's 0) such that ``a @ hist`` is the extrapolated point: the
    combination of the iterates minimising the norm (weighted by
    ``sqrt_weights**2`` when given) of the same combination of their
    differences.  None when the differences are degenerate.
    """
    K1 = hist.shape[0]
    D, later = _differences(K1, first)
    # a history with inf or nan entries is refused below, silently
    with np.errstate(invalid="ignore", over="ignore"):
        U = D @ hist
        if sqrt_weights is not None:
            U *= sqrt_weights
        C = U @ U.T
    scale = np.max(np.diagonal(C))
    if not 0.0 < scale < np.inf:
        return None
    C.flat[::K1] += 1e-10 * scale
    # Cholesky (LAPACK's posv, without numpy.linalg's wrapping: this runs
    # every few epochs); info > 0 when C is not positive definite
    _, z, info = posv(C, np.ones(K1 - 1))
    if info != 0:
        return None
    zsum = z.sum()
    if zsum == 0.0 or not np.isfinite(zsum):
        return None
    a = np.zeros(K1)
    a[later] = z / zsum
    return a


class InnerCD:
    """CD epochs on working sets of one solve (see the module docstring).

    Parameters
    ----------
    design : Design
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    pen : Penalty
    anderson : int
        Iterates the extrapolation combines, ``K`` (0: none).
    full_every : int
        See :func:`skreg._kernels.cd.cd_epochs`.
    rng_state : ndarray of one uint64 or None
        The kernel's generator state when coordinates are drawn at random.
    """

    def __init__(self, design, y, pen, anderson, full_every, rng_state):
        self.design, self.y, self.pen = design, y, pen
        self.K1 = anderson + 1
        self.full_every = full_every
        self.random = rng_state is not None
        self.rng_state = rng_state if self.random else np.ones(1, dtype=np.uint64)
        self.sqrt_sw = np.sqrt(design.sw) if design.has_sw else None
        self.XtA_acc = np.zeros(design.n_features)

    def run(self, ws, rd, w, st, XtA, r_dual, n_max, tol_in, check):
        """Run at most ``n_max`` epochs on ``ws`` until its gap is at most
        ``tol_in``, checked as the module docstring says (with ``check <=
        0`` never: exactly ``n_max`` epochs run).

        ``rd``, ``w`` and ``st`` (indexed by ``OFFSET`` ...) are updated in
        place; ``XtA`` receives the working set's correlations at the last
        check, ``r_dual`` the extrapolated residual when it was the best
        dual point (``st[HAS_DUAL]`` is then 1).  Returns the epochs run.
        """
        K1, n = self.K1, rd.shape[0]
        use_aa = K1 > 1 and ws.size > 1 and n_max >= K1
        any_l1 = bool(np.any(self.pen.l1[ws] > 0))
        use_dx = any_l1 and K1 > 1 and check > 0 and n_max >= K1
        record = use_aa or use_dx
        hist = (
            History(np.empty((K1, ws.size)), np.empty((K1, n)))
            if record
            else _NO_HISTORY
        )
        sweep = np.empty(ws.size, dtype=np.int64)
        n_sweep = ws.size
        if use_aa:
            pen = self.pen
            pen_ws = Penalty(pen.l1[ws], pen.l2[ws], pen.lower[ws], pen.upper[ws])
            bounded = bool(
                np.any(pen_ws.lower > -np.inf) or np.any(pen_ws.upper < np.inf)
            )
        c, S = st[OFFSET], st[RSUM]
        epochs, n_rows, best = 0, 0, -np.inf
        next_check = check
        while epochs < n_max:
            stop = n_max
            if check > 0:
                stop = min(stop, next_check)
            if use_aa:
                stop = min(stop, epochs + K1 - epochs % K1)
            run = EpochRun(
                stop - epochs, epochs, self.full_every, n_sweep, self.random,
                record, n_rows % K1,
            )  # fmt: skip
            c, n_sweep = cd_epochs(
                self.design.Z, self.design.norm2, self.pen, ws, rd, w, c, S, run,
                sweep, self.rng_state, hist,
            )  # fmt: skip
            n_rows += stop - epochs
            epochs = stop
            if use_aa and epochs % K1 == 0:
                c, accepted = self._anderson_step(
                    ws, pen_ws, bounded, rd, w, c, hist, n_rows % K1
                )
                if accepted:
                    # the residual sequence jumped: restart its history
                    n_rows = 0
                    st[ACCEPTED] = 1.0
            if check > 0 and (epochs == next_check or epochs == n_max):
                next_check += 2 * check
                acc = hist if use_dx and n_rows >= K1 else None
                gap, best = self._check(
                    ws, rd, w, c, S, XtA, r_dual, st, best, acc, n_rows % K1
                )
                if gap <= tol_in:
                    break
        st[OFFSET] = c
        return epochs

    def _objective(self, r, w_ws, pen_ws):
        # the objective restricted to the working set, at the residual r
        return 0.5 * (
            self.design.weighted_norm2(r) + np.dot(pen_ws.l2 * w_ws, w_ws)
        ) + np.dot(pen_ws.l1, np.abs(w_ws))

    def _anderson_step(self, ws, pen_ws, bounded, rd, w, c, hist, first):
        """Try the extrapolation of the iterates in ``hist`` (``pen_ws`` the
        penalty of the working set ``ws``, ``bounded`` whether some of its
        bounds are finite); returns ``(c, accepted)``.

        The residual is affine in ``w`` and the weights sum to one, so the
        point's residual is the same combination of the stored residuals
        (``K n`` instead of a pass over the set's columns), unless the
        bounds clip the point.
        """
        a = anderson_coefs(hist.w, first)
        if a is None:
            return c, False
        w_acc = a @ hist.w
        clipped = False
        if bounded:
            # a coefficient that did not move (at a bound, say) stays
            # exactly there: weights summing to one only up to rounding
            # would move it by an ulp, off its bound
            still = np.all(hist.w == hist.w[0], axis=0)
            w_acc[still] = hist.w[0, still]
            point = w_acc
            w_acc = np.clip(point, pen_ws.lower, pen_ws.upper)
            clipped = not np.array_equal(w_acc, point)
        if clipped:
            r_acc = rd.copy()
            c_acc = c - self.design.add_columns(w[ws] - w_acc, ws, r_acc)
        else:
            r_acc, c_acc = a @ hist.r, 0.0
        p_acc = self._objective(r_acc + c_acc, w_acc, pen_ws)
        if not p_acc < self._objective(rd + c, w[ws], pen_ws):
            return c, False
        rd[:] = r_acc
        w[ws] = w_acc
        return c_acc, True

    def _check(self, ws, rd, w, c, S, XtA, r_dual, st, best, hist, first):
        """The working set's gap against the best dual value ``best`` seen,
        also at the extrapolation of the residuals in ``hist`` (when given),
        kept in ``r_dual`` when it is the best dual point; returns ``(gap,
        best)``."""
        a = None if hist is None else anderson_coefs(hist.r, first, self.sqrt_sw)
        r_acc = rd if a is None else a @ hist.r
        primal, dual, _, dual_acc, _ = self.design.primal_dual(
            self.y, rd, c, r_acc, a is not None, S, w, self.pen, ws, XtA,
            self.XtA_acc,
        )  # fmt: skip
        best = max(best, dual)
        if dual_acc > best:
            best = dual_acc
            r_dual[:] = r_acc
            st[HAS_DUAL] = 1.0
        return primal - best, best
