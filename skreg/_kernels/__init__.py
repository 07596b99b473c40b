"""Numba kernels: plain ``@njit(cache=True, nogil=True)`` functions on arrays.

Nothing in this package validates input or knows about estimators; callers
pass contiguous float32 or float64 arrays of matching dtypes.
"""
