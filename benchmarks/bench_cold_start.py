"""First fit in a fresh process: import time and first-fit time.

Runs ``python -c`` subprocesses that import skreg and fit an L1Regressor on
the diabetes data (or a reference problem of ``bench_solvers``: wide, tall,
sparse) once, first with an empty Numba cache (every kernel is compiled)
and then again with the cache that run left (kernels are loaded).  Times
are CPU seconds of the process (``time.process_time``), medians over the
warm-cache repeats.

With ``--split``, each warm-cache process first runs Numba's one-off
set-up (its typing and target registries, the extensions' entry points),
which the first load of a cached function in a process otherwise pays,
and reports it apart from the fit.

    python benchmarks/bench_cold_start.py [--repeats 7] [--problem diabetes]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
clock = time.process_time
t0 = clock()
import skreg
t_import = clock() - t0
sys.path.insert(0, REPO)
from benchmarks.bench_solvers import PROBLEMS, alpha_max
X, y = PROBLEMS[PROBLEM]()
alpha = 0.1 if PROBLEM == "diabetes" else alpha_max(X, y, True, 1.0) / 10
t_setup = 0.0
if SPLIT:
    from numba.core import entrypoints
    from numba.core.registry import cpu_target
    t0 = clock()
    cpu_target.target_context.refresh()
    entrypoints.init_all()
    t_setup = clock() - t0
t1 = clock()
skreg.L1Regressor(alpha=alpha).fit(X, y)
t2 = clock()
skreg.L1Regressor(alpha=alpha).fit(X, y)
t3 = clock()
print(json.dumps({"import": t_import, "setup": t_setup, "first_fit": t2 - t1,
                  "second_fit": t3 - t2}))
"""
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_for(problem, split=False):
    """The child script for one problem."""
    return f"REPO = {REPO!r}; PROBLEM = {problem!r}; SPLIT = {split!r}" + CHILD


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
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--problem", default="diabetes")
    ap.add_argument(
        "--split",
        action="store_true",
        help="time Numba's one-off set-up apart from the warm first fit",
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache_dir:
        cold = run(cache_dir, child_for(args.problem))
        child = child_for(args.problem, args.split)
        warm = [run(cache_dir, child) for _ in range(args.repeats)]
    print(
        f"cold cache: import {cold['import']:.2f} s, "
        f"first fit {cold['first_fit']:.2f} s "
        "(compiles the kernels once; later processes load them)"
    )
    med = {k: statistics.median(r[k] for r in warm) for k in warm[0]}
    setup = f"Numba's set-up {med['setup']:.3f} s, " if args.split else ""
    print(
        f"warm cache: import {med['import']:.2f} s, {setup}"
        f"first fit {med['first_fit']:.3f} s "
        f"({min(r['first_fit'] for r in warm):.3f}-"
        f"{max(r['first_fit'] for r in warm):.3f}), "
        f"second fit {med['second_fit'] * 1e3:.2f} ms "
        f"(CPU, medians of {args.repeats})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
