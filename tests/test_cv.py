"""L1RegressorCV, ElasticNetRegressorCV and L2RegressorCV against scikit-learn."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.linear_model import ElasticNetCV, LassoCV, RidgeCV
from sklearn.model_selection import KFold
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from skreg import (
    ElasticNetRegressor,
    ElasticNetRegressorCV,
    L1Regressor,
    L1RegressorCV,
    L2RegressorCV,
)
from tests._oracle import make_problem, sparsify

# At tol=1e-9 both solvers are within ~1e-7 of the exact path, so the CV
# curves agree to ~1e-6 and the argmin (alpha_) is the same grid point.
TIGHT = dict(tol=1e-9, max_iter=100000)
FOLDS = KFold(4, shuffle=True, random_state=0)


def _noisy(n, p, seed):
    X, y = make_problem(n, p, seed=seed, nnz=6)
    y = y + 2.0 * np.random.RandomState(seed).randn(
        n
    )  # a CV curve with a clear minimum
    return X, y


@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(40, 80), (90, 12)])
def test_lassocv_matches_sklearn(is_sparse, fit_intercept, shape):
    X, y = _noisy(*shape, seed=0)
    Xi = sparsify(X, density=0.5) if is_sparse else X
    kw = dict(cv=FOLDS, alphas=30, eps=1e-2, fit_intercept=fit_intercept, **TIGHT)
    ours, ref = L1RegressorCV(**kw).fit(Xi, y), LassoCV(**kw).fit(Xi, y)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (30, 4)
    assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # same grid point
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6 * np.abs(ref.coef_).max())
    assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    # coef_ is the refit with skreg's own L1Regressor at alpha_.
    refit = L1Regressor(alpha=ours.alpha_, fit_intercept=fit_intercept, **TIGHT).fit(
        Xi, y
    )
    assert_allclose(ours.coef_, refit.coef_)
    assert ours.dual_gap_ == refit.dual_gap_ and ours.n_iter_ == refit.n_iter_


def test_lassocv_sample_weight_and_alphas_list():
    X, y = _noisy(50, 30, seed=1)
    sw = np.random.RandomState(3).rand(50) + 0.2
    alphas = np.geomspace(0.01, 2.0, 12)  # increasing: sorted internally
    kw = dict(cv=FOLDS, alphas=alphas, **TIGHT)
    ours = L1RegressorCV(**kw).fit(X, y, sample_weight=sw)
    ref = LassoCV(**kw).fit(X, y, sample_weight=sw)
    assert_allclose(ours.alphas_, ref.alphas_)
    assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # same grid point
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6 * np.abs(ref.coef_).max())


def test_lassocv_positive_and_precompute_variants():
    X, y = _noisy(60, 10, seed=2)
    for precompute in (True, False, "auto"):
        kw = dict(cv=FOLDS, alphas=15, positive=True, precompute=precompute, **TIGHT)
        ours, ref = L1RegressorCV(**kw).fit(X, y), LassoCV(**kw).fit(X, y)
        assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
        assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # same grid point
        assert np.all(ours.coef_ >= 0)


@pytest.mark.parametrize("is_sparse", [False, True])
def test_enetcv_l1_ratio_list_matches_sklearn(is_sparse):
    X, y = _noisy(45, 30, seed=4)
    Xi = sparsify(X, density=0.6) if is_sparse else X
    kw = dict(cv=FOLDS, l1_ratio=[0.2, 0.7, 1.0], alphas=20, **TIGHT)
    ours, ref = ElasticNetRegressorCV(**kw).fit(Xi, y), ElasticNetCV(**kw).fit(Xi, y)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (3, 20, 4)
    assert ours.alphas_.shape == (3, 20)
    assert_allclose(ours.alphas_, ref.alphas_)
    assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6 * np.abs(ref.coef_).max())
    refit = ElasticNetRegressor(alpha=ours.alpha_, l1_ratio=ours.l1_ratio_, **TIGHT)
    assert_allclose(ours.coef_, refit.fit(Xi, y).coef_)


def test_enetcv_explicit_alphas_with_l1_ratio_list():
    X, y = _noisy(40, 20, seed=14)
    kw = dict(cv=FOLDS, l1_ratio=[0.3, 0.9], alphas=[0.05, 0.5, 0.2], **TIGHT)
    ours, ref = ElasticNetRegressorCV(**kw).fit(X, y), ElasticNetCV(**kw).fit(X, y)
    assert ours.alphas_.shape == ref.alphas_.shape == (3,)
    assert_allclose(ours.alphas_, ref.alphas_)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (2, 3, 4)
    assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    assert (ours.alpha_, ours.l1_ratio_) == (ref.alpha_, ref.l1_ratio_)


def test_cv_n_jobs_gives_same_result():
    X, y = _noisy(40, 50, seed=5)
    kw = dict(cv=FOLDS, l1_ratio=[0.5, 0.9], alphas=10)
    one = ElasticNetRegressorCV(n_jobs=1, **kw).fit(X, y)
    two = ElasticNetRegressorCV(n_jobs=2, **kw).fit(X, y)
    assert_allclose(one.mse_path_, two.mse_path_)
    assert one.alpha_ == two.alpha_ and one.l1_ratio_ == two.l1_ratio_


def test_default_tolerance_as_accurate_as_sklearn():
    # At the default tol both solutions are inexact (each within the gap
    # bound, far from exact at the small-alpha end of the path): measure both
    # CV curves against the exact one; skreg must not be less accurate and
    # must pick the exact curve's alpha.
    X, y = _noisy(60, 100, seed=6)
    kw = dict(cv=FOLDS, alphas=25)
    exact = LassoCV(**kw, **TIGHT).fit(X, y)
    ours, ref = L1RegressorCV(**kw).fit(X, y), LassoCV(**kw).fit(X, y)
    err_ours = np.abs(ours.mse_path_ - exact.mse_path_).max()
    err_ref = np.abs(ref.mse_path_ - exact.mse_path_).max()
    assert err_ours <= 2 * err_ref + 1e-8
    assert ours.alpha_ == pytest.approx(exact.alpha_, rel=1e-12)
    assert ref.alpha_ == pytest.approx(exact.alpha_, rel=1e-12)


@pytest.mark.parametrize("is_sparse", [False, True])
def test_repeated_path_models_tie_exactly(is_sparse):
    # At a coarse grid and the default tol, the warm start from one alpha
    # already meets tol at the next one on every fold: the path repeats the
    # model, its CV errors must tie exactly and alpha_ be the larger alpha
    # (np.argmin's first), for float32 and float64 X alike.
    rng = np.random.RandomState(42)
    X = rng.randn(50, 10)
    y = X @ np.r_[rng.randn(10)] + 0.01 * rng.randn(50)
    fits = []
    for dtype in (np.float64, np.float32):
        Xi = sparse.csr_matrix(X, dtype=dtype) if is_sparse else X.astype(dtype)
        fits.append(L1RegressorCV(alphas=5).fit(Xi, y))
    for fit in fits:
        mse = fit.mse_path_
        tied = np.all(mse[1:] == mse[:-1], axis=1)
        assert tied.any()
        mean = mse.mean(axis=1)
        i = int(np.argmin(mean))
        # the first of a tie
        assert fit.alpha_ == fit.alphas_[i] and mean[i - 1] != mean[i]
    assert_allclose(fits[0].alpha_, fits[1].alpha_, rtol=1e-6)
    assert_allclose(fits[0].coef_, fits[1].coef_, rtol=1e-5)


def test_cv_errors():
    X, y = _noisy(20, 5, seed=7)
    with pytest.raises(ValueError, match="single target"):
        L1RegressorCV().fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="alphas"):
        L1RegressorCV(alphas=[0.1, -1.0]).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNetRegressorCV(l1_ratio=[0.5, 1.5]).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNetRegressorCV(l1_ratio=0.0, alphas=5).fit(X, y)
    with pytest.raises(ValueError, match="cv"):
        L1RegressorCV(cv="five").fit(X, y)
    with pytest.raises(ValueError, match="alphas"):
        L2RegressorCV(alphas=[1.0, 0.0]).fit(X, y)
    with pytest.raises(ValueError, match="store_cv_results"):
        L2RegressorCV(cv=3, store_cv_results=True).fit(X, y)
    with pytest.raises(ValueError, match="alpha_per_target"):
        L2RegressorCV(cv=3, alpha_per_target=True).fit(X, y)


def test_cv_robust_inputs():
    X, y = _noisy(30, 6, seed=15)
    # Huge values: the curves are computed in units of a power of two of y,
    # so the choice is finite and the one made on the unscaled data.
    big = L1RegressorCV(cv=FOLDS, alphas=10).fit(X * 1e100, y * 1e100)
    small = L1RegressorCV(cv=FOLDS, alphas=10).fit(X, y)
    assert big.alpha_ == pytest.approx(small.alpha_ * 1e200, rel=1e-9)  # alpha ~ X y
    assert np.all(np.isfinite(big.coef_))
    # A fold whose test part has no weight cannot be scored.
    sw = np.zeros(30)
    sw[4] = 1.0
    with pytest.raises(ValueError, match="zero total weight"):
        L1RegressorCV(cv=3, alphas=5).fit(X, y, sample_weight=sw)
    with pytest.raises(TypeError, match="sparse"):
        L2RegressorCV().fit(X, sparse.csr_matrix(y[:, None]))


def test_l1_ratio_attribute_only_for_enet():
    X, y = _noisy(30, 6, seed=8)
    assert not hasattr(L1RegressorCV(alphas=5).fit(X, y), "l1_ratio_")
    assert ElasticNetRegressorCV(alphas=5).fit(X, y).l1_ratio_ == 0.5


ALPHAS = np.logspace(-3, 3, 13)


@pytest.mark.parametrize("gcv_mode", [None, "svd", "eigen"])
@pytest.mark.parametrize("shape", [(30, 8), (12, 40)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridgecv_gcv_matches_sklearn(gcv_mode, shape, weighted, fit_intercept):
    X, y = _noisy(*shape, seed=9)
    sw = np.random.RandomState(2).rand(shape[0]) + 0.1 if weighted else None
    kw = dict(
        alphas=ALPHAS,
        gcv_mode=gcv_mode,
        store_cv_results=True,
        fit_intercept=fit_intercept,
    )
    ours = L2RegressorCV(**kw).fit(X, y, sample_weight=sw)
    ref = RidgeCV(**kw).fit(X, y, sample_weight=sw)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # same grid point
    assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-8)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-7, atol=1e-9)
    assert ours.cv_results_.shape == ref.cv_results_.shape
    assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", [(30, 8), (12, 40)])
def test_ridgecv_sparse_matches_sklearn(shape):
    X, y = _noisy(*shape, seed=10)
    Xs = sparse.csr_matrix(sparsify(X, density=0.5))
    ours = L2RegressorCV(alphas=ALPHAS, store_cv_results=True).fit(Xs, y)
    ref = RidgeCV(alphas=ALPHAS, store_cv_results=True).fit(Xs, y)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # same grid point
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-7)
    assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-6, atol=1e-8)


def test_ridgecv_multitarget_alpha_per_target_and_scoring():
    X, Y = make_problem(35, 10, n_targets=3, seed=11)
    Y = Y + 3 * np.random.RandomState(0).randn(*Y.shape) * [0.1, 1, 10]
    for kw in (
        dict(alpha_per_target=True),
        dict(),
        dict(scoring="neg_mean_absolute_error", store_cv_results=True),
        dict(scoring="r2", alpha_per_target=True),
    ):
        ours = L2RegressorCV(alphas=ALPHAS, **kw).fit(X, Y)
        ref = RidgeCV(alphas=ALPHAS, **kw).fit(X, Y)
        assert_allclose(ours.alpha_, ref.alpha_)
        assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-8)
        assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-7)
        if "store_cv_results" in kw:
            assert ours.cv_results_.shape == (35, 3, 13)
            assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-6)
    ours = L2RegressorCV(alphas=ALPHAS, alpha_per_target=True).fit(X, Y)
    assert len(set(ours.alpha_)) > 1  # the noise levels differ per target


def test_ridgecv_float32_and_one_column_target():
    X, y = _noisy(25, 6, seed=12)
    ours = L2RegressorCV(alphas=ALPHAS).fit(X.astype(np.float32), y[:, None])
    ref = RidgeCV(alphas=ALPHAS).fit(X.astype(np.float32), y[:, None])
    assert ours.coef_.dtype == np.float32 and ours.coef_.shape == ref.coef_.shape
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # same grid point


def test_ridgecv_kfold_grid_search_matches_sklearn():
    X, y = _noisy(40, 8, seed=13)
    kw = dict(alphas=[0.0, 0.1, 1.0, 10.0, 100.0], cv=FOLDS)
    ours, ref = L2RegressorCV(**kw).fit(X, y), RidgeCV(**kw).fit(X, y)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # same grid point
    assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-7)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


_SW_REASON = (
    "at the default tol the weighted and repeated fits agree only within tol; "
    "passes at tol=1e-10 (test_cv_weight_equivalence_at_tight_tol)"
)
_SW_CHECKS = {
    # The check passes equivalent group splits; the fits differ only as
    # far as tol lets them (as for scikit-learn's LassoCV).  Its dense
    # design is small enough for the Gram solve, where integer weights and
    # repeated rows give the same Gram matrix, hence the same iterates.
    "check_sample_weight_equivalence_on_sparse_data": _SW_REASON,
}


def _expected_failed(est):
    # (a scorer of absolute errors picks the same alpha for both fits here)
    if isinstance(est, L2RegressorCV) or est.scoring is not None:
        return {}
    return _SW_CHECKS


@parametrize_with_checks(
    [
        L1RegressorCV(alphas=5, cv=3),
        ElasticNetRegressorCV(alphas=5, cv=3, l1_ratio=[0.5, 1.0]),
        L1RegressorCV(alphas=5, cv=3, alpha_rule="1se"),
        ElasticNetRegressorCV(alphas=5, cv=3, scoring="neg_mean_absolute_error"),
        L2RegressorCV(),
        L2RegressorCV(cv=3),
        L2RegressorCV(alpha_rule="1se"),
    ],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_compatible_cv_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator",
    [
        L1RegressorCV(tol=1e-10, max_iter=100_000),
        L1RegressorCV(alphas=5, cv=3, tol=1e-10, max_iter=100_000),
        ElasticNetRegressorCV(
            alphas=5, cv=3, l1_ratio=[0.5, 1.0], tol=1e-10, max_iter=100_000
        ),
    ],
    ids=["L1CV", "L1CV-small-grid", "ENCV-small-grid"],
)
@pytest.mark.parametrize(
    "check",
    [
        check_sample_weight_equivalence_on_dense_data,
        check_sample_weight_equivalence_on_sparse_data,
    ],
)
def test_cv_weight_equivalence_at_tight_tol(estimator, check):
    # The configurations above are expected to fail these checks at the
    # default tol; solved tightly, integer weights and repeated rows give
    # the same CV curves, the same alpha_ and the same refit.
    check(type(estimator).__name__, estimator)
