"""Dispatch an ElasticNet fit (one or many targets) to the chosen solver."""

import warnings

import numpy as np
from scipy import sparse

from skreg._kernels.cd_gram import gram_cd
from skreg.solvers.cd import CDResult, _seed_state, enet_cd
from skreg.solvers.design import Design, weighted_norm2

__all__ = ["fit_enet_targets", "penalty_strengths", "resolve_gram"]


def penalty_strengths(alpha, l1_ratio, n_samples):
    """``(l1, l2)`` in CD scaling for scikit-learn's ``alpha`` and ``l1_ratio``."""
    return alpha * l1_ratio * n_samples, alpha * (1.0 - l1_ratio) * n_samples


def resolve_gram(X, precompute, sample_weight, X_offset, fit_intercept):
    """Return the Gram matrix ``Z^T S Z`` to use, or ``None`` for plain CD.

    Mirrors scikit-learn's ``_pre_fit``: a user Gram matrix is ignored (with
    a warning) when centring changed ``X``; sparse ``X`` never uses a Gram.
    """
    if sparse.issparse(X) or precompute is False:
        return None
    if isinstance(precompute, str):
        precompute = X.shape[0] > X.shape[1] if precompute == "auto" else precompute
        if precompute is False:
            return None
    if hasattr(precompute, "__array__"):
        if fit_intercept and not np.allclose(X_offset, 0):
            warnings.warn(
                "Gram matrix was provided but X was centered to fit intercept: "
                "recomputing Gram matrix.",
                UserWarning,
                stacklevel=4,
            )
        else:
            G = np.asarray(precompute, dtype=X.dtype)
            if G.shape != (X.shape[1], X.shape[1]):
                raise ValueError(
                    f"precompute: Gram matrix has shape {G.shape}, expected "
                    f"{(X.shape[1], X.shape[1])}"
                )
            return np.ascontiguousarray(G, dtype=np.float64)
    Z = _weighted_centred(X.astype(np.float64), X_offset, sample_weight)
    return Z.T @ Z


def _weighted_centred(A, offset, sample_weight):
    Z = A - offset
    if sample_weight is not None:
        Z = Z * np.sqrt(sample_weight).reshape((-1,) + (1,) * (Z.ndim - 1))
    return Z


def fit_enet_targets(
    X,
    Yc,
    W,
    alpha,
    l1_ratio,
    *,
    sample_weight,
    X_offset,
    precompute=False,
    max_iter=1000,
    tol=1e-4,
    positive=False,
    random_state=None,
    solver="cd",
    verbose=0,
    fit_intercept=True,
    design=None,
):
    """Fit every column of the centred targets ``Yc``; ``W`` is updated in place.

    ``design`` is the :class:`Design` of ``X`` with ``X_offset`` when the
    caller already built it.  Returns one result per target (coefficients
    live in ``W``).
    """
    n = X.shape[0]
    l1, l2 = penalty_strengths(alpha, l1_ratio, n)
    results = []
    if solver == "cd":
        G = resolve_gram(X, precompute, sample_weight, X_offset, fit_intercept)
        if G is not None:
            Q = _weighted_centred(X.astype(np.float64), X_offset, sample_weight).T @ (
                _weighted_centred(Yc.astype(np.float64), 0.0, sample_weight)
            )
            rng_state = _seed_state(random_state)
            for k in range(Yc.shape[1]):
                y = Yc[:, k].astype(np.float64)
                y_norm2 = weighted_norm2(y, sample_weight)
                w = W[k].astype(np.float64)
                gap, n_iter = gram_cd(
                    G,
                    np.ascontiguousarray(Q[:, k]),
                    y_norm2,
                    w,
                    l1,
                    l2,
                    positive,
                    max_iter,
                    tol * y_norm2,
                    random_state is not None,
                    rng_state,
                )
                W[k] = w
                results.append(
                    CDResult(
                        W[k],
                        int(n_iter),
                        float(gap),
                        tol * y_norm2,
                        bool(gap <= tol * y_norm2),
                    )
                )
            return results
    if design is None:
        design = Design(X, sample_weight, X_offset)
    for k in range(Yc.shape[1]):
        y = np.ascontiguousarray(Yc[:, k])
        w = np.ascontiguousarray(W[k])
        if solver == "cd":
            res = enet_cd(
                design,
                y,
                w,
                l1,
                l2,
                max_iter=max_iter,
                tol=tol,
                positive=positive,
                random_state=random_state,
                xty=None if design.XtY is None else design.XtY[:, k],
            )
        else:
            from skreg.solvers.prox_grad import enet_prox_grad

            res = enet_prox_grad(
                design,
                y,
                w,
                l1,
                l2,
                max_iter=max_iter,
                tol=tol,
                positive=positive,
                accelerated=solver == "fista",
                verbose=verbose,
            )
        W[k] = res.coef
        results.append(res)
    return results
