"""A process that compiles the kernels computes what later processes, which
load them from Numba's cache, compute: the same bits.

A compiled function calling another compiled one (not inlined at Numba IR
level) runs, in the process that compiles both, the callee's own machine
code, but caches a copy with the callee inlined into it, whose vectorised
sums add in another order.  The column statistics were built that way, and
the first process after an install got other last bits (and, at tol 1e-8 on
an ill-conditioned Lasso, 1412 epochs instead of 1104) than every later
one.
"""

from benchmarks.bench_cold_start import run

CHILD = r"""
import hashlib, json
import numpy as np
from scipy import sparse
from skreg.solvers.design import Design

rng = np.random.default_rng(0)
X = rng.standard_normal((40, 200))
X[:, 1:] += 0.6 * X[:, :-1]
y = rng.standard_normal(40)
out = []
for A in (np.asfortranarray(X), sparse.csc_matrix(X * (rng.random(X.shape) < 0.3))):
    for sw in (None, rng.uniform(0.5, 2.0, 40)):
        d = Design(A, sw, None, center=True, targets=y)
        for a in (d.colsum, d.norm2, d.xm, d.XtY):
            out.append(hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest())
print(json.dumps(out))
"""


def test_column_statistics_same_bits_compiled_or_cached(tmp_path):
    compiled = run(str(tmp_path), CHILD)
    # the first run filled the empty cache: the second loads from it
    assert any(tmp_path.rglob("*.nbi"))
    cached = run(str(tmp_path), CHILD)
    assert compiled == cached
