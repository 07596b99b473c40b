"""The one-standard-error rule, ``alpha_rule`` and ``scoring`` of the CV
estimators, against scikit-learn's CV curves and ``cross_val_score``."""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.linear_model import ElasticNet, ElasticNetCV, LassoCV, Ridge, RidgeCV
from sklearn.metrics import make_scorer, median_absolute_error
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from skreg import (
    ElasticNetRegressor,
    ElasticNetRegressorCV,
    L1RegressorCV,
    L2RegressorCV,
)
from tests._oracle import make_problem, sparsify

TIGHT = dict(tol=1e-10, max_iter=100_000)
FOLDS = KFold(5, shuffle=True, random_state=0)


def _noisy(n, p, seed):
    X, y = make_problem(n, p, seed=seed, nnz=6)
    return X, y + 2.0 * np.random.RandomState(seed).randn(n)


def _one_se(fold_errors, grid):
    """glmnet's lambda.1se from (n_alphas, n_folds) errors, written out."""
    mean = fold_errors.mean(axis=1)
    k = np.argmin(mean)
    se = np.std(fold_errors[k], ddof=1) / np.sqrt(fold_errors.shape[1])
    return grid[k], np.max(grid[mean <= mean[k] + se])


@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("shape", [(60, 40), (80, 10)])
def test_alpha_1se_matches_rule_on_sklearn_curve(is_sparse, shape):
    X, y = _noisy(*shape, seed=1)
    Xi = sparsify(X, density=0.6) if is_sparse else X
    kw = dict(cv=FOLDS, alphas=30, eps=1e-2, **TIGHT)
    ref = LassoCV(**kw).fit(Xi, y)
    ours = L1RegressorCV(**kw).fit(Xi, y)
    alpha_min, alpha_1se = _one_se(ref.mse_path_, ref.alphas_)
    assert ours.alpha_min_ == ours.alpha_ == pytest.approx(alpha_min, rel=1e-12)
    assert ours.alpha_1se_ == pytest.approx(alpha_1se, rel=1e-12)
    assert ours.alpha_1se_ > ours.alpha_min_  # the rule moves on these problems
    one_se = L1RegressorCV(alpha_rule="1se", **kw).fit(Xi, y)
    # Same paths, another grid point refitted.
    assert_allclose(one_se.mse_path_, ours.mse_path_)
    assert one_se.alpha_ == one_se.alpha_1se_ == ours.alpha_1se_
    assert one_se.alpha_min_ == ours.alpha_min_
    refit = ElasticNetRegressor(alpha=one_se.alpha_, l1_ratio=1.0, **TIGHT)
    assert_allclose(one_se.coef_, refit.fit(Xi, y).coef_)
    assert np.count_nonzero(one_se.coef_) <= np.count_nonzero(ours.coef_)


def test_alpha_1se_at_chosen_l1_ratio():
    X, y = _noisy(50, 30, seed=2)
    kw = dict(cv=FOLDS, l1_ratio=[0.3, 0.8, 1.0], alphas=20, **TIGHT)
    ref = ElasticNetCV(**kw).fit(X, y)
    ours = ElasticNetRegressorCV(alpha_rule="1se", **kw).fit(X, y)
    k = [0.3, 0.8, 1.0].index(ref.l1_ratio_)
    alpha_min, alpha_1se = _one_se(ref.mse_path_[k], ref.alphas_[k])
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert ours.alpha_min_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert ours.alpha_ == ours.alpha_1se_ == pytest.approx(alpha_1se, rel=1e-12)
    refit = ElasticNetRegressor(alpha=ours.alpha_, l1_ratio=ours.l1_ratio_, **TIGHT)
    assert_allclose(ours.coef_, refit.fit(X, y).coef_)


def test_one_fold_and_flat_curves():
    X, y = _noisy(40, 8, seed=3)
    split = [next(FOLDS.split(X))]  # a single split: no standard error
    est = L1RegressorCV(cv=split, alphas=10, alpha_rule="1se").fit(X, y)
    assert est.alpha_1se_ == est.alpha_min_ == est.alpha_
    # y unrelated to X at the top of the grid: every curve point is the
    # same at the largest alphas, whose first (largest) is chosen.
    est = L1RegressorCV(cv=3, alphas=[1e6, 1e5]).fit(X, y)
    assert est.alpha_min_ == est.alpha_1se_ == 1e6


@pytest.mark.parametrize(
    "scoring",
    [
        "r2",
        "neg_mean_absolute_error",
        make_scorer(median_absolute_error, greater_is_better=False),
    ],
    ids=["r2", "mae", "callable"],
)
def test_scoring_matches_cross_val_score(scoring):
    X, y = _noisy(60, 20, seed=4)
    grid = np.geomspace(2.0, 0.02, 8)
    est = ElasticNetRegressorCV(
        l1_ratio=0.7, alphas=grid, cv=FOLDS, scoring=scoring, **TIGHT
    ).fit(X, y)
    assert not hasattr(est, "mse_path_")
    assert est.score_path_.shape == (8, 5)
    for i, a in enumerate(grid):
        ref = cross_val_score(
            ElasticNet(alpha=a, l1_ratio=0.7, **TIGHT), X, y, cv=FOLDS, scoring=scoring
        )
        assert_allclose(est.score_path_[i], ref, rtol=1e-6, atol=1e-8)
    # Scores are higher-is-better: the rules run on their negatives.
    alpha_min, alpha_1se = _one_se(-est.score_path_, grid)
    assert est.alpha_ == est.alpha_min_ == alpha_min
    assert est.alpha_1se_ == alpha_1se


