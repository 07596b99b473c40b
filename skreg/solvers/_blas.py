"""BLAS thread limits for the solvers' small dense products."""

import contextlib

__all__ = ["single_thread_blas"]

# threadpoolctl's controller, built at the first limit
_CONTROLLER = None

# Products over an n x k block with n k <= _TINY_BLOCK and k <= _TINY_COLS:
# at most 2^13 entries for a matrix-vector product and 2^18 multiply-adds
# for a Gram matrix, sizes OpenBLAS keeps on one thread anyway (its
# thresholds: 9216 entries, 2^18 multiply-adds)
_TINY_BLOCK = 8192
_TINY_COLS = 32


def single_thread_blas(n_rows=None, n_cols=None):
    """A context in which BLAS uses one thread.

    For the small products of Newton steps: a multi-threaded BLAS on a busy
    machine (or inside a threaded GridSearchCV) spins far longer than one
    thread computes.  The controller is built once, so that a limit
    costs microseconds instead of a scan of the loaded libraries.  A limit
    only lowers the user's own (threadpoolctl's limits nest).

    Given the shape ``(n_rows, n_cols)`` of the largest block the products
    read, a tiny one sets no limit: BLAS runs it on one thread anyway, and
    the scan would take about 10 ms of a small problem's first fit.
    """
    if n_rows is not None and n_cols <= _TINY_COLS:
        if n_rows * n_cols <= _TINY_BLOCK:
            return contextlib.nullcontext()
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
