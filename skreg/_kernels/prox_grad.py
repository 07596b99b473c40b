r"""Proximal-gradient epochs (ISTA / FISTA with adaptive restart).

Each epoch is one proximal step on the ElasticNet problem in
coordinate-descent scaling (see :mod:`skreg._kernels.gap`),

.. math::

    w^{k+1} = \operatorname{prox}_{\eta g}
              \big(v^k + \eta Z^\top S (y - Z v^k)\big),
    \qquad g(w) = \lambda_1 \|w\|_1 + \tfrac{\lambda_2}{2} \|w\|_2^2,

with the momentum point ``v^k = w^k`` (plain proximal gradient) or
``v^k = w^k + beta_k (w^k - w^{k-1})`` (FISTA).  An epoch costs two passes
over the stored entries of the design: the residual of the new iterate and
its gradient, which the duality gap needs anyway.  The gradient at the
momentum point is the same affine combination of the iterates' gradients,
so it costs ``O(n_features)`` instead of two more passes.

The duality gap uses the best dual point seen so far, and, as in the CD
kernel, every few epochs the dual point built from an Anderson
extrapolation of the last residuals (dual extrapolation, Massias et al.,
2018): the residuals of first-order methods approach the dual optimum much
more slowly than the primal objective approaches its minimum.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._design import residual
from skreg._kernels.cd import anderson_combine
from skreg._kernels.gap import enet_gap, enet_primal_dual
from skreg._kernels.gradient import weighted_residual_sum
from skreg._kernels.prox import enet_prox


@njit(**JIT_OPTIONS)
def projected_grad_norm(XtA, w, pen):
    """Euclidean norm of ``XtA`` without the components that point out of
    the box at a coefficient on its bound (the projected gradient)."""
    s = 0.0
    for j in range(XtA.shape[0]):
        v = XtA[j]
        if (w[j] <= pen.lower[j] and v < 0.0) or (w[j] >= pen.upper[j] and v > 0.0):
            continue
        s += v * v
    return np.sqrt(s)


@njit(**JIT_OPTIONS)
def evaluate(Z, y, w, rd, pen, feats, XtA, grad):
    """Residual, gradient and gap at ``w``.

    Sets ``rd`` (residual ``y - Z w = rd + c``), ``XtA = Z^T S r - l2 w`` and
    ``grad = Z^T S r``; returns ``(gap, primal, c, S)``: gap and objective
    in CD scaling, the residual offset and ``sum_i s_i r_i``.
    """
    _, _, _, _, _, sw, has_sw, _, _, sw_sum = Z
    c = residual(Z, y, w, rd)
    S = weighted_residual_sum(rd, c, sw, has_sw, sw_sum)
    gap, _, primal = enet_gap(Z, y, rd, c, S, w, pen, feats, XtA)
    for j in range(w.shape[0]):
        grad[j] = XtA[j] + pen.l2[j] * w[j]
    return gap, primal, c, S


@njit(**JIT_OPTIONS)
def prox_grad_epochs(
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
    n_epochs,
    mode,
    tol_abs,
    rhist,
    r_acc,
    XtA_acc,
    extrapolate_every,
    hist_loss,
    hist_crit,
):
    """Run up to ``n_epochs`` proximal-gradient epochs in place.

    On entry ``w`` is the current iterate with its gradient ``grad``
    (``Z^T S r``, from :func:`evaluate`), ``v`` / ``grad_v`` the momentum
    point and its gradient, and ``state = [t, primal, step, best_dual,
    n_rhist]`` the FISTA momentum counter (1 when ``v = w``), the current
    objective, the step size, the best dual value seen (``-inf`` at first)
    and the number of residuals stored in ``rhist``; all updated in place so
    that successive calls continue one run.  After epoch ``k`` the objective
    (CD scaling) is written to ``hist_loss[k]`` and the duality gap to
    ``hist_crit[k]``.

    ``mode = 0`` stops when the gap is ``<= tol_abs``; ``mode = 1`` when the
    projected norm of ``XtA = Z^T S r - l2 w`` (half the gradient of the
    Ridge objective) is ``<= tol_abs``.  FISTA restarts its momentum when
    the objective increases (O'Donoghue and Candès, 2015).

    With an L1 part the gap is ``primal - best_dual``: every rescaled
    residual is a feasible dual point, so the best dual value seen is a
    valid lower bound.  When ``extrapolate_every > 0`` the last
    ``K + 1 = rhist.shape[0]`` residuals are kept and, every
    ``extrapolate_every`` epochs, their Anderson extrapolation ``r_acc``
    is scored as a dual point too (``XtA_acc`` is scratch).

    Safeguard: a proximal step taken from an iterate (no momentum) lowers
    the objective for every step below ``2 / L``.  If such a step raises it
    anyway, the Lipschitz estimate was too low: the step is halved and the
    epoch restarts from the previous iterate, so ``gd`` stays monotone.

    Returns ``(epochs_run, converged)``; the loop also stops on a non-finite
    objective (``converged`` is then False).
    """
    p = w.shape[0]
    n = rd.shape[0]
    _, _, _, _, _, sw, has_sw, _, _, _ = Z
    feats = np.arange(p)
    t = state[0]
    primal_old = state[1]
    step = state[2]
    best_dual = state[3]
    n_rhist = int(state[4])
    K1 = rhist.shape[0]
    track_dual = np.any(pen.l1 > 0.0)
    use_dx = track_dual and extrapolate_every > 0 and K1 > 1
    ran = n_epochs
    converged = False
    for k in range(n_epochs):
        for j in range(p):
            w_prev[j] = w[j]
            grad_prev[j] = grad[j]
            x = enet_prox(v[j] + step * grad_v[j], step, pen.l1[j], pen.l2[j], False)
            w[j] = min(max(x, pen.lower[j]), pen.upper[j])
        gap, primal, c, S = evaluate(Z, y, w, rd, pen, feats, XtA, grad)
        if t == 1.0 and not primal <= primal_old + 1e-10 * abs(primal_old):
            step *= 0.5
            for j in range(p):
                w[j] = w_prev[j]
            gap, primal, c, S = evaluate(Z, y, w, rd, pen, feats, XtA, grad)
            n_rhist = 0  # the residual sequence jumped back
        if not np.isfinite(primal):
            hist_loss[k] = primal
            hist_crit[k] = gap
            primal_old = primal
            ran = k + 1
            break
        if track_dual:
            best_dual = max(best_dual, primal - gap)
            if use_dx:
                row = n_rhist % K1
                for i in range(n):
                    rhist[row, i] = rd[i] + c
                n_rhist += 1
                if n_rhist >= K1 and n_rhist % extrapolate_every == 0:
                    if anderson_combine(rhist, n_rhist % K1, sw, has_sw, r_acc):
                        _, dual_acc, _ = enet_primal_dual(
                            Z, y, r_acc, 0.0, S, w, pen, feats, XtA_acc
                        )
                        best_dual = max(best_dual, dual_acc)
            gap = primal - best_dual
        hist_loss[k] = primal
        hist_crit[k] = gap
        if mode == 0:
            done = gap <= tol_abs
        else:
            done = projected_grad_norm(XtA, w, pen) <= tol_abs
        if accelerated and primal <= primal_old:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            beta = (t - 1.0) / t_new
            t = t_new
            for j in range(p):
                v[j] = w[j] + beta * (w[j] - w_prev[j])
                grad_v[j] = grad[j] + beta * (grad[j] - grad_prev[j])
        else:
            # Plain proximal gradient, or a FISTA restart: the momentum is
            # dropped and the next step starts from the current iterate.
            t = 1.0
            for j in range(p):
                v[j] = w[j]
                grad_v[j] = grad[j]
        primal_old = primal
        if done:
            ran = k + 1
            converged = True
            break
    state[0] = t
    state[1] = primal_old
    state[2] = step
    state[3] = best_dual
    state[4] = n_rhist
    return ran, converged