def test_neg_mse_scoring_gives_default_choice():
    X, y = _noisy(50, 15, seed=5)
    kw = dict(cv=FOLDS, alphas=15, **TIGHT)
    default = L1RegressorCV(**kw).fit(X, y)
    scored = L1RegressorCV(scoring="neg_mean_squared_error", **kw).fit(X, y)
    assert_allclose(scored.score_path_, -default.mse_path_, rtol=1e-10)
    assert (scored.alpha_min_, scored.alpha_1se_) == (
        default.alpha_min_,
        default.alpha_1se_,
    )
    # refitting with another scoring drops the other curve
    assert not hasattr(default.set_params(scoring="r2").fit(X, y), "mse_path_")


def test_weighted_scorer_through_metadata_routing():
    X, y = _noisy(50, 10, seed=6)
    sw = np.random.RandomState(0).rand(50) + 0.1
    grid = [1.0, 0.3, 0.1]
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(median_absolute_error, greater_is_better=False)
        scorer = scorer.set_score_request(sample_weight=True)
        est = L1RegressorCV(alphas=grid, cv=FOLDS, scoring=scorer, **TIGHT)
        est.set_fit_request(sample_weight=True).fit(X, y, sample_weight=sw)
        for i, a in enumerate(grid):
            model = ElasticNet(alpha=a, l1_ratio=1.0, **TIGHT)
            ref = cross_val_score(
                model.set_fit_request(sample_weight=True),
                X,
                y,
                cv=FOLDS,
                scoring=scorer,
                params={"sample_weight": sw},
            )
            assert_allclose(est.score_path_[i], ref, rtol=1e-6, atol=1e-8)


@pytest.mark.filterwarnings("ignore:R\\^2 score is not well-defined")
def test_bad_rule_and_scoring():
    X, y = _noisy(20, 4, seed=7)
    with pytest.raises(ValueError, match="alpha_rule"):
        L1RegressorCV(alpha_rule="2se").fit(X, y)
    with pytest.raises(ValueError, match="scoring"):
        L1RegressorCV(scoring="not_a_scorer").fit(X, y)
    with pytest.raises(ValueError, match="scores are not finite"):
        L1RegressorCV(cv=KFold(20), alphas=3, scoring="r2").fit(X, y)


@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_loo_one_standard_error_rule(weighted):
    X, y = _noisy(40, 30, seed=8)
    sw = np.random.RandomState(1).rand(40) + 0.5 if weighted else None
    alphas = np.logspace(-2, 4, 25)
    ref = RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y, sample_weight=sw)
    errors = ref.cv_results_.T  # leave-one-out: one fold per sample
    alpha_min, alpha_1se = _one_se(errors[::-1], alphas[::-1])
    ours = L2RegressorCV(alphas=alphas).fit(X, y, sample_weight=sw)
    assert ours.alpha_min_ == ours.alpha_ == ref.alpha_ == alpha_min
    assert ours.alpha_1se_ == pytest.approx(alpha_1se, rel=1e-12)
    assert ours.alpha_1se_ > ours.alpha_min_
    one_se = L2RegressorCV(alphas=alphas, alpha_rule="1se").fit(X, y, sample_weight=sw)
    refit = RidgeCV(alphas=[alpha_1se]).fit(X, y, sample_weight=sw)
    assert one_se.alpha_ == one_se.alpha_1se_
    assert_allclose(one_se.coef_, refit.coef_, rtol=1e-8)
    assert_allclose(one_se.intercept_, refit.intercept_, rtol=1e-8)
    assert one_se.best_score_ == pytest.approx(refit.best_score_, rel=1e-8)


def test_ridge_kfold_one_standard_error_rule():
    X, y = _noisy(50, 20, seed=9)
    alphas = np.logspace(-1, 4, 12)
    search = GridSearchCV(Ridge(), {"alpha": alphas}, cv=FOLDS).fit(X, y)
    scores = np.column_stack(
        [search.cv_results_[f"split{k}_test_score"] for k in range(5)]
    )
    alpha_min, alpha_1se = _one_se(-scores[::-1], alphas[::-1])
    ours = L2RegressorCV(alphas=alphas, cv=FOLDS, alpha_rule="1se").fit(X, y)
    assert ours.alpha_min_ == search.best_params_["alpha"] == alpha_min
    assert ours.alpha_ == ours.alpha_1se_ == alpha_1se
    assert_allclose(ours.coef_, Ridge(alpha=alpha_1se).fit(X, y).coef_, rtol=1e-7)


def test_ridge_rule_needs_folds():
    X, y = _noisy(30, 5, seed=10)
    with pytest.raises(ValueError, match="alpha_rule='1se'"):
        L2RegressorCV(alpha_rule="1se", scoring="r2").fit(X, y)
    with pytest.raises(ValueError, match="alpha_rule='1se'"):
        L2RegressorCV(alpha_rule="1se", alpha_per_target=True).fit(X, y)
    assert not hasattr(L2RegressorCV(scoring="r2").fit(X, y), "alpha_1se_")
