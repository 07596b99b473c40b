"""Sufficient statistics of squared-loss regression, merged across row blocks.

For the squared loss everything skreg fits is a function of a few sums over
the rows: the weighted count, the weighted means of ``X`` and ``y``, the
centred ``X^T S X`` and ``X^T S y`` and the centred ``y^T S y``.  They add
up across blocks of rows (:func:`merge`), a block can be taken away from a
whole (:func:`subtract`, used for cross-validation folds) and a fit only
needs the resulting ``p x p`` system (:func:`gram_system`).
"""

from skreg.stats._sufficient import (
    SuffStats,
    block_fold_stats,
    check_stats_size,
    compute,
    get_stats_memory_limit,
    gram_system,
    heldout_sse,
    merge,
    merge_all,
    merge_dicts,
    set_stats_memory_limit,
    subtract,
)

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
