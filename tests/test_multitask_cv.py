"""Multi-task paths and CV estimators against scikit-learn.

At ``tol=1e-12`` both solvers stop within ``1e-12 ||Y||^2`` of each
fold's optimum: the objective is quadratic near it, so the coefficients
agree to about ``sqrt(1e-12) = 1e-6`` relative (times the conditioning)
and the test errors, first order in the coefficients, too; the curves are
compared to 1e-5, far finer than their spacing between grid points, and
the same ``alpha_`` is chosen."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import (
    MultiTaskElasticNetCV,
    MultiTaskLassoCV,
)
from sklearn.linear_model import (
    enet_path as sk_enet_path,
)
from sklearn.model_selection import KFold

from skreg import (
    MultiTaskElasticNetRegressorCV,
    MultiTaskL1RegressorCV,
    enet_path,
    lasso_path,
)

TIGHT = {"tol": 1e-12, "max_iter": 100_000}


def _problem(n=50, p=30, T=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + rng.rand(p)
    W = np.zeros((p, T))
    W[:4] = rng.randn(4, T)
    return X, X @ W + rng.randn(n, T) + 1.0


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_matches_sklearn(l1_ratio):
    X, Y = _problem()
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    ours = enet_path(Xc, Yc, l1_ratio=l1_ratio, alphas=8, multi_task=True, **TIGHT)
    ref = sk_enet_path(Xc, Yc, l1_ratio=l1_ratio, alphas=8, **TIGHT)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-12)
    assert ours[1].shape == ref[1].shape == (3, 30, 8)
    np.testing.assert_allclose(ours[1], ref[1], atol=1e-6 * np.abs(ref[1]).max())
    assert np.all(ours[2] <= 1e-10 * (Yc**2).sum() / len(X))


def test_lasso_path_sparse_offsets_and_n_iter():
    X, Y = _problem(seed=1)
    X[X < 0.8] = 0.0
    Xs = sparse.csc_matrix(X)
    xm = X.mean(0)
    Yc = Y - Y.mean(0)
    kw = dict(alphas=[0.5, 0.1, 0.02], X_offset=xm, X_scale=np.ones(30), **TIGHT)
    alphas, coefs, gaps, n_iter = lasso_path(
        Xs, Yc, multi_task=True, return_n_iter=True, **kw
    )
    ref = sk_enet_path(Xs, Yc, l1_ratio=1.0, **kw)
    np.testing.assert_allclose(coefs, ref[1], atol=1e-6 * np.abs(ref[1]).max())
    assert len(n_iter) == 3 and all(k >= 0 for k in n_iter)
    # warm start from the first solution: fewer epochs than from zero (not
    # none: that solve may have stopped on its extrapolated dual point,
    # which a restart does not have) and the same solution
    runs = [
        lasso_path(
            Xs,
            Yc,
            multi_task=True,
            return_n_iter=True,
            coef_init=init,
            **{**kw, "alphas": [0.5]},
        )  # fmt: skip
        for init in (None, coefs[:, :, 0])
    ]
    assert runs[1][3][0] < runs[0][3][0]
    np.testing.assert_allclose(
        runs[1][1], coefs[:, :, :1], atol=1e-6 * np.abs(ref[1]).max()
    )


def test_path_bad_input():
    X, Y = _problem()
    with pytest.raises(ValueError, match="positive"):
        enet_path(X, Y, multi_task=True, positive=True, alphas=3)
    with pytest.raises(ValueError, match="y: a multi-task path"):
        enet_path(X, Y[:, 0], multi_task=True, alphas=3)
    with pytest.raises(ValueError, match="coef_init"):
        enet_path(X, Y, multi_task=True, alphas=3, coef_init=np.zeros((2, 30)))
    with pytest.raises(ValueError, match="Unexpected parameters"):
        enet_path(X, Y, multi_task=True, alphas=3, bogus=1)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_lasso_cv_matches_sklearn(fit_intercept):
    X, Y = _problem(seed=2)
    folds = list(KFold(4).split(X))
    kw = dict(cv=folds, alphas=15, fit_intercept=fit_intercept, **TIGHT)
    ours = MultiTaskL1RegressorCV(**kw).fit(X, Y)
    ref = MultiTaskLassoCV(**kw).fit(X, Y)
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    np.testing.assert_allclose(
        ours.coef_, ref.coef_, atol=1e-6 * np.abs(ref.coef_).max()
    )
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    assert not hasattr(ours, "l1_ratio_")


def test_enet_cv_matches_sklearn_sparse_weights_and_jobs():
    X, Y = _problem(seed=3)
    X[X < 0.5] = 0.0
    Xs = sparse.csc_matrix(X)
    sw = np.random.RandomState(0).rand(len(X)) + 0.5
    folds = list(KFold(3).split(X))
    kw = dict(cv=folds, alphas=10, l1_ratio=[0.3, 0.9], **TIGHT)
    ours = MultiTaskElasticNetRegressorCV(n_jobs=2, **kw).fit(Xs, Y, sample_weight=sw)
    ref = MultiTaskElasticNetCV(**kw).fit(Xs, Y, sample_weight=sw)
    assert (ours.alpha_, ours.l1_ratio_) == (ref.alpha_, ref.l1_ratio_)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (2, 10, 3)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    np.testing.assert_allclose(
        ours.coef_, ref.coef_, atol=1e-6 * np.abs(ref.coef_).max()
    )


def test_cv_bad_input():
    X, Y = _problem()
    with pytest.raises(ValueError, match="1-d y"):
        MultiTaskL1RegressorCV(cv=3).fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="l1_ratio"):
        MultiTaskElasticNetRegressorCV(l1_ratio=[0.5, 2.0], cv=3).fit(X, Y)
    with pytest.raises(ValueError, match="alphas"):
        MultiTaskL1RegressorCV(alphas=[0.1, -1.0], cv=3).fit(X, Y)


@pytest.mark.parametrize(
    "check",
    [
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weight_equivalence_on_sparse_data",
    ],
)
def test_cv_weight_equivalence_at_tight_tol(check):
    # the expected failures of tests/test_common.py at the default tol; the
    # check compares predictions to rtol 1e-7, and a gap of 1e-12 ||Y||^2
    # (certified sooner by the remembered dual point) only bounds them to
    # about 1e-6: 1e-13
    from sklearn.utils import estimator_checks

    est = MultiTaskL1RegressorCV(tol=1e-13, max_iter=100_000)
    getattr(estimator_checks, check)("MultiTaskL1RegressorCV", est)


def test_path_display():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from skreg.plot import RegularizationPathDisplay

    X, Y = _problem(n=40, p=8, seed=4)
    est = MultiTaskElasticNetRegressorCV(l1_ratio=[0.5, 1.0], cv=3, alphas=6)
    est.fit(X, Y)
    try:
        disp = RegularizationPathDisplay.from_estimator(est, X, Y)
        assert len(disp.coef_lines_) == 8
        # one line per feature: the norm of its row over the targets
        alphas, coefs, _ = enet_path(
            X - X.mean(0), Y - Y.mean(0), l1_ratio=est.l1_ratio_, alphas=6,
            multi_task=True,
        )  # fmt: skip
        np.testing.assert_allclose(
            disp.coef_lines_[0].get_ydata(), np.linalg.norm(coefs[:, 0], axis=0)
        )
        assert "row norms" in disp.ax_[0].get_ylabel()
        disp = RegularizationPathDisplay.from_path(alphas, coefs)
        assert len(disp.coef_lines_) == 8
        with pytest.raises(ValueError, match="coefs"):
            RegularizationPathDisplay.from_path(alphas, coefs[..., :3])
    finally:
        plt.close("all")


@pytest.mark.parametrize("l1_ratio", [1.0, 0.7])
@pytest.mark.parametrize("predict", [True, False])
def test_path_gaps_bound_suboptimality(l1_ratio, predict):
    # wide, correlated, support beyond n_samples at the small alphas: the
    # remembered dual point and the extrapolated starts must keep every
    # reported gap an upper bound on the suboptimality at the loose tol
    from skreg._multitask_path import solve_multitask_path
    from skreg.solvers.design import Design

    rng = np.random.RandomState(3)
    X = rng.randn(30, 80)
    X[:, 1:] = 0.7 * X[:, :-1] + 0.3 * X[:, 1:]
    Y = X[:, :6] @ rng.randn(6, 4) + rng.randn(30, 4)
    Xc, Yc = np.asfortranarray(X - X.mean(0)), Y - Y.mean(0)
    a_max = np.sqrt(((Xc.T @ Yc) ** 2).sum(1)).max() / (30 * l1_ratio)
    alphas = a_max * np.geomspace(1, 1e-3, 25)
    design = Design(Xc, None, center=False)
    coefs, gaps, _, conv = solve_multitask_path(
        design, Yc, alphas, l1_ratio, tol=1e-4, predict=predict
    )
    assert all(conv) and np.all(gaps <= 1e-4 * (Yc**2).sum() / 30)
    _, ref, _ = sk_enet_path(Xc, Yc, l1_ratio=l1_ratio, alphas=alphas, **TIGHT)

    def objective(W, alpha):
        R = Yc - Xc @ W.T
        pen = l1_ratio * np.sqrt((W**2).sum(0)).sum()
        pen += 0.5 * (1 - l1_ratio) * (W**2).sum()
        return 0.5 / 30 * (R**2).sum() + alpha * pen

    for k, alpha in enumerate(alphas):
        sub = objective(coefs[:, :, k], alpha) - objective(ref[:, :, k], alpha)
        assert sub <= gaps[k] + 1e-10
    assert np.any(coefs[:, :, -1] != 0, axis=0).sum() > 30
