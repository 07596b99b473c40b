r"""Ridge solutions for many ``alpha`` from one decomposition of the design.

Public as :func:`skreg.ridge_path` and :func:`skreg.path.ridge_path`.
"""

import numpy as np
from sklearn.utils import check_array

from skreg.solvers.ridge_gcv import RidgeDecomposition

__all__ = ["ridge_path"]


def ridge_path(
    X,
    y,
    *,
    alphas=(0.1, 1.0, 10.0),
    fit_intercept=True,
    sample_weight=None,
    method="auto",
    return_intercept=False,
):
    r"""Ridge solutions for many ``alpha`` from one SVD / eigendecomposition.

    For each ``alpha`` the solution of scikit-learn's Ridge objective

    .. math::

        \sum_i s_i (y_i - x_i^\top w - b)^2 + \alpha \|w\|_2^2

    is read off a single decomposition of the centred, weighted design, so a
    path of ``k`` alphas costs one decomposition plus ``k`` matrix-vector
    products instead of ``k`` solves.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.  Sparse ``X`` is centred implicitly (never densified;
        the ``n x n`` or ``p x p`` Gram matrix is).
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Target values.
    alphas : array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        Positive regularisation strengths, kept in the given order.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights (not rescaled: their scale acts like ``1 / alpha``,
        as in scikit-learn's Ridge).
    method : {'auto', 'svd', 'eigen'}, default='auto'
        ``'svd'``: thin SVD of the design (dense only).  ``'eigen'`` and
        ``'auto'``: eigendecomposition of ``Z Z^T`` when
        ``n_samples <= n_features``, else of ``Z^T Z``.
    return_intercept : bool, default=False
        Also return the intercepts.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas, as given.
    coefs : ndarray of shape (n_features, n_alphas) or \
            (n_targets, n_features, n_alphas)
        Coefficients for each alpha.
    intercepts : ndarray of shape (n_alphas,) or (n_targets, n_alphas)
        Only when ``return_intercept=True``.

    See Also
    --------
    skreg.L2RegressorCV : Chooses ``alpha`` by efficient leave-one-out CV.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import ridge_path
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    >>> y = np.array([0.0, 1.0, 2.0, 3.0])
    >>> alphas, coefs = ridge_path(X, y, alphas=[0.01, 1.0])
    >>> coefs.shape
    (2, 2)
    """
    if method not in ("auto", "svd", "eigen"):
        raise ValueError(f"method must be 'auto', 'svd' or 'eigen'; got {method!r}.")
    X = check_array(
        X, accept_sparse=["csr", "csc", "coo"], dtype=[np.float64, np.float32]
    )
    y = check_array(y, ensure_2d=False, dtype=np.float64)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y: expected {X.shape[0]} samples to match X, got {y.shape[0]}."
        )
    alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if alphas.ndim != 1 or np.any(~np.isfinite(alphas)) or np.any(alphas <= 0):
        raise ValueError(
            f"alphas must be a 1-D array of positive floats; got {alphas}."
        )
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (X.shape[0],) or np.any(sample_weight < 0):
            raise ValueError(
                "sample_weight must be a non-negative array of shape (n_samples,)."
            )
    dec = RidgeDecomposition(
        X, y, sample_weight=sample_weight, fit_intercept=fit_intercept, mode=method
    )
    W = np.stack([dec.coef(a) for a in alphas], axis=-1)  # (p, k, n_alphas)
    b = dec.y_offset[:, None] - np.einsum("p,pka->ka", dec.X_offset, W)
    if y.ndim == 1:
        coefs, intercepts = W[:, 0, :], b[0]
    else:
        coefs, intercepts = np.moveaxis(W, 1, 0), b
    coefs = coefs.astype(X.dtype, copy=False)
    if return_intercept:
        return alphas, coefs, intercepts
    return alphas, coefs
