"""The working-set coordinate-descent solver: its outer loop as an object.

Each iteration of :meth:`WorkingSetCD.run` is one *pass*: the global
duality gap from one read of the design (:meth:`~WorkingSetCD._measure`),
then, unless the fit stops there, a polish round (Newton steps, see
:mod:`skreg.solvers._polish`), gap-safe screening, a working set of the
features that violate their optimality conditions most, and an inner CD
solve on it (:class:`skreg.solvers._inner.InnerCD`) to a fraction of the gap.
On long dense columns a small set is solved on its Gram matrix instead
(:mod:`skreg.solvers._ws_gram`), and so are the polish's Newton steps.
Every piece of state the loop carries is a named attribute.
"""

from dataclasses import dataclass

import numpy as np

from skreg._kernels.gap import (
    box_dual,
    dual_scale,
    gap_safe_screen,
    inverse_norms,
    residual_stats,
    top_threshold,
    ws_scores,
)
from skreg.solvers._free import FreeFeatures, free_features
from skreg.solvers._inner import ACCEPTED, HAS_DUAL, OFFSET, RSUM, InnerCD
from skreg.solvers._newton import Step, support_newton
from skreg.solvers._polish import Action, Polish
from skreg.solvers._ws_gram import GRAM_MAX_FEATURES, GramBlocks, solve_block

__all__ = ["CDOptions", "WorkingSetCD"]

# Long dense columns stream from memory in every epoch: there an inner
# solve's own gap checks cost about as much as a full BLAS pass over a set
# this many times larger, so the passes answer them (see _Chunk).
_CHECK_BY_PASS = 3.0


@dataclass
class CDOptions:
    """Tuning of :class:`WorkingSetCD` (see :func:`skreg.solvers.cd.enet_cd`
    for each one's meaning, docs/solvers.rst for the measurements)."""

    max_iter: int = 1000
    tol: float = 1e-4
    working_set: bool = True
    screening: bool = True
    anderson: int = 5
    p0: int = 10
    inner_ratio: float = 0.3
    settled_ratio: float = 0.03
    check_every: int = 4
    newton: bool = True
    ws_growth: float = 1.5
    full_every: int = 3


@dataclass
class _Pass:
    """What one full pass measured."""

    primal: float
    dual: float
    scale: float
    # correlations (minus l2 w) of the dual point the gap used
    XtA_theta: np.ndarray
    # the features kept before the pass's screening
    feats: np.ndarray


@dataclass
class _Chunk:
    """An inner solve whose gap checks the passes answer."""

    ws: np.ndarray
    tol: float
    best_dual: float
    limit: int


def _seed_state(random_state):
    """State of the kernels' generator; a fixed dummy when not random."""
    if random_state is None:
        return np.ones(1, dtype=np.uint64)
    seed = int(random_state.randint(1, np.iinfo(np.int32).max))
    return np.array([seed * 2654435761 + 1], dtype=np.uint64)


