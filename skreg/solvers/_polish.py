"""When the working-set CD driver tries Newton steps: the polish policy.

:func:`skreg.solvers.cd.enet_cd` runs CD on working sets and, at its full
passes, may replace the rest of the CD work by exact Newton steps on the
support (:func:`skreg.solvers._newton.support_newton`):

- *during* the solve, when the sign pattern repeats between passes or a
  step costs less than the last inner solve;
- *at convergence* (the gap within ``tol``), a few active-set rounds that
  take the answer to the exact optimum;
- *early*, before the gap is within ``tol``, when CD's remaining work
  (extrapolated from the gap's decrease) would cost more than the step.

:class:`Polish` holds that policy's state for one solve; the driver asks it
at every pass what to do.
"""

from enum import Enum

import numpy as np

from skreg.solvers._newton import Step, kkt_violators, newton_cost

__all__ = ["Action", "Polish", "cd_work_left"]


class Action(Enum):
    """What the driver does after a polish round: stop, measure the gap
    again (the step landed on an exact solution), or go on with CD."""

    STOP = "stop"
    AGAIN = "again"
    CD = "cd"


STOP, AGAIN, CD = Action.STOP, Action.AGAIN, Action.CD

# CD work (stored entries visited) below which a fit that ends on a partial
# Newton step runs another inner solve to settle its support
_TIGHTEN_WORK = 2e7
# Newton (active-set) rounds once the gap is within tol
_POLISH_ROUNDS = 5
# The polish may start before the gap is within tol: once it is within
# _EARLY_POLISH_GAP times tol, when the polish at convergence would be
# affordable anyway and the CD work still needed to converge (extrapolated
# from the gap's decrease per epoch since the last pass) is at least
# _EARLY_POLISH_WORK entries (a few ms) and 1 / _EARLY_POLISH_RATIO of the
# step's flops (a flop of the step's BLAS products costs about a quarter of
# a CD entry visit).  On an ill-conditioned support the last decade of the
# gap takes CD as long as the decades before, which the polish replaces.
# The work floor keeps small fits from starting it, where a walk over many
# sign changes costs more than the epochs it saves.
_EARLY_POLISH_GAP = 10.0
_EARLY_POLISH_RATIO = 8.0
_EARLY_POLISH_WORK = 2e7
# Below scikit-learn's default tol the polish may start at the gap it would
# start at with that tol (_EARLY_POLISH_GAP times it), not only within
# _EARLY_POLISH_GAP times the smaller tol: the support settles at a gap set
# by the problem, not by tol, and CD's last decades of the gap on an
# ill-conditioned support are what the polish replaces.  Only on supports
# of at most n_samples features: larger ones (whose Gram matrix is
# conditioned by l2 alone) made the step give way to CD again, a loss.
_EARLY_POLISH_TOL = 1e-4
# a Newton step may cost (in flops) this many times the CD work spent so far
_NEWTON_BUDGET = 2.0


def cd_work_left(gap, tol_abs, last_gap, epochs, epoch_work):
    """CD work (entries) still needed to bring the gap to ``tol_abs``,
    extrapolated from the last ``epochs`` epochs of ``epoch_work`` entries,
    which took the gap from ``last_gap`` to ``gap``; 0 when unknown.
    Infinite at ``tol_abs = 0``: CD's gap decreases linearly, never to 0."""
    if not (tol_abs < gap < last_gap) or epochs <= 0:
        return 0.0
    rate = np.log(last_gap / gap) / epochs
    return float(_efolds(gap, tol_abs) / rate * epoch_work)


def _efolds(gap, tol_abs):
    """``log(gap / tol_abs)`` for ``gap > tol_abs >= 0`` (inf at 0)."""
    return np.inf if tol_abs <= 0 else float(np.log(gap / tol_abs))


