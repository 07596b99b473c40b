"""The statistics of a block of rows, their merge and the Gram system."""

from typing import NamedTuple

import numpy as np

from skreg._kernels.block_stats import centre_block, merge_stats, subtract_stats

__all__ = [
    "SuffStats",
    "block_fold_stats",
    "check_stats_size",
    "compute",
    "get_stats_memory_limit",
    "gram_system",
    "heldout_sse",
    "merge",
    "merge_all",
    "merge_dicts",
    "set_stats_memory_limit",
    "subtract",
]

_LIMIT = {"bytes": 2 * 1024**3}


class SuffStats(NamedTuple):
    """Sufficient statistics of a set of rows for squared-loss regression.

    Attributes
    ----------
    n_rows : float
        Number of rows (zero-weight rows included: the Lasso's ``n``).
    weight : float
        Sum of the sample weights (``n_rows`` without weights).
    x_mean : ndarray of shape (n_features,)
        Weighted mean of the rows of ``X``.
    y_mean : ndarray of shape (n_targets,)
        Weighted mean of the targets.
    xx : ndarray of shape (n_features, n_features)
        ``Z^T S Z`` with ``Z`` = ``X`` centred at ``x_mean``.
    xy : ndarray of shape (n_features, n_targets)
        ``Z^T S V`` with ``V`` = ``Y`` centred at ``y_mean``.
    yy : ndarray of shape (n_targets,)
        ``diag(V^T S V)``.
    """

    n_rows: float
    weight: float
    x_mean: np.ndarray
    y_mean: np.ndarray
    xx: np.ndarray
    xy: np.ndarray
    yy: np.ndarray


def get_stats_memory_limit():
    """Largest size in bytes of one set of ``p x p`` statistics (default 2 GiB).

    Returns
    -------
    nbytes : int
        The limit checked by :func:`check_stats_size`.
    """
    return _LIMIT["bytes"]


def set_stats_memory_limit(nbytes):
    """Set the largest size in bytes of the statistics of a fit.

    Fits on dask input hold one ``p x p`` float64 matrix per cross-validation
    fold (plus one for the whole data) on the client and on every worker;
    larger problems raise a ``ValueError`` before reading any data.

    Parameters
    ----------
    nbytes : int
        New limit in bytes.

    Returns
    -------
    previous : int
        The limit that was in force.
    """
    nbytes = int(nbytes)
    if nbytes <= 0:
        raise ValueError(f"nbytes must be a positive number of bytes; got {nbytes}.")
    previous, _LIMIT["bytes"] = _LIMIT["bytes"], nbytes
    return previous


def check_stats_size(n_features, n_targets=1, n_sets=1):
    """Raise ``ValueError`` when ``n_sets`` sets of statistics exceed the limit."""
    per_set = 8 * (
        n_features * n_features + n_features * (n_targets + 1) + 2 * n_targets
    )
    need = per_set * n_sets
    limit = get_stats_memory_limit()
    if need > limit:
        raise ValueError(
            f"X has {n_features} features: its p x p statistics need "
            f"{need / 1024**3:.2f} GiB ({n_sets} set(s) of "
            f"{per_set / 1024**3:.2f} GiB), more than the limit of "
            f"{limit / 1024**3:.2f} GiB (skreg.stats.set_stats_memory_limit); "
            "raise the limit if the client and workers have the memory, or "
            "reduce the number of features."
        )
    return need


def _as_float2d(a):
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(-1, 1) if a.ndim == 1 else a


