"""First fit in a fresh process: import time and first-fit time.

Runs ``python -c`` subprocesses that import skreg and fit an L1Regressor on
the diabetes data (or a reference problem of ``bench_solvers``: wide, tall,
sparse) once, first with an empty Numba cache (every kernel is compiled)
and then again with the cache that run left (kernels are loaded).

    python benchmarks/bench_cold_start.py [--repeats 3] [--problem diabetes]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import skreg
t_import = time.perf_counter() - t0
sys.path.insert(0, REPO)
from benchmarks.bench_solvers import PROBLEMS, alpha_max
X, y = PROBLEMS[PROBLEM]()
alpha = 0.1 if PROBLEM == "diabetes" else alpha_max(X, y, True, 1.0) / 10
t1 = time.perf_counter()
skreg.L1Regressor(alpha=alpha).fit(X, y)
t2 = time.perf_counter()
skreg.L1Regressor(alpha=alpha).fit(X, y)
t3 = time.perf_counter()
print(json.dumps({"import": t_import, "first_fit": t2 - t1, "second_fit": t3 - t2}))
"""
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_for(problem):
    """The child script for one problem."""
    return f"REPO = {REPO!r}; PROBLEM = {problem!r}" + CHILD


def run(cache_dir, child=CHILD):
    """Run ``child`` in a fresh process with Numba's cache in ``cache_dir``;
    the JSON value its last line prints."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", child],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--problem", default="diabetes")
    args = ap.parse_args(argv)
    child = child_for(args.problem)
    with tempfile.TemporaryDirectory() as cache_dir:
        cold = run(cache_dir, child)
        warm = [run(cache_dir, child) for _ in range(args.repeats)]
    best = min(warm, key=lambda r: r["first_fit"])
    print(
        f"cold cache: import {cold['import']:.2f} s, "
        f"first fit {cold['first_fit']:.2f} s "
        "(compiles the kernels once; later processes load them)"
    )
    print(
        f"warm cache: import {best['import']:.2f} s, "
        f"first fit {best['first_fit']:.3f} s, "
        f"second fit {best['second_fit'] * 1e3:.2f} ms (best of {args.repeats})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