class WorkingSetCD:
    """Minimise the per-feature ElasticNet objective in CD scaling.

    Parameters
    ----------
    design : Design
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    w : ndarray of shape (n_features,)
        Starting point (float64, copied).
    pen : Penalty
        The per-feature penalty (see :mod:`skreg._kernels.penalty`).
    opts : CDOptions
    random_state : numpy.random.RandomState or None
        When given, coordinates are drawn at random.
    xty : ndarray of shape (n_features,) or None
        ``Z^T S y``, known from the design's statistics: a cold start then
        skips its first read of the design.
    """

    def __init__(self, design, y, w, pen, opts, random_state=None, xty=None):
        self.design, self.y, self.pen, self.opts = design, y, pen, opts
        p, n = design.n_features, design.n_samples
        self.w = np.asarray(w, dtype=np.float64).copy()
        self.rd = np.empty(n)
        self.rd_tmp = np.empty(n)
        self.r_dual = np.zeros(n)
        self.XtA = np.zeros(p)
        self.XtA_acc = np.zeros(p)
        # the kernel's [residual offset, weighted residual sum, extrapolated
        # dual in r_dual, an Anderson step was accepted]
        self.kstate = np.zeros(4)
        self.random = random_state is not None
        self.rng_state = _seed_state(random_state)
        self.y_norm2 = design.weighted_norm2(y)
        self.sw = design.sw if design.has_sw else None
        self.tol_abs = opts.tol * self.y_norm2
        self.any_l1 = bool(np.any(pen.l1 > 0))
        # finite nonzero bounds: their conjugates enter the dual
        self.has_box = bool(
            np.any(np.isfinite(pen.lower) & (pen.lower != 0))
            or np.any(np.isfinite(pen.upper) & (pen.upper != 0))
        )
        cols = free_features(pen)
        # (a Ridge with free features has a dual once they are projected
        # out; with no L2 weight at all, the gradient norm stays the gap)
        use_free = cols.size and (self.any_l1 or np.any(pen.l2 > 0))
        self.free = FreeFeatures(design, cols, pen) if use_free else None
        self.use_ws = opts.working_set and self.any_l1
        self.use_screen = opts.screening and self.any_l1
        # small working sets of long dense columns are solved on their Gram
        # matrix (see skreg.solvers._ws_gram)
        self.gram = (
            GramBlocks(design, y)
            if self.use_ws and self.free is None and design.long_columns
            else None
        )
        self.keep = (design.norm2 > 0) & ((pen.lower < 0) | (pen.upper > 0))
        # without L1 and with a feature without L2, the "dual" is the primal
        # less the squared gradient (see _smooth_dual): no bound to carry
        self.dual_bounds = (
            self.any_l1 or self.free is not None or bool(np.all(pen.l2[self.keep] > 0))
        )
        self.inv_norm = inverse_norms(design.norm2, pen.l2)
        self.w[~self.keep] = 0
        cold = xty is not None and self.any_l1 and not np.any(self.w)
        self.xty = xty if cold else None
        # A Lasso optimum has at most n nonzero coefficients (design in
        # general position): a first working set needs no more
        self.ws_cap = max(opts.p0, min(p // 2, n))
        self.col_cost = design.nnz / max(p, 1)
        self.polish = Polish(
            opts.newton and self.any_l1, design, opts.max_iter, self.y_norm2
        )
        self.newton_solver = None
        self.inner = InnerCD(
            design, y, pen, opts.anderson, opts.full_every,
            self.rng_state if self.random else None,
        )  # fmt: skip
        self._init_progress()

    def _init_progress(self):
        p = self.design.n_features
        self.n_epochs = 0
        self.gap = np.inf
        self.best_dual = -np.inf
        self.converged = False
        self.last_gap, self.last_epochs = np.inf, 0
        # entries one epoch of the last inner solve visits, and the work
        self.epoch_work = self.last_inner_work = self.total_work = 0.0
        self.first_ws = not np.any(self.w)
        # the features of the last inner solve, when it met its target at
        # its first check (see settled_ratio)
        self.in_last_ws = np.zeros(p, dtype=bool)
        self.easy = False
        # w changed since the kernel last updated the residual; passes since
        # the residual was last recomputed; a Newton step moved w after the
        # pass that computed the residual
        self.w_moved = True
        self.n_kept = 0
        self.w_stale = False
        self.chunk = None

    # -- the loop ---------------------------------------------------------

    def run(self):
        """Solve; returns ``(w, n_epochs, gap, converged)``."""
        max_iter = self.opts.max_iter
        while True:
            feats = np.flatnonzero(self.keep)
            ps = self._measure(feats)
            if not np.isfinite(self.gap):
                break
            action = self._at_pass(ps)
            if action is Action.AGAIN:
                continue
            if action is Action.STOP or self.n_epochs >= max_iter:
                break
            if self._chunk_goes_on(ps):
                continue
            self.chunk = None
            step = self._newton_step
            if self.polish.try_step(
                self.w, self.total_work, self.last_inner_work, step
            ):
                continue
            feats = self._screen(ps, drop_nonzero=True)
            ws, scores = self._working_set(feats, ps)
            self._solve_set(ws, feats, scores)
        # a negative gap is rounding (the dual never exceeds the primal)
        return self.w, self.n_epochs, max(float(self.gap), 0.0), self.converged

    def _kernel_state(self, fresh):
        """The residual offset and weighted residual sum the kernel goes on
        from; with ``fresh``, the residual of ``w`` recomputed first."""
        design, st = self.design, self.kstate
        if fresh:
            st[OFFSET] = design.residual(self.y, self.w, self.rd)
            self.w_stale = False
        # invariant under CD steps only when xm is exactly the weighted mean
        st[RSUM] = design.weighted_sum(self.rd) + st[OFFSET] * design.sw_sum
        return st[OFFSET], st[RSUM]

    def _measure(self, feats):
        """One full pass: the gap at ``w`` and the best dual point."""
        fresh = self.w_moved or self.n_kept >= 10
        self.n_kept = 0 if fresh else self.n_kept + 1
        c, S = self._kernel_state(fresh)
        self.w_moved = True
        if self.xty is not None:
            # cold start: the residual is y and its correlations are known
            primal, dual, scale = self._cold_primal_dual(feats)
            dual_acc, scale_acc, self.xty = -np.inf, 1.0, None
        else:
            # the rescaled residual, and the extrapolated residual of the
            # last inner solve when it has one, from one read of the design
            primal, dual, scale, dual_acc, scale_acc = self._products(feats, c, S)
        XtA_theta = self.XtA
        if dual_acc > dual:
            dual, scale, XtA_theta = dual_acc, scale_acc, self.XtA_acc
        # screening only removes features: every earlier dual point stays
        # feasible for the current restricted problem
        self.best_dual = max(self.best_dual, dual) if self.dual_bounds else dual
        self.gap = primal - self.best_dual
        return _Pass(primal, dual, scale, XtA_theta, feats)

    def _products(self, feats, c, S):
        """The pass's read of the design: primal, dual and scale at the
        residual (projected off the free features' columns first, see
        :mod:`skreg.solvers._free`), and at the extrapolated residual."""
        rd, c_d, S_d, drop = self.rd, c, S, 0.0
        proj = self.free.project(rd, c, S) if self.free is not None else None
        if proj is not None:
            rd, c_d, S_d, drop = proj
        with_acc = self.kstate[HAS_DUAL] == 1.0 and self.any_l1 and self.free is None
        out = self.design.primal_dual(
            self.y, rd, c_d, self.r_dual, with_acc, S_d, self.w, self.pen, feats,
            self.XtA, self.XtA_acc,
        )  # fmt: skip
        if self.free is None:
            return out
        primal, dual, scale = out[:3]
        # the primal reads the residual itself, not its projection
        primal += 0.5 * drop
        if not self.any_l1:
            rp2, rpy = residual_stats(rd, c_d, self.y, self.sw)
            dual = self.free.ridge_dual(rp2, rpy, self.XtA, feats, self.w, self.pen)
        if self.free.violated(self.XtA, feats):
            dual, scale = 0.0, 0.0
        return primal, dual, scale, -np.inf, 1.0

    def _cold_primal_dual(self, feats):
        # the gap at w = 0 from Z^T S y: |r|^2 = r^T y = |y|^2, |w|^2 = 0
        self.XtA[feats] = self.xty[feats]
        if self.free is not None:
            # y is not orthogonal to the free columns: the dual's origin is
            # the feasible point at hand, and xty still ranks the features
            return 0.5 * self.y_norm2, 0.0, 0.0
        dual, scale = self._dual_at(self.y_norm2, self.y_norm2, 0.0, self.XtA, feats)
        return 0.5 * self.y_norm2, dual, scale

    def _dual_at(self, r_norm2, ry, w_l2, XtA, feats):
        """The dual at the domain scale of the residual, or with bounds at the
        best scale below it (an inactive bound's conjugate is large at the
        domain scale); returns ``(dual, scale)``."""
        scale = dual_scale(XtA, feats, self.pen)
        if self.has_box:
            pen = self.pen
            return box_dual(
                r_norm2, ry, w_l2, scale, XtA[feats], pen.l1[feats],
                pen.lower[feats], pen.upper[feats],
            )  # fmt: skip
        return scale * ry - 0.5 * scale * scale * (r_norm2 + w_l2), scale

    def _at_pass(self, ps):
        """Convergence and the polish; returns an :class:`Action`."""
        self.converged = self.gap <= self.tol_abs
        polish = self.polish
        if not self.converged:
            polish.consider_early(
                self.w, self.pen.l2, self.gap, self.tol_abs, self.last_gap,
                self.n_epochs - self.last_epochs, self.epoch_work, self.total_work,
            )  # fmt: skip
        self.last_gap, self.last_epochs = self.gap, self.n_epochs
        if not (self.converged or polish.early):
            return Action.CD
        # screened first, so that the pass checking the step reads the
        # survivors only; w stays the point whose gap was measured
        feats = self._screen(ps, drop_nonzero=False)
        action = polish.round(
            self.converged, self._newton_step, self.w,
            self.XtA, feats, self.pen, self.n_epochs, self.total_work,
        )  # fmt: skip
        if action is Action.CD and self.w_stale:
            # CD goes on from the step's w (the pass's bounds stay valid)
            self._kernel_state(True)
            self.chunk = None
        return action

    def _newton_step(self, add=None):
        outcome = self._gram_step(add)
        if outcome is None:
            # the step is kept when it lowers the objective: both sides from
            # a fresh residual, since the one CD carries has drifted by more
            # than a near-optimal step gains
            outcome, self.newton_solver = support_newton(
                self.design, self.y, self.w, self.pen, self._objective(self.w),
                self._objective,
                add=add, solver=self.newton_solver,
            )  # fmt: skip
        # the extrapolated residual predates the step: not worth a pass
        self.kstate[HAS_DUAL] = 0.0
        self.w_stale = self.w_stale or outcome > Step.REJECTED
        return outcome

    def _objective(self, v):
        design, pen = self.design, self.pen
        c_v = design.residual(self.y, v, self.rd_tmp)
        r2, _ = residual_stats(self.rd_tmp, c_v, self.y, self.sw)
        return 0.5 * (r2 + np.dot(pen.l2 * v, v)) + np.dot(pen.l1, np.abs(v))

    def _screen(self, ps, drop_nonzero):
        """Gap-safe screening of the pass's features; returns the kept ones.

        With ``drop_nonzero`` the dropped features' coefficients are zeroed
        (and the residual refreshed); else they stay kept.
        """
        feats = np.flatnonzero(self.keep)
        if not self.use_screen:
            return feats
        n_keep = gap_safe_screen(
            ps.XtA_theta, self.inv_norm, feats, self.pen.l1, ps.scale,
            ps.primal - ps.dual, self.keep,
        )  # fmt: skip
        if n_keep == feats.size:
            return feats
        dropped = feats[~self.keep[feats]]
        nonzero = dropped[self.w[dropped] != 0]
        if nonzero.size:
            if drop_nonzero:
                self.w[nonzero] = 0
                self._kernel_state(True)
            else:
                self.keep[nonzero] = True
        return np.flatnonzero(self.keep)

    def _working_set(self, feats, ps):
        """The next inner solve's features (sorted) and the pass's scores."""
        if not self.use_ws:
            return feats, None
        opts = self.opts
        # (w is zero outside feats)
        nnz = int(np.count_nonzero(self.w))
        scores = ws_scores(ps.XtA_theta, self.w, feats, self.pen, self.inv_norm)
        size = max(opts.p0, int(opts.ws_growth * nnz))
        if self.first_ws:
            # from a cold start the support is unknown: take every violator
            # (up to ws_cap) instead of doubling up from p0, a pass each
            size = max(size, min(int(np.count_nonzero(scores > 0)), self.ws_cap))
            self.first_ws = False
        if size >= feats.size:
            return feats, scores
        # the best scores by their threshold (ties may add a few features)
        return feats[scores >= top_threshold(scores, size)], scores

    def _inner_target(self, feats, scores):
        """The gap the inner solve aims at, and its epoch limit."""
        opts, polish = self.opts, self.polish
        if polish.tighten:
            return opts.inner_ratio * self.gap, polish.tighten_epochs
        # a settled set: the last solve met its target at its first check
        # and no feature outside it violates its optimality condition
        settled = (
            opts.settled_ratio < opts.inner_ratio
            and self.easy
            and not np.any((scores > 0) & ~self.in_last_ws[feats])
        )
        ratio = opts.settled_ratio if settled else opts.inner_ratio
        return max(ratio * self.gap, self.tol_abs), opts.max_iter

    def _solve_set(self, ws, feats, scores):
        """Run the inner solve on ``ws`` (or its first chunk)."""
        design, opts = self.design, self.opts
        tol_in, limit = self._inner_target(feats, scores)
        n_max = limit - self.n_epochs
        if self._gram_solve(ws, feats, scores, tol_in, n_max):
            return
        # columns a pass reads, BLAS's counted at half: it uses both cores
        pass_cols = feats.size / (2.0 if design.blas_pass(feats.size) else 1.0)
        self.easy = False
        if design.long_columns and pass_cols <= _CHECK_BY_PASS * ws.size:
            self.chunk = _Chunk(ws, tol_in, -np.inf, limit)
            self.n_epochs += self._inner(ws, min(opts.check_every, n_max), tol_in, 0)
            return
        ep = self._inner(ws, n_max, tol_in, opts.check_every)
        self.n_epochs += ep
        self.easy = self.use_ws and ep <= opts.check_every < n_max
        if self.easy:
            self.in_last_ws[:] = False
            self.in_last_ws[ws] = True

    def _gram_solve(self, ws, feats, scores, tol_in, n_max):
        """Solve the set's violators and the support on their Gram matrix
        when they are few enough (see :mod:`skreg.solvers._ws_gram`);
        returns whether it did."""
        # from a cold start, the first set is little more than a guess:
        # a chunk of epochs on it costs less than its Gram matrix
        if self.gram is None or self.total_work == 0:
            return False
        # the set is solved exactly: features that fill it up to its size
        # without violating their optimality condition would only add to
        # the Gram matrix's k^2
        ws = np.intersect1d(ws, feats[scores > 0], assume_unique=True)
        cols = np.union1d(ws, np.flatnonzero(self.w))
        exact = self._on_gram(cols, tol_in, n_max)
        if exact is None:
            return False
        self.easy = False
        # the set's own Newton step replaced the polish's during the solve
        self.polish.ready = False
        self.polish.polished = exact
        self.epoch_work = 0.0
        return True

    def _on_gram(self, cols, tol_in, n_max):
        """Solve on the features ``cols`` from their Gram matrix; returns
        whether ``w`` ended on the exact minimiser of its sign pattern, or
        None when ``cols`` is empty or too large for the Gram route.  A Gram
        epoch counts as one epoch: the same coordinate updates as a CD epoch
        on ``cols``, in other arithmetic."""
        gram = self.gram
        if gram is None or not 0 < cols.size <= GRAM_MAX_FEATURES:
            return None
        if gram.size_with(cols) > GRAM_MAX_FEATURES:
            # the sets moved away from the columns computed so far
            gram = self.gram = GramBlocks(self.design, self.y)
        G, q, flops = gram.block(cols)
        w = self.w[cols]
        pen = tuple(a[cols] for a in self.pen)
        ep, _, exact = solve_block(
            G, q, self.y_norm2, w, pen, n_max, tol_in, self.tol_abs, self.random,
            self.rng_state,
        )  # fmt: skip
        self.w[cols] = w
        self.n_epochs += ep
        # the residual is recomputed by the next pass, which has no
        # extrapolated one to offer
        self.w_moved = True
        self.kstate[HAS_DUAL] = 0.0
        # a BLAS flop costs about a quarter of a streamed entry
        self.last_inner_work = flops / 4.0
        self.total_work += self.last_inner_work
        return exact

    def _gram_step(self, add):
        """The polish's Newton step (on the support and ``add``'s
        features) by :meth:`_on_gram`; its :class:`Step`, or None when the
        Gram route does not take it."""
        cols = np.flatnonzero(self.w)
        if add is not None and len(add[0]):
            cols = np.union1d(cols, add[0])
        before = self.w.copy()
        n_max = self.opts.max_iter - self.n_epochs
        exact = self._on_gram(cols, self.tol_abs, n_max)
        if exact is None:
            return None
        if exact:
            return Step.FULL
        return Step.PARTIAL if np.any(self.w != before) else Step.REJECTED

    def _chunk_goes_on(self, ps):
        """Go on with a chunked inner solve whose target the pass found
        unmet, as the kernel's own loop would; returns whether it did."""
        chunk = self.chunk
        if chunk is None or self.converged:
            return False
        pen, w, ws = self.pen, self.w, chunk.ws
        r_norm2, ry = residual_stats(self.rd, self.kstate[OFFSET], self.y, self.sw)
        w_l2 = float(np.dot(pen.l2[ws] * w[ws], w[ws]))
        dual_ws, _ = self._dual_at(r_norm2, ry, w_l2, ps.XtA_theta, ws)
        chunk.best_dual = max(chunk.best_dual, dual_ws)
        if ps.primal - chunk.best_dual <= chunk.tol or self.n_epochs >= chunk.limit:
            return False
        n_max = min(2 * self.opts.check_every, chunk.limit - self.n_epochs)
        self.n_epochs += self._inner(ws, n_max, chunk.tol, 0, goes_on=True)
        return True

    def _inner(self, ws, n_max, tol_in, check, goes_on=False):
        """CD epochs on ``ws``; returns the number run."""
        st = self.kstate
        # only an extrapolated residual of this solve is worth a pass
        st[HAS_DUAL] = st[ACCEPTED] = 0.0
        ep = self.inner.run(
            ws, self.rd, self.w, st, self.XtA, self.r_dual, n_max, tol_in, check
        )
        # an accepted Anderson step combined stored residuals, whose rounding
        # grows with the weights: the residual is recomputed after one
        self.w_moved = st[ACCEPTED] == 1.0
        self.epoch_work = ws.size * self.col_cost
        work = ep * self.epoch_work
        self.last_inner_work = self.last_inner_work + work if goes_on else work
        self.total_work += work
        self.polish.ready = True
        return ep
