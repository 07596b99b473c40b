"""Dual points for problems with unpenalised features.

A feature with neither an L1 nor an L2 weight (a penalty factor of 0) puts
an equality in the dual, or an inequality on the sides its bounds leave
open: a feasible dual point must be orthogonal to its centred column (or
on one side of it).  The residual is not, until the fit has converged, and
no scaling makes it so.  :class:`FreeFeatures` projects the residual onto
the orthogonal complement of the columns whose condition it breaks (a
weighted least squares on them, as glmnet does for the intercept) *before*
the pass that computes its correlations, so that the projection costs
``O(n k)`` for ``k`` free features and no extra read of the design; the
duality gap then stays an upper bound on the suboptimality and gap-safe
screening stays safe.
"""

import numpy as np

from skreg.solvers._support_solver import (
    _centred_cross,
    _weighted_columns,
)

__all__ = ["FreeFeatures", "free_features"]


def free_features(pen):
    """Indices of the features the penalty ``pen`` leaves unpenalised (and
    in the model: not both bounds 0)."""
    return np.flatnonzero(
        (pen.l1 == 0) & (pen.l2 == 0) & ((pen.lower < 0) | (pen.upper > 0))
    )


class FreeFeatures:
    """Projection of residuals away from the free features' columns.

    Parameters
    ----------
    design : Design
    cols : ndarray of int
        The free features (see :func:`free_features`).
    pen : Penalty
    """

    def __init__(self, design, cols, pen):
        self.design, self.cols = design, cols
        self.XU, self.XUw = _weighted_columns(design, cols)
        self.gram = np.asarray(_centred_cross(design, self.XU, cols, self.XUw, cols))
        self.lo, self.hi = pen.lower[cols], pen.upper[cols]
        self.two_sided = (self.lo == -np.inf) & (self.hi == np.inf)
        self.any_one_sided = not np.all(self.two_sided)
        self.rp = np.empty(design.n_samples)
        self._pinv = {}
        # centring of the free columns: Z_U = X_U - 1 m_U^T
        self.mU, self.colsum_U = design.xm[cols], design.colsum[cols]
        self.zsum = self.colsum_U - design.sw_sum * self.mU

    def correlations(self, rd, c, S):
        """``Z_U^T S r`` for the residual ``r = rd + c`` whose weighted sum
        is ``S``."""
        return np.asarray(self.XUw.T @ rd).ravel() + c * self.colsum_U - self.mU * S

    def active(self, v):
        """Free columns whose condition the residual with correlations
        ``v`` breaks: fully free ones, and one-sided ones it leans out of."""
        act = self.two_sided | ((v < 0) & (self.lo == -np.inf))
        return act | ((v > 0) & (self.hi == np.inf))

    def project(self, rd, c, S):
        """The projection of ``r = rd + c`` (weighted sum ``S``) off the
        active free columns, as ``(rp, cp, Sp, drop)`` with ``drop = r^T S r
        - rp^T S rp`` (``rp`` is a buffer owned here), or None when no
        column is active."""
        v = self.correlations(rd, c, S)
        act = self.active(v)
        if not np.any(act):
            return None
        key = act.tobytes()
        if key not in self._pinv:
            # a pseudo-inverse: collinear free columns span the same space
            self._pinv[key] = np.linalg.pinv(self.gram[np.ix_(act, act)])
        beta = np.zeros(self.cols.size)
        beta[act] = self._pinv[key] @ v[act]
        np.subtract(rd, self.XU @ beta, out=self.rp)
        # an orthogonal projection: |r|^2 - |P r|^2 = beta^T Z_U^T S r
        drop = float(beta[act] @ v[act])
        return self.rp, c + float(self.mU @ beta), S - float(self.zsum @ beta), drop

    def violated(self, XtA, feats):
        """Whether the projected residual (correlations ``XtA``) still leans
        out of a one-sided column it was not projected off: then no scale
        but 0 is feasible (beyond the projection's rounding)."""
        if not self.any_one_sided:
            return False
        u = XtA[self.cols]
        eps = 1e-12 * max(float(np.abs(XtA[feats]).max(initial=0.0)), 1.0)
        return bool(
            np.any(
                ~self.two_sided
                & (
                    ((u < -eps) & (self.lo == -np.inf))
                    | ((u > eps) & (self.hi == np.inf))
                )
            )
        )

    def ridge_dual(self, r_norm2, ry, XtA, feats, w, pen):
        """Without L1 weights: the dual (Dünner et al.'s formulation B, as
        :func:`skreg._kernels.gap._smooth_dual`) at the projected residual
        with norms ``r_norm2``, ``ry`` and correlations ``XtA`` (minus ``l2
        w``), the free features' conditions met by the projection."""
        f = feats[pen.l2[feats] > 0]
        g = XtA[f] + pen.l2[f] * w[f]
        g = np.where(pen.lower[f] == 0, np.maximum(g, 0.0), g)
        g = np.where(pen.upper[f] == 0, np.minimum(g, 0.0), g)
        return ry - 0.5 * r_norm2 - float(np.sum(g * g / (2.0 * pen.l2[f])))
