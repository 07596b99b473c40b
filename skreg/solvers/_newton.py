"""Support Newton step: solve the ElasticNet exactly on a fixed sign pattern.

Once coordinate descent has found the support ``A`` and the signs ``s`` of
the solution, the optimality conditions on ``A`` are the linear system

.. math::

    (Z_A^\\top S Z_A + \\lambda_2 I)\\, w_A = Z_A^\\top S y - \\lambda_1 s_A ,

which one Cholesky solve answers to machine precision.  CD alone converges
linearly, and slowly on correlated designs, while its duality gap lags its
objective (the gap is linear in the distance to the optimum, the objective
quadratic); the Newton step closes both at once.  The step is a proposal:
it is kept only when it keeps the signs (else the largest sign-preserving
fraction of it is tried) and lowers the objective, so the solver stays
monotone and the stopping rule remains the duality gap.

Given features that violate their optimality condition at zero (``add``,
with the signs their gradients ask for), the step is taken on the support
grown by them: an active-set iteration.  Near the optimum a few such steps
reach the exact solution where CD would need many more epochs to settle
the last coordinates of an ill-conditioned support.

Each solve goes through a :class:`~skreg.solvers._support_solver.SupportSolver`,
which factors the Gram matrix of a reference support once; steps on small
supports run the same walk as one compiled call instead
(:mod:`skreg._kernels.newton`).
"""

import numpy as np

from skreg._kernels.gap import zero_violators
from skreg._kernels.newton import (
    SHORTCUT_FLIPS,
    SHORTCUT_SHARE,
    WALK_SHARE,
    WALK_SOLVES,
    support_newton_small,
)
from skreg.solvers._support_solver import SupportSolver
from skreg.solvers._threads import single_thread_blas

__all__ = ["kkt_violators", "newton_cost", "support_newton"]

# Supports whose step costs at most this many flops take the compiled step
# (skreg._kernels.newton): there the NumPy route's calls cost more than the
# arithmetic.  Measured per step (correlated Gaussian designs, ms compiled
# against NumPy): 442 x 10 (diabetes) 0.01 / 0.15; 400 x 46 0.06 / 0.18;
# 400 x 88 with 10 sign changes 0.5 / 8.0; 1600 x 41 0.15 / 0.40;
# 200 x 115 with 30 sign changes 1.7 / 8.0.  The compiled step refactors the
# walk's Gram matrix at every solve (k^3 / 3 flops) where the NumPy route
# borders one factor, and rebuilds the Gram matrix at every call: larger
# supports keep the NumPy route, whose products run on one BLAS thread.
# On a CSC design the compiled step multiplies stored entries (see
# _small_step_cost): the sparse benchmark's step at alpha_max / 10, 82
# features of 10000 rows, 1.7 -> 0.1 ms.
_SMALL_COST = 4e6


def kkt_violators(XtA, w, feats, l1, positive, max_add):
    """Zero features of ``feats`` whose gradient exceeds ``l1``, worst first.

    Only violations above ``1e-10`` relative count: smaller ones are within
    the rounding of the correlations (a tie at ``alpha_max``, say), and the
    coefficient they would bring is of that order.

    Parameters
    ----------
    XtA : ndarray of shape (n_features,)
        ``z_j^T S r`` at the current residual (valid on ``feats``).
    w : ndarray of shape (n_features,)
    feats : ndarray of int
        Features not screened out.
    l1 : float
    positive : bool
        Only positive gradients count (``w >= 0`` imposed).
    max_add : int
        At most this many are returned.

    Returns
    -------
    add : ndarray of int
        The violating features, largest violation first.
    """
    idx = np.empty(feats.size, dtype=np.int64)
    g = np.empty(feats.size)
    m = zero_violators(XtA, w, feats, float(l1), bool(positive), idx, g)
    idx, g = idx[:m], g[:m]
    if m > max_add:
        top = np.argpartition(-g, max_add - 1)[:max_add]
        idx, g = idx[top], g[top]
    return feats[idx[np.argsort(-g, kind="stable")]]


