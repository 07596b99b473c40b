"""The per-feature penalty every coordinate-descent kernel takes.

The problem, in coordinate-descent scaling, is

.. math::

    \\min_w \\tfrac12 \\sum_i s_i (y_i - z_i^\\top w)^2
        + \\sum_j \\big(\\lambda_{1j} |w_j| + \\tfrac{\\lambda_{2j}}{2} w_j^2\\big)
    \\quad \\text{s.t.} \\quad \\ell_j \\le w_j \\le u_j ,

with ``l <= 0 <= u`` (as glmnet's ``lower.limits``/``upper.limits``).
scikit-learn's ``alpha``/``l1_ratio`` give ``l1 = n alpha l1_ratio`` and
``l2 = n alpha (1 - l1_ratio)`` for every feature, ``positive=True`` gives
``l = 0``; per-feature penalty factors scale both.  A feature with
``l = u = 0`` is left out of the model.

The duality gap treats the ridge part as extra rows of the design
(``[Z; sqrt(diag(l2))]``, as scikit-learn's ``cd_fast`` does), so that the
dual of the per-feature term ``l1_j |w_j|`` on ``[l_j, u_j]`` is its
conjugate :func:`conjugate`, finite where the box is.  The residual is
scaled into the dual's domain by :func:`dual_limit`.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from skreg._config import JIT_OPTIONS

__all__ = [
    "Penalty",
    "conjugate",
    "dual_limit",
    "make_penalty",
    "penalty_arrays",
    "violation",
]


class Penalty(NamedTuple):
    """Per-feature penalty arrays (float64, shape ``(n_features,)``)."""

    l1: np.ndarray
    l2: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def make_penalty(n_features, l1, l2, positive=False, lower=None, upper=None):
    """A :class:`Penalty` from scalars or per-feature arrays."""

    def full(v, default):
        # always a fresh writeable copy: Numba types a read-only view (a
        # broadcast one-feature array, say) as another signature
        v = default if v is None else v
        if np.ndim(v) == 0:
            # np.broadcast_to costs 5 us, paid per alpha of a path
            return np.full(n_features, float(v))
        return np.array(np.broadcast_to(v, n_features), dtype=np.float64)

    lo = full(lower, 0.0 if positive else -np.inf)
    if positive:
        lo = np.maximum(lo, 0.0)
    return Penalty(full(l1, 0.0), full(l2, 0.0), lo, full(upper, np.inf))


def penalty_arrays(l1, l2, factor=None, lower=None, upper=None):
    """``(l1, l2, lower, upper)`` for the solvers: the strengths times the
    per-feature ``factor``, where an infinite factor leaves the feature out
    (bounds 0 and no penalty).  Scalars pass through when ``factor`` is None.
    """
    if factor is None:
        return l1, l2, lower, upper
    factor = np.asarray(factor, dtype=np.float64)
    out = np.isinf(factor)
    f = np.where(out, 0.0, factor)
    if np.any(out):
        p = factor.shape[0]
        lower = np.where(out, 0.0, -np.inf if lower is None else lower)
        upper = np.where(out, 0.0, np.inf if upper is None else upper)
        lower, upper = np.broadcast_to(lower, p), np.broadcast_to(upper, p)
    return l1 * f, l2 * f, lower, upper


@njit(inline="always", **JIT_OPTIONS)
def dual_limit(v, l1, lower, upper):
    """Largest scale ``t <= 1`` keeping ``t v`` in the domain of the
    conjugate of ``l1 |w|`` on ``[lower, upper]`` (only a side whose bound
    is infinite limits it)."""
    if v > l1 and upper == np.inf:
        return l1 / v
    if v < -l1 and lower == -np.inf:
        return -l1 / v
    return 1.0


@njit(inline="always", **JIT_OPTIONS)
def conjugate(v, l1, lower, upper):
    """``sup_{lower <= w <= upper} v w - l1 |w|`` for ``v`` in its domain
    (scaled by :func:`dual_limit`): zero inside ``[-l1, l1]``, linear
    beyond it up to the finite bound."""
    out = 0.0
    if v > l1 and upper < np.inf:
        out += (v - l1) * upper
    if v < -l1 and lower > -np.inf:
        out += (-v - l1) * (-lower)
    return out


def conjugates(v, l1, lower, upper):
    """``sum_j`` of :func:`conjugate` over arrays of features (NumPy)."""
    up = (v > l1) & (upper < np.inf)
    down = (v < -l1) & (lower > -np.inf)
    return float(
        np.sum(np.where(up, (v - l1) * np.where(up, upper, 0.0), 0.0))
        + np.sum(np.where(down, (v + l1) * np.where(down, lower, 0.0), 0.0))
    )


def toward(v, lower, upper):
    """How far ``v`` (minus the smooth part's gradient) pushes a zero
    coefficient: ``|v|``, or only its side that the bounds leave open
    (``-inf`` for a feature held at zero).  Arrays of one shape."""
    out = np.where(lower == 0.0, v, np.where(upper == 0.0, -v, np.abs(v)))
    return np.where((lower == 0.0) & (upper == 0.0), -np.inf, out)


def violation(v, w, l1, lower, upper):
    """Distance of ``v`` to the subdifferential of ``l1 |.|`` plus the
    normal cone of ``[lower, upper]`` at ``w``, per feature: zero where
    ``w_j`` is optimal for its coordinate.  Arrays of one shape."""
    out = np.where(w > 0.0, np.abs(v - l1), np.abs(v + l1))
    out = np.where(w == lower, np.maximum(v + l1, 0.0), out)
    out = np.where(w == upper, np.maximum(l1 - v, 0.0), out)
    return np.where(w == 0.0, np.maximum(toward(v, lower, upper) - l1, 0.0), out)
