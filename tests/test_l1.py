"""L1Regressor / ElasticNetRegressor against scikit-learn's Lasso / ElasticNet.

Tolerance rationale: both solvers stop when the duality gap is below
``tol * ||y||^2 / n`` with ``tol = 1e-10``.  The objective is then within
that gap of the optimum, and for these well-posed problems coefficients are
within ``~sqrt(gap / mu)`` of the (unique) solution, far below the
``rtol=1e-6`` asserted in float64.  In float32 the gap cannot go below the
rounding level (~1e-7 relative) so we assert ``rtol=1e-4``, against
scikit-learn's solution of the same float32 data solved in float64: in
float32 scikit-learn itself stalls up to ~1e-2 relative away from that
optimum on some of these cases (its residual is kept in float32), while
skreg keeps its iterates in float64 and lands within 1e-6.
"""

import itertools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso

from skreg import ElasticNetRegressor, L1Regressor
from tests._oracle import alpha_max, enet_objective, make_problem, sparsify

SHAPES = {"tall": (40, 12), "wide": (25, 60)}
ALPHA_FRACTIONS = [1.0, 0.1, 0.001]


def _fit_pair(l1_ratio, est_kwargs, X, y, sw):
    if l1_ratio == 1.0:
        ours = L1Regressor(**est_kwargs)
        ref = Lasso(**est_kwargs)
    else:
        ours = ElasticNetRegressor(l1_ratio=l1_ratio, **est_kwargs)
        ref = ElasticNet(l1_ratio=l1_ratio, **est_kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y, sample_weight=sw)
        ref.fit(X, y, sample_weight=sw)
    return ours, ref