def newton_cost(n_samples, k):
    """Flops of a Newton step on ``k`` features: the Gram matrix and its
    Cholesky factor."""
    return n_samples * k * k + k * k * k / 3


def _small_step_cost(design, cols):
    """:func:`newton_cost` as the compiled step pays it: on a CSC design its
    Gram matrix costs about ``k`` times the support's stored entries."""
    k = cols.size
    if not design.is_sparse:
        return newton_cost(design.n_samples, k)
    stored = int((design.indptr[cols + 1] - design.indptr[cols]).sum())
    return k * stored + k * k * k / 3


def support_newton(
    design, y, w, l1, l2, positive, primal, objective, add=None, solver=None
):
    """Try the Newton step on the current support of ``w`` (in place).

    Small steps (``_SMALL_COST``) run compiled
    (:func:`~skreg._kernels.newton.support_newton_small`, which evaluates
    the objective itself), larger ones with a single BLAS thread (see
    :func:`_newton_step`).

    Parameters
    ----------
    design : Design
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    w : ndarray of shape (n_features,)
        Current iterate (float64), replaced by the step when it is accepted.
    l1, l2 : float
        Penalty strengths in CD scaling.
    positive : bool
        Whether ``w >= 0`` is imposed.
    primal : float
        Objective at ``w``.
    objective : callable
        ``objective(w) -> float`` evaluating the primal at a candidate.
    add : tuple of ndarray or None
        ``(features, signs)``: zero features to bring into the support with
        these signs (see :func:`kkt_violators`).
    solver : SupportSolver or None
        A solver from an earlier call, reused when the support is close to
        its reference (its factor stays valid: it depends on the design and
        ``l2`` only).

    Returns
    -------
    outcome : int
        0 when rejected, 1 when a partial (sign-limited) step was taken, 2
        when the exact solution on the support less the features whose sign
        flipped was taken, 3 when the full Newton step was taken.
    solver : SupportSolver or None
        The solver used, for the next call.
    """
    cols = np.flatnonzero(w)
    signs = np.sign(w[cols])
    if add is not None and len(add[0]):
        cols = np.concatenate([cols, add[0]])
        signs = np.concatenate([signs, add[1]])
    k = cols.size
    if k == 0 or k > 3000 or (k > design.n_samples and l2 == 0):
        # without l2 the Gram matrix of more features than samples is
        # singular; with it, an ElasticNet support may exceed n_samples
        return 0, solver
    if _small_step_cost(design, cols) <= _SMALL_COST:
        # (no BLAS: small fits also skip the one-off library scan of the
        # thread-pool controller, ~0.1 s)
        outcome = support_newton_small(design.Z, y, w, cols, signs, l1, l2, positive)
        return outcome, solver
    args = (design, y, w, cols, signs, l1, l2, positive, primal, objective, solver)
    with single_thread_blas():
        return _newton_step(*args)


