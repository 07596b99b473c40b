"""Per-feature penalty factors of the multi-task estimators and path.

Oracles, all scikit-learn's MultiTaskLasso on an equivalent problem:

- all-ones factors are scikit-learn's objective itself;
- a factor ``pf_j > 0`` of the pure L2,1 penalty is the standard penalty on
  the column ``x_j / pf_j`` (the row of the solution scales by ``1 / pf_j``);
- ``pf_j = inf`` drops column ``j``;
- unpenalised columns (``pf_j = 0``) are fitted by least squares: the other
  rows solve the standard problem on the residuals of ``X`` and ``Y`` after
  projection away from them (``W_U`` is then the least-squares fit of what
  is left).

At ``tol=1e-14`` both solvers stop within ``1e-14 ||Y||^2`` of the
optimum of a problem with a unique solution: the coefficients then agree to
about ``sqrt(1e-14) = 1e-7`` relative (the objective is quadratic near its
minimum), inside the asserted 1e-6 relative to the largest one (the parity
tolerance of tests/test_multitask.py).  The ElasticNet with factors has no
such identity: its optimality conditions are checked instead.
"""

import numpy as np
import pytest
from sklearn.linear_model import MultiTaskLasso

from skreg import (
    MultiTaskElasticNetRegressor,
    MultiTaskElasticNetRegressorCV,
    MultiTaskL1Regressor,
    MultiTaskL1RegressorCV,
    enet_path,
)