CASES = list(
    itertools.product(
        ["dense", "sparse"],  # layout
        [True, False],  # fit_intercept
        [False, True],  # sample_weight
        [False, True],  # positive
        [1.0, 0.5, 0.1],  # l1_ratio
        ALPHA_FRACTIONS,
        ["tall", "wide"],
        [1, 2],  # n_targets
    )
)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "layout,fit_intercept,use_sw,positive,l1_ratio,frac,shape,n_targets", CASES
)
def test_matches_sklearn(
    layout, fit_intercept, use_sw, positive, l1_ratio, frac, shape, n_targets, dtype
):
    n, p = SHAPES[shape]
    X, y = make_problem(n, p, n_targets=n_targets, seed=n + p, dtype=dtype)
    if layout == "sparse":
        X = sparsify(X)
    sw = None
    if use_sw:
        sw = np.random.RandomState(3).uniform(0.2, 3.0, size=n).astype(dtype)
    alpha = alpha_max(X, y, l1_ratio, fit_intercept, sw) * frac
    kw = dict(
        alpha=alpha,
        fit_intercept=fit_intercept,
        positive=positive,
        tol=1e-10,
        max_iter=100_000,
    )
    ours, _ = _fit_pair(l1_ratio, kw, X, y, sw)
    if dtype == np.float32:
        X = X.astype(np.float64)
        y = y.astype(np.float64)
        sw = None if sw is None else sw.astype(np.float64)
    _, ref = _fit_pair(l1_ratio, kw, X, y, sw)
    assert ours.coef_.shape == ref.coef_.shape
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert ours.coef_.dtype == dtype
    assert np.asarray(ours.intercept_).dtype in (dtype, np.float64)
    scale = max(1.0, np.abs(ref.coef_).max())
    if dtype == np.float64:
        rtol, atol = 1e-6, 1e-6 * scale
    else:
        rtol, atol = 1e-4, 1e-4 * scale
    assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=atol)
    assert_allclose(
        ours.intercept_, ref.intercept_, rtol=rtol, atol=atol * (1 + np.abs(X).max())
    )
    # skreg's solution is never worse than sklearn's by more than its own gap
    p_ours = enet_objective(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio, sw)
    p_ref = enet_objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio, sw)
    gap = np.sum(ours.dual_gap_)
    slack = 1e-12 if dtype == np.float64 else 1e-5 * abs(p_ref)
    assert p_ours <= p_ref + gap + slack
    if dtype == np.float64:
        # exact zeros where sklearn has them (the problems have no ties)
        assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_alpha_max_gives_zero(l1_ratio):
    X, y = make_problem(50, 20)
    amax = alpha_max(X, y, l1_ratio, True)
    est = ElasticNetRegressor(alpha=amax * (1 + 1e-9), l1_ratio=l1_ratio).fit(X, y)
    assert np.all(est.coef_ == 0)
    assert est.intercept_ == pytest.approx(y.mean())
    est = ElasticNetRegressor(alpha=amax * 0.99, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    assert np.count_nonzero(est.coef_) >= 1


def test_dual_gap_and_n_iter_semantics():
    X, y = make_problem(60, 15)
    ours = L1Regressor(alpha=0.05, tol=1e-8).fit(X, y)
    ref = Lasso(alpha=0.05, tol=1e-8).fit(X, y)
    # dual_gap_ is in the estimator's objective scale and below tol*||y||^2/n
    yc = y - y.mean()
    assert 0 <= ours.dual_gap_ <= 1e-8 * yc @ yc / len(y)
    assert ours.dual_gap_ >= 0
    assert isinstance(ours.n_iter_, int) and 0 < ours.n_iter_ <= ours.max_iter
    assert isinstance(ref.n_iter_, int)
    p_ours = enet_objective(X, y, ours.coef_, ours.intercept_, 0.05, 1.0)
    p_ref = enet_objective(X, y, ref.coef_, ref.intercept_, 0.05, 1.0)
    assert abs(p_ours - p_ref) <= ours.dual_gap_ + ref.dual_gap_
    Y = np.c_[y, -y]
    multi = L1Regressor(alpha=0.05, tol=1e-8).fit(X, Y)
    assert isinstance(multi.n_iter_, list) and len(multi.n_iter_) == 2
    assert multi.dual_gap_.shape == (2,)
    assert multi.sparse_coef_.shape == (2, 15)


@pytest.mark.parametrize("data", ["wide", "diabetes"])  # working set, Gram
def test_convergence_warning_when_max_iter_hit(data):
    from sklearn.datasets import load_diabetes

    X, y = (
        make_problem(30, 80, nnz=20)
        if data == "wide"
        else load_diabetes(return_X_y=True)
    )
    with pytest.warns(ConvergenceWarning, match="Duality gap"):
        L1Regressor(alpha=1e-4, max_iter=2, tol=1e-12).fit(X, y)


def test_warm_start_continues():
    X, y = make_problem(80, 30)
    est = L1Regressor(alpha=0.01, tol=1e-10, warm_start=True)
    est.fit(X, y)
    n_cold = est.n_iter_
    coef = est.coef_.copy()
    est.fit(X, y)
    assert est.n_iter_ < max(n_cold, 2)
    assert_allclose(est.coef_, coef, rtol=1e-7, atol=1e-9)
    # warm start from a nearby alpha is cheaper than a cold fit
    est.set_params(alpha=0.011)
    est.fit(X, y)
    cold = L1Regressor(alpha=0.011, tol=1e-10).fit(X, y)
    assert_allclose(est.coef_, cold.coef_, rtol=1e-6, atol=1e-8)
    assert est.n_iter_ <= cold.n_iter_


@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("alpha, l1_ratio", [(1e-5, 0.5), (1e-2, 1.0), (1e-1, 1.0)])
def test_warm_start_at_smaller_alpha_saves_epochs(is_sparse, alpha, l1_ratio):
    # scikit-learn's test_warm_start_convergence_with_regularizer_decrement:
    # from the solution at 10 alpha (same support, a support that grows, one
    # that shrinks), fewer epochs than a cold fit to the same answer
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    X = sparsify(X, density=1.0) if is_sparse else X
    kw = dict(l1_ratio=l1_ratio)
    cold = ElasticNetRegressor(alpha=alpha, **kw).fit(X, y)
    warm = ElasticNetRegressor(alpha=10 * alpha, warm_start=True, **kw).fit(X, y)
    warm.set_params(alpha=alpha).fit(X, y)
    assert warm.n_iter_ < cold.n_iter_
    assert warm.dual_gap_ <= 1e-4 * np.sum((y - y.mean()) ** 2) / len(y)
    assert_allclose(warm.coef_, cold.coef_, rtol=1e-8)


def test_alpha_zero_behaves_like_sklearn():
    X, y = make_problem(50, 5)
    with pytest.warns(UserWarning, match="alpha=0"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = L1Regressor(alpha=0, tol=1e-12, max_iter=10_000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Lasso(alpha=0, tol=1e-12, max_iter=10_000).fit(X, y)
    # at alpha=0 the gap is the squared gradient norm (sklearn's rule):
    # tol=1e-12 bounds the gradient, so coefficients agree to ~1e-6
    ols = np.linalg.lstsq(np.c_[X, np.ones(len(y))], y, rcond=None)[0]
    assert_allclose(ours.coef_, ols[:-1], rtol=1e-5)
    assert_allclose(ours.intercept_, ols[-1], rtol=1e-5)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-5)


@pytest.mark.parametrize("layout", ["C", "F"])
def test_dense_orders_agree(layout):
    X, y = make_problem(40, 10)
    Xo = np.asarray(X, order=layout)
    a = ElasticNetRegressor(alpha=0.1, tol=1e-10).fit(Xo, y)
    b = ElasticNet(alpha=0.1, tol=1e-10).fit(X, y)
    assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-10)


def test_csr_input_and_copy():
    X, y = make_problem(40, 10)
    Xs = sparsify(X).tocsr()
    before = Xs.copy()
    a = L1Regressor(alpha=0.05, tol=1e-10).fit(Xs, y)
    b = Lasso(alpha=0.05, tol=1e-10).fit(Xs, y)
    assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-9)
    assert (Xs != before).nnz == 0
    assert_allclose(a.predict(Xs), b.predict(Xs), rtol=1e-6)


def test_dense_X_not_modified_and_not_copied():
    X, y = make_problem(40, 10)
    X = np.asfortranarray(X)
    X0 = X.copy()
    est = L1Regressor(alpha=0.05, copy_X=False).fit(X, y)
    assert_array_equal(X, X0)
    assert est.coef_.shape == (10,)


