"""Small dense Cholesky and LU solves written out in Numba.

Numba's LAPACK binding (``np.linalg.solve`` / ``cholesky``) and its error
paths took about 3.5 s to compile on a first fit with an empty cache; the
systems solved here (Anderson weights, Newton steps on small supports) have
a few to a hundred unknowns, where the plain loops cost microseconds.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def cholesky_in_place(C, m):
    """Factor the leading ``m x m`` block of ``C`` (symmetric positive
    definite; only its lower triangle is read) into its lower Cholesky
    factor, in place.  Returns False when a pivot is not positive (``C``
    numerically singular, or NaN)."""
    for j in range(m):
        d = C[j, j]
        for e in range(j):
            d -= C[j, e] * C[j, e]
        if not d > 0.0:
            return False
        d = np.sqrt(d)
        C[j, j] = d
        for i in range(j + 1, m):
            s = C[i, j]
            for e in range(j):
                s -= C[i, e] * C[j, e]
            C[i, j] = s / d
    return True


@njit(**JIT_OPTIONS)
def cholesky_solve(L, m, z):
    """Solve ``L L^T x = z`` in place on ``z[:m]``, ``L`` the lower factor
    from :func:`cholesky_in_place`."""
    for i in range(m):
        s = z[i]
        for e in range(i):
            s -= L[i, e] * z[e]
        z[i] = s / L[i, i]
    for i in range(m - 1, -1, -1):
        s = z[i]
        for e in range(i + 1, m):
            s -= L[e, i] * z[e]
        z[i] = s / L[i, i]


@njit(inline="always", **JIT_OPTIONS)
def lu_solve_in_place(A, m, z):
    """Solve ``A[:m, :m] x = z[:m]`` in place on ``z`` by Gaussian
    elimination with partial pivoting (``A`` is overwritten).  Returns False
    when a pivot is exactly zero (``A`` singular) or not finite."""
    for c in range(m):
        piv = c
        big = abs(A[c, c])
        for r in range(c + 1, m):
            if abs(A[r, c]) > big:
                big = abs(A[r, c])
                piv = r
        if not (big > 0.0 and np.isfinite(big)):
            return False
        if piv != c:
            for e in range(c, m):
                A[c, e], A[piv, e] = A[piv, e], A[c, e]
            z[c], z[piv] = z[piv], z[c]
        d = A[c, c]
        for r in range(c + 1, m):
            f = A[r, c] / d
            if f != 0.0:
                for e in range(c + 1, m):
                    A[r, e] -= f * A[c, e]
                z[r] -= f * z[c]
    for r in range(m - 1, -1, -1):
        s = z[r]
        for e in range(r + 1, m):
            s -= A[r, e] * z[e]
        z[r] = s / A[r, r]
    return True
