"""Proximal gradient descent and FISTA for ElasticNet and Ridge.

Both solvers take full gradient steps of length ``1 / L``, with ``L`` the
largest eigenvalue of ``Z^T S Z`` estimated by power iteration (times a
safety factor), followed by the proximal operator of the penalty (the
scalar formulas of :mod:`skreg._kernels.prox`).  ``accelerated=True`` adds
Nesterov momentum (FISTA, Beck and Teboulle, 2009) with the adaptive
restart of O'Donoghue and Candès (2015): the momentum is reset whenever the
objective increases.

For the L1 penalty the plain solver (``accelerated=False``, ``solver='gd'``)
is the proximal (ISTA) step

.. math::

    w \\leftarrow \\operatorname{ST}_{\\eta \\lambda}(w - \\eta \\nabla f(w)),
    \\qquad \\operatorname{ST}_t(x) = \\operatorname{sign}(x) \\max(|x| - t, 0),

the convergent, subgradient-free version of the textbook update
``w -= step * (grad + lambda * sign(w))``: instead of adding a subgradient
(which never lands on exactly 0 and needs decreasing steps), the penalty is
handled exactly by soft-thresholding, so coefficients become exactly zero,
the objective decreases at every epoch and a constant step converges.

The epochs run in :func:`skreg._kernels.prox_grad.prox_grad_epochs`; with
``verbose`` they are run one at a time so that each epoch prints a line as
soon as it is done.
"""

import weakref

import numpy as np

from skreg._kernels.gradient import (
    full_gradient,
    lipschitz_power,
    weighted_residual_sum,
)
from skreg._kernels.penalty import make_penalty
from skreg._kernels.prox_grad import evaluate, projected_grad_norm, prox_grad_epochs
from skreg.solvers.cd import CDResult

__all__ = ["enet_prox_grad", "lipschitz_constant", "ridge_prox_grad"]

#: Power iteration returns a lower bound of the largest eigenvalue; the step
#: uses this multiple of it.  The iteration stops at 1e-2 relative change
#: of the Rayleigh quotient: each iteration costs as much as an epoch, and
#: with clustered top eigenvalues (random designs) it creeps up slowly; at
#: that point the estimate is measured at 0.91-0.995 of the eigenvalue, so
#: the step is within 0.9-1.0 of ``1 / L``.  This is safe: proximal
#: gradient decreases the objective for any step below ``2 / L``, and the
#: epochs halve the step if a momentum-free step ever increases it.
LIPSCHITZ_SAFETY = 1.1

_LIPSCHITZ_CACHE = weakref.WeakKeyDictionary()


def lipschitz_constant(design, *, max_iter=100, rtol=1e-2):
    """Estimate of the largest eigenvalue of ``Z^T S Z`` (the step is ``1/L``).

    Power iteration (deterministic start, stopped at ``rtol`` relative
    change of the Rayleigh quotient) times :data:`LIPSCHITZ_SAFETY`, capped
    by the trace ``sum_j ||z_j||_S^2``, itself an upper bound.  The
    value is cached per :class:`~skreg.solvers.design.Design`, so the targets
    of a multi-output fit share it.
    """
    try:
        return _LIPSCHITZ_CACHE[design]
    except (KeyError, TypeError):
        pass
    trace = float(np.sum(design.norm2))
    if trace == 0.0:
        L = 0.0
    else:
        v0 = np.random.RandomState(0).standard_normal(design.n_features)
        rd = np.empty(design.n_samples)
        est, _ = lipschitz_power(design.Z, v0, rd, max_iter, rtol)
        L = min(LIPSCHITZ_SAFETY * est, trace)
    try:
        _LIPSCHITZ_CACHE[design] = L
    except TypeError:
        pass
    return L


