"""Working-set solves on the Gram matrix of the set, for tall dense designs.

On a dense design with long columns an epoch of coordinate descent on a
working set of ``k`` features streams ``n k`` entries from memory.  The
set's Gram matrix ``Z_A^T S Z_A`` costs ``n k^2 / 2`` multiply-adds once,
in a BLAS product that runs about four times faster per flop than an epoch
per entry (docs/solvers.rst), after which an epoch costs ``O(k^2)``,
independent of ``n``: the set is then solved to its exact optimum (CD to a
fraction of the gap, then a Newton step on the support, both from the Gram
matrix) at about the price of ``k / 8`` epochs.  :class:`GramBlocks` keeps
the Gram matrix of every feature a working set brought in, so that a later
set pays for its new columns only.  It is the solver of fits from
sufficient statistics (:class:`skreg.solvers.gram.GramCD`) on a subset.
"""

import numpy as np
from scipy.linalg.lapack import dposv

from skreg._kernels.gram_cd import gram_cd, gram_gap

__all__ = [
    "GRAM_MAX_FEATURES",
    "GramBlocks",
    "gram_newton",
    "solve_block",
    "solve_gram",
]

# Largest set solved on its Gram matrix: a build of k columns costs about
# k / 8 epochs on them (a BLAS flop costs a quarter of a streamed entry),
# which pays when it replaces the 8-16 epochs and the support Newton
# step (another n k^2 product) a tall fit spends on a set.
GRAM_MAX_FEATURES = 64

# Rows per block of the Gram products, as entries of the block's columns:
# the copies of the columns stay this small however long they are.
_BLOCK_ENTRIES = 2**20

# The set is solved until its gap is this fraction of the fit's tolerance:
# its epochs cost O(k^2), so that an exact set leaves the full pass nothing
# but the features outside it.
_GRAM_INNER = 0.1


class GramBlocks:
    """``G = Z_A^T S Z_A`` and ``q = Z_A^T S y`` of a growing feature set
    ``A`` of a dense design, extended by the columns a block asks for.

    Parameters
    ----------
    design : Design
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    """

    def __init__(self, design, y):
        self.design, self.y = design, y
        self.cols = np.empty(0, dtype=np.intp)
        self.pos = np.full(design.n_features, -1)
        self.G = np.empty((0, 0))
        self.q = np.empty(0)

    def size_with(self, cols):
        """The size of the set once ``cols`` are in."""
        return self.cols.size + int(np.count_nonzero(self.pos[cols] < 0))

    def block(self, cols):
        """``(G, q)`` restricted to ``cols`` (copies), with the multiply-adds
        the missing columns cost."""
        new = cols[self.pos[cols] < 0]
        flops = self._grow(new) if new.size else 0.0
        idx = self.pos[cols]
        return self.G[np.ix_(idx, idx)], self.q[idx], flops

    def _grow(self, new):
        design, old = self.design, self.cols
        k, m = old.size, new.size
        cross, H, rhs = _raw_products(design, old, new, self.y)
        # (X_A - 1 m_A^T)^T S (X_B - 1 m_B^T) expanded
        m_old, m_new = design.xm[old], design.xm[new]
        c_old, c_new = design.colsum[old], design.colsum[new]
        cross -= np.outer(m_old, c_new) + np.outer(c_old, m_new)
        cross += design.sw_sum * np.outer(m_old, m_new)
        H -= np.outer(m_new, c_new) + np.outer(c_new, m_new)
        H += design.sw_sum * np.outer(m_new, m_new)
        y_sum = float(np.dot(design.sw, self.y) if design.has_sw else self.y.sum())
        G = np.empty((k + m, k + m))
        G[:k, :k] = self.G
        G[:k, k:] = cross
        G[k:, :k] = cross.T
        G[k:, k:] = H
        self.G = G
        self.q = np.concatenate([self.q, rhs - m_new * y_sum])
        self.pos[new] = np.arange(k, k + m)
        self.cols = np.concatenate([old, new])
        return float(design.n_samples) * m * (k + m)