def compute(X, y, sample_weight=None):
    """Statistics of the rows of ``X`` and ``y`` (one compiled pass).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows of the design.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Targets.
    sample_weight : ndarray of shape (n_samples,), default=None
        Raw (not rescaled) sample weights.

    Returns
    -------
    stats : SuffStats
        The statistics.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = _as_float2d(y)
    has_sw = sample_weight is not None
    sw = np.asarray(sample_weight, dtype=np.float64) if has_sw else np.empty(0)
    weight, x_mean, y_mean, Z, V, yy = centre_block(X, Y, sw, has_sw)
    p, k = X.shape[1], Y.shape[1]
    if not weight > 0:
        return SuffStats(
            float(X.shape[0]),
            0.0,
            x_mean,
            y_mean,
            np.zeros((p, p)),
            np.zeros((p, k)),
            yy,
        )
    # numpy computes Z^T Z as a symmetric rank-k update (BLAS syrk)
    return SuffStats(float(X.shape[0]), weight, x_mean, y_mean, Z.T @ Z, Z.T @ V, yy)


def merge(a, b):
    """Statistics of the union of the disjoint row sets of ``a`` and ``b``."""
    return SuffStats(a.n_rows + b.n_rows, *merge_stats(*a[1:], *b[1:]))


def subtract(whole, part):
    """Statistics of the rows of ``whole`` that are not in ``part``."""
    return SuffStats(whole.n_rows - part.n_rows, *subtract_stats(*whole[1:], *part[1:]))


def merge_all(parts):
    """Merge a sequence of statistics pairwise (a balanced tree)."""
    parts = list(parts)
    if not parts:
        raise ValueError("merge_all needs at least one set of statistics.")
    while len(parts) > 1:
        merged = [merge(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            merged.append(parts[-1])
        parts = merged
    return parts[0]


def block_fold_stats(X, y, sample_weight=None, fold_ids=None):
    """Statistics of the rows of a block, one set per fold id.

    Returns a dict ``{fold id: SuffStats}`` over the ids present in
    ``fold_ids`` (one integer per row), or ``{0: stats}`` when ``fold_ids``
    is ``None``.  Rows are grouped by fold with one stable sort, so a block
    pays at most one copy whatever the number of folds.
    """
    if fold_ids is None:
        return {0: compute(X, y, sample_weight)}
    fold_ids = np.asarray(fold_ids).ravel()
    X = np.asarray(X)
    y = _as_float2d(y)
    if fold_ids.size and np.any(fold_ids[1:] < fold_ids[:-1]):
        order = np.argsort(fold_ids, kind="stable")
        fold_ids = fold_ids[order]
        X, y = X[order], y[order]
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)[order]
    ids, starts = np.unique(fold_ids, return_index=True)
    stops = np.append(starts[1:], fold_ids.size)
    out = {}
    for f, a, b in zip(ids.tolist(), starts, stops, strict=True):
        sw = None if sample_weight is None else sample_weight[a:b]
        out[f] = compute(X[a:b], y[a:b], sw)
    return out


def merge_dicts(a, b):
    """Merge two ``{key: SuffStats}`` dicts key by key."""
    out = dict(a)
    for key, s in b.items():
        out[key] = merge(out[key], s) if key in out else s
    return out


def gram_system(stats, *, fit_intercept=True, rescale=True):
    """``(G, Q, yy)`` of the least-squares problem behind ``stats``.

    With ``fit_intercept`` the centred moments; otherwise the raw ones
    (``xx + w m m^T``...).  With ``rescale`` the weights are rescaled to sum
    to ``n_rows``, as the Lasso and ElasticNet estimators do.
    """
    xx, xy, yy = stats.xx, stats.xy, stats.yy
    if not fit_intercept:
        w, xm, ym = stats.weight, stats.x_mean, stats.y_mean
        xx = xx + w * np.outer(xm, xm)
        xy = xy + w * np.outer(xm, ym)
        yy = yy + w * ym * ym
    if rescale and stats.weight > 0:
        c = stats.n_rows / stats.weight
        xx, xy, yy = xx * c, xy * c, yy * c
    return np.ascontiguousarray(xx), np.ascontiguousarray(xy), np.asarray(yy)


def heldout_sse(stats, coef, intercept):
    """Weighted sum of squared residuals of ``X coef + intercept`` on the rows
    of ``stats``, for many models at once.

    ``coef`` has shape (n_features, n_models) (one target) and ``intercept``
    shape (n_models,).  The residual of a row is its centred part,
    ``v_i - z_i^T w``, plus the constant ``y_mean - x_mean^T w - b``.
    """
    coef = np.asarray(coef, dtype=np.float64)
    shift = stats.y_mean[0] - stats.x_mean @ coef - intercept
    sse = (
        stats.yy[0]
        - 2.0 * (stats.xy[:, 0] @ coef)
        + np.einsum("jm,jm->m", coef, stats.xx @ coef)
        + stats.weight * shift**2
    )
    return np.maximum(sse, 0.0)