def _run(
    design,
    y,
    w,
    l1,
    l2,
    *,
    max_iter,
    positive,
    accelerated,
    verbose,
    mode,
    tol_abs,
    loss_scale,
    extrapolation=5,
    lower=None,
    upper=None,
):
    """Shared driver; returns ``(w, n_iter, crit, converged, history)``.

    ``crit`` is the final duality gap (``mode=0``) or projected gradient
    norm (``mode=1``); ``history`` the objective per epoch times
    ``loss_scale``.  ``extrapolation`` is the number of residual
    differences combined by dual extrapolation (0 disables it); it is tried
    every ``extrapolation`` epochs.
    """
    p = design.n_features
    Z = design.Z
    rd = np.empty(design.n_samples)
    XtA = np.zeros(p)
    grad = np.zeros(p)
    feats = np.arange(p)
    pen = make_penalty(p, l1, l2, positive, lower, upper)
    L = lipschitz_constant(design)
    if L == 0.0 and (np.any(pen.l1 > 0) or np.any(pen.l2 > 0)):
        # Every centred column is zero: the data term is constant and the
        # penalty alone is minimised at 0.
        w[:] = 0.0
    gap, primal, _, _ = evaluate(Z, y, w, rd, pen, feats, XtA, grad)

    def criterion(gap):
        return gap if mode == 0 else projected_grad_norm(XtA, w, pen)

    crit = criterion(gap)
    history = []
    if crit <= tol_abs or L == 0.0 or not np.isfinite(primal):
        return w, 0, float(crit), bool(crit <= tol_abs), history
    step = 1.0 / L
    w_prev = w.copy()
    v = w.copy()
    grad_prev = grad.copy()
    grad_v = grad.copy()
    state = np.array([1.0, primal, step, -np.inf, 0.0])
    use_dx = extrapolation > 0 and bool(np.any(pen.l1 > 0))
    n = design.n_samples
    rhist = np.empty((extrapolation + 1, n) if use_dx else (1, 1))
    r_acc = np.empty(n if use_dx else 1)
    XtA_acc = np.empty(p if use_dx else 1)
    hist_loss = np.empty(max_iter)
    hist_gap = np.empty(max_iter)
    block = 1 if verbose else max_iter
    n_iter = 0
    converged = False
    while n_iter < max_iter and not converged:
        todo = min(block, max_iter - n_iter)
        ran, converged = prox_grad_epochs(
            Z,
            y,
            w,
            w_prev,
            v,
            grad,
            grad_prev,
            grad_v,
            rd,
            XtA,
            state,
            pen,
            accelerated,
            todo,
            mode,
            tol_abs,
            rhist,
            r_acc,
            XtA_acc,
            extrapolation,
            hist_loss[n_iter:],
            hist_gap[n_iter:],
        )
        for k in range(n_iter, n_iter + ran):
            if verbose:
                print(
                    f"epoch {k + 1}/{max_iter}  loss {hist_loss[k] * loss_scale:.6e}"
                    f"  gap {hist_gap[k] * loss_scale:.1e}"
                )
        n_iter += ran
        if ran < todo and not converged:  # non-finite objective
            break
    history = (hist_loss[:n_iter] * loss_scale).tolist()
    crit = criterion(hist_gap[n_iter - 1])
    return w, n_iter, float(crit), bool(converged), history


def _solve(design, y, w, l1, l2, **kwargs):
    """:func:`_run` from ``w`` (updated in place), as a :class:`CDResult`."""
    coef, n_iter, crit, converged, history = _run(
        design, y, np.asarray(w, dtype=np.float64).copy(), l1, l2, **kwargs
    )
    w[:] = coef
    return CDResult(
        coef=w,
        n_iter=n_iter,
        gap=crit,
        tol=float(kwargs["tol_abs"]),
        converged=converged,
        history=history,
    )


