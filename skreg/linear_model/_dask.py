"""Dask input: reduce the data to sufficient statistics on the cluster.

Every row block of ``X`` (with its blocks of ``y``, ``sample_weight`` and
fold ids) becomes one task computing the block's statistics
(:mod:`skreg.stats`), one set per cross-validation fold; a balanced tree of
merge tasks reduces them and only the ``p x p`` result reaches the client.
The data are read once, by whatever scheduler is active (the threaded
default, or a ``dask.distributed`` client).  dask is imported lazily: skreg
itself does not need it.
"""

import numpy as np

from skreg.stats import (
    block_fold_stats,
    check_stats_size,
    get_stats_memory_limit,
    merge_dicts,
)

__all__ = ["DaskData", "dask_predict", "reduce_stats"]


def _is_frame(obj):
    return hasattr(obj, "to_delayed") and hasattr(obj, "npartitions")


class DaskData:
    """``X``, ``y``, weights and fold ids split into the same blocks of rows.

    When ``X`` is a dask array every input becomes a dask array with ``X``'s
    row chunks, so that one ``blockwise`` task per block reads them all (the
    graph optimiser fuses the tasks that produce a block into it: a block
    shared by ``X`` and ``y`` is read once and never moves between
    workers).  A dask DataFrame ``X`` gives lists of delayed partitions.

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
        if y is None:
            raise ValueError("y: a target is required to fit on dask input.")
        self.feature_names = None
        if _is_frame(X) and not hasattr(X, "chunks"):
            if getattr(X, "ndim", 2) != 2:
                raise ValueError("X: expected a dask DataFrame or a 2-d dask array.")
            self.feature_names = np.asarray(X.columns, dtype=object)
            self.n_features = len(X.columns)
            self.row_chunks = None
            self.x = list(X.to_delayed(optimize_graph=False))
            self.n_blocks = len(self.x)
            self.dtype = np.result_type(*X.dtypes)
        elif hasattr(X, "chunks"):
            if X.ndim != 2:
                raise ValueError(
                    f"X: expected a 2-d dask array, got {X.ndim} dimension(s)."
                )
            self.x = X.rechunk({1: -1})
            self.n_features = X.shape[1]
            self.row_chunks = X.chunks[0]
            self.n_blocks = len(self.row_chunks)
            self.dtype = X.dtype
        else:
            raise TypeError(
                "X: with a dask y or sample_weight, X must be a dask array or "
                f"dask DataFrame too; got {type(X).__name__}."
            )
        self.blockwise = self.row_chunks is not None
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
        self.y = self.split_like_x(y, "y")
        self.sw = None
        if sample_weight is not None and np.ndim(sample_weight) > 0:
            self.sw = self.split_like_x(sample_weight, "sample_weight")

    @property
    def n_rows(self):
        """Number of rows, or None when the blocks' lengths are unknown."""
        if self.row_chunks is None or any(np.isnan(c) for c in self.row_chunks):
            return None
        return int(sum(self.row_chunks))

    def split_like_x(self, a, name):
        """``a`` with the row chunks of ``X`` (a dask array), or its delayed
        blocks when ``X`` is a DataFrame."""
        import dask.array as da

        if _is_frame(a) and not hasattr(a, "chunks"):
            if self.blockwise:
                # a Series next to an array X: align its values to X's rows
                a = a.to_dask_array()
            else:
                return self._check_count(list(a.to_delayed(optimize_graph=False)), name)
        if not hasattr(a, "chunks"):
            if self.n_rows is None:
                raise ValueError(
                    f"{name}: an in-memory {name} needs X's block lengths; "
                    f"pass {name} as a dask collection partitioned like X."
                )
            a = np.asarray(a)
            if a.shape[0] != self.n_rows:
                raise ValueError(f"{name}: {a.shape[0]} rows, but X has {self.n_rows}.")
            a = da.from_array(a, chunks=(self.row_chunks,) + a.shape[1:])
        if a.ndim == 2:
            a = a.rechunk({1: -1})
        if not self.blockwise:
            blocks = list(a.to_delayed(optimize_graph=False).ravel())
            return self._check_count(blocks, name)
        if a.chunks[0] != self.row_chunks:
            if np.isnan(a.shape[0]):
                a = a.compute_chunk_sizes()
            if a.shape[0] != self.n_rows:
                raise ValueError(f"{name}: {a.shape[0]} rows, but X has {self.n_rows}.")
            a = a.rechunk({0: self.row_chunks})
        return a

    def _check_count(self, blocks, name):
        if len(blocks) != self.n_blocks:
            raise ValueError(
                f"{name}: {len(blocks)} blocks of rows, but X has "
                f"{self.n_blocks}; partition {name} like X."
            )
        return blocks

    def fold_ids(self, fold_ids=None, n_folds=None):
        """``(ids, edges)``: fold ids split like ``X``, or, for ``n_folds``
        KFold folds by row order, the row numbers and the folds' edges."""
        import dask.array as da

        if fold_ids is not None:
            return self.split_like_x(fold_ids, "cv"), None
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
        return da.arange(n, chunks=(self.row_chunks,)), edges


def _block_task(x, y, sw, folds, edges, max_sets):
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
    ids = None
    if edges is not None:
        # row numbers -> KFold folds by row order
        ids = np.searchsorted(edges, np.asarray(folds), side="right") - 1
    elif folds is not None:
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


def _blockwise_task(*args):
    out = np.empty(1, dtype=object)
    out[0] = _block_task(*args)
    return out


def _block_results(data, folds, edges, max_sets):
    """One delayed ``{fold id: SuffStats}`` per block of rows."""
    from dask import delayed

    if not data.blockwise:
        block = delayed(_block_task, pure=True)
        n = data.n_blocks
        sws = data.sw or [None] * n
        fb = folds or [None] * n
        return [
            block(x, y, w, f, edges, max_sets)
            for x, y, w, f in zip(data.x, data.y, sws, fb, strict=True)
        ]
    import dask.array as da

    def index(a, ind):
        return (a, None) if a is None else (a, ind if a.ndim == 1 else ind + "t")

    stats = da.blockwise(
        _blockwise_task,
        "i",
        data.x,
        "ij",
        *index(data.y, "i"),
        *index(data.sw, "i"),
        *index(folds, "i"),
        edges,
        None,
        max_sets,
        None,
        dtype=object,
        concatenate=True,
        adjust_chunks={"i": 1},
        meta=np.empty(0, dtype=object),
    )
    return [delayed(_first)(b) for b in stats.to_delayed()]


def _first(a):
    return a[0]


def reduce_stats(data, *, folds=None, edges=None, n_sets=1):
    """Statistics of all the rows, as a dict ``{fold id: SuffStats}``.

    ``folds`` and ``edges`` come from :meth:`DaskData.fold_ids` (None:
    ``{0: stats}``); ``n_sets`` is the number of sets expected (checked
    against the memory limit before any data are read).  The blocks are
    read once, by the active dask scheduler.
    """
    import dask
    from dask import delayed

    check_stats_size(data.n_features, data.n_targets, n_sets)
    max_sets = check_stats_size(data.n_features, data.n_targets, 1)
    max_sets = max(get_stats_memory_limit() // max_sets, 1)
    join = delayed(merge_dicts, pure=True)
    parts = _block_results(data, folds, edges, max_sets)
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
