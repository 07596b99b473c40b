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
    ElasticNetRegressorIC,
    L1Regressor,
    L1RegressorCV,
    L1RegressorIC,
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


def _vlines(ax, style):
    return [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == style]


def _bar_halfwidths(container):
    # the error bars are one LineCollection of vertical segments
    segments = container.lines[2][0].get_segments()
    return np.array([(s[1, 1] - s[0, 1]) / 2 for s in segments])


@pytest.mark.parametrize("rule", ["min", "1se"])
def test_cv_panel_marks_min_and_1se_with_standard_errors(data, rule):
    X, y = data
    est = L1RegressorCV(cv=4, alphas=15, alpha_rule=rule).fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(est, X, y)
    coef_ax, cv_ax = disp.ax_
    # glmnet's plot.cv.glmnet: a line at lambda.min and one at lambda.1se
    assert _vlines(cv_ax, "--") == [est.alpha_min_]
    assert _vlines(cv_ax, ":") == [est.alpha_1se_]
    assert _vlines(coef_ax, "--") == [est.alpha_]
    se = est.mse_path_.std(axis=1, ddof=1) / 2.0  # sqrt(4 folds)
    assert_allclose(_bar_halfwidths(disp.cv_errorbar_), se)


def test_cv_panel_of_a_scorer_and_of_a_plain_path(data):
    X, y = data
    est = ElasticNetRegressorCV(cv=3, alphas=10, scoring="r2").fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(est, kind="cv")
    assert_allclose(disp.cv_line_.get_ydata(), est.score_path_.mean(axis=1))
    assert "r2" in disp.ax_.get_ylabel()
    assert _vlines(disp.ax_, "--") == [est.alpha_min_]
    # From a path alone, the marks are read off the errors with the same rule.
    ref = L1RegressorCV(cv=3, alphas=10).fit(X, y)
    disp = RegularizationPathDisplay.from_path(ref.alphas_, mse_path=ref.mse_path_)
    assert _vlines(disp.ax_, "--") == [ref.alpha_min_]
    assert _vlines(disp.ax_, ":") == [ref.alpha_1se_]


@pytest.mark.parametrize("Est", [L1RegressorIC, ElasticNetRegressorIC])
def test_criterion_panel_of_ic_estimators(data, Est):
    X, y = data
    est = Est(criterion="bic", alphas=20).fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(est, X, y)
    coef_ax, crit_ax = disp.ax_
    assert_allclose(disp.criterion_line_.get_xdata(), est.alphas_)
    assert_allclose(disp.criterion_line_.get_ydata(), est.criterion_)
    assert crit_ax.get_ylabel() == "BIC"
    assert _vlines(crit_ax, "--") == _vlines(coef_ax, "--") == [est.alpha_]
    k = int(np.flatnonzero(est.alphas_ == est.alpha_)[0])
    drawn = np.array([line.get_ydata()[k] for line in disp.coef_lines_])
    assert_allclose(drawn, est.coef_, atol=1e-3 * np.abs(est.coef_).max())
    alone = RegularizationPathDisplay.from_path(est.alphas_, criterion=est.criterion_)
    assert alone.criterion_line_ is not None and alone.coef_lines_ == []
    with pytest.raises(ValueError, match="criterion"):
        RegularizationPathDisplay.from_path(est.alphas_, criterion=[1.0, 2.0])
    with pytest.raises(ValueError, match="criterion"):
        RegularizationPathDisplay.from_path(
            est.alphas_, np.zeros((6, 20)), kind="criterion"
        )


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
