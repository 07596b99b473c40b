"""Full gradients and a Lipschitz estimate for the implicitly centred design.

The smooth part of every skreg objective is (in coordinate-descent scaling)
:math:`f(w) = \\tfrac12 \\sum_i s_i (y_i - z_i^\\top w)^2` with ``Z = X - 1 m^T``;
its gradient is :math:`-Z^\\top S r` with ``r = y - Z w`` and its Lipschitz
constant the largest eigenvalue of :math:`Z^\\top S Z`.  Dense (Fortran) and
CSC designs share one code path through :mod:`skreg._kernels._design`, and the
centred matrix is never formed.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS
from skreg._kernels._columns import centring
from skreg._kernels._design import col_products, residual


@njit(**JIT_OPTIONS)
def weighted_residual_sum(rd, c, sw, has_sw, sw_sum):
    """``S = sum_i s_i r_i`` for the residual ``r = rd + c``."""
    s = 0.0
    if has_sw:
        for i in range(rd.shape[0]):
            s += sw[i] * rd[i]
    else:
        for i in range(rd.shape[0]):
            s += rd[i]
    return s + c * sw_sum


@njit(**JIT_OPTIONS)
def full_gradient(Z, rd, c, S, out):
    """Write ``out = Z^T S r`` (minus the gradient of ``f``) for ``r = rd + c``.

    ``S`` is ``sum_i s_i r_i`` (see :func:`weighted_residual_sum`).  One pass
    over the stored entries of the design.
    """
    _, _, _, _, _, _, _, xm, colsum, _ = Z
    col_products(Z, rd, np.arange(out.shape[0]), out)
    for j in range(out.shape[0]):
        out[j] += centring(j, xm, colsum, c, S)


@njit(**JIT_OPTIONS)
def gram_matvec(Z, v, rd, out):
    """Write ``out = Z^T S Z v``; ``rd`` (length ``n_samples``) is scratch.

    Uses :func:`residual` with a zero target: it stores ``-Z v`` as
    ``rd + c``, so the centred dot products give ``-Z^T S Z v``.
    """
    _, _, _, _, _, sw, has_sw, _, _, sw_sum = Z
    rd[:] = 0.0
    c = residual(Z, rd, v, rd)
    S = weighted_residual_sum(rd, c, sw, has_sw, sw_sum)
    full_gradient(Z, rd, c, S, out)
    for j in range(out.shape[0]):
        out[j] = -out[j]


@njit(**JIT_OPTIONS)
def lipschitz_power(Z, v0, rd, max_iter, rtol):
    """Largest eigenvalue of ``Z^T S Z`` by power iteration from ``v0``.

    ``rd`` is scratch of length ``n_samples``.  Returns the Rayleigh
    quotient of the last iterate, a lower bound of the eigenvalue whose
    error decays like ``(lambda_2 / lambda_1)^(2k)``; the iteration stops
    when it changes by less than ``rtol`` (relative).  Returns
    ``(estimate, n_iter)``.
    """
    p = v0.shape[0]
    v = v0.astype(np.float64)
    nv = np.sqrt(np.sum(v * v))
    if nv == 0.0:
        return 0.0, 0
    v /= nv
    u = np.empty(p)
    lam = 0.0
    n_iter = 0
    for it in range(max_iter):
        n_iter = it + 1
        gram_matvec(Z, v, rd, u)
        lam_new = 0.0
        nu = 0.0
        for j in range(p):
            lam_new += v[j] * u[j]
            nu += u[j] * u[j]
        nu = np.sqrt(nu)
        if nu == 0.0:
            return 0.0, n_iter
        for j in range(p):
            v[j] = u[j] / nu
        if it > 0 and abs(lam_new - lam) <= rtol * abs(lam_new):
            lam = lam_new
            break
        lam = lam_new
    return lam, n_iter
