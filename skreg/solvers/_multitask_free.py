"""Dual points of the multi-task problem with unpenalised features.

A feature whose penalty factor is 0 (``l1_j = l2_j = 0``) puts an equality
in the dual: a feasible dual point must be orthogonal to its centred
column, which the residual is not until the fit has converged, and no
scaling makes it so.  As :mod:`skreg.solvers._free` does for one target,
:class:`FreeRows` projects every task's residual onto the orthogonal
complement of the free columns before it is scaled into the dual's domain,
so that the duality gap stays an upper bound on the suboptimality and
gap-safe screening stays safe.
"""

import numpy as np

from skreg.solvers._support_solver import _centred_cross, _weighted_columns

__all__ = ["FreeRows"]


class FreeRows:
    """Projection of the residuals away from the free features' columns.

    Parameters
    ----------
    design : Design
    YT : ndarray of shape (n_tasks, n_samples)
        Centred targets, one task per row.
    cols : ndarray of int
        The free features.
    """

    def __init__(self, design, YT, cols):
        self.cols = cols
        if not cols.size:
            return
        X_all = design.sparse_X if design.is_sparse else design.X
        _, XUw = _weighted_columns(design, cols)
        # Z^T S Z_U for every feature: one product with the free columns
        self.cross = np.asarray(
            _centred_cross(design, X_all, np.arange(design.n_features), XUw, cols)
        )
        Y = YT.T
        y_sum = design.sw @ Y if design.has_sw else Y.sum(axis=0)
        self.qy = np.asarray(XUw.T @ Y) - np.outer(design.xm[cols], y_sum)
        # a pseudo-inverse: collinear free columns span the same space
        self.pinv = np.linalg.pinv(self.cross[cols])

    @classmethod
    def get(cls, prev, design, YT, l1, l2, keep):
        """The projection for the free features of ``(l1, l2)`` among
        ``keep`` (``prev`` reused when they are the same); none when no
        feature has an L1 weight (the gap is then not a Lasso dual's)."""
        free = keep & (l1 == 0) & (l2 == 0)
        cols = np.flatnonzero(free) if np.any(l1[keep] > 0) else np.zeros(0, int)
        if prev is not None and np.array_equal(prev.cols, cols):
            return prev
        return cls(design, YT, cols)

    def project(self, G, feats, r_norm2, ry):
        """The products ``Gd`` (rows ``feats``), ``|P r|^2`` and ``(P r)^T S
        Y`` of the projected residual ``P r``, from those of ``r``."""
        V = G[self.cols]
        beta = self.pinv @ V
        Gd = G.copy()
        Gd[feats] -= self.cross[feats] @ beta
        r_norm2 -= float(np.vdot(beta, V))
        ry -= float(np.vdot(beta, self.qy))
        return Gd, max(r_norm2, 0.0), ry
