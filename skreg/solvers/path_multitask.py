"""The multi-task ElasticNet path (2-D ``y`` in :func:`skreg.enet_path`).

scikit-learn's ``enet_path`` with a 2-D ``y`` solves the multi-task problem,
one ``l2``-norm penalty per feature across the targets (an
:math:`\\ell_{2,1}` penalty), so that the targets share their support.  The
path is warm-started block coordinate descent
(:mod:`skreg._kernels.cd_multitask`), stopped on scikit-learn's multi-task
duality gap.
"""

import numpy as np
from scipy import sparse

from skreg._kernels.cd_multitask import multitask_cd
from skreg.solvers.enet import penalty_strengths

__all__ = ["solve_multitask_path"]


def solve_multitask_path(
    X,
    Y,
    alphas,
    l1_ratio,
    *,
    sample_weight=None,
    X_offset=None,
    coef_init=None,
    max_iter=1000,
    tol=1e-4,
):
    """Warm-started multi-task solutions along ``alphas``.

    ``X`` is dense (Fortran order) or CSC, centred implicitly by
    ``X_offset``; ``Y`` of shape (n_samples, n_tasks).  Returns
    ``(coefs, dual_gaps, n_iters, converged)`` with ``coefs`` of shape
    (n_tasks, n_features, n_alphas) and gaps divided by ``n_samples``.
    """
    n, p = X.shape
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    T = Y.shape[1]
    is_sparse = sparse.issparse(X)
    if is_sparse:
        Xd = np.empty((1, 1), dtype=X.dtype, order="F")
        data, indices, indptr = X.data, X.indices, X.indptr
    else:
        Xd = X
        data = np.empty(0, dtype=X.dtype)
        indices = np.empty(0, dtype=np.int32)
        indptr = np.zeros(1, dtype=np.int32)
    xm = np.zeros(p) if X_offset is None else np.asarray(X_offset, np.float64)
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    if coef_init is None:
        W = np.zeros((T, p))
    else:
        W = np.array(coef_init, dtype=np.float64).reshape(T, p)
    R = Y - (np.asarray(X @ W.T) - xm @ W.T)
    R = np.ascontiguousarray(R)
    tol_abs = max(tol, 1e-300) * float(np.sum(sw[:, None] * Y**2))
    coefs = np.empty((T, p, len(alphas)))
    gaps = np.empty(len(alphas))
    n_iters, converged = [], []
    for k, alpha in enumerate(alphas):
        l1, l2 = penalty_strengths(float(alpha), l1_ratio, n)
        gap, n_iter = multitask_cd(
            Xd, data, indices, indptr, is_sparse, xm, sw, Y, W, R, l1, l2,
            max_iter, tol_abs,
        )  # fmt: skip
        coefs[:, :, k] = W
        gaps[k] = gap / n
        n_iters.append(int(n_iter))
        converged.append(bool(gap <= tol_abs))
    return coefs, gaps, n_iters, converged