class Polish:
    """The Newton-step policy of one CD solve (see the module docstring).

    Parameters
    ----------
    enabled : bool
        Newton steps allowed (``newton=True`` and an L1 penalty).
    design : Design
        The solve's design (its size prices the steps).
    max_iter : int
        The solve's epoch limit.
    y_norm2 : float
        ``sum_i s_i y_i^2``, the scale of the solve's tol (see
        ``_EARLY_POLISH_TOL``).
    """

    def __init__(self, enabled, design, max_iter, y_norm2=0.0):
        self.enabled = enabled
        # the gap below which an early polish may start whatever tol is
        self.early_gap = _EARLY_POLISH_GAP * _EARLY_POLISH_TOL * y_norm2
        self.design = design
        # the rows a Newton step's Gram products visit per column: the
        # stored entries of a sparse column (its products are sparse), all
        # rows of a dense one.  Priced at n_samples rows, sparse steps look
        # far dearer than they are, and come late or not at all
        self.rows = (
            max(design.nnz / max(design.n_features, 1), 1.0)
            if design.is_sparse
            else design.n_samples
        )
        self.max_iter = max_iter
        # rounds left once the gap is within tol (or the polish is early)
        self.rounds_left = _POLISH_ROUNDS if enabled else 0
        # the last step was the full Newton step of its support
        self.polished = False
        # an early polish is under way (its steps keep succeeding)
        self.early = False
        # one more inner solve below tol settles the support, within
        # tighten_epochs
        self.tighten = False
        self.tighten_epochs = None
        # the CD work an early polish is expected to save
        self.work_left = 0.0
        # the sign patterns of the last pass and of the last step tried
        # during the solve, and whether a step may be tried (CD ran since a
        # partial one)
        self.last_signs = None
        self.tried_signs = None
        self.ready = True

    def consider_early(
        self, w, l2, gap, tol_abs, last_gap, epochs, epoch_work, total_work
    ):
        """Start an early polish at a pass whose gap is not within tol, when
        it pays: ``epochs`` epochs of ``epoch_work`` entries each took the
        gap from ``last_gap`` to ``gap``, after ``total_work`` entries in
        all."""
        if self.early or self.rounds_left != _POLISH_ROUNDS:
            return
        self.work_left = 0.0
        k = int(np.count_nonzero(w))
        threshold = _EARLY_POLISH_GAP * tol_abs
        if k <= self.design.n_samples:
            threshold = max(threshold, self.early_gap)
        # A warm start (nonzero before any CD) carries an earlier solution's
        # support: its sign walk is short, so it is polished at any gap, its
        # CD work estimated at one epoch on the support per e-fold of the
        # gap (CD on a support worth a Newton step is rarely faster).
        warm = total_work == 0 and k > 0
        if warm or gap <= threshold:
            if warm:
                work_left = _efolds(gap, tol_abs) * k * self.rows
            else:
                work_left = cd_work_left(gap, tol_abs, last_gap, epochs, epoch_work)
            cost = newton_cost(self.rows, k)
            worth = (
                0 < k
                and (k <= self.design.n_samples or l2[w != 0].min() > 0)
                and (warm or work_left >= _EARLY_POLISH_WORK)
                and work_left * _EARLY_POLISH_RATIO >= cost
                and cost <= _NEWTON_BUDGET * (total_work + work_left)
            )
            if worth:
                self.work_left = work_left
        self.early = self.work_left > 0.0

    def round(self, converged, step, w, XtA, feats, pen, n_epochs, total_work):
        """One polish round at a pass (the gap within tol, or an early
        polish); ``step(add)`` runs the Newton step with the features
        ``add = (indices, signs)`` joining the support and returns its
        outcome.  Returns ``STOP``, ``AGAIN`` or ``CD``."""
        # A Newton step on the final support when its products cost at most
        # twice the CD work already spent: at loose tol it moves the answer
        # from "within tol" to the exact optimum (what a user comparing with
        # scikit-learn, which overshoots its tol, sees, and what makes
        # weighted and repeated-row fits agree); the gap can only shrink.
        # Features violating their optimality condition join the support (an
        # active-set round), so a few rounds reach the exact solution.  When
        # a step is rejected or ends on a sign change, one more inner solve
        # below tol settles the support.  An early polish goes on while its
        # steps land on exact solutions, and hands back to CD else.
        self.tighten = False
        if self.rounds_left > 0:
            self.rounds_left -= 1
            k = int(np.count_nonzero(w))
            viol = kkt_violators(XtA, w, feats, pen, max(5, k // 10))
            if self.polished and viol.size == 0 and converged:
                # the last step was exact on this support and nothing wants
                # in: the optimum
                return STOP
            k += viol.size
            # an early polish may spend what the polish at convergence would
            # have been allowed
            budget = max(
                2 * self.design.nnz, _NEWTON_BUDGET * (total_work + self.work_left)
            )
            outcome = Step.REJECTED
            if 0 < k and newton_cost(self.rows, k) <= budget:
                outcome = step((viol, np.sign(XtA[viol])))
            self.polished = outcome == Step.FULL
            if outcome >= Step.DROPPED and self.rounds_left > 0:
                # the exact solution on a sign pattern: check the gap and the
                # zero features again (a step that changes nothing ends the
                # polish)
                return AGAIN
            if not converged:
                # an early polish that ends: CD goes on to tol
                self.early = False
            else:
                if self.tighten_epochs is None:
                    # settling the support may cost a quarter of the epochs
                    # spent to converge, no more
                    settle = max(n_epochs // 4, 20)
                    self.tighten_epochs = min(n_epochs + settle, self.max_iter)
                # only on small fits (below _TIGHTEN_WORK): on large
                # ill-conditioned ones the extra inner solves cost more than
                # the precision is worth
                self.tighten = (
                    outcome in (Step.PARTIAL, Step.DROPPED)
                    and n_epochs < self.tighten_epochs
                    and total_work <= _TIGHTEN_WORK
                )
        return STOP if converged and not self.tighten else CD

    def try_step(self, w, total_work, last_inner_work, step):
        """At a pass during the solve, try the Newton step ``step()`` when
        the sign pattern repeats or the step costs less than the last inner
        solve, and never when it costs more than twice all CD work so far
        (measured: on n >> p designs its n k^2 products cost more than the
        CD epochs saved), nor twice on one sign pattern.  Returns whether a
        step moved ``w``: the driver then checks the gap again (a partial
        step, which ended on a sign change, first hands back to CD)."""
        if not self.enabled:
            return False
        signs = np.sign(w)
        k = int(np.count_nonzero(signs))
        cost = newton_cost(self.rows, k)
        affordable = cost <= _NEWTON_BUDGET * total_work
        cheap = cost <= last_inner_work
        settled = self.last_signs is not None and np.array_equal(signs, self.last_signs)
        fresh = self.tried_signs is None or not np.array_equal(signs, self.tried_signs)
        if (settled or cheap) and affordable and self.ready and fresh:
            self.tried_signs = signs
            outcome = step()
            if outcome:
                self.ready = outcome == Step.FULL
                return True
        self.last_signs = signs
        return False