def enet_prox_grad(
    design,
    y,
    w,
    l1,
    l2,
    *,
    max_iter=1000,
    tol=1e-4,
    positive=False,
    accelerated=True,
    verbose=0,
    lower=None,
    upper=None,
):
    """Minimise ``1/2 sum s (y - Z w)^2 + l1 |w|_1 + l2/2 |w|^2`` in place.

    Proximal gradient descent (``accelerated=False``) or FISTA with adaptive
    restart (``accelerated=True``), stopping on the same rule as
    :func:`~skreg.solvers.cd.enet_cd`: the duality gap
    (:func:`skreg._kernels.gap.enet_gap`) is ``<= tol * sum_i s_i y_i^2``.
    The gap is checked after every epoch (it reuses the gradient the next
    step needs).

    Parameters
    ----------
    design : Design
        The (implicitly centred, weighted) design.
    y : ndarray of shape (n_samples,)
        Centred target.
    w : ndarray of shape (n_features,)
        Starting point; updated in place (iterations run in float64).
    l1, l2 : float or ndarray of shape (n_features,)
        Penalty strengths in CD scaling (``n alpha l1_ratio`` and
        ``n alpha (1 - l1_ratio)`` for scikit-learn's objective), per
        feature or for all.
    max_iter : int, default=1000
        Maximum number of epochs (full gradient steps).
    tol : float, default=1e-4
        Relative tolerance on the duality gap.
    positive : bool, default=False
        Constrain ``w >= 0`` (the prox then also projects).
    accelerated : bool, default=True
        FISTA with restart (``solver='fista'``) or plain proximal gradient
        (``solver='gd'``, monotone).
    verbose : int, default=0
        When > 0 print ``epoch k/N  loss ...  gap ...`` after every epoch,
        loss and gap in scikit-learn's scale (divided by ``n_samples``).
    lower, upper : float or ndarray of shape (n_features,) or None
        Box constraints (the prox then also clips).

    Returns
    -------
    CDResult
        ``gap`` and ``tol`` in CD scaling; ``history`` is the objective after
        each epoch in scikit-learn's scale (CD-scale primal / ``n_samples``).
    """
    y = np.ascontiguousarray(y, dtype=np.float64)
    return _solve(
        design,
        y,
        w,
        l1,
        l2,
        max_iter=max_iter,
        positive=positive,
        accelerated=accelerated,
        verbose=verbose,
        mode=0,
        lower=lower,
        upper=upper,
        tol_abs=tol * design.weighted_norm2(y),
        loss_scale=1.0 / design.n_samples,
    )


def ridge_prox_grad(
    design,
    y,
    w,
    alpha,
    *,
    max_iter=1000,
    tol=1e-4,
    positive=False,
    accelerated=True,
    verbose=0,
):
    """Minimise scikit-learn Ridge's ``sum s (y - Z w)^2 + alpha |w|^2`` in place.

    The objective is twice the ElasticNet one of :func:`enet_prox_grad` with
    ``l1 = 0`` and ``l2 = alpha``, so the same epochs apply (the L2 prox is
    the scaling ``1 / (1 + step alpha)``).  The stopping rule is the relative
    gradient norm

    .. math::

        \\|\\nabla F(w)\\|_2 \\le \\mathrm{tol}\\, \\|\\nabla F(0)\\|_2,
        \\quad\\text{i.e.}\\quad
        \\|Z^\\top S (y - Z w) - \\alpha w\\|_2
        \\le \\mathrm{tol}\\, \\|Z^\\top S y\\|_2,

    with the projected gradient (components pushing below 0 at ``w_j = 0``
    removed) when ``positive``.

    Parameters
    ----------
    design : Design
        The (implicitly centred, weighted) design.
    y : ndarray of shape (n_samples,)
        Centred target.
    w : ndarray of shape (n_features,)
        Starting point; updated in place.
    alpha : float
        Ridge penalty, in scikit-learn Ridge's scaling.
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float, default=1e-4
        Relative gradient-norm tolerance.
    positive : bool, default=False
        Constrain ``w >= 0``.
    accelerated : bool, default=True
        FISTA with restart or plain (monotone) gradient descent.
    verbose : int, default=0
        When > 0 print ``epoch k/N  loss ...  gap ...`` after every epoch,
        loss and duality gap in the Ridge objective's scale.

    Returns
    -------
    CDResult
        ``gap`` is the final (projected) gradient norm
        ``||Z^T S r - alpha w||`` and ``tol`` the threshold
        ``tol * ||Z^T S y||`` (converged iff ``gap <= tol``); ``history`` the
        Ridge objective after each epoch.
    """
    y = np.ascontiguousarray(y, dtype=np.float64)
    rd = y.copy()
    S = weighted_residual_sum(rd, 0.0, design.sw, design.has_sw, design.sw_sum)
    g0 = np.empty(design.n_features)
    full_gradient(design.Z, rd, 0.0, S, g0)
    return _solve(
        design,
        y,
        w,
        0.0,
        float(alpha),
        max_iter=max_iter,
        positive=positive,
        accelerated=accelerated,
        verbose=verbose,
        mode=1,
        tol_abs=tol * float(np.linalg.norm(g0)),
        loss_scale=2.0,
    )
