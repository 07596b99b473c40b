"""Working-set coordinate descent for ElasticNet with gap-safe screening.

:func:`enet_cd` is the entry point the estimators and paths call; the loop
itself is :class:`skreg.solvers.working_set.WorkingSetCD`: a handful of
full passes, each measuring the global duality gap, screening features
that are provably zero and handing a small working set to the Numba kernel
:func:`skreg._kernels.cd.cd_epochs` (CD epochs with Anderson extrapolation
until the working-set gap falls below a fraction of the global one).  The
fit stops on the global duality gap against ``tol * sum_i s_i y_i^2``:
scikit-learn's rule, so ``tol`` means the same.
"""

from dataclasses import dataclass, field

import numpy as np

from skreg._kernels.penalty import make_penalty
from skreg.solvers.working_set import CDOptions, WorkingSetCD

__all__ = ["CDResult", "enet_cd"]


@dataclass
class CDResult:
    """Outcome of one ElasticNet solve (coordinate-descent scaling)."""

    coef: np.ndarray
    n_iter: int
    gap: float
    tol: float
    converged: bool
    history: list = field(default_factory=list)


def enet_cd(
    design,
    y,
    w,
    l1,
    l2,
    *,
    max_iter=1000,
    tol=1e-4,
    positive=False,
    lower=None,
    upper=None,
    random_state=None,
    working_set=True,
    screening=True,
    anderson=5,
    p0=10,
    inner_ratio=0.3,
    settled_ratio=0.03,
    check_every=4,
    newton=True,
    ws_growth=1.5,
    full_every=3,
    xty=None,
):
    """Minimise ``1/2 sum s (y - Z w)^2 + sum_j l1_j |w_j| + l2_j/2 w_j^2``
    (subject to ``lower <= w <= upper``) in place.

    The tuning parameters' measurements are in ``docs/solvers.rst``.

    Parameters
    ----------
    design : Design
        The (implicitly centred, weighted) design.
    y : ndarray of shape (n_samples,)
        Centred target, same dtype as the design.
    w : ndarray of shape (n_features,)
        Starting point; updated in place (iterations run in float64).
    l1, l2 : float or ndarray of shape (n_features,)
        Penalty strengths in CD scaling (``n alpha l1_ratio`` and
        ``n alpha (1 - l1_ratio)`` for scikit-learn's objective), per
        feature or for all.
    max_iter : int
        Maximum number of CD epochs (passes over the working set).
    tol : float
        Stop when the duality gap is ``<= tol * sum_i s_i y_i^2``.
    positive : bool
        Constrain ``w >= 0`` (the same as ``lower=0``).
    lower, upper : float or ndarray of shape (n_features,) or None
        Box constraints ``lower <= w <= upper`` (``lower <= 0 <= upper``);
        None for none.
    random_state : numpy.random.RandomState or None
        When given, coordinates are drawn at random (``selection='random'``).
    working_set, screening : bool
        Use a growing working set / gap-safe screening (both need ``l1 > 0``).
    anderson : int
        Number of iterates Anderson extrapolation combines (0 disables it).
    p0 : int
        Smallest working set after the first.
    inner_ratio : float
        A restricted solve stops when its own gap is at most ``inner_ratio``
        times the last full gap (or ``tol``, whichever is larger).
    settled_ratio : float
        The ratio used instead of ``inner_ratio`` when the working set looks
        settled: the last inner solve met its target at its first gap check
        and the full pass found no feature outside that solve's set
        violating its optimality condition (each pass then costs many
        epochs of the set, so the set is solved further).
    check_every : int
        The inner solve checks its working-set gap after ``check_every``
        epochs, then every ``2 * check_every`` (see
        :func:`~skreg._kernels.cd.cd_epochs`).  On dense designs with long
        columns the full passes answer these checks instead, after the
        same epochs.
    newton : bool
        Try an exact Newton step on the support once the sign pattern has
        settled (see :mod:`skreg.solvers._newton`).
    ws_growth : float
        Working sets after the first hold ``ws_growth`` times the current
        support (at least ``p0`` features).
    full_every : int
        Only every ``full_every``-th epoch sweeps the whole working set; the
        others sweep its nonzero coefficients (glmnet's active-set cycling).
    xty : ndarray of shape (n_features,) or None
        ``Z^T S y`` when already known (see ``Design(targets=...)``): a
        cold start (``w = 0``) then skips the first pass over the design.

    Returns
    -------
    CDResult
    """
    pen = make_penalty(design.n_features, l1, l2, positive, lower, upper)
    opts = CDOptions(
        max_iter=int(max_iter),
        tol=float(tol),
        working_set=working_set,
        screening=screening,
        anderson=int(anderson),
        p0=int(p0),
        inner_ratio=inner_ratio,
        settled_ratio=settled_ratio,
        check_every=int(check_every),
        newton=newton,
        ws_growth=ws_growth,
        full_every=int(full_every),
    )
    y = np.ascontiguousarray(y, dtype=np.float64)
    solver = WorkingSetCD(design, y, w, pen, opts, random_state, xty)
    coef, n_iter, gap, converged = solver.run()
    w[:] = coef
    return CDResult(
        coef=w, n_iter=n_iter, gap=gap, tol=float(solver.tol_abs), converged=converged
    )
