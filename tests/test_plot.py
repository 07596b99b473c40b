"""RegularizationPathDisplay, drawn with the Agg backend."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skreg import (  # noqa: E402
    ElasticNetRegressorCV,
    L1Regressor,
    L1RegressorCV,
    L2RegressorCV,
    lasso_path,
)
from skreg.plot import RegularizationPathDisplay  # noqa: E402
from tests._oracle import make_problem, sparsify  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    X, y = make_problem(50, 6, seed=0)
    return X, y + np.random.RandomState(0).randn(50)


@pytest.mark.parametrize("is_sparse", [False, True])
def test_from_estimator_lasso_cv(data, is_sparse):
    X, y = data
    Xi = sparsify(X, density=0.7) if is_sparse else X
    est = L1RegressorCV(cv=3, alphas=12, tol=1e-8).fit(Xi, y)
    disp = RegularizationPathDisplay.from_estimator(est, Xi, y)
    coef_ax, cv_ax = disp.ax_
    assert coef_ax.get_xscale() == cv_ax.get_xscale() == "log"
    assert len(disp.coef_lines_) == 6
    # The drawn curves are the CV errors and the path's coefficients: the
    # path at alpha_ is the refitted model.
    assert_allclose(disp.cv_line_.get_ydata(), est.mse_path_.mean(axis=1))
    k = int(np.flatnonzero(est.alphas_ == est.alpha_)[0])
    drawn = np.array([line.get_ydata()[k] for line in disp.coef_lines_])
    assert_allclose(drawn, est.coef_, atol=1e-4 * np.abs(est.coef_).max())
    vlines = [ln for ln in cv_ax.get_lines() if ln.get_linestyle() == "--"]
    assert vlines and vlines[0].get_xdata()[0] == est.alpha_
    assert disp.figure_ is coef_ax.figure


def test_from_estimator_without_data_draws_cv_only(data):
    X, y = data
    est = L1RegressorCV(cv=3, alphas=8).fit(X, y)
    fig, ax = plt.subplots()
    disp = RegularizationPathDisplay.from_estimator(est, ax=ax)
    assert disp.ax_ is ax and disp.coef_lines_ == []
    assert_allclose(disp.cv_line_.get_xdata(), est.alphas_)
    with pytest.raises(ValueError, match="coefs"):
        RegularizationPathDisplay.from_estimator(est, kind="coef")


def test_from_estimator_enet_picks_chosen_l1_ratio(data):
    X, y = data
    est = ElasticNetRegressorCV(cv=3, alphas=8, l1_ratio=[0.3, 1.0]).fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(est, X, y, kind="cv")
    k = [0.3, 1.0].index(est.l1_ratio_)
    assert_allclose(disp.cv_line_.get_xdata(), est.alphas_[k])
    assert_allclose(disp.cv_line_.get_ydata(), est.mse_path_[k].mean(axis=1))


def test_from_estimator_enet_explicit_alphas(data):
    X, y = data
    est = ElasticNetRegressorCV(cv=3, alphas=[0.01, 0.1, 1.0], l1_ratio=[0.3, 1.0])
    est.fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(est, X, y)
    k = [0.3, 1.0].index(est.l1_ratio_)
    assert_allclose(disp.cv_line_.get_ydata(), est.mse_path_[k].mean(axis=1))
    assert len(disp.coef_lines_) == 6


def test_from_estimator_ridge_cv(data):
    X, y = data
    alphas = [0.01, 1.0, 100.0]
    est = L2RegressorCV(alphas=alphas, store_cv_results=True).fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(est, X, y)
    assert_allclose(disp.cv_line_.get_ydata(), est.cv_results_.mean(axis=0))
    k = alphas.index(est.alpha_)
    drawn = np.array([line.get_ydata()[k] for line in disp.coef_lines_])
    assert_allclose(drawn, est.coef_, rtol=1e-8)


def test_from_path_and_errors(data):
    X, y = data
    Xc, yc = X - X.mean(0), y - y.mean()
    alphas, coefs, _ = lasso_path(Xc, yc, alphas=10)
    disp = RegularizationPathDisplay.from_path(
        alphas, coefs, feature_names=list("abcdef")
    )
    assert [ln.get_label() for ln in disp.coef_lines_] == list("abcdef")
    assert_allclose(disp.coef_lines_[2].get_ydata(), coefs[2])
    assert disp.ax_.get_legend() is not None
    with pytest.raises(ValueError, match="coefs"):
        RegularizationPathDisplay.from_path(alphas, coefs[:, :3])
    with pytest.raises(ValueError, match="mse_path"):
        RegularizationPathDisplay.from_path(alphas, mse_path=np.ones((3, 2)))
    with pytest.raises(ValueError, match="mse_path"):
        RegularizationPathDisplay.from_path(alphas, coefs, kind="cv")
    with pytest.raises(ValueError, match="kind"):
        RegularizationPathDisplay.from_path(alphas, coefs, kind="bars")
    with pytest.raises(TypeError, match="estimator"):
        RegularizationPathDisplay.from_estimator(L1Regressor().fit(X, y), X, y)
    with pytest.raises(ValueError, match="X and y"):
        est = L1RegressorCV(cv=3, alphas=5).fit(X, y)
        RegularizationPathDisplay.from_estimator(est, X)


def test_clear_import_error_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"skreg\[plot\]"):
        RegularizationPathDisplay.from_path([1.0, 0.1], np.zeros((2, 2)))


def test_module_imports_without_matplotlib():
    code = (
        "import sys; sys.modules['matplotlib'] = None; "
        "import skreg.plot; print(skreg.plot.RegularizationPathDisplay.__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(__import__("pathlib").Path(__file__).parents[1]),
    )
    assert out.stdout.strip() == "RegularizationPathDisplay"
