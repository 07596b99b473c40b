"""The ``python -m skreg`` demo: runs, agrees with scikit-learn, bad options."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from skreg.__main__ import build_parser, main

ROW = re.compile(
    r"^(?P<est>\w+Regressor)\s+(?P<ref>\w+)\s+(?P<nnz>\S+)\s+(?P<nnz_ref>\d+)\s+"
    r"(?P<diff>\S+)\s+(?P<rel>\S+)\s+(?P<t>\S+)\s+(?P<t_ref>\S+)$"
)


def _summary_rows(text):
    return [m.groupdict() for m in map(ROW.match, text.splitlines()) if m]


def _weights(text, dataset):
    """The 'Weights fitted by skreg' table of ``dataset`` as {col: [..]}."""
    block = text.split(f"== {dataset}:")[1].split("skreg vs scikit-learn")[0]
    lines = block.split("Weights fitted by skreg")[1].splitlines()[1:]
    header = re.split(r"\s{2,}", lines[0].strip())
    cols = {h: [] for h in header[1:]}
    for line in lines[2:]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) != len(header) or cells[0] == "nnz":
            break
        for h, c in zip(header[1:], cells[1:], strict=True):
            cols[h].append(c)
    return cols


def test_default_demo_agrees_with_sklearn(capsys):
    assert main(["--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "== diabetes:" in out and "== synthetic:" in out
    rows = _summary_rows(out)
    # 3 estimators x 2 data sets, one row each.
    assert len(rows) == 6
    available = [r for r in rows if r["diff"] != "n/a"]
    assert {r["est"] for r in available} >= {"L1Regressor", "ElasticNetRegressor"}
    for r in available:
        # Both sides stop on the duality gap at tol=1e-4: the relative
        # coefficient difference is of order tol (measured: <= 1e-4).
        assert float(r["rel"]) < 1e-3, r
        assert r["nnz"] == r["nnz_ref"], r
        assert float(r["t"]) > 0
    # L1's exact zeros are printed as bare 0 next to shrunk non-zero weights.
    w = _weights(out, "diabetes")
    assert "0" in w["L1 (Lasso)"]
    assert "0" not in w["ElasticNet"]
    # The synthetic problem has 5 informative features and L1 finds them.
    w = _weights(out, "synthetic")
    true_support = [c != "0" for c in w["true"]]
    assert sum(true_support) == 5
    assert [c != "0" for c in w["L1 (Lasso)"]] == true_support


def test_tight_tol_matches_sklearn_closely(capsys):
    code = main(
        [
            "--tol",
            "1e-10",
            "--estimators",
            "l1,enet",
            "--dataset",
            "diabetes",
            "--repeat",
            "1",
        ]
    )
    assert code == 0
    rows = _summary_rows(capsys.readouterr().out)
    assert [r["est"] for r in rows] == ["L1Regressor", "ElasticNetRegressor"]
    for r in rows:
        assert float(r["diff"]) < 1e-5, r


def test_options_select_estimators_and_data(capsys):
    assert (
        main(
            [
                "--estimators",
                "l1",
                "--dataset",
                "synthetic",
                "--alpha",
                "2",
                "--repeat",
                "1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "== diabetes" not in out and "== synthetic" in out
    assert "alpha=2 (L1, ElasticNet)" in out
    rows = _summary_rows(out)
    assert [r["est"] for r in rows] == ["L1Regressor"]
    # Compare the printed weights with a fresh sklearn fit at alpha=2.
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Lasso

    X, y = make_regression(
        n_samples=200, n_features=20, n_informative=5, noise=5.0, random_state=0
    )
    ref = Lasso(alpha=2.0).fit(X, y).coef_
    printed = np.array([float(c) for c in _weights(out, "synthetic")["L1 (Lasso)"]])
    np.testing.assert_allclose(printed, ref, atol=2e-3)


def test_verbose_runs_gradient_solver_section(capsys):
    code = main(
        [
            "--verbose",
            "--estimators",
            "l1",
            "--dataset",
            "diabetes",
            "--repeat",
            "1",
            "--epochs",
            "5",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Gradient solvers, loss per epoch" in out
    assert "L1Regressor(alpha=0.1, solver='fista', max_iter=5, verbose=1)" in out
    assert re.search(r"epoch\s+1/5\b.*loss", out), out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--alpha", "-1"], "--alpha"),
        (["--alpha", "abc"], "--alpha"),
        (["--alpha", "nan"], "--alpha"),
        (["--ridge-alpha", "inf"], "--ridge-alpha"),
        (["--tol", "0"], "--tol"),
        (["--l1-ratio", "1.5"], "--l1-ratio"),
        (["--estimators", "l1,lasso"], "--estimators"),
        (["--dataset", "iris"], "--dataset"),
        (["--repeat", "0"], "--repeat"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_option_is_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: ")
    assert message in err
    assert "Traceback" not in err


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for opt in (
        "--alpha",
        "--l1-ratio",
        "--ridge-alpha",
        "--estimators",
        "--dataset",
        "--verbose",
        "--tol",
        "--repeat",
        "--epochs",
    ):
        assert opt in out
    # Every option has a help text.
    assert all(a.help for a in build_parser()._actions)


def test_subprocess_help_and_bad_option():
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    ok = subprocess.run(
        [sys.executable, "-m", "skreg", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "usage: python -m skreg" in ok.stdout
    assert "Ridge" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "skreg", "--l1-ratio", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "usage:" in bad.stderr and "Traceback" not in bad.stderr
