"""Working sets solved on their Gram matrix (long dense columns).

Designs of at least ``LONG_COLUMN_ROWS`` rows solve small working sets on
their Gram matrix (:mod:`skreg.solvers._ws_gram`).  Tolerance rationale as
in ``test_l1.py``: both solvers stop at a duality gap of ``1e-10`` times
``||y||^2 / n``, so the coefficients agree far below ``rtol=1e-6``.
"""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet

import skreg.solvers.working_set as ws_mod
from skreg import ElasticNetRegressor
from skreg._kernels._columns import LONG_COLUMN_ROWS
from skreg.solvers.cd import enet_cd
from skreg.solvers.design import Design
from tests._oracle import alpha_max, enet_objective, make_problem

N, P = LONG_COLUMN_ROWS + 100, 60


@pytest.fixture(scope="module")
def problem():
    X, y = make_problem(N, P, seed=7, nnz=30)
    return np.asfortranarray(X), y


@pytest.fixture
def gram_calls(monkeypatch):
    calls = []
    solve = ws_mod.solve_block

    def spy(*args):
        out = solve(*args)
        calls.append(out[0])
        return out

    monkeypatch.setattr(ws_mod, "solve_block", spy)
    return calls


@pytest.mark.parametrize(
    "fit_intercept,use_sw,positive,l1_ratio,frac",
    list(itertools.product([True, False], [False, True], [False, True], [1.0, 0.5],
                           [0.1, 0.01])),
)  # fmt: skip
def test_matches_sklearn(
    problem, gram_calls, fit_intercept, use_sw, positive, l1_ratio, frac
):
    X, y = problem
    sw = np.random.RandomState(3).uniform(0.2, 3.0, size=N) if use_sw else None
    alpha = alpha_max(X, y, l1_ratio, fit_intercept, sw) * frac
    kw = dict(
        alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
        positive=positive, tol=1e-10, max_iter=100_000,
    )  # fmt: skip
    ours = ElasticNetRegressor(**kw).fit(X, y, sample_weight=sw)
    ref = ElasticNet(**kw).fit(X, y, sample_weight=sw)
    # the route under test ran
    assert gram_calls
    scale = max(1.0, np.abs(ref.coef_).max())
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6 * scale)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-5 * scale)
    assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    p_ours = enet_objective(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio, sw)
    p_ref = enet_objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio, sw)
    assert p_ours <= p_ref + ours.dual_gap_ + 1e-12
    assert ours.n_iter_ <= 100_000


def _cd(X, y, sw, l1, l2, **kw):
    d = Design(X, sw, center=True)
    s = np.ones(N) if sw is None else sw
    yc = y - s @ y / s.sum()
    return d, yc, enet_cd(d, yc, np.zeros(P), l1, l2, **kw)


def _primal(d, X, yc, sw, w, l1, l2):
    r = yc - (X - d.xm) @ w
    s = np.ones(N) if sw is None else sw
    return 0.5 * (s @ r**2 + np.sum(l2 * w**2)) + np.sum(l1 * np.abs(w))


@pytest.mark.parametrize("use_sw", [False, True])
@pytest.mark.parametrize("tol", [1e-4, 1e-8])
def test_bounds_and_factors_gap_bounds_suboptimality(
    problem, monkeypatch, gram_calls, use_sw, tol
):
    # per-feature weights and finite bounds, some active: the reported gap
    # bounds the suboptimality against the plain CD route's optimum
    X, y = problem
    sw = np.random.RandomState(4).uniform(0.2, 3.0, size=N) if use_sw else None
    lam = 0.02 * alpha_max(X, y, 1.0, True, sw) * N
    rng = np.random.RandomState(5)
    l1 = lam * rng.uniform(0.5, 2.0, P)
    l2 = lam * rng.uniform(0.0, 0.5, P)
    lower, upper = np.full(P, -0.5), np.full(P, 2.0)
    kw = dict(lower=lower, upper=upper, max_iter=100_000)
    d, yc, got = _cd(X, y, sw, l1, l2, tol=tol, **kw)
    assert gram_calls and got.converged
    assert np.all((got.coef >= lower) & (got.coef <= upper))
    monkeypatch.setattr(ws_mod, "GRAM_MAX_FEATURES", 0)
    gram_calls.clear()
    _, _, ref = _cd(X, y, sw, l1, l2, tol=1e-14, **kw)
    assert not gram_calls
    p_got = _primal(d, X, yc, sw, got.coef, l1, l2)
    p_ref = _primal(d, X, yc, sw, ref.coef, l1, l2)
    assert p_got - p_ref <= got.gap + 1e-9 * abs(p_ref)
    assert got.gap <= got.tol


def test_max_iter_bounds_the_gram_epochs(problem, gram_calls):
    X, y = problem
    alpha = alpha_max(X, y, 0.5, True) / 100
    est = ElasticNetRegressor(alpha=alpha, tol=1e-8, max_iter=6)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert gram_calls
    assert est.n_iter_ == 6


def test_random_selection_same_optimum(problem, gram_calls):
    X, y = problem
    alpha = alpha_max(X, y, 1.0, True) / 50
    kw = dict(alpha=alpha, l1_ratio=1.0, tol=1e-10, max_iter=100_000)
    cyc = ElasticNetRegressor(**kw).fit(X, y)
    rnd = ElasticNetRegressor(selection="random", random_state=0, **kw).fit(X, y)
    assert gram_calls
    scale = np.abs(cyc.coef_).max()
    assert_allclose(rnd.coef_, cyc.coef_, rtol=1e-6, atol=1e-7 * scale)
