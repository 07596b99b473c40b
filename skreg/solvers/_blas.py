"""BLAS thread limits for the solvers' small dense products."""

__all__ = ["single_thread_blas"]

# threadpoolctl's controller, built at the first limit
_CONTROLLER = None


def single_thread_blas():
    """A context in which BLAS uses one thread.

    For the small products of Newton steps: a multi-threaded BLAS on a busy
    machine (or inside a threaded GridSearchCV) spins far longer than one
    thread computes.  The controller is built once, so that a limit
    costs microseconds instead of a scan of the loaded libraries.  A limit
    only lowers the user's own (threadpoolctl's limits nest).
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
