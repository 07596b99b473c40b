"""Working-set block coordinate descent for the multi-task ElasticNet.

:class:`MultiTaskCD` holds the iterate, its residual and the products
``G = Z^T S r`` between solves, so that a path (or a refit) warm-starts
from all three.  Each outer pass of :meth:`MultiTaskCD.solve` computes the
global duality gap from the products of the rows whose products are not
current (one pass over the unscreened design at most, BLAS-3 on dense
designs), drops the rows that gap-safe screening proves zero, ranks the
others by how close the rescaled dual point is to their constraint and
hands a working set (the support and the most violated rows) to
:class:`skreg.solvers._multitask_inner.InnerBCD`, which runs block CD epochs
with Anderson extrapolation until the working set's own gap falls below a
fraction of the global one.  The fit stops on the global gap against
``tol * sum_i s_i |y_i|^2`` (scikit-learn's rule, so ``tol`` and the
reported gap mean the same as in its MultiTaskElasticNet).
"""

from dataclasses import dataclass

import numpy as np

from skreg._kernels.multitask_dual import absorb, dual_scores
from skreg._kernels.multitask_gap import (
    gap_from_products,
    penalty_value,
    residual_stats,
    screen_scores,
)
from skreg._kernels.multitask_rows import centred_products, row_products
from skreg.solvers._blas import single_thread_blas
from skreg.solvers._multitask_free import FreeRows
from skreg.solvers._multitask_inner import InnerBCD, mt_residual, weighted_sums
from skreg.solvers.working_set import _seed_state

__all__ = ["MTOptions", "MTResult", "MultiTaskCD", "multitask_cd", "penalty_weights"]

# A dense float64 pass over at least this many entries goes through BLAS
_BLAS_MIN_SIZE = 50_000
# Below this tol a solve starts from a recomputed residual
_EXACT_RESIDUAL_TOL = 1e-10


def penalty_weights(n_samples, n_features, alpha, l1_ratio, penalty_factor=None):
    """Per-feature ``(l1, l2)`` in CD scaling for scikit-learn's objective,
    each feature's pair multiplied by its penalty factor (when given; an
    infinite factor gives infinite weights: the feature is left out)."""
    l1 = np.full(n_features, n_samples * alpha * l1_ratio, dtype=np.float64)
    l2 = np.full(n_features, n_samples * alpha * (1.0 - l1_ratio), dtype=np.float64)
    if penalty_factor is not None:
        pf = np.asarray(penalty_factor, dtype=np.float64)
        out = ~np.isfinite(pf)
        l1 = np.where(out, np.inf, l1 * np.where(out, 0.0, pf))
        l2 = np.where(out, np.inf, l2 * np.where(out, 0.0, pf))
    return l1, l2


@dataclass
class MTOptions:
    """Tuning of :class:`MultiTaskCD` (measurements in docs/solvers.rst).

    ``working_set`` and ``screening`` need some ``l1_j > 0``; ``anderson``
    is the number of iterates extrapolated (0 disables it); ``p0`` the
    smallest working set; an inner solve stops at ``inner_ratio`` times the
    global gap, or ``settled_ratio`` times when no feature outside the last
    working set violates its optimality condition (the set may be the
    solution's); its gap is checked after ``first_check`` epochs from a
    warm start (``cold_check`` from zero), then every ``check_every``;
    only every ``full_every``-th epoch sweeps the whole working set, the
    others its nonzero rows; ``dual_memory`` keeps a feasible dual point
    that every check moves towards the new residual
    (:mod:`skreg._kernels.multitask_dual`) instead of only rescaling it.
    """

    working_set: bool = True
    screening: bool = True
    anderson: int = 3
    p0: int = 10
    inner_ratio: float = 0.3
    settled_ratio: float = 0.01
    first_check: int = 1
    cold_check: int = 3
    check_every: int = 5
    full_every: int = 3
    dual_memory: bool = True


@dataclass
class MTResult:
    """Outcome of one multi-task solve (coordinate-descent scaling)."""

    coef: np.ndarray
    n_iter: int
    gap: float
    tol: float
    converged: bool


