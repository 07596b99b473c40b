"""Ridge as a drop-in: scikit-learn's solver names, ridge_regression, messages.

Every case compares with scikit-learn (``benchmarks/sklearn_dropin.py`` runs
scikit-learn's own test_ridge.py against skreg; these are its fast oracles).
"""

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sklm
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from skreg import L2Regressor, L2RegressorCV, ridge_regression
from tests._oracle import make_problem


def _exact(X, y, alpha, fit_intercept, sw=None):
    Xd = X.toarray() if sparse.issparse(X) else X
    return sklm.Ridge(alpha=alpha, solver="svd", fit_intercept=fit_intercept).fit(
        Xd, y, sample_weight=sw
    )


@pytest.mark.parametrize("solver", ["sag", "saga"])
@pytest.mark.parametrize("shape", [(40, 6), (12, 30)])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("is_sparse", [False, True])
def test_sag_names_reach_the_exact_solution(solver, shape, fit_intercept, is_sparse):
    # 'sag'/'saga' run LSQR: at tol=1e-12 the coefficients of the exact
    # (svd) solution to ~1e-8 relative, sample weights included
    X, y = make_problem(*shape, n_targets=2)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, shape[0])
    Xf = sparse.csr_matrix(X) if is_sparse else X
    ours = L2Regressor(
        alpha=0.7, solver=solver, tol=1e-12, fit_intercept=fit_intercept
    ).fit(Xf, y, sample_weight=sw)
    ref = _exact(X, y, 0.7, fit_intercept, sw)
    assert ours.solver_ == solver
    assert np.all(ours.n_iter_ >= 1)
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8 * scale)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-8 * scale)


def test_sag_alpha0_wide_is_the_minimum_norm_solution():
    # scikit-learn's sag moves in the row span of X from w = 0; so does LSQR
    X, y = make_problem(10, 25)
    ours = L2Regressor(alpha=0.0, solver="sag", fit_intercept=False, tol=1e-14)
    ours.fit(X, y)
    np.testing.assert_allclose(ours.coef_, np.linalg.pinv(X) @ y, rtol=1e-8)


def test_sag_errors_as_sklearn():
    X, y = make_problem(20, 4)
    for est in (L2Regressor, sklm.Ridge):
        with pytest.raises(ValueError, match="does not support positive"):
            est(solver="sag", positive=True).fit(X, y)
        with pytest.raises(ValueError, match="solver='svd' does not support"):
            est(solver="svd").fit(sparse.csr_matrix(X), y)
        with pytest.raises(TypeError):
            est(solver="svd", fit_intercept=False).fit(sparse.csr_matrix(X), y)


@pytest.mark.parametrize("solver", ["auto", "sag", "cholesky", "lsqr", "sparse_cg"])
@pytest.mark.parametrize("return_n_iter", [False, True])
@pytest.mark.parametrize("is_sparse", [False, True])
def test_ridge_regression_matches_sklearn(solver, return_n_iter, is_sparse):
    X, Y = make_problem(30, 5, n_targets=2)
    sw = np.random.RandomState(2).uniform(0.5, 2.0, 30)
    Xf = sparse.csr_matrix(X) if is_sparse else X
    alpha = np.array([0.5, 2.0])
    kw = dict(sample_weight=sw, solver=solver, tol=1e-12, return_n_iter=return_n_iter)
    ours = ridge_regression(Xf, Y, alpha, **kw)
    ref = sklm.ridge_regression(Xf, Y, alpha, **kw)
    if return_n_iter:
        (ours, n_iter), ref = ours, ref[0]
        assert n_iter.shape == (2,)
    assert ours.shape == ref.shape == (2, 5)
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-9)
    one = ridge_regression(Xf, Y[:, 0], 0.5, solver=solver, tol=1e-12)
    assert one.shape == (5,)


@pytest.mark.parametrize("is_sparse", [False, True])
def test_ridge_regression_intercept_matches_sklearn(is_sparse):
    X, y = make_problem(200, 3)
    Xf = sparse.csr_matrix(X) if is_sparse else X
    coef, n_iter, intercept = ridge_regression(
        Xf, y, 1.0, solver="sag", return_intercept=True, return_n_iter=True, tol=1e-12
    )
    ref = _exact(X, y, 1.0, True)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-8)
    assert intercept == pytest.approx(ref.intercept_, rel=1e-8)


@pytest.mark.parametrize("solver", ["svd", "cholesky", "lsqr", "sparse_cg", "saga"])
def test_ridge_regression_refuses_as_sklearn(solver):
    X, y = make_problem(20, 4)
    for func in (ridge_regression, sklm.ridge_regression):
        with pytest.raises(ValueError, match="only 'lbfgs' solver can be used"):
            func(X, y, 1.0, solver=solver, positive=True)
        with pytest.raises(ValueError, match="In Ridge, only 'sag' solver"):
            func(X, y, 1.0, solver=solver, return_intercept=True)


def test_sparse_cg_at_tol_zero_warns_and_stays_finite():
    # scikit-learn warns and returns NaN (CG divides 0 by 0 once exact);
    # skreg warns the same and returns the last finite iterate
    rng = np.random.RandomState(0)
    y, X = rng.randn(5), rng.randn(5, 10)
    with pytest.warns(ConvergenceWarning, match="sparse_cg did not converge"):
        coef = ridge_regression(X, y, alpha=1.0, solver="sparse_cg", tol=0.0)
    ref = sklm.ridge_regression(X, y, alpha=1.0, solver="cholesky")
    np.testing.assert_allclose(coef, ref, rtol=1e-10)


def test_penalty_count_message_as_sklearn():
    X, Y = make_problem(20, 4, n_targets=3)
    for est in (L2Regressor, sklm.Ridge):
        with pytest.raises(ValueError, match="Number of targets and number of"):
            est(alpha=[1.0, 2.0]).fit(X, Y)


@pytest.mark.parametrize(
    "alphas, error",
    [
        ((1, -1, -100), ValueError),
        ((-0.1, -1.0), ValueError),
        ((1, 1.0, "1"), TypeError),
    ],
)
def test_ridgecv_alphas_messages_as_sklearn(alphas, error):
    X, y = make_problem(10, 3)
    messages = []
    for est in (L2RegressorCV, sklm.RidgeCV):
        with pytest.raises(error) as info:
            est(alphas=alphas).fit(X, y)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_ridgecv_gcv_svd_on_sparse_warns_as_sklearn():
    X, y = make_problem(30, 4)
    Xs = sparse.csr_matrix(X)
    with pytest.warns(FutureWarning, match="'svd' mode is not supported for sparse"):
        ours = L2RegressorCV(gcv_mode="svd").fit(Xs, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ref = sklm.RidgeCV(gcv_mode="svd").fit(Xs, y)
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
