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

Each epoch is a few NumPy/BLAS operations on whole vectors (two passes over
the design: the residual of the new iterate and its gradient, which the
duality gap needs anyway; the gradient at the momentum point is the same
affine combination of the iterates' gradients); with ``verbose`` each
prints a line as soon as it is done.
"""

import weakref

import numpy as np

from skreg._kernels.gradient import (
    full_gradient,
    lipschitz_power,
    weighted_residual_sum,
)
from skreg._kernels.penalty import make_penalty
from skreg._kernels.prox import enet_prox_array
from skreg.solvers._inner import anderson_coefs
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


def projected_grad_norm(XtA, w, pen):
    """Euclidean norm of ``XtA`` without the components that point out of
    the box at a coefficient on its bound (the projected gradient)."""
    out = ((w <= pen.lower) & (XtA < 0.0)) | ((w >= pen.upper) & (XtA > 0.0))
    return float(np.linalg.norm(np.where(out, 0.0, XtA)))


class _Evaluation:
    """Residual, correlations and duality gap of iterates of one solve."""

    def __init__(self, design, y, pen):
        self.design, self.y, self.pen = design, y, pen
        p = design.n_features
        self.feats = np.arange(p)
        self.rd = np.empty(design.n_samples)
        self.XtA = np.zeros(p)
        self.XtA_acc = np.zeros(p)

    def gap_at(self, rd, c, S, w, XtA):
        """``(gap, primal)`` at ``w`` whose residual is ``rd + c`` (or, for a
        dual point only, any residual with weighted sum ``S``); ``XtA``
        receives ``Z^T S r - l2 w``."""
        out = self.design.primal_dual(
            self.y, rd, c, rd, False, S, w, self.pen, self.feats, XtA, XtA
        )
        return out[0] - out[1], out[0]

    def __call__(self, w, grad):
        """Residual (``self.rd``), ``self.XtA`` and ``grad = Z^T S r`` at
        ``w``; returns ``(gap, primal, c, S)``: the offset of the residual
        ``rd + c`` and its weighted sum."""
        d = self.design
        c = d.residual(self.y, w, self.rd)
        S = d.weighted_sum(self.rd) + c * d.sw_sum
        gap, primal = self.gap_at(self.rd, c, S, w, self.XtA)
        grad[:] = self.XtA + self.pen.l2 * w
        return gap, primal, c, S


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
    pen = make_penalty(design.n_features, l1, l2, positive, lower, upper)
    L = lipschitz_constant(design)
    if L == 0.0 and (np.any(pen.l1 > 0) or np.any(pen.l2 > 0)):
        # Every centred column is zero: the data term is constant and the
        # penalty alone is minimised at 0.
        w[:] = 0.0
    ev = _Evaluation(design, y, pen)
    grad = np.zeros(design.n_features)
    gap, primal, _, _ = ev(w, grad)

    def criterion(gap):
        return gap if mode == 0 else projected_grad_norm(ev.XtA, w, pen)

    crit = criterion(gap)
    if crit <= tol_abs or L == 0.0 or not np.isfinite(primal):
        return w, 0, float(crit), bool(crit <= tol_abs), []
    epochs = _Epochs(ev, w, grad, primal, 1.0 / L, accelerated, extrapolation)
    history, gap, converged = [], gap, False
    for k in range(max_iter):
        primal, gap = epochs.step()
        history.append(primal * loss_scale)
        if verbose:
            print(
                f"epoch {k + 1}/{max_iter}  loss {primal * loss_scale:.6e}"
                f"  gap {gap * loss_scale:.1e}"
            )
        if not np.isfinite(primal):
            break
        if (gap if mode == 0 else criterion(gap)) <= tol_abs:
            converged = True
            break
    return w, len(history), float(criterion(gap)), converged, history


class _Epochs:
    """Proximal-gradient epochs (FISTA with adaptive restart when
    ``accelerated``), each one a prox step from the momentum point ``v``.

    FISTA restarts its momentum when the objective increases (O'Donoghue
    and Candès, 2015).  With an L1 part the gap is ``primal - best_dual``:
    every rescaled residual is a feasible dual point, so the best dual value
    seen is a valid lower bound; every ``extrapolation`` epochs the Anderson
    extrapolation of the last residuals is scored as a dual point too (dual
    extrapolation, Massias et al., 2018).  Safeguard: a prox step taken from
    an iterate (no momentum) lowers the objective for every step below ``2
    / L``; if one raises it anyway the Lipschitz estimate was too low, the
    step is halved and the epoch restarts from the previous iterate, so
    ``gd`` stays monotone.
    """

    def __init__(self, ev, w, grad, primal, step, accelerated, extrapolation):
        self.ev, self.w, self.grad = ev, w, grad
        self.v, self.grad_v = w.copy(), grad.copy()
        self.primal_old, self.step_size = primal, step
        self.accelerated, self.t = accelerated, 1.0
        self.track_dual = bool(np.any(ev.pen.l1 > 0))
        self.best_dual = -np.inf
        self.every = extrapolation if self.track_dual else 0
        n = ev.design.n_samples
        self.rhist = np.empty((extrapolation + 1, n)) if self.every > 0 else None
        self.n_rhist = 0
        d = ev.design
        self.sqrt_sw = np.sqrt(d.sw) if d.has_sw else None

    def step(self):
        """One epoch; returns ``(primal, gap)``."""
        ev, w, pen = self.ev, self.w, self.ev.pen
        w_prev, grad_prev = w.copy(), self.grad.copy()
        h = self.step_size
        w[:] = np.clip(
            enet_prox_array(self.v + h * self.grad_v, h, pen.l1, pen.l2),
            pen.lower, pen.upper,
        )  # fmt: skip
        gap, primal, c, S = ev(w, self.grad)
        if self.t == 1.0 and not primal <= self.primal_old + 1e-10 * abs(
            self.primal_old
        ):
            self.step_size *= 0.5
            w[:] = w_prev
            gap, primal, c, S = ev(w, self.grad)
            self.n_rhist = 0  # the residual sequence jumped back
        if self.track_dual and np.isfinite(primal):
            gap = self._best_gap(primal, gap, c, S)
        self._momentum(primal, w_prev, grad_prev)
        return primal, gap

    def _best_gap(self, primal, gap, c, S):
        self.best_dual = max(self.best_dual, primal - gap)
        if self.rhist is not None:
            K1 = self.rhist.shape[0]
            self.rhist[self.n_rhist % K1] = self.ev.rd + c
            self.n_rhist += 1
            if self.n_rhist >= K1 and self.n_rhist % self.every == 0:
                a = anderson_coefs(self.rhist, self.n_rhist % K1, self.sqrt_sw)
                if a is not None:
                    ev = self.ev
                    gap_acc, primal_acc = ev.gap_at(
                        a @ self.rhist, 0.0, S, self.w, ev.XtA_acc
                    )
                    self.best_dual = max(self.best_dual, primal_acc - gap_acc)
        return primal - self.best_dual

    def _momentum(self, primal, w_prev, grad_prev):
        w, grad = self.w, self.grad
        if self.accelerated and primal <= self.primal_old:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * self.t * self.t))
            beta = (self.t - 1.0) / t_new
            self.t = t_new
            self.v = w + beta * (w - w_prev)
            self.grad_v = grad + beta * (grad - grad_prev)
        else:
            # Plain proximal gradient, or a FISTA restart: the momentum is
            # dropped and the next step starts from the current iterate.
            self.t = 1.0
            self.v, self.grad_v = w.copy(), grad.copy()
        self.primal_old = primal


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
    (:func:`skreg._kernels.gap.primal_dual`) is ``<= tol *
    sum_i s_i y_i^2``.
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
