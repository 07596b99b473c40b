"""glmnet's controls on the Gram route of the paths and CV estimators: the
covariance-update kernel takes per-feature penalties and bounds, so a path
on a precomputed Gram matrix solves the same problems as one on the design."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skreg import ElasticNetRegressorCV, L1RegressorCV, enet_path

CONTROLS = [
    {"penalty_factor": [0.0, 1.0, 2.0, np.inf, 0.5, 1.0, 1.0, 3.0, 1.0, 1.0]},
    {"lower_bounds": -0.5, "upper_bounds": [2.0] * 5 + [0.3] * 5},
    {
        "penalty_factor": [1.0, 0.0, 1.0, 1.0, 2.0, 1.0, np.inf, 1.0, 1.0, 1.0],
        "lower_bounds": 0.0,
        "upper_bounds": 1.5,
    },
]


def _data(seed=0, n=200, p=10):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1, 2, p)
    X[:, 1:] += 0.5 * X[:, :-1]
    y = X @ rng.uniform(-2, 2, p) + rng.standard_normal(n) + 3.0
    return X, y


@pytest.mark.parametrize("controls", CONTROLS)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_on_gram_matches_path_on_design(controls, l1_ratio):
    X, y = _data()
    X = np.asfortranarray(X - X.mean(0))
    y = y - y.mean()
    kw = dict(l1_ratio=l1_ratio, alphas=8, eps=1e-2, tol=1e-12, **controls)
    alphas, coefs, _ = enet_path(X, y, precompute=False, **kw)
    alphas_g, coefs_g, _ = enet_path(X, y, precompute=True, **kw)
    assert_allclose(alphas_g, alphas)
    scale = np.abs(coefs).max()
    assert_allclose(coefs_g, coefs, rtol=0, atol=1e-6 * scale)
    pf = np.asarray(controls.get("penalty_factor", np.ones(10)))
    assert np.all(coefs_g[np.isinf(pf)] == 0)
    lo = np.broadcast_to(controls.get("lower_bounds", -np.inf), 10)
    hi = np.broadcast_to(controls.get("upper_bounds", np.inf), 10)
    assert np.all(coefs_g >= lo[:, None]) and np.all(coefs_g <= hi[:, None])


@pytest.mark.parametrize("controls", CONTROLS)
@pytest.mark.parametrize("Est", [L1RegressorCV, ElasticNetRegressorCV])
def test_cv_on_gram_matches_cv_on_design(controls, Est):
    X, y = _data(1)
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    kw = dict(alphas=6, cv=3, tol=1e-10, **controls)
    plain = Est(precompute=False, **kw).fit(X, y, sample_weight=sw)
    gram = Est(precompute=True, **kw).fit(X, y, sample_weight=sw)
    assert gram.alpha_ == plain.alpha_
    assert_allclose(gram.mse_path_, plain.mse_path_, rtol=1e-6)
    assert_allclose(
        gram.coef_, plain.coef_, rtol=0, atol=1e-6 * np.abs(plain.coef_).max()
    )


@pytest.mark.parametrize("controls", CONTROLS[::2])
def test_gram_path_with_controls_draws_coordinates_at_random(controls):
    # selection='random' reaches the per-feature Gram kernel: the same
    # solutions as cyclic visits, reproducibly, in other epoch counts
    X, y = _data(3)
    X = np.asfortranarray(X - X.mean(0))
    y = y - y.mean()
    kw = dict(alphas=8, eps=1e-2, tol=1e-10, precompute=True, **controls)
    _, cyclic, _, it_c = enet_path(X, y, return_n_iter=True, **kw)
    runs = [
        enet_path(X, y, return_n_iter=True, selection="random", random_state=s, **kw)
        for s in (0, 0, 1)
    ]
    for _, coefs, _, _ in runs:
        assert_allclose(coefs, cyclic, rtol=0, atol=1e-5 * np.abs(cyclic).max())
    assert_allclose(runs[0][1], runs[1][1], rtol=0, atol=0)
    assert list(runs[0][3]) == list(runs[1][3])
    assert list(runs[0][3]) != list(it_c) or list(runs[2][3]) != list(it_c)
