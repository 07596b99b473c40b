"""Dual points for problems with unpenalised features.

A feature with neither an L1 nor an L2 weight (a penalty factor of 0) puts
an equality in the dual, or an inequality on the sides its bounds leave
open: a feasible dual point must be orthogonal to its centred column (or
on one side of it).  The residual is not, until the fit has converged, and
no scaling makes it so.  :class:`FreeFeatures` projects the residual onto
the orthogonal complement of the columns whose condition it breaks (a
weighted least squares on them, as glmnet does for the intercept) before
it is scaled into the dual's domain, so that the duality gap stays an
upper bound on the suboptimality and gap-safe screening stays safe.
"""

import numpy as np

from skreg._kernels.gap import box_dual, domain_scale, residual_stats
from skreg.solvers._support_solver import (
    _centred_cross,
    _centred_rhs,
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
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    cols : ndarray of int
        The free features (see :func:`free_features`).
    """

    def __init__(self, design, y, cols):
        self.design, self.cols = design, cols
        X_all = design.sparse_X if design.is_sparse else design.X
        _, XUw = _weighted_columns(design, cols)
        # Z^T S Z_U for every feature: one product with the free columns
        self.cross = np.asarray(
            _centred_cross(design, X_all, np.arange(design.n_features), XUw, cols)
        )
        self.qy = _centred_rhs(design, XUw, cols, y)

    def dual(self, XtA, feats, rd, c, y, w, pen):
        """Project the residual ``rd + c`` whose correlations (minus ``l2
        w``) are ``XtA`` on ``feats``; ``XtA`` becomes the projected
        residual's.  Returns ``(dual, scale)`` at the scaled projection."""
        design, cols = self.design, self.cols
        v, lo, hi = XtA[cols], pen.lower[cols], pen.upper[cols]
        # fully free columns, and one-sided ones the residual leans out of
        act = ((lo == -np.inf) & (hi == np.inf)) | ((v < 0) & (lo == -np.inf))
        act |= (v > 0) & (hi == np.inf)
        r_norm2, ry = residual_stats(rd, c, y, design.sw, design.has_sw)
        if np.any(act):
            # a pseudo-inverse: collinear free columns span the same space
            beta = np.linalg.pinv(self.cross[cols[act]][:, act]) @ v[act]
            # |P r|^2 = r^T S r - beta^T Z_U^T S r, and (P r)^T S y likewise
            r_norm2 -= float(beta @ v[act])
            ry -= float(beta @ self.qy[act])
            XtA[feats] -= self.cross[feats][:, act] @ beta
        w_l2 = float(np.dot(pen.l2 * w, w))
        scale = domain_scale(XtA, feats, pen)
        # a one-sided column the projection turned into a violation: no
        # scale is feasible but 0 (beyond the projection's rounding)
        u = XtA[cols]
        eps = 1e-12 * max(float(np.abs(XtA[feats]).max(initial=0.0)), 1.0)
        if np.any(
            ~act & (((u < -eps) & (lo == -np.inf)) | ((u > eps) & (hi == np.inf)))
        ):
            scale = 0.0
        return box_dual(max(r_norm2, 0.0), ry, w_l2, scale, pen, feats, XtA)