class MultiTaskCD:
    """Minimise ``1/2 sum_i s_i |y_i - z_i^T W|^2 + sum_j (l1_j |W_j| +
    l2_j/2 |W_j|^2)`` for one penalty after another, warm-started.

    Parameters
    ----------
    design : Design
        The (implicitly centred, weighted) design.
    Y : ndarray of shape (n_samples, n_tasks)
        Centred targets.
    W : ndarray of shape (n_features, n_tasks) or None
        Starting point (copied; zeros when None).
    random_state : numpy.random.RandomState or None
        When given, rows are drawn at random (``selection='random'``).
    xty : ndarray of shape (n_features, n_tasks) or None
        ``Z^T S Y`` when known (``Design(targets=Y).XtY``): a cold start
        then skips its first pass over the design.
    options : MTOptions or None
    """

    def __init__(self, design, Y, W=None, random_state=None, xty=None, options=None):
        self.design = design
        self.opts = options or MTOptions()
        n, T = Y.shape
        p = design.n_features
        # one task per row (see skreg._kernels.multitask_rows)
        self.YT = np.ascontiguousarray(np.asarray(Y, dtype=np.float64).T)
        self.W = np.zeros((p, T)) if W is None else np.array(W, dtype=np.float64)
        self.rd, self.c, self.S = np.empty((T, n)), np.zeros(T), np.zeros(T)
        self.G = np.zeros((p, T))
        # rows of G that hold the products of the current W
        self.fresh = np.zeros(p, dtype=bool)
        # the extrapolated residual of the last inner solve (a dual point),
        # its products and the rows of them computed
        self.r_acc, self.G_acc = np.zeros((T, n)), np.zeros((p, T))
        self.fresh_acc = np.zeros(p, dtype=bool)
        self.has_acc = False
        self.W[design.norm2 <= 0] = 0.0
        self.refresh_residual()
        if xty is not None and not np.any(self.W):
            self.G[:] = xty
            self.fresh[:] = True
        self.seed = _seed_state(random_state)
        self.random = random_state is not None
        self.y_norm2, _ = residual_stats(self.YT, np.zeros(T), self.YT, *self._sw)
        self.n_passes = 0
        self._free = None
        # the remembered dual point (th, xi, H, value) of the global checks
        # and the inner solves' copy; a nan value means not in use
        self.mem, self.mem_ws = _new_memory(T, n, p), _new_memory(T, n, p)
        self.inner = InnerBCD(
            design, self.YT, self.opts.anderson, self.opts.full_every, self.random,
            self.seed,
        )  # fmt: skip

    @property
    def _sw(self):
        return self.design.sw, self.design.has_sw

    def snapshot(self):
        """A copy of the iterate, its residual and its products, for
        :meth:`extrapolate`."""
        return tuple(
            a.copy() for a in (self.W, self.rd, self.c, self.S, self.G, self.fresh)
        )

    def extrapolate(self, prev, gamma, l1, l2):
        """Move to ``W + gamma (W - W_prev)`` (``prev`` a :meth:`snapshot`)
        when that lowers the objective at the weights ``l1``, ``l2``.

        Along a path the solutions move smoothly with ``alpha``: the linear
        prediction starts the next solve closer than the last solution.  The
        residual and the products are affine in ``W``: they are extrapolated
        alike (the products where both are current), without a pass over
        the design.  Returns whether the move was made.
        """
        W0, rd0, c0, S0, G0, fresh0 = prev
        new = [
            a + gamma * (a - a0)
            for a, a0 in ((self.W, W0), (self.rd, rd0), (self.c, c0))
        ]
        feats = np.arange(self.W.shape[0])
        old_r2, _ = residual_stats(self.rd, self.c, self.YT, *self._sw)
        new_r2, _ = residual_stats(new[1], new[2], self.YT, *self._sw)
        old = 0.5 * old_r2 + penalty_value(self.W, feats, l1, l2)
        if not 0.5 * new_r2 + penalty_value(new[0], feats, l1, l2) < old:
            return False
        self.W[:], self.rd[:], self.c[:] = new
        self.S += gamma * (self.S - S0)
        self.G += gamma * (self.G - G0)
        self.fresh &= fresh0
        self.has_acc = False
        return True

    def refresh_residual(self):
        """Recompute the residual from ``W`` (against the drift of updates)."""
        mt_residual(self.design, self.YT, self.W, self.rd, self.c, self.S)

    def _products(self, feats):
        """``G[feats] = Z^T S r`` where not current, and ``G_acc`` for the
        extrapolated residual: BLAS-3 on one thread for a dense float64
        design and many rows (one thread: a multi-threaded BLAS spins on a
        busy machine), else one compiled single-threaded pass."""
        d = self.design
        jobs = [(self.rd, self.c, self.G, self.fresh)]
        if self.has_acc:
            jobs.append((self.r_acc, np.zeros_like(self.c), self.G_acc, self.fresh_acc))
        todo = [(r, c, G, fresh, feats[~fresh[feats]]) for r, c, G, fresh in jobs]
        todo = [job for job in todo if job[4].size]
        if not todo:
            return
        big = max(job[4].size for job in todo)
        blas = 2 * big >= d.n_features and d.nnz >= _BLAS_MIN_SIZE
        if d.is_sparse or d.X.dtype != np.float64 or not blas:
            for r, c, G, fresh, rows in todo:
                S = self.S if G is self.G else self._sums(r)
                row_products(d.Z, r, c, S, rows, G)
                fresh[rows] = True
            return
        R = np.vstack([job[0] for job in todo])
        # (tasks, n) times the Fortran X: the fastest of the layouts
        with single_thread_blas():
            P = R @ d.X
        T = self.c.size
        for k, (r, c, G, fresh, rows) in enumerate(todo):
            S = self.S if G is self.G else self._sums(r)
            centred_products(P[k * T : (k + 1) * T], rows, d.colsum, d.xm, c, S, G)
            fresh[rows] = True

    def _sums(self, r):
        d = self.design
        return weighted_sums(d, r)

    def _measure(self, feats, l1, l2):
        """``(primal, dual, dual_norm, Gd)`` from the products of ``feats``
        at the better of the residual's and the extrapolated residual's
        dual points (``Gd`` the products of the one used)."""
        sw = self._sw
        if self.has_acc and self._free is not None and self._free.cols.size:
            self.has_acc = False
        self._products(feats)
        r2, ry = residual_stats(self.rd, self.c, self.YT, *sw)
        Gd, lost = self.G, 0.0
        if self._free is not None and self._free.cols.size:
            r2_full = r2
            Gd, r2, ry = self._free.project(self.G, feats, r2, ry)
            # the primal reads the residual itself, not its projection
            lost = 0.5 * (r2_full - r2)
        primal, dual, dual_norm = gap_from_products(Gd, self.W, feats, l1, l2, r2, ry)
        primal += lost
        zero = np.zeros_like(self.c)
        if not np.isnan(self.mem[3][0]):
            absorb(
                self.mem, self.rd, self.c, self.G, self.W, feats, l1, l2, self.YT, *sw
            )
            if self.has_acc:
                absorb(
                    self.mem, self.r_acc, zero, self.G_acc, self.W, feats, l1, l2,
                    self.YT, *sw,
                )  # fmt: skip
        if self.has_acc:
            r2, ry = residual_stats(self.r_acc, zero, self.YT, *sw)
            _, dual_acc, norm_acc = gap_from_products(
                self.G_acc, self.W, feats, l1, l2, r2, ry
            )
            if dual_acc > dual:
                return primal, dual_acc, norm_acc, self.G_acc
        return primal, dual, dual_norm, Gd

    def _working_set(self, ctx, feats, scores, rel):
        """The support and the features closest to violating their
        conditions (twice as many as the support, at least ``p0``; from a
        cold start every violating feature, up to ``n``), and whether the
        set looks settled: it holds every feature that violates its
        optimality condition, so it may be the solution's."""
        support = np.any(self.W[feats] != 0.0, axis=1)
        violated = ~support & (rel > 1.0)
        size = max(self.opts.p0, 2 * int(support.sum()))
        if ctx["cold"]:
            size = max(size, min(int(violated.sum()), self.design.n_samples))
            ctx["cold"] = False
        if size >= feats.size:
            return feats, True
        prio = np.where(support, -np.inf, scores)
        pick = np.zeros(feats.size, dtype=bool)
        pick[np.argpartition(prio, size - 1)[:size]] = True
        return feats[pick], not np.any(violated & ~pick)

    def _safe_scores(self, feats, l1, l2, primal, dual, scores):
        """The screening scores and radius of the better of the dual point
        ``dual`` (whose ``scores`` are given) and the remembered one."""
        mem_dual = self.mem[3][0]
        if not mem_dual > dual:
            return scores, np.sqrt(2.0 * max(primal - dual, 0.0))
        out = np.empty(feats.size)
        dual_scores(self.mem[2], feats, l1, l2, self.design.norm2, out)
        return out, np.sqrt(2.0 * max(primal - mem_dual, 0.0))

    def _inner_memory(self, ws):
        """Hand the remembered dual point to an inner solve on ``ws``."""
        th, xi, H, val = self.mem
        th_w, xi_w, H_w, val_w = self.mem_ws
        val_w[0] = val[0]
        if not np.isnan(val[0]):
            th_w[:] = th
            xi_w[:] = xi
            H_w[ws] = H[ws]
        return self.mem_ws

    def _screen(self, keep, feats, scores, radius):
        """Drop the rows whose score exceeds the safe radius; returns the
        mask of the kept ones among ``feats``."""
        out = scores > radius
        if np.any(out):
            dropped = feats[out]
            keep[dropped] = False
            if np.any(self.W[dropped]):
                self.W[dropped] = 0.0
                self.refresh_residual()
                self.fresh[:] = False
        return ~out

    def solve(self, l1, l2, *, tol=1e-4, max_iter=1000):
        """Solve for the per-feature weights ``l1``, ``l2`` (CD scaling) from
        the current iterate; stop when the duality gap is ``<= tol *
        sum_i s_i |y_i|^2`` or after ``max_iter`` epochs.  Features with an
        infinite weight are excluded (their rows held at zero).

        Returns
        -------
        MTResult
        """
        opts, W = self.opts, self.W
        l1 = np.ascontiguousarray(l1, dtype=np.float64)
        l2 = np.ascontiguousarray(l2, dtype=np.float64)
        keep = (self.design.norm2 > 0) & np.isfinite(l1) & np.isfinite(l2)
        if np.any(W[~keep]):
            W[~keep] = 0.0
            self.fresh[:] = False
        if tol < _EXACT_RESIDUAL_TOL:
            # a warm start carries the rounding of the last solves' updates
            # and extrapolations (about 1e-12 ||Y||^2 along a path), a floor
            # under the gap at such a tol (the products stay valid up to it)
            self.refresh_residual()
        self._free = FreeRows.get(self._free, self.design, self.YT, l1, l2, keep)
        has_l1 = bool(np.any(l1[keep] > 0))
        use_ws, use_screen = opts.working_set and has_l1, opts.screening and has_l1
        tol_abs = float(tol) * self.y_norm2
        ctx = {"cold": not np.any(W)}
        # the remembered dual point needs the L1 (formulation A) dual and no
        # unpenalised rows (their projection is not carried along)
        use_mem = opts.dual_memory and has_l1 and not self._free.cols.size
        self.mem[3][0] = -np.inf if use_mem else np.nan
        best_dual, gap, n_epochs, converged = -np.inf, np.inf, 0, False
        while True:
            feats = np.flatnonzero(keep)
            self.n_passes += 1
            if self.n_passes % 10 == 0:
                # the kernels keep the residual up to date: recomputed every
                # 10 passes against drift (the products stay valid)
                self.refresh_residual()
            primal, dual, dual_norm, Gd = self._measure(feats, l1, l2)
            # screening only removes features: earlier dual points stay feasible
            best_dual = max(best_dual, dual)
            if use_mem:
                best_dual = max(best_dual, self.mem[3][0])
            gap = primal - best_dual
            if not np.isfinite(gap) or gap <= tol_abs:
                converged = bool(np.isfinite(gap))
                break
            if n_epochs >= max_iter:
                break
            ws, settled = feats, False
            if use_screen or use_ws:
                scale = 1.0 / dual_norm if dual_norm > 1.0 else 1.0
                scores, rel = np.empty(feats.size), np.empty(feats.size)
                screen_scores(
                    Gd, W, feats, l1, l2, self.design.norm2, scale, scores, rel
                )
                if use_screen:
                    # the gap of the dual point sets the sphere's radius
                    safe, radius = self._safe_scores(
                        feats, l1, l2, primal, dual, scores
                    )
                    kept = self._screen(keep, feats, safe, radius)
                    feats, scores, rel = feats[kept], scores[kept], rel[kept]
                ws = feats
                if use_ws:
                    ws, settled = self._working_set(ctx, feats, scores, rel)
            ratio = opts.settled_ratio if settled else opts.inner_ratio
            tol_in = max(ratio * gap, tol_abs) if use_ws else tol_abs
            warm = bool(np.any(W[ws]))
            ep, _, has_acc = self.inner.run(
                (W, self.rd, self.c, self.S, self.G), ws.astype(np.int64), l1, l2,
                (self.r_acc, self.G_acc), self._inner_memory(ws),
                int(max_iter - n_epochs), float(tol_in),
                opts.first_check if warm else opts.cold_check, opts.check_every,
            )  # fmt: skip
            n_epochs += int(ep)
            # the inner solve ends on a check: its products are current
            self.fresh[:] = False
            self.fresh[ws] = True
            self.has_acc = bool(has_acc)
            if has_acc:
                self.fresh_acc[:] = False
                self.fresh_acc[ws] = True
        return MTResult(
            coef=W, n_iter=n_epochs, gap=max(float(gap), 0.0), tol=tol_abs,
            converged=converged,
        )  # fmt: skip


def _new_memory(T, n, p):
    # (theta, xi, products, value) of skreg._kernels.multitask_dual
    return np.zeros((T, n)), np.zeros((p, T)), np.zeros((p, T)), np.full(1, np.nan)


def multitask_cd(
    design, Y, W, l1, l2, *, max_iter=1000, tol=1e-4, random_state=None, xty=None,
    **options,
):  # fmt: skip
    """One solve of :class:`MultiTaskCD` from ``W`` (updated in place).

    ``options`` are fields of :class:`MTOptions`.

    Returns
    -------
    MTResult
    """
    solver = MultiTaskCD(
        design, Y, W, random_state=random_state, xty=xty, options=MTOptions(**options)
    )
    res = solver.solve(l1, l2, tol=tol, max_iter=max_iter)
    W[:] = solver.W
    res.coef = W
    return res
