"""Block coordinate descent for the multi-task ElasticNet (dense or CSC).

Minimises, over ``W`` of shape (n_tasks, n_features),

    1/2 sum_i s_i |y_i - W z_i|^2 + l1 sum_j |W[:, j]|_2 + l2/2 |W|_F^2

with ``z_i`` the row of ``Z = X - 1 m^T`` (implicit centring).  Each
feature's column of ``W`` is one block, updated by group soft-thresholding;
the stopping rule is scikit-learn's multi-task duality gap.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def _col_dot(X, data, indices, indptr, is_sparse, xm, sw, j, V, out):
    # out = Z_j^T S V for the n x T matrix V
    T = V.shape[1]
    for t in range(T):
        out[t] = 0.0
    if is_sparse:
        for k in range(indptr[j], indptr[j + 1]):
            i = indices[k]
            for t in range(T):
                out[t] += data[k] * sw[i] * V[i, t]
    else:
        for i in range(X.shape[0]):
            for t in range(T):
                out[t] += X[i, j] * sw[i] * V[i, t]
    if xm[j] != 0.0:
        for t in range(T):
            s = 0.0
            for i in range(V.shape[0]):
                s += sw[i] * V[i, t]
            out[t] -= xm[j] * s


@njit(**JIT_OPTIONS)
def _col_update(X, data, indices, indptr, is_sparse, xm, j, d, R):
    # R -= Z_j d^T
    T = R.shape[1]
    if is_sparse:
        for k in range(indptr[j], indptr[j + 1]):
            i = indices[k]
            for t in range(T):
                R[i, t] -= data[k] * d[t]
    else:
        for i in range(X.shape[0]):
            for t in range(T):
                R[i, t] -= X[i, j] * d[t]
    if xm[j] != 0.0:
        for i in range(R.shape[0]):
            for t in range(T):
                R[i, t] += xm[j] * d[t]


@njit(**JIT_OPTIONS)
def multitask_gap(X, data, indices, indptr, is_sparse, xm, sw, Y, W, R, l1, l2):
    """scikit-learn's multi-task duality gap at ``W`` (residual ``R``)."""
    n, T = R.shape
    p = W.shape[1]
    R_norm2 = 0.0
    RY = 0.0
    for i in range(n):
        for t in range(T):
            R_norm2 += sw[i] * R[i, t] * R[i, t]
            RY += sw[i] * R[i, t] * Y[i, t]
    col = np.empty(T)
    dual_norm = 0.0
    w_l21 = 0.0
    w_norm2 = 0.0
    for j in range(p):
        _col_dot(X, data, indices, indptr, is_sparse, xm, sw, j, R, col)
        nrm = 0.0
        wn = 0.0
        for t in range(T):
            v = col[t] - l2 * W[t, j]
            nrm += v * v
            wn += W[t, j] * W[t, j]
        dual_norm = max(dual_norm, np.sqrt(nrm))
        w_l21 += np.sqrt(wn)
        w_norm2 += wn
    if dual_norm > l1:
        const = l1 / dual_norm
        gap = 0.5 * (R_norm2 + R_norm2 * const * const)
    else:
        const = 1.0
        gap = R_norm2
    return gap + l1 * w_l21 - const * RY + 0.5 * l2 * (1.0 + const * const) * w_norm2


@njit(**JIT_OPTIONS)
def multitask_cd(
    X, data, indices, indptr, is_sparse, xm, sw, Y, W, R, l1, l2, max_iter, tol_abs
):
    """Epochs of block CD on ``W`` (updated in place with its residual ``R``).

    ``R`` must equal ``Y - Z W^T`` on entry.  Returns ``(gap, n_iter)``.
    """
    n, T = R.shape
    p = W.shape[1]
    # Z_j^T S Z_j = Z_j^T S (X_j - m_j 1)
    norms = np.zeros(p)
    colj = np.empty((n, 1))
    one = np.empty(1)
    for j in range(p):
        for i in range(n):
            colj[i, 0] = -xm[j]
        if is_sparse:
            for k in range(indptr[j], indptr[j + 1]):
                colj[indices[k], 0] += data[k]
        else:
            for i in range(n):
                colj[i, 0] += X[i, j]
        _col_dot(X, data, indices, indptr, is_sparse, xm, sw, j, colj, one)
        norms[j] = one[0]
    grad = np.empty(T)
    new = np.empty(T)
    d = np.empty(T)
    gap = np.inf
    n_iter = 0
    for epoch in range(max_iter):
        n_iter = epoch + 1
        for j in range(p):
            if norms[j] <= 0.0:
                continue
            _col_dot(X, data, indices, indptr, is_sparse, xm, sw, j, R, grad)
            nrm = 0.0
            for t in range(T):
                grad[t] += norms[j] * W[t, j]
                nrm += grad[t] * grad[t]
            nrm = np.sqrt(nrm)
            scale = 0.0
            if nrm > l1:
                scale = (1.0 - l1 / nrm) / (norms[j] + l2)
            changed = False
            for t in range(T):
                new[t] = scale * grad[t]
                d[t] = new[t] - W[t, j]
                if d[t] != 0.0:
                    changed = True
            if changed:
                _col_update(X, data, indices, indptr, is_sparse, xm, j, d, R)
                for t in range(T):
                    W[t, j] = new[t]
        gap = multitask_gap(
            X, data, indices, indptr, is_sparse, xm, sw, Y, W, R, l1, l2
        )
        if gap <= tol_abs:
            break
    return gap, n_iter
