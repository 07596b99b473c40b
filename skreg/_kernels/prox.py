"""Scalar proximal maths shared by the kernels and :mod:`skreg.penalties`.

These are the single source of each formula: the public penalty objects
vectorise them, and the coordinate-descent and proximal-gradient kernels call
them element by element.
"""

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def soft_threshold(x, t):
    """``sign(x) * max(|x| - t, 0)``: the prox of ``t * |.|`` at ``x``."""
    if x > t:
        return x - t
    if x < -t:
        return x + t
    return 0.0 * x


@njit(**JIT_OPTIONS)
def enet_prox(x, step, l1, l2, positive):
    """Prox of ``step * (l1 |w| + l2/2 w^2)`` (plus ``w >= 0`` if positive).

    Soft-thresholding followed by the L2 shrinkage ``1 / (1 + step l2)``.
    """
    if positive and x <= step * l1:
        return 0.0 * x
    return soft_threshold(x, step * l1) / (1.0 + step * l2)


@njit(**JIT_OPTIONS)
def enet_coordinate_min(tmp, lipschitz, l1, l2, positive):
    """Exact minimiser of ``lipschitz/2 w^2 - tmp w + l1 |w| + l2/2 w^2``.

    This is the coordinate-descent update with ``tmp = z_j^T r + w_j ||z_j||^2``
    and ``lipschitz = ||z_j||^2`` (scikit-learn's ``cd_fast`` update).
    """
    if positive and tmp < 0.0:
        return 0.0 * tmp
    return soft_threshold(tmp, l1) / (lipschitz + l2)


@njit(**JIT_OPTIONS)
def coordinate_min(tmp, lipschitz, l1, l2, lower, upper):
    """Exact minimiser of ``lipschitz/2 w^2 - tmp w + l1 |w| + l2/2 w^2`` on
    ``[lower, upper]``: the per-feature coordinate-descent update.

    A convex function of one variable is minimised on an interval by the
    projection of its unconstrained minimiser, so the box only clips
    scikit-learn's update (``positive=True`` is ``lower = 0``).
    """
    v = soft_threshold(tmp, l1) / (lipschitz + l2)
    if v < lower:
        return lower
    if v > upper:
        return upper
    return v


def enet_prox_array(x, step, l1, l2):
    """:func:`enet_prox` element by element, in NumPy (``l1``, ``l2`` scalars
    or arrays of the shape of ``x``)."""
    t = step * np.asarray(l1, dtype=np.float64)
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0) / (1.0 + step * np.asarray(l2))
