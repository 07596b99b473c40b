r"""A remembered dual point of the multi-task (L2,1) ElasticNet.

The dual of formulation A (see :mod:`skreg._kernels.multitask_gap`) lives
in the augmented space: a point is ``(theta, xi)`` with ``theta`` of shape
``(n_tasks, n_samples)`` and ``xi`` of shape ``(n_features, n_tasks)``, its
value is ``<theta, y>_S - (|theta|_S^2 + |xi|^2) / 2`` and it is feasible
when every row's product ``h_j = Z_j^T S theta + sqrt(l2_j) xi_j`` has
``|h_j| <= l1_j``.  A residual ``r`` gives the candidate
``(r, -sqrt(l2) W)``, with ``h_j = G_j - l2_j W_j``.

Scaling the residual into the feasible set (scikit-learn's dual point)
loses ``(dual_norm - 1)`` times the penalty: once the support outgrows
``n_samples`` a few hundred support rows exceed their bound by ~1e-3 for
many epochs after the primal has converged, and that loss keeps the gap
above ``tol``.  :func:`absorb` instead moves a remembered feasible point
towards each new residual, as far along the segment as every row's
constraint allows (a quadratic in the step per row) and the value rises:
any point of the segment within that step is feasible by convexity, so
the dual value only increases and the gap stays a certificate.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS

__all__ = ["absorb", "dual_scores"]


@njit(**JIT_OPTIONS)
def _sample_dots(th, rd, c, Y, sw, has_sw):
    # <r, r>_S, <r, y>_S, <th, r>_S, <th, th>_S, <th, y>_S for r = rd + c
    T, n = rd.shape
    rr = ry = tr = tt = ty = 0.0
    for t in range(T):
        ct = c[t]
        for i in range(n):
            s = sw[i] if has_sw else 1.0
            r = rd[t, i] + ct
            b = th[t, i]
            y = Y[t, i]
            rr += s * r * r
            ry += s * r * y
            tr += s * b * r
            tt += s * b * b
            ty += s * b * y
    return rr, ry, tr, tt, ty


@njit(**JIT_OPTIONS)
def _max_step(H, G, W, feats, l1, l2):
    # largest u in [0, 1] keeping |(1-u) h_b + u h_r| <= l1_j on feats, and
    # the scale 1 / max(1, max_j |h_r,j| / l1_j) of the residual alone
    T = W.shape[1]
    u_max = 1.0
    dual_norm = 0.0
    for k in range(feats.shape[0]):
        j = feats[k]
        if l1[j] <= 0.0:
            # unpenalised rows are left out, as in gap_from_products
            continue
        A = B = hb2 = hr2 = 0.0
        for t in range(T):
            hr = G[j, t] - l2[j] * W[j, t]
            d = hr - H[j, t]
            A += d * d
            B += 2.0 * H[j, t] * d
            hb2 += H[j, t] * H[j, t]
            hr2 += hr * hr
        dual_norm = max(dual_norm, np.sqrt(hr2) / l1[j])
        if hr2 <= l1[j] * l1[j] or A <= 0.0:
            continue
        C = min(hb2 - l1[j] * l1[j], 0.0)
        # the positive root of A u^2 + B u + C, in its cancellation-free form
        root = np.sqrt(B * B - 4.0 * A * C)
        u = -2.0 * C / (B + root) if B > 0.0 else (root - B) / (2.0 * A)
        u_max = min(u_max, u)
    return u_max, 1.0 / dual_norm if dual_norm > 1.0 else 1.0


@njit(**JIT_OPTIONS)
def _xi_dots(xi, W, l2):
    # <xi_b, xi_r>, |xi_r|^2, |xi_b|^2 for xi_r = -sqrt(l2) W (all rows)
    xr = rr = bb = 0.0
    for j in range(W.shape[0]):
        if l2[j] == 0.0:
            # xi_j stays 0 without an L2 weight (every Lasso row)
            continue
        q = np.sqrt(l2[j])
        for t in range(W.shape[1]):
            v = -q * W[j, t]
            xr += xi[j, t] * v
            rr += v * v
            bb += xi[j, t] * xi[j, t]
    return xr, rr, bb


@njit(**JIT_OPTIONS)
def _set_point(mem, a, b, rd, c, G, W, feats, l2):
    # (th, xi, H) = a (th, xi, H) + b (residual candidate), H on feats only
    th, xi, H, _ = mem
    T, n = rd.shape
    for t in range(T):
        for i in range(n):
            th[t, i] = a * th[t, i] + b * (rd[t, i] + c[t])
    for j in range(W.shape[0]):
        if l2[j] == 0.0:
            continue
        q = np.sqrt(l2[j])
        for t in range(T):
            xi[j, t] = a * xi[j, t] - b * q * W[j, t]
    for k in range(feats.shape[0]):
        j = feats[k]
        for t in range(T):
            H[j, t] = a * H[j, t] + b * (G[j, t] - l2[j] * W[j, t])


@njit(**JIT_OPTIONS)
def absorb(mem, rd, c, G, W, feats, l1, l2, Y, sw, has_sw):
    """Improve the remembered dual point with the residual ``rd + c``.

    ``mem = (th, xi, H, val)``: the point, its products ``H`` (current on
    the rows ``feats``) and ``val[0]`` its dual value (``-inf``: no point
    yet).  ``G`` holds ``Z^T S r`` on ``feats``; every ``l1_j`` there must
    be positive.  The new point is the better of the residual scaled into
    the feasible set and the best feasible point of the segment from the
    old point to the (unscaled) candidate ``(r, -sqrt(l2) W)``.

    Returns
    -------
    value : float
        The dual value of the new point (never lower than the old one).
    """
    th, xi, _, val = mem
    rr, ry, tr, tt, ty = _sample_dots(th, rd, c, Y, sw, has_sw)
    xr, xx, bb = _xi_dots(xi, W, l2)
    u_max, scale = _max_step(mem[2], G, W, feats, l1, l2)
    best = scale * ry - 0.5 * scale * scale * (rr + xx)
    if np.isfinite(val[0]):
        # D(th + u (rho - th)) = val + u L - u^2 Q / 2 along the segment
        L = (ry - ty) - (tr - tt) - (xr - bb)
        Q = (rr - 2.0 * tr + tt) + (xx - 2.0 * xr + bb)
        u = min(max(L / Q, 0.0), u_max) if Q > 0.0 else 0.0
        seg = val[0] + u * L - 0.5 * u * u * Q
        if seg >= best:
            if u > 0.0:
                _set_point(mem, 1.0 - u, u, rd, c, G, W, feats, l2)
                val[0] = seg
            return val[0]
    _set_point(mem, 0.0, scale, rd, c, G, W, feats, l2)
    val[0] = best
    return best


@njit(**JIT_OPTIONS)
def dual_scores(H, feats, l1, l2, norm2, out):
    """``out[k] = (l1_j - |h_j|) / sqrt(norm2_j + l2_j)`` for ``j = feats[k]``:
    the distance of a feasible dual point to feature ``j``'s constraint,
    in units of the augmented column's norm (gap-safe screening drops ``j``
    when it exceeds ``sqrt(2 gap)``)."""
    for k in range(feats.shape[0]):
        j = feats[k]
        s = 0.0
        for t in range(H.shape[1]):
            s += H[j, t] * H[j, t]
        out[k] = (l1[j] - np.sqrt(s)) / np.sqrt(norm2[j] + l2[j])
