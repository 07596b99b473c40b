"""Dispatch an ElasticNet fit (one or many targets) to the chosen solver."""

import dataclasses
import warnings

import numpy as np
from scipy import sparse

from skreg._kernels.penalty import make_penalty, penalty_arrays
from skreg.solvers._gram_free import fully_free, one_sided_free
from skreg.solvers._ws_gram import solve_gram
from skreg.solvers.cd import CDResult, enet_cd
from skreg.solvers.design import Design, weighted_norm2
from skreg.solvers.exact import exact_finish, wants_exact_finish
from skreg.solvers.working_set import _seed_state

__all__ = [
    "GRAM_FLOPS",
    "fit_enet_targets",
    "penalty_arrays",
    "penalty_strengths",
    "resolve_gram",
]


# A dense fit whose Gram matrix costs at most this many flops (n p^2) is
# solved on it: below it the working-set solver's Python rounds cost more
# than the whole Gram solve (docs/solvers.rst).
GRAM_FLOPS = 1e7


def gram_pays(X):
    """Whether a dense ``X`` is small enough for the Gram solve by default
    (and not wider than tall: see :func:`~skreg.solvers._ws_gram.solve_gram`)."""
    n, p = X.shape
    return not sparse.issparse(X) and p <= n and n * p * p <= GRAM_FLOPS


def penalty_strengths(alpha, l1_ratio, n_samples):
    """``(l1, l2)`` in CD scaling for scikit-learn's ``alpha`` and ``l1_ratio``."""
    return alpha * l1_ratio * n_samples, alpha * (1.0 - l1_ratio) * n_samples


def resolve_gram(X, precompute, sample_weight, X_offset, fit_intercept):
    """Return the Gram matrix ``Z^T S Z`` to use, or ``None`` for plain CD.

    Mirrors scikit-learn's ``_pre_fit``: a user Gram matrix is ignored (with
    a warning) when centring changed ``X``; sparse ``X`` never uses a Gram.
    """
    G = _user_gram(X, precompute, sample_weight, X_offset, fit_intercept, 5)
    if G is True:
        Z = _weighted_centred(X.astype(np.float64, copy=False), X_offset, sample_weight)
        return Z.T @ Z
    return G


def _user_gram(X, precompute, sample_weight, X_offset, fit_intercept, stacklevel):
    # resolve_gram's decision: None (plain CD), True (compute Z^T S Z) or the
    # user's checked Gram matrix
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
                stacklevel=stacklevel,
            )
        else:
            G = np.asarray(precompute, dtype=X.dtype)
            if G.shape != (X.shape[1], X.shape[1]):
                raise ValueError(
                    f"precompute: Gram matrix has shape {G.shape}, expected "
                    f"{(X.shape[1], X.shape[1])}"
                )
            _check_gram_entry(X, G, X_offset, sample_weight)
            return np.ascontiguousarray(G, dtype=np.float64)
    return True


def _check_gram_entry(X, G, X_offset, sample_weight):
    # scikit-learn's check of a user Gram matrix: one off-diagonal entry
    # recomputed from X (cheap, catches a Gram of other data)
    p = X.shape[1]
    f1 = p // 2
    f2 = min(f1 + 1, p - 1)
    cols = _weighted_centred(
        np.asarray(X[:, [f1, f2]], dtype=np.float64), X_offset[[f1, f2]], sample_weight
    )
    expected = float(cols[:, 0] @ cols[:, 1])
    rtol = 1e-4 if np.float32 in (X.dtype, G.dtype) else 1e-7
    if not np.isclose(expected, G[f1, f2], rtol=rtol, atol=1e-5):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass "
            "validation when a single element was checked - please check that "
            f"it was computed properly. For element ({f1},{f2}) we computed "
            f"{expected} but the user-supplied value was {G[f1, f2]}."
        )