def _newton_step(
    design, y, w, cols, signs, l1, l2, positive, primal, objective, solver
):
    # bordering costs k^2 per changed feature, a fresh factor about n k + k^2
    # per feature: rebuild when the support has drifted that far
    fresh = (
        solver is None
        or not solver.ok
        or solver.n_changed(cols) > max(8, cols.size // 8)
    )
    if fresh:
        solver = SupportSolver(design, y, np.sort(cols), l2)
    outcome = _try_step(solver, w, cols, signs, l1, positive, primal, objective)
    if outcome == 0 and not fresh and solver.n_changed(cols):
        # a reference support larger than the design's rank (or merely
        # ill-conditioned) borders badly: retry on a factor of this support
        solver = SupportSolver(design, y, np.sort(cols), l2)
        outcome = _try_step(solver, w, cols, signs, l1, positive, primal, objective)
    return outcome, solver


def _try_step(solver, w, cols, signs, l1, positive, primal, objective):
    """The step of :func:`support_newton` with ``solver``; its outcome.

    When the Newton solution flips signs, the iterate moves towards it up to
    the first sign change, that feature leaves, and the system is solved
    again (feature-sign search): inside one orthant the objective is the
    quadratic the solution minimises, so every move lowers it, and the walk
    ends on the exact minimiser of a sign pattern after at most one solve
    per leaving feature.  Added features that ask for the other sign leave
    before any move.  Each solve borders the same factor.  At the first
    sign change the walk is first short-cut (see :func:`_drop_flipped`).
    """
    if not solver.ok:
        return 0
    x = w[cols].copy()
    act = np.arange(cols.size)
    full = True
    shortcut = True
    limit = max(WALK_SOLVES, cols.size // WALK_SHARE)
    for _ in range(limit):
        sol = solver.solve(cols[act], signs[act], l1)
        if sol is None:
            break
        s_act = signs[act]
        flips = np.sign(sol) != s_act
        if not np.any(flips):
            x[act] = sol
            cand = _candidate(w, cols[act], sol, positive)
            if objective(cand) < primal:
                w[:] = cand
                return 3 if full else 2
            return 0
        full = False
        x_act = x[act]
        entering = flips & (x_act == 0)
        if np.any(entering):
            act = act[~entering]
            continue
        if shortcut:
            shortcut = False
            # the walk's leaving features are (mostly) among these
            solver.prefetch(cols[act[flips]])
            few = max(SHORTCUT_FLIPS, act.size // SHORTCUT_SHARE)
            if np.count_nonzero(flips) <= few:
                outcome = _drop_flipped(
                    solver,
                    w,
                    cols,
                    signs,
                    act[~flips],
                    l1,
                    positive,
                    primal,
                    objective,
                )
                if outcome:
                    return outcome
        # the first coordinate to reach zero on the way to sol leaves
        t_hit = x_act[flips] / (x_act[flips] - sol[flips])
        t = float(np.min(t_hit))
        x[act] = x_act + t * (sol - x_act)
        leaving = np.zeros(act.size, dtype=bool)
        leaving[np.flatnonzero(flips)[t_hit <= t * (1 + 1e-12)]] = True
        x[act[leaving]] = 0.0
        act = act[~leaving]
        if act.size == 0:
            break
    # out of solves: keep the walk so far, which only went downhill
    cand = _candidate(w, cols, x, positive)
    if np.any(cand != w) and objective(cand) < primal:
        w[:] = cand
        return 1
    return 0


def _candidate(w, cols, values, positive):
    """A point shaped like ``w``: ``values`` on ``cols``, zero elsewhere
    (clipped at zero when ``positive``)."""
    cand = np.zeros_like(w)
    cand[cols] = values
    if positive:
        np.maximum(cand, 0.0, out=cand)
    return cand


def _drop_flipped(solver, w, cols, signs, keep, l1, positive, primal, objective):
    """Drop every feature the Newton solution flipped at once: outcome 2, or
    0 (``w`` unchanged).

    The feature-sign walk drops one feature per solve (on the wide benchmark
    at ``alpha_max / 100``: 11 solves from 465 features).  Solving on the
    support less the flipped features, and dropping again what flips then,
    takes two or three solves.  The result is the exact minimiser on its
    sign pattern, kept only when it lowers the objective; it may have
    dropped a feature the walk would have kept, which the next polish round
    brings back as an optimality violator.  Measured: 44.1 -> 41.7 ms to
    1e-6 on that problem, neutral elsewhere, and as many exact loose fits
    on 144 small correlated problems.
    """
    for _ in range(4):
        sol = solver.solve(cols[keep], signs[keep], l1)
        if sol is None:
            return 0
        flips = np.sign(sol) != signs[keep]
        if not np.any(flips):
            break
        keep = keep[~flips]
    else:
        return 0
    cand = _candidate(w, cols[keep], sol, positive)
    if not objective(cand) < primal:
        return 0
    w[:] = cand
    return 2
