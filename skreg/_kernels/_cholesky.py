"""Small dense Cholesky and LU solves written out in Numba.

Numba's LAPACK binding (``np.linalg.solve`` / ``cholesky``) and its error
paths add seconds of compile to a first fit with an empty cache; the
systems solved here (Anderson weights, Newton steps on small supports) have
a few to a hundred unknowns, where plain loops are cheap.
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