def _raw_products(design, old, new, y):
    """``X_old^T S X_new``, ``X_new^T S X_new`` and ``X_new^T S y``
    (uncentred), from float64 copies of row blocks of the columns."""
    X, sw = design.X, design.sw
    n = design.n_samples
    cross = np.zeros((old.size, new.size))
    H = np.zeros((new.size, new.size))
    rhs = np.zeros(new.size)
    step = max(1, _BLOCK_ENTRIES // (old.size + new.size))
    for start in range(0, n, step):
        rows = slice(start, min(start + step, n))
        XN = np.asarray(X[rows, new], dtype=np.float64)
        XNw = XN * sw[rows, None] if design.has_sw else XN
        if old.size:
            cross += np.asarray(X[rows, old], dtype=np.float64).T @ XNw
        H += XN.T @ XNw
        rhs += XNw.T @ y[rows]
    return cross, H, rhs


def gram_newton(G, q, w, gap, penalty, gap_of, max_solves=8, drop_all=False):
    """Newton step on the support of ``w`` for the Gram problem (features at
    a bound held there), kept when it lowers the gap ``gap_of(w)``.

    When the solution flips signs, ``w`` moves towards it up to the first
    sign change, that feature leaves and the system is solved again (a
    feature-sign walk, at most ``max_solves`` solves): every move stays in
    one orthant, where the objective is the quadratic the solution
    minimises.  With ``drop_all``, every flipped feature leaves at once
    instead (fewer solves, the whole-problem solve's choice: measured
    equal or faster on small data, up to 0.4 ms a fit).  A solution outside
    the bounds ends the walk where it is.  Returns ``(w, gap)`` (``w``
    itself when rejected).
    """
    l1, l2, lower, upper = penalty
    free = (w != 0.0) & (w > lower) & (w < upper)
    held = np.flatnonzero((w != 0.0) & ~free)
    rhs = q - l1 * np.sign(w) - G[:, held] @ w[held]
    x, act = w.copy(), np.flatnonzero(free)
    for _ in range(max_solves):
        if act.size == 0:
            break
        A = G[np.ix_(act, act)]
        A[np.diag_indices(act.size)] += l2[act]
        # LAPACK's Cholesky solve directly (scipy.linalg.solve's checks
        # cost more than a small system); info > 0: not positive definite
        _, sol, info = dposv(A, rhs[act], lower=1)
        if info != 0 or not np.all(np.isfinite(sol)):
            break
        if np.any(sol < lower[act]) or np.any(sol > upper[act]):
            break
        flips = np.sign(sol) != np.sign(w[act])
        if not flips.any():
            x[act] = sol
            break
        if drop_all:
            # every flipped feature leaves at once: two or three solves
            # instead of one per feature (the gap check below keeps the
            # step honest; a feature dropped too early comes back by CD)
            x[act[flips]] = 0.0
            act = act[~flips]
            continue
        t_hit = x[act][flips] / (x[act][flips] - sol[flips])
        t = float(t_hit.min())
        x[act] += t * (sol - x[act])
        leaving = np.flatnonzero(flips)[t_hit <= t * (1 + 1e-12)]
        x[act[leaving]] = 0.0
        act = np.delete(act, leaving)
    else:
        if drop_all:
            return w, gap
    if np.array_equal(x, w):
        return w, gap
    new_gap = gap_of(x)
    return (x, new_gap) if new_gap < gap else (w, gap)


def solve_block(G, q, yy, w, penalty, max_epochs, tol_in, tol_abs, random, rng_state):
    """Solve the Gram problem of a working set from ``w`` (in place).

    CD epochs on ``(G, q, yy)`` until the gap is ``tol_in``, then a Newton
    step on the support.  Until a step lands on a gap of at most
    ``_GRAM_INNER * tol_abs`` (or ``tol_in``, whichever is smaller), CD goes
    on to a tenth of the gap and the step is tried again: the set ends on
    its exact optimum, as the in-memory solver's polish leaves it, unless
    the gap falls a millionth below that first.

    Returns ``(n_epochs, gap, exact)``: ``exact`` when ``w`` is the exact
    minimiser on its sign pattern (the last Newton step was accepted).
    """

    def gap_of(v):
        return gram_gap(q, yy, v, G @ v, *penalty)

    tight = min(tol_in, _GRAM_INNER * tol_abs)
    floor = 1e-6 * tight
    target, n_epochs, exact = tol_in, 0, False
    Gw = G @ w
    while True:
        gap, ep = gram_cd(
            G, q, yy, w, Gw, *penalty, max_epochs - n_epochs, target, random, rng_state
        )
        n_epochs += ep
        exact = exact and ep == 0
        new, gap = gram_newton(G, q, w, gap, penalty, gap_of)
        if new is not w:
            w[:] = new
            Gw = G @ w
            exact = True
        stuck = ep == 0 and new is w and target <= floor
        done = (exact and gap <= tight) or gap <= floor or not gap > 0
        if done or stuck or n_epochs >= max_epochs:
            return n_epochs, max(float(gap), 0.0), exact
        target = max(0.1 * min(target, gap), floor)


# The whole-problem Gram solve: its first round of epochs is this short (a
# warm start or an easy problem is settled by the first Newton step), and a
# step's walk is priced at k^3/3 flops per solve plus SOLVE_OVERHEAD (the
# LAPACK call and the indexing around it, about 10 us) against p^2 flops
# per epoch since the last step plus STEP_ALLOWANCE (on small problems the
# Python around the epochs costs more than a few solves).
FIRST_CHUNK = 2
SOLVE_OVERHEAD = 1e4
STEP_ALLOWANCE = 1e5


def solve_gram(G, q, yy, w, penalty, max_epochs, tol_abs, random, rng_state):
    """Solve a whole Gram problem from ``w`` (in place) to ``tol_abs``.

    Rounds of CD epochs, each until the gap falls a decade or for twice
    the epochs of the round before (the Lasso's gap may lag far behind the
    iterate), each ended by a Newton step on the support, until the gap is
    within ``tol_abs``; the last step makes a converged ``w`` the exact
    minimiser on its signs (as the working-set solver's polish).  A step's
    walk may cost (at ``k^3 / 3`` flops per solve) what the epochs since the
    last step cost (``p^2`` each), the last step what all epochs cost.
    Returns ``(n_epochs, gap)``.
    """

    def gap_of(v):
        return gram_gap(q, yy, v, G @ v, *penalty)

    Gw = G @ w
    target = 0.1 * gap_of(w)
    p2 = float(w.size) ** 2
    n_epochs, chunk, since = 0, FIRST_CHUNK, 0
    while True:
        gap, ep = gram_cd(
            G, q, yy, w, Gw, *penalty, min(chunk, max_epochs - n_epochs),
            max(target, tol_abs), random, rng_state,
        )  # fmt: skip
        n_epochs, since = n_epochs + ep, since + ep
        last = _finished(gap, tol_abs, n_epochs, max_epochs)
        work = (n_epochs if last else since) * p2 + STEP_ALLOWANCE
        solves = min(8, int(work / (np.count_nonzero(w) ** 3 / 3 + SOLVE_OVERHEAD)))
        if solves:
            since = 0
            new, gap = gram_newton(G, q, w, gap, penalty, gap_of, solves, True)
            if new is not w:
                w[:] = new
                Gw = G @ w
        if _finished(gap, tol_abs, n_epochs, max_epochs):
            return n_epochs, max(float(gap), 0.0)
        target, chunk = 0.1 * min(target, gap), 2 * chunk


def _finished(gap, tol_abs, n_epochs, max_epochs):
    # within tol, out of epochs, or a NaN gap (no progress to be made)
    return gap <= tol_abs or n_epochs >= max_epochs or not gap == gap
