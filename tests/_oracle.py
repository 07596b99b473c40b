"""Shared helpers for oracle tests against scikit-learn."""

import numpy as np
from scipy import sparse


def make_problem(n, p, *, n_targets=1, seed=0, dtype=np.float64, nnz=5, offset=1.0):
    """A noisy sparse-signal regression with non-centred, correlated columns."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    X[:, 1:] += 0.3 * X[:, :-1]
    X += offset * rng.rand(p)
    W = np.zeros((p, n_targets))
    idx = rng.choice(p, size=min(nnz, p), replace=False)
    W[idx] = rng.randn(len(idx), n_targets) * 3
    Y = X @ W + 0.5 * rng.randn(n, n_targets) + 2.0
    y = Y[:, 0] if n_targets == 1 else Y
    return X.astype(dtype), y.astype(dtype)


def sparsify(X, seed=0, density=0.3):
    """Zero out entries at random and return a CSC matrix."""
    rng = np.random.RandomState(seed + 1)
    mask = rng.rand(*X.shape) < density
    return sparse.csc_matrix(np.where(mask, X, 0.0).astype(X.dtype))


def alpha_max(X, y, l1_ratio, fit_intercept, sample_weight=None):
    """Smallest alpha with an all-zero solution (scikit-learn's grid start)."""
    Xd = X.toarray() if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    sw = (
        np.ones(len(y))
        if sample_weight is None
        else sample_weight * len(y) / sample_weight.sum()
    )
    if fit_intercept:
        Xd = Xd - np.average(Xd, axis=0, weights=sw)
        y = y - np.average(y, axis=0, weights=sw)
    Xty = Xd.T @ (sw[:, None] * y.reshape(len(y), -1))
    return np.sqrt((Xty**2).sum(axis=1)).max() / (len(y) * l1_ratio)


def enet_objective(X, y, coef, intercept, alpha, l1_ratio, sample_weight=None):
    """scikit-learn's ElasticNet objective (summed over targets)."""
    Xd = X.toarray() if sparse.issparse(X) else X
    Xd = np.asarray(Xd, dtype=np.float64)
    W = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    sw = (
        np.ones(len(y))
        if sample_weight is None
        else sample_weight * len(y) / sample_weight.sum()
    )
    R = Y - Xd @ W.T - np.asarray(intercept, dtype=np.float64)
    loss = 0.5 * (sw[:, None] * R**2).sum() / len(y)
    pen = alpha * (l1_ratio * np.abs(W).sum() + 0.5 * (1 - l1_ratio) * (W**2).sum())
    return loss + pen


def record_calls(monkeypatch, owner, name):
    """Replace ``owner.name`` by a wrapper that records each call's
    arguments (a list, returned) and then calls the original."""
    calls = []
    real = getattr(owner, name)

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


def prox_grad_optimum(Z, y, s, l1, l2, lower, upper, n_iter=20_000):
    """Minimiser of ``1/2 sum s (y - Z w)^2 + sum l1 |w| + l2/2 w^2`` on the
    box ``[lower, upper]`` by accelerated proximal gradient, written from
    scratch (an independent oracle for a few dozen features; a column of
    ones with zero weights and no bounds is an intercept)."""
    L = np.linalg.eigvalsh(Z.T @ (s[:, None] * Z)).max() + np.max(l2)
    w = np.zeros(Z.shape[1])
    v, t = w.copy(), 1.0
    for _ in range(n_iter):
        g = -Z.T @ (s * (y - Z @ v)) + l2 * v
        u = v - g / L
        w_new = np.sign(u) * np.maximum(np.abs(u) - l1 / L, 0.0)
        w_new = np.clip(w_new, lower, upper)
        t_new = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
        v = w_new + (t - 1) / t_new * (w_new - w)
        w, t = w_new, t_new
    return w
