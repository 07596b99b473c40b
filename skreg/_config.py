"""Numba set-up shared by every kernel module.

Kernels are compiled lazily (one signature per dtype actually used) and
cached on disk with ``cache=True`` so that a fresh process loads machine code
instead of recompiling.  Numba writes its cache next to the source file; when
the installed package lives in a read-only location (system site-packages, a
container image) we point ``NUMBA_CACHE_DIR`` to a per-user cache folder
before numba is imported, so caching still works.
"""

import os
import tempfile

__all__ = ["JIT_OPTIONS", "ensure_cache_dir"]

# Reassociation lets LLVM vectorise the float reductions (dot products) of
# the CD and gradient loops; NaN/inf semantics are kept (no nnan/ninf).
JIT_OPTIONS = {"cache": True, "nogil": True, "fastmath": {"reassoc", "contract", "nsz"}}


def _user_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "skreg", "numba")


def ensure_cache_dir():
    """Set ``NUMBA_CACHE_DIR`` when the package folder is not writable.

    Returns the cache folder in use, or ``None`` when numba caches next to
    the sources (the default when the package folder is writable).
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    pkg_dir = os.path.dirname(os.path.abspath(__file__))
    kernels = os.path.join(pkg_dir, "_kernels")
    if os.access(kernels, os.W_OK):
        return None
    for candidate in (
        _user_cache_dir(),
        os.path.join(tempfile.gettempdir(), "skreg-numba"),
    ):
        try:
            os.makedirs(candidate, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            os.environ["NUMBA_CACHE_DIR"] = candidate
            return candidate
    return None
