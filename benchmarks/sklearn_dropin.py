"""Run scikit-learn's own linear-model tests with skreg swapped in.

A user who replaces ``Lasso, ElasticNet, Ridge, LassoCV, ElasticNetCV,
RidgeCV, lasso_path, enet_path, ridge_regression`` from
``sklearn.linear_model`` by skreg's expects scikit-learn's own tests of
those names to hold.  This script runs the installed scikit-learn's
``test_coordinate_descent.py``, ``test_sparse_coordinate_descent.py`` and
``test_ridge.py`` (in place, with scikit-learn's conftest and fixtures)
after replacing those names in the ``sklearn.linear_model`` namespace, so
that every ``from sklearn.linear_model import Lasso`` in the tests gets
skreg's class.  scikit-learn's own modules import from their private
modules and keep their classes (``RidgeClassifier`` stays scikit-learn's).

A test *reaches skreg* when it constructs one of the swapped estimators or
calls one of the swapped functions; only those are counted.  Failures are
grouped by their exception line (numbers blanked) and listed with their
test ids, the failures documented as deliberate in ``docs/dropin.rst``
apart::

    python benchmarks/sklearn_dropin.py             # summary, -n 2
    python benchmarks/sklearn_dropin.py --list      # every failing test id
    python benchmarks/sklearn_dropin.py -k ridge --json /tmp/dropin.json

Not part of the default test run: it takes minutes.  The same file is the
pytest plugin (``-p sklearn_dropin``) that does the swap.
"""

import argparse
import collections
import functools
import json
import os
import re
import sys
import tempfile

SWAPS = {
    "Lasso": "L1Regressor",
    "ElasticNet": "ElasticNetRegressor",
    "Ridge": "L2Regressor",
    "LassoCV": "L1RegressorCV",
    "ElasticNetCV": "ElasticNetRegressorCV",
    "RidgeCV": "L2RegressorCV",
    "lasso_path": "lasso_path",
    "enet_path": "enet_path",
    "ridge_regression": "ridge_regression",
}

TEST_MODULES = [
    "sklearn.linear_model.tests.test_coordinate_descent",
    "sklearn.linear_model.tests.test_sparse_coordinate_descent",
    "sklearn.linear_model.tests.test_ridge",
]

_REACHED = [False]


# --------------------------------------------------------------------------
# pytest plugin side (loaded in each worker with -p sklearn_dropin)


def _mark_init(cls):
    init = cls.__init__  # its own or inherited (L1RegressorCV's)

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        _REACHED[0] = True
        init(self, *args, **kwargs)

    cls.__init__ = __init__


def _mark_function(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        _REACHED[0] = True
        return func(*args, **kwargs)

    return wrapper


def _missing(name):
    def missing(*args, **kwargs):
        _REACHED[0] = True
        raise NotImplementedError(f"skreg has no {name}")

    return missing


def pytest_configure(config):
    import sklearn.linear_model as sklm

    import skreg

    for sk_name, skreg_name in SWAPS.items():
        obj = getattr(skreg, skreg_name, None)
        if obj is None:
            obj = _missing(skreg_name)
        elif isinstance(obj, type):
            # every class of the family marks the test (L1Regressor calls
            # ElasticNetRegressor.__init__ through super())
            if not hasattr(obj.__init__, "__wrapped__"):
                _mark_init(obj)
        else:
            obj = _mark_function(obj)
        setattr(sklm, sk_name, obj)


def pytest_runtest_setup(item):
    _REACHED[0] = False


def pytest_runtest_makereport(item, call):
    # the flag after the call phase (and teardown, for errors there)
    if call.when != "setup":
        item.user_properties = [
            p for p in item.user_properties if p[0] != "skreg_reached"
        ]
        item.user_properties.append(("skreg_reached", _REACHED[0]))


# --------------------------------------------------------------------------
# script side


def _crash_line(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message.splitlines()[0] if crash.message else ""
    return str(report.longrepr).strip().splitlines()[-1]


class _Collector:
    """In-process plugin of the driver: one record per test id."""

    def __init__(self):
        self.records = {}

    def pytest_runtest_logreport(self, report):
        rec = self.records.setdefault(
            report.nodeid, {"outcome": "passed", "reached": False, "message": ""}
        )
        for key, value in report.user_properties:
            if key == "skreg_reached":
                rec["reached"] = rec["reached"] or bool(value)
        if report.when == "call" and hasattr(report, "wasxfail"):
            rec["outcome"] = "xfailed" if report.skipped else "xpassed"
        elif report.skipped and rec["outcome"] == "passed":
            rec["outcome"] = "skipped"
        elif report.failed:
            rec["outcome"] = "failed" if report.when == "call" else "error"
            rec["message"] = _crash_line(report)


def _normalise(message):
    message = re.sub(r"0x[0-9a-f]+", "0x?", message)
    message = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "#", message)
    return message[:160]


def _documented():
    # test ids (prefixes) documented as deliberate failures in docs/dropin.rst
    path = os.path.join(os.path.dirname(__file__), "..", "docs", "dropin.rst")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return re.findall(r"``(test_[A-Za-z0-9_]+(?:\[[^`]*\])?)``", f.read())


def _is_documented(nodeid, documented):
    name = nodeid.split("::")[-1]
    return any(name == d or (name.split("[")[0] == d) for d in documented)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", default="2", help="pytest-xdist workers")
    parser.add_argument("-k", default=None, help="pytest -k expression")
    parser.add_argument("--json", default=None, help="write every record here")
    parser.add_argument("--list", action="store_true", help="list failing ids")
    args = parser.parse_args(argv)

    import pytest

    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [here, root, os.environ.get("PYTHONPATH", "")]
    )
    sys.path[:0] = [here, root]
    collector = _Collector()
    with tempfile.TemporaryDirectory() as tmp:
        pytest_args = [
            "-p",
            "sklearn_dropin",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            tmp,
            "-c",
            os.devnull,
            "-o",
            "addopts=",
            "-W",
            "ignore::DeprecationWarning",
            "--tb=line",
            "-n",
            args.n,
            "--pyargs",
            *TEST_MODULES,
        ]
        if args.k:
            pytest_args += ["-k", args.k]
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            pytest.main(pytest_args, plugins=[collector])
        finally:
            os.chdir(cwd)
    records = collector.records
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1, sort_keys=True)
    _summary(records, args.list)


def _summary(records, list_all):
    reached = {k: r for k, r in records.items() if r["reached"]}
    counts = collections.Counter(r["outcome"] for r in reached.values())
    n_run = sum(counts[o] for o in ("passed", "failed", "error", "xpassed"))
    n_pass = counts["passed"] + counts["xpassed"]
    print(f"\n{len(records)} tests collected, {len(reached)} reach skreg")
    print("outcomes of those:", dict(sorted(counts.items())))
    if n_run:
        print(f"passed {n_pass} of {n_run} run ({100 * n_pass / n_run:.1f}%)")
    documented = _documented()
    failing = {k: r for k, r in reached.items() if r["outcome"] in ("failed", "error")}
    groups = collections.defaultdict(list)
    for k, r in failing.items():
        groups[_normalise(r["message"])].append(k)
    n_doc = sum(_is_documented(k, documented) for k in failing)
    print(f"failures documented as deliberate (docs/dropin.rst): {n_doc}")
    print("\nfailure kinds (count, message):")
    for msg, ids in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(ids):5d}  {msg}")
        if list_all:
            for k in sorted(ids):
                tag = " [documented]" if _is_documented(k, documented) else ""
                print(f"         {k.split('tests/')[-1]}{tag}")


if __name__ == "__main__":
    main()
