"""Dask input: reduce the data to sufficient statistics on the cluster.

Every row block of ``X`` (with its blocks of ``y``, ``sample_weight`` and
fold ids) becomes one task computing the block's statistics
(:mod:`skreg.stats`), one set per cross-validation fold; a balanced tree of
merge tasks reduces them and only the ``p x p`` result reaches the client.
The data are read once, by whatever scheduler is active (the threaded
default, or a ``dask.distributed`` client).  dask is imported lazily: skreg
itself does not need it.
"""

import sys

import numpy as np

from skreg.stats import (
    block_fold_stats,
    check_stats_size,
    get_stats_memory_limit,
    merge_dicts,
)

__all__ = ["DaskData", "dask_predict", "is_dask_input", "reduce_stats"]


def is_dask_input(*objs):
    """Whether any of ``objs`` is a dask collection (without importing dask)."""
    dask = sys.modules.get("dask")
    if dask is None:
        return False
    return any(
        o is not None and hasattr(o, "__dask_graph__") and dask.is_dask_collection(o)
        for o in objs
    )


def _is_frame(obj):
    return hasattr(obj, "to_delayed") and hasattr(obj, "npartitions")


class DaskData:
    """Row blocks of ``X``, ``y``, weights and fold ids, as delayed objects.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features) or dask DataFrame
        Design; a dask array is rechunked to one block of columns.
    y : dask or numpy array, dask Series or DataFrame
        Targets, split into blocks of the same rows as ``X``.
    sample_weight : dask or numpy array, scalar or None
        Raw sample weights.
    """

    def __init__(self, X, y, sample_weight=None):
        import dask.array as da

        if y is None:
            raise ValueError("y: a target is required to fit on dask input.")
        self.feature_names = None
        if _is_frame(X) and not hasattr(X, "chunks"):
            if getattr(X, "ndim", 2) != 2:
                raise ValueError("X: expected a dask DataFrame or a 2-d dask array.")
            self.feature_names = np.asarray(X.columns, dtype=object)
            self.n_features = len(X.columns)
            self.row_chunks = None
            self.x_blocks = list(X.to_delayed(optimize_graph=False))
            self.dtype = np.result_type(*X.dtypes)
        elif hasattr(X, "chunks"):
            if X.ndim != 2:
                raise ValueError(
                    f"X: expected a 2-d dask array, got {X.ndim} dimension(s)."
                )
            X = X.rechunk({1: -1})
            self.n_features = X.shape[1]
            self.row_chunks = X.chunks[0]
            self.x_blocks = list(X.to_delayed(optimize_graph=False).ravel())
            self.dtype = X.dtype
        else:
            raise TypeError(
                "X: with a dask y or sample_weight, X must be a dask array or "
                f"dask DataFrame too; got {type(X).__name__}."
            )
        if not (np.issubdtype(self.dtype, np.number) or self.dtype == bool):
            raise ValueError(f"X: dtype {self.dtype} is not numeric.")
        self.dtype = (
            np.dtype(np.float32) if self.dtype == np.float32 else np.dtype(np.float64)
        )
        if self.n_features == 0:
            raise ValueError(
                "X: 0 feature(s) (shape (n, 0)) while a minimum of 1 is required."
            )
        self.y_ndim = getattr(y, "ndim", np.ndim(y))
        if self.y_ndim > 2:
            raise ValueError(f"y: expected 1 or 2 dimensions, got {self.y_ndim}.")
        self.n_targets = 1 if self.y_ndim == 1 else int(y.shape[1])
        self.y_blocks = self.split_like_x(y, "y", da)
        self.sw_blocks = None
        if sample_weight is not None and np.ndim(sample_weight) > 0:
            self.sw_blocks = self.split_like_x(sample_weight, "sample_weight", da)
        self.n_blocks = len(self.x_blocks)

    @property
    def n_rows(self):
        """Number of rows, or None when the blocks' lengths are unknown."""
        if self.row_chunks is None or any(np.isnan(c) for c in self.row_chunks):
            return None
        return int(sum(self.row_chunks))

    def split_like_x(self, a, name, da):
        """Blocks of ``a`` (one per row block of ``X``), as delayed objects."""
        if _is_frame(a) and not hasattr(a, "chunks"):
            blocks = list(a.to_delayed(optimize_graph=False))
        else:
            if not hasattr(a, "chunks"):
                if self.row_chunks is None or self.n_rows is None:
                    raise ValueError(
                        f"{name}: an in-memory {name} needs X's block lengths; "
                        f"pass {name} as a dask collection partitioned like X."
                    )
                a = np.asarray(a)
                if a.shape[0] != self.n_rows:
                    raise ValueError(
                        f"{name}: {a.shape[0]} rows, but X has {self.n_rows}."
                    )
                a = da.from_array(a, chunks=(self.row_chunks,) + a.shape[1:])
            elif self.row_chunks is not None and a.chunks[0] != self.row_chunks:
                if a.shape[0] != self.n_rows and not np.isnan(a.shape[0]):
                    raise ValueError(
                        f"{name}: {a.shape[0]} rows, but X has {self.n_rows}."
                    )
                a = a.rechunk({0: self.row_chunks})
            if a.ndim == 2:
                a = a.rechunk({1: -1})
            blocks = list(a.to_delayed(optimize_graph=False).ravel())
        if len(blocks) != len(self.x_blocks):
            raise ValueError(
                f"{name}: {len(blocks)} blocks of rows, but X has "
                f"{len(self.x_blocks)}; partition {name} like X."
            )
        return blocks

    def fold_blocks(self, fold_ids=None, n_folds=None):
        """Per-block fold ids (delayed) from an array of fold ids, or the
        row ranges of ``n_folds`` KFold folds in row order."""
        import dask.array as da

        if fold_ids is not None:
            return self.split_like_x(fold_ids, "cv", da)
        n = self.n_rows
        if n is None:
            raise ValueError(
                "cv: folds by row order need the number of rows of each block; "
                "pass X as a dask array with known chunks (for a DataFrame, "
                "df.to_dask_array(lengths=True)) or give fold ids "
                "(cv=<dask array of fold ids>)."
            )
        if n_folds > n:
            raise ValueError(
                f"Cannot have number of splits n_splits={n_folds} greater than "
                f"the number of samples: n_samples={n}."
            )
        # sklearn's KFold: the first n % k folds have one more row
        sizes = np.full(n_folds, n // n_folds)
        sizes[: n % n_folds] += 1
        edges = np.concatenate([[0], np.cumsum(sizes)])
        starts = np.concatenate([[0], np.cumsum(self.row_chunks)])
        return [("range", int(s), edges) for s in starts[:-1]]


def _block_task(x, y, sw, folds, max_sets):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y.shape[0] != x.shape[0]:
        raise ValueError(
            f"y: a block of X has {x.shape[0]} rows but its block of y has "
            f"{y.shape[0]}; X and y must have the same number of samples."
        )
    if sw is not None:
        sw = np.asarray(sw, dtype=np.float64).ravel()
        if sw.shape[0] != x.shape[0] or np.any(sw < 0) or not np.all(np.isfinite(sw)):
            raise ValueError(
                "sample_weight: a block has weights that are negative, not "
                "finite or not one per row of X."
            )
    if folds is None:
        ids = None
    elif isinstance(folds, tuple):
        _, start, edges = folds
        ids = np.searchsorted(edges, start + np.arange(x.shape[0]), side="right") - 1
    else:
        ids = np.asarray(folds).ravel()
        if ids.shape[0] != x.shape[0] or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(
                "cv: fold ids must be one integer per row of X (-1 for rows "
                "that are never held out)."
            )
        ids = np.maximum(ids, -1)
        if np.unique(ids).size > max_sets:
            raise ValueError(
                f"cv: more than {max_sets} distinct fold ids; their statistics "
                "would exceed skreg.stats.get_stats_memory_limit()."
            )
    return block_fold_stats(x, y, sw, ids)


def reduce_stats(data, *, folds=None, n_sets=1):
    """Statistics of all the rows, as a dict ``{fold id: SuffStats}``.

    ``folds`` is the list returned by :meth:`DaskData.fold_blocks` (or
    None, giving ``{0: stats}``); ``n_sets`` is the number of sets expected
    (checked against the memory limit before any data are read).  The
    blocks are read once, by the active dask scheduler.
    """
    import dask
    from dask import delayed

    check_stats_size(data.n_features, data.n_targets, n_sets)
    max_sets = check_stats_size(data.n_features, data.n_targets, 1)
    max_sets = max(get_stats_memory_limit() // max_sets, 1)
    block = delayed(_block_task, pure=True)
    join = delayed(merge_dicts, pure=True)
    sws = data.sw_blocks or [None] * data.n_blocks
    fb = folds or [None] * data.n_blocks
    parts = [
        block(x, y, w, f, max_sets)
        for x, y, w, f in zip(data.x_blocks, data.y_blocks, sws, fb, strict=True)
    ]
    while len(parts) > 1:
        merged = [join(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            merged.append(parts[-1])
        parts = merged
    (result,) = dask.compute(parts[0])
    for s in result.values():
        if not (
            np.isfinite(s.weight)
            and np.all(np.isfinite(s.xx))
            and np.all(np.isfinite(s.yy))
        ):
            raise ValueError(
                "Input X or y contains NaN or infinity (or values too large "
                "for their squared sums)."
            )
    return result


def dask_predict(estimator, X):
    """``X @ coef_.T + intercept_`` block by block: a lazy dask array."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    names = getattr(estimator, "feature_names_in_", None)
    if _is_frame(X) and not hasattr(X, "chunks"):
        if names is not None and list(X.columns) != list(names):
            raise ValueError(
                "X: the feature names should match those that were passed during fit."
            )
        X = X.to_dask_array()
    if X.ndim != 2 or X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[-1]} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )
    X = X.rechunk({1: -1})
    coef = np.asarray(estimator.coef_)
    intercept = estimator.intercept_
    dtype = np.result_type(X.dtype, coef.dtype)
    if coef.ndim == 1:
        return X.map_blocks(
            _predict_block,
            coef,
            intercept,
            drop_axis=1,
            dtype=dtype,
            meta=np.empty(0, dtype),
        )
    return X.map_blocks(
        _predict_block,
        coef,
        intercept,
        chunks=(X.chunks[0], (coef.shape[0],)),
        dtype=dtype,
        meta=np.empty((0, 0), dtype),
    )


def _predict_block(x, coef, intercept):
    return np.asarray(x) @ coef.T + intercept