def _problem(n=40, p=12, T=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    for j in range(1, p):
        X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * X[:, j]
    X += rng.rand(p)
    W = np.zeros((p, T))
    W[rng.choice(p, 5, replace=False)] = rng.randn(5, T)
    return X, X @ W + 0.5 * rng.randn(n, T) + 1.0


def _reference(X, Y, alpha, pf, fit_intercept):
    """scikit-learn's MultiTaskLasso on the equivalent standard problem."""
    n, p = X.shape
    Xc = X - X.mean(0) if fit_intercept else X
    Yc = Y - Y.mean(0) if fit_intercept else Y
    free = np.flatnonzero(pf == 0)
    pen = np.flatnonzero(np.isfinite(pf) & (pf > 0))
    Q = np.linalg.qr(Xc[:, free])[0] if free.size else np.zeros((n, 0))
    Xp = Xc[:, pen] / pf[pen] - Q @ (Q.T @ (Xc[:, pen] / pf[pen]))
    Yp = Yc - Q @ (Q.T @ Yc)
    ref = MultiTaskLasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000)
    W = np.zeros((Y.shape[1], p))
    W[:, pen] = ref.fit(Xp, Yp).coef_ / pf[pen]
    if free.size:
        R = Yc - Xc[:, pen] @ W[:, pen].T
        W[:, free] = np.linalg.lstsq(Xc[:, free], R, rcond=None)[0].T
    b = Y.mean(0) - X.mean(0) @ W.T if fit_intercept else np.zeros(Y.shape[1])
    return W, b


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", ["ones", "scaled", "with_zero_and_inf", "only_inf"])
@pytest.mark.parametrize("strength", [3.0, 30.0])
def test_l21_factors_match_rescaled_sklearn(kind, fit_intercept, strength):
    X, Y = _problem()
    p = X.shape[1]
    rng = np.random.RandomState(1)
    pf = {
        "ones": np.ones(p),
        "scaled": rng.uniform(0.3, 3.0, p),
        "with_zero_and_inf": np.r_[0.0, rng.uniform(0.3, 3.0, p - 3), np.inf, 0.0],
        "only_inf": np.r_[np.ones(p - 2), np.inf, np.inf],
    }[kind]
    Xc = X - X.mean(0)
    alpha = np.sqrt(((Xc.T @ (Y - Y.mean(0))) ** 2).sum(1)).max() / len(X) / strength
    ours = MultiTaskL1Regressor(
        alpha=alpha, penalty_factor=pf, fit_intercept=fit_intercept, tol=1e-14,
        max_iter=100_000,
    ).fit(X, Y)  # fmt: skip
    W, b = _reference(X, Y, alpha, pf, fit_intercept)
    scale = np.abs(W).max()
    np.testing.assert_allclose(ours.coef_, W, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(ours.intercept_, b, rtol=0, atol=1e-6 * max(1, scale))
    assert np.all(ours.coef_[:, np.isinf(pf)] == 0)


def test_enet_factors_optimality():
    # no rescaling identity with an L2 part: the optimality conditions of
    # the objective with factors, row by row, to the solver's precision
    X, Y = _problem(seed=3)
    n, p = X.shape
    pf = np.r_[0.0, np.linspace(0.5, 2.0, p - 2), np.inf]
    alpha, rho = 0.05, 0.6
    est = MultiTaskElasticNetRegressor(
        alpha=alpha, l1_ratio=rho, penalty_factor=pf, tol=1e-12, max_iter=100_000
    ).fit(X, Y)
    W = est.coef_.T
    R = Y - X @ W - est.intercept_
    np.testing.assert_allclose(R.mean(0), 0, atol=1e-10)
    l2 = alpha * (1 - rho) * np.where(np.isinf(pf), 0.0, pf)
    A = X.T @ R / n - l2[:, None] * W
    for j in range(p - 1):
        nw = np.linalg.norm(W[j])
        if nw == 0:
            assert np.linalg.norm(A[j]) <= alpha * rho * pf[j] * (1 + 1e-6)
        else:
            np.testing.assert_allclose(
                A[j], alpha * rho * pf[j] * W[j] / nw, atol=1e-6 * alpha
            )
    assert np.all(W[-1] == 0) and np.linalg.norm(W[0]) > 0


def test_factor_validation():
    X, Y = _problem(n=10, p=6)
    X = X[:, :4]
    for bad, msg in (
        (np.ones(3), "penalty_factor"),
        (np.r_[1.0, -1.0, 1.0, 1.0], "penalty_factor must be >= 0"),
        (np.ones((4, 1)), "penalty_factor"),
    ):
        for est in (MultiTaskL1Regressor(), MultiTaskL1RegressorCV(cv=2)):
            with pytest.raises(ValueError, match=msg):
                est.set_params(penalty_factor=bad).fit(X, Y)
    with pytest.raises(ValueError, match="lower_bounds and upper_bounds"):
        enet_path(X, Y, lower_bounds=np.zeros(4))


def test_path_and_cv_grid_follow_factors():
    X, Y = _problem(seed=5)
    p = X.shape[1]
    pf = np.r_[0.0, np.full(p - 2, 2.0), np.inf]
    alphas, coefs, _ = enet_path(X - X.mean(0), Y - Y.mean(0), l1_ratio=1.0,
                                 penalty_factor=pf, alphas=5, tol=1e-10)  # fmt: skip
    # at alpha_max only the unpenalised feature is in the model (the
    # feature at the threshold within rounding)
    scale = np.abs(coefs[:, 0, 0]).max()
    assert scale > 0 and np.abs(coefs[:, 1:, 0]).max() <= 1e-10 * scale
    assert np.any(coefs[:, 1:-1, 1] != 0) and np.all(coefs[:, -1, :] == 0)
    cv = MultiTaskL1RegressorCV(alphas=5, cv=3, penalty_factor=pf).fit(X, Y)
    np.testing.assert_allclose(cv.alphas_, alphas, rtol=1e-12)
    one = MultiTaskL1Regressor(alpha=cv.alpha_, penalty_factor=pf).fit(X, Y)
    np.testing.assert_allclose(cv.coef_, one.coef_, rtol=1e-10, atol=1e-12)


def test_cv_ones_equals_default():
    X, Y = _problem(seed=7)
    kw = {"alphas": 8, "cv": 3}
    for cls in (MultiTaskL1RegressorCV, MultiTaskElasticNetRegressorCV):
        a = cls(**kw).fit(X, Y)
        b = cls(penalty_factor=np.ones(X.shape[1]), **kw).fit(X, Y)
        assert a.alpha_ == b.alpha_
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-14)