@pytest.mark.parametrize("precompute", [True, "array"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_precompute_gram(precompute, fit_intercept):
    X, y = make_problem(60, 12)
    if precompute == "array":
        Xc = X - X.mean(0) if fit_intercept else X
        precompute = Xc.T @ Xc if not fit_intercept else X.T @ X
    kw = dict(alpha=0.05, l1_ratio=0.7, fit_intercept=fit_intercept, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = ElasticNetRegressor(precompute=precompute, **kw).fit(X, y)
        ref = ElasticNet(precompute=precompute, **kw).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6)


def test_user_gram_with_intercept_warns_like_sklearn():
    X, y = make_problem(60, 12)
    with pytest.warns(UserWarning, match="recomputing Gram"):
        L1Regressor(alpha=0.05, precompute=X.T @ X).fit(X, y)


def test_random_selection_reproducible_and_correct():
    X, y = make_problem(60, 30)
    a = L1Regressor(alpha=0.02, selection="random", random_state=0, tol=1e-10).fit(X, y)
    b = L1Regressor(alpha=0.02, selection="random", random_state=0, tol=1e-10).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)
    assert a.n_iter_ == b.n_iter_
    ref = Lasso(alpha=0.02, tol=1e-10).fit(X, y)
    assert_allclose(a.coef_, ref.coef_, rtol=1e-6, atol=1e-9)


def test_sample_weight_equals_repetition():
    X, y = make_problem(30, 8)
    sw = np.random.RandomState(0).randint(0, 3, size=30)
    a = ElasticNetRegressor(alpha=0.05, tol=1e-12).fit(X, y, sample_weight=sw)
    Xr, yr = np.repeat(X, sw, axis=0), np.repeat(y, sw)
    # sklearn's convention: the objective averages over the weights, so
    # repeating rows equals integer weights
    b = ElasticNetRegressor(alpha=0.05, tol=1e-12).fit(Xr, yr)
    assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-10)
    assert_allclose(a.intercept_, b.intercept_, rtol=1e-7)


def test_constant_features_and_target():
    X, y = make_problem(40, 6)
    X[:, 2] = 3.0
    a = L1Regressor(alpha=0.01, tol=1e-10).fit(X, y)
    b = Lasso(alpha=0.01, tol=1e-10).fit(X, y)
    assert a.coef_[2] == 0
    assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-9)
    c = L1Regressor(alpha=0.01).fit(X, np.full(40, 7.0))
    assert np.all(c.coef_ == 0) and c.intercept_ == pytest.approx(7.0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_feature_matches_sklearn(l1_ratio, use_sw, fit_intercept, dtype):
    # a one-column X reaches the kernels inside a padded two-column array
    # (see Design): the padding must never be read as a feature
    X, y = make_problem(30, 1, seed=3, dtype=dtype)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, 30) if use_sw else None
    for frac in (0.5, 0.01):
        alpha = frac * alpha_max(X, y, l1_ratio, fit_intercept, sw)
        kw = dict(alpha=alpha, fit_intercept=fit_intercept, tol=1e-10, max_iter=10**5)
        ours, ref = _fit_pair(l1_ratio, kw, X, y, sw)
        assert ours.coef_.shape == (1,)
        assert ours.coef_.dtype == dtype
        rtol = 1e-6 if dtype == np.float64 else 1e-4
        assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=1e-8)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("frac", [0.1, 1e-3, 1e-6])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_gram_and_working_set_solves_agree(frac, l1_ratio, use_sw, positive):
    # Small dense tall data is solved on its Gram matrix; the same data as
    # a sparse matrix goes through the working-set solver.  Both end on the
    # optimum (diabetes: strongly correlated columns).
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    sw = np.random.RandomState(0).rand(len(y)) + 0.5 if use_sw else None
    alpha = frac * alpha_max(X, y, l1_ratio, True, sw)
    kw = dict(alpha=alpha, l1_ratio=l1_ratio, positive=positive, tol=1e-10)
    gram = ElasticNetRegressor(**kw).fit(X, y, sample_weight=sw)
    ws = ElasticNetRegressor(**kw).fit(sparsify(X, density=1.0), y, sample_weight=sw)
    scale = np.abs(ws.coef_).max()
    assert_allclose(gram.coef_, ws.coef_, rtol=1e-7, atol=1e-9 * scale)
    assert_allclose(gram.intercept_, ws.intercept_, rtol=1e-9)


def test_gram_solve_needs_fewer_epochs_than_plain_cd():
    # Newton steps on the support between rounds of Gram epochs: on
    # diabetes at small alpha scikit-learn's plain CD takes 558 epochs
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    ours = L1Regressor(alpha=1e-4).fit(X, y)
    ref = Lasso(alpha=1e-4).fit(X, y)
    assert ours.n_iter_ < ref.n_iter_ / 4
    assert ours.dual_gap_ <= 1e-4 * np.sum((y - y.mean()) ** 2) / len(y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-3)
