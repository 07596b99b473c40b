"""The modules a reader opens to follow one fit, from the estimator down.

Fits an estimator (``L1Regressor`` on the diabetes data by default; see
``--problem``) and lists every skreg module one of whose functions ran:
Python functions seen by a profiler hook, compiled kernels by the
signatures their dispatchers hold after the fit.  Prints each module's
line count and the total (the size target of the core redesign).

    python benchmarks/fit_modules.py [--estimator ElasticNetRegressor]
    python benchmarks/fit_modules.py --shape 500 5000
"""

import argparse
import os
import sys

import numpy as np


def _kernel_modules():
    """Files of the compiled kernels that hold a signature, and of every
    kernel they call (callees loaded from the cache hold none)."""
    from numba.core.registry import CPUDispatcher

    todo = [
        obj
        for mod in list(sys.modules.values())
        if getattr(mod, "__name__", "").startswith("skreg")
        for obj in vars(mod).values()
        if isinstance(obj, CPUDispatcher) and obj.overloads
    ]
    seen = set()
    while todo:
        disp = todo.pop()
        if disp in seen:
            continue
        seen.add(disp)
        code, glob = disp.py_func.__code__, disp.py_func.__globals__
        names = set(code.co_names)
        for const in code.co_consts:
            if hasattr(const, "co_names"):
                names |= set(const.co_names)
        todo += [glob[k] for k in names if isinstance(glob.get(k), CPUDispatcher)]
    return {d.py_func.__code__.co_filename for d in seen}


def traced_modules(fit):
    """Files of the skreg functions that ``fit()`` runs."""
    import skreg

    root = os.path.dirname(skreg.__file__)
    seen = set()

    def hook(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(root):
            seen.add(frame.f_code.co_filename)

    sys.setprofile(hook)
    try:
        fit()
    finally:
        sys.setprofile(None)
    return seen | {f for f in _kernel_modules() if f.startswith(root)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--estimator", default="L1Regressor")
    ap.add_argument("--alpha", type=float, default=0.1)
    ap.add_argument(
        "--shape",
        type=int,
        nargs=2,
        metavar=("N", "P"),
        help="random data of this shape instead of diabetes (small dense data "
        "takes the Gram solve, larger data the working sets)",
    )
    args = ap.parse_args(argv)
    from sklearn.datasets import load_diabetes, make_regression

    import skreg

    if args.shape:
        X, y = make_regression(*args.shape, n_informative=20, random_state=0)
    else:
        X, y = load_diabetes(return_X_y=True)
    est = getattr(skreg, args.estimator)(alpha=args.alpha)
    files = traced_modules(lambda: est.fit(np.asfortranarray(X), y))
    root = os.path.dirname(os.path.dirname(skreg.__file__))
    total = 0
    for f in sorted(files):
        with open(f) as fh:
            n = sum(1 for _ in fh)
        total += n
        print(f"{n:6d}  {os.path.relpath(f, root)}")
    print(f"{total:6d}  lines in {len(files)} modules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