def _weighted_centred(A, offset, sample_weight):
    # one new array (A itself is never written)
    Z = A - offset
    if sample_weight is not None:
        Z *= np.sqrt(sample_weight).reshape((-1,) + (1,) * (Z.ndim - 1))
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
    penalty_factor=None,
    lower=None,
    upper=None,
):
    """Fit every column of the centred targets ``Yc``; ``W`` is updated in place.

    ``design`` is the :class:`Design` of ``X`` with ``X_offset`` when the
    caller already built it.  ``penalty_factor``, ``lower`` and ``upper``
    (arrays of shape ``(n_features,)`` or None) make the penalty per feature
    (see :func:`penalty_arrays`); a precomputed Gram matrix then goes
    unused.  Returns one result per target (coefficients live in ``W``).
    """
    n = X.shape[0]
    l1, l2 = penalty_strengths(alpha, l1_ratio, n)
    per_feature = penalty_factor is not None or lower is not None or upper is not None
    l1, l2, lower, upper = penalty_arrays(l1, l2, penalty_factor, lower, upper)
    results = []
    if solver == "cd":
        pen = make_penalty(X.shape[1], l1, l2, positive, lower, upper)
        G = None
        if not per_feature:
            G = _user_gram(X, precompute, sample_weight, X_offset, fit_intercept, 4)
        if G is None and precompute is False and gram_pays(X) and not _unbounded(pen):
            G = True
        if G is not None:
            return _fit_gram_targets(
                X, Yc, W, G, pen, sample_weight=sample_weight, X_offset=X_offset,
                max_iter=max_iter, tol=tol, random_state=random_state,
                exact=None if per_feature else (l1, l2, positive),
            )  # fmt: skip
    if design is None:
        design = Design(X, sample_weight, X_offset)
    kw = dict(max_iter=max_iter, tol=tol, positive=positive, lower=lower, upper=upper)
    for k in range(Yc.shape[1]):
        y = np.ascontiguousarray(Yc[:, k])
        w = np.ascontiguousarray(W[k])
        if solver == "cd":
            xty = None if design.XtY is None else design.XtY[:, k]
            res = enet_cd(
                design, y, w, l1, l2, random_state=random_state, xty=xty, **kw
            )
        else:
            from skreg.solvers.prox_grad import enet_prox_grad

            res = enet_prox_grad(
                design, y, w, l1, l2, accelerated=solver == "fista", verbose=verbose,
                **kw,
            )  # fmt: skip
        W[k] = res.coef
        if solver == "cd" and not per_feature:
            res = _finish(
                X, y, W, k, res, tol, l1, l2, positive, sample_weight, X_offset
            )
        results.append(res)
    return results


def _unbounded(pen):
    # features with neither a penalty nor two finite bounds: the Gram
    # kernel's gap needs them eliminated first (GramCD does), so such fits
    # keep the working sets
    return bool(np.any(fully_free(pen) | one_sided_free(pen)))


def _fit_gram_targets(
    X, Yc, W, G, pen, *, sample_weight, X_offset, max_iter, tol, random_state,
    exact,
):  # fmt: skip
    """:func:`fit_enet_targets` by the covariance-update kernel on ``G`` (the
    user's, or ``True``: computed here from the copy ``Q`` is computed from).
    ``exact`` is ``(l1, l2, positive)`` for the exact finish of a uniform
    penalty at tight tol, None for none."""
    Z = _weighted_centred(X.astype(np.float64, copy=False), X_offset, sample_weight)
    if G is True:
        G = Z.T @ Z
    Q = Z.T @ _weighted_centred(Yc.astype(np.float64, copy=False), 0.0, sample_weight)
    del Z
    rng_state = _seed_state(random_state)
    results = []
    for k in range(Yc.shape[1]):
        y = Yc[:, k].astype(np.float64)
        y_norm2 = weighted_norm2(y, sample_weight)
        q = np.ascontiguousarray(Q[:, k])
        w = W[k].astype(np.float64)
        tol_abs = tol * y_norm2
        n_iter, gap = solve_gram(
            G, q, y_norm2, w, pen, max_iter, tol_abs, random_state is not None,
            rng_state,
        )  # fmt: skip
        W[k] = w
        # a negative gap is rounding (the dual never exceeds the primal)
        gap = max(float(gap), 0.0)
        res = CDResult(W[k], int(n_iter), gap, tol_abs, bool(gap <= tol_abs))
        if exact is not None:
            res = _finish(X, y, W, k, res, tol, *exact, sample_weight, X_offset)
        results.append(res)
    return results


def _finish(X, y, W, k, res, tol, l1, l2, positive, sample_weight, X_offset):
    """The exact finish (:mod:`skreg.solvers.exact`) of target ``k`` at tight tol."""
    if not wants_exact_finish(tol, l1, l2):
        return res
    xm = None if X_offset is None else np.asarray(X_offset, dtype=np.float64)
    sw = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    out = exact_finish(
        X,
        np.asarray(y, dtype=np.float64),
        W[k],
        l1,
        l2,
        sample_weight=sw,
        X_offset=xm,
        positive=positive,
    )
    return _replace(res, W, k, out)


def _replace(res, W, k, out):
    if out is None:
        return res
    W[k], gap = out
    # the finish is kept only at an objective no larger than CD's: a fit
    # that converged stays so when the new gap's rounding exceeds tol (tol=0)
    return dataclasses.replace(
        res,
        coef=W[k],
        gap=max(gap, 0.0),
        converged=res.converged or bool(gap <= res.tol),
    )
