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
which factors the Gram matrix of a reference support once (LAPACK through
SciPy, on one BLAS thread).
"""

from enum import IntEnum

import numpy as np

from skreg._kernels.gap import zero_violators
from skreg.solvers._blas import single_thread_blas
from skreg.solvers._support_solver import SupportSolver

__all__ = ["Step", "kkt_violators", "newton_cost", "support_newton"]


class Step(IntEnum):
    """Outcome of a support Newton step (ordered by how much it achieved)."""

    #: rejected, ``w`` unchanged
    REJECTED = 0
    #: a sign-limited part of the step was taken
    PARTIAL = 1
    #: the exact solution on the support less the features whose sign flipped
    DROPPED = 2
    #: the full Newton step: the exact solution on the support
    FULL = 3


# A feature-sign walk makes at most max(WALK_SOLVES, k // WALK_SHARE)
# solves on a support of k features; when the first solve flips at most
# max(SHORTCUT_FLIPS, k // SHORTCUT_SHARE) signs, they are all dropped at
# once first (see _drop_flipped).
WALK_SOLVES = 8
WALK_SHARE = 4
SHORTCUT_FLIPS = 6
SHORTCUT_SHARE = 32


def kkt_violators(XtA, w, feats, pen, max_add):
    """Zero features of ``feats`` whose gradient exceeds their L1 weight (in
    a direction their bounds leave open), worst first.

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
    pen : Penalty
        The per-feature penalty (see :mod:`skreg._kernels.penalty`).
    max_add : int
        At most this many are returned.

    Returns
    -------
    add : ndarray of int
        The violating features, largest violation first.
    """
    idx, g = zero_violators(XtA, w, feats, pen)
    if idx.size > max_add:
        top = np.argpartition(-g, max_add - 1)[:max_add]
        idx, g = idx[top], g[top]
    return feats[idx[np.argsort(-g, kind="stable")]]


def newton_cost(n_samples, k):
    """Flops of a Newton step on ``k`` features: the Gram matrix and its
    Cholesky factor."""
    return n_samples * k * k + k * k * k / 3


def support_newton(design, y, w, pen, primal, objective, add=None, solver=None):
    """Try the Newton step on the current support of ``w`` (in place).

    The products and factorisations run on one BLAS thread.

    Parameters
    ----------
    design : Design
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    w : ndarray of shape (n_features,)
        Current iterate (float64), replaced by the step when it is accepted.
    pen : Penalty
        The per-feature penalty in CD scaling (see
        :mod:`skreg._kernels.penalty`).
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
        the penalty only).

    Returns
    -------
    outcome : Step
        What the step achieved (see :class:`Step`).
    solver : SupportSolver or None
        The solver used, for the next call.
    """
    cols = np.flatnonzero(w)
    held = (w[cols] == pen.lower[cols]) | (w[cols] == pen.upper[cols])
    key = None
    if np.any(held):
        # features at a bound stay there: the system is on the others, with
        # the held features' fit taken off the target (and a solver of its own)
        fixed, cols = cols[held], cols[~held]
        key = (fixed.tobytes(), w[fixed].tobytes())
        if solver is not None and getattr(solver, "held_key", None) != key:
            solver = None
        y = y - _centred_product(design, fixed, w[fixed])
    elif solver is not None and getattr(solver, "held_key", None) is not None:
        solver = None
    signs = np.sign(w[cols])
    if add is not None and len(add[0]):
        cols = np.concatenate([cols, add[0]])
        signs = np.concatenate([signs, add[1]])
    k = cols.size
    if k == 0 or k > 3000 or (k > design.n_samples and pen.l2[cols].min() == 0):
        # without l2 the Gram matrix of more features than samples is
        # singular; with it, an ElasticNet support may exceed n_samples
        return Step.REJECTED, solver
    args = (design, y, w, cols, signs, pen, primal, objective, solver)
    with single_thread_blas(design.n_samples, k):
        outcome, solver = _newton_step(*args)
    if solver is not None:
        solver.held_key = key
    return outcome, solver


def _centred_product(design, cols, values):
    """``Z_cols values`` (the implicitly centred columns)."""
    X = design.sparse_X if design.is_sparse else design.X
    out = np.asarray(X[:, cols] @ values, dtype=np.float64).ravel()
    return out - float(design.xm[cols] @ values)


def _newton_step(design, y, w, cols, signs, pen, primal, objective, solver):
    # bordering costs k^2 per changed feature, a fresh factor about n k + k^2
    # per feature: rebuild when the support has drifted that far
    fresh = (
        solver is None
        or not solver.ok
        or solver.n_changed(cols) > max(8, cols.size // 8)
    )
    if fresh:
        solver = SupportSolver(design, y, np.sort(cols), pen)
    outcome = _try_step(solver, w, cols, signs, pen, primal, objective)
    if outcome == Step.REJECTED and not fresh and solver.n_changed(cols):
        # a reference support larger than the design's rank (or merely
        # ill-conditioned) borders badly: retry on a factor of this support
        solver = SupportSolver(design, y, np.sort(cols), pen)
        outcome = _try_step(solver, w, cols, signs, pen, primal, objective)
    return outcome, solver


def _try_step(solver, w, cols, signs, pen, primal, objective):
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
        return Step.REJECTED
    x = w[cols].copy()
    act = np.arange(cols.size)
    full = True
    shortcut = True
    limit = max(WALK_SOLVES, cols.size // WALK_SHARE)
    for _ in range(limit):
        sol = solver.solve(cols[act], signs[act])
        if sol is None:
            break
        s_act = signs[act]
        flips = np.sign(sol) != s_act
        if not np.any(flips):
            x[act] = sol
            cand = _candidate(w, cols[act], sol, pen)
            # the exact minimiser on its sign pattern is kept on a tie too:
            # near the optimum the objective rounds alike on both sides
            if objective(cand) <= primal:
                w[:] = cand
                return Step.FULL if full else Step.DROPPED
            return Step.REJECTED
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
                    pen,
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
    cand = _candidate(w, cols, x, pen)
    if np.any(cand != w) and objective(cand) < primal:
        w[:] = cand
        return Step.PARTIAL
    return Step.REJECTED


def _candidate(w, cols, values, pen):
    """A point shaped like ``w``: ``values`` on ``cols``, the features that
    ``w`` holds at a nonzero bound kept there, zero elsewhere (clipped into
    the bounds)."""
    held = (w != 0.0) & ((w == pen.lower) | (w == pen.upper))
    cand = np.where(held, w, 0.0)
    cand[cols] = values
    np.clip(cand, pen.lower, pen.upper, out=cand)
    return cand


def _drop_flipped(solver, w, cols, signs, keep, pen, primal, objective):
    """Drop every feature the Newton solution flipped at once:
    ``Step.DROPPED``, or ``Step.REJECTED`` (``w`` unchanged).

    The feature-sign walk drops one feature per solve, which on wide
    correlated problems means many solves.  Solving on the support less the
    flipped features, and dropping again what flips then, takes two or
    three solves.  The result is the exact minimiser on its sign pattern,
    kept only when it lowers the objective; it may have dropped a feature
    the walk would have kept, which the next polish round brings back as an
    optimality violator.
    """
    for _ in range(4):
        sol = solver.solve(cols[keep], signs[keep])
        if sol is None:
            return Step.REJECTED
        flips = np.sign(sol) != signs[keep]
        if not np.any(flips):
            break
        keep = keep[~flips]
    else:
        return Step.REJECTED
    cand = _candidate(w, cols[keep], sol, pen)
    if not objective(cand) < primal:
        return Step.REJECTED
    w[:] = cand
    return Step.DROPPED
