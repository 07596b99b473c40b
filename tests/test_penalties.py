"""skreg.penalties against brute-force argmins, finite differences and sklearn."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize_scalar
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso

import skreg
from skreg.penalties import L1, L2, ElasticNet
from tests._oracle import alpha_max as oracle_alpha_max
from tests._oracle import make_problem, sparsify

PENALTIES = [
    L1(0.7),
    L2(1.3),
    ElasticNet(0.9, l1_ratio=0.3),
    ElasticNet(0.5, l1_ratio=1.0),
    ElasticNet(0.5, l1_ratio=0.0),
    L1(0.0),
]


def _scalar_value(pen, u):
    """The penalty of one coordinate, written out from the docstring formulas."""
    if isinstance(pen, L1):
        return pen.alpha * abs(u)
    if isinstance(pen, L2):
        return 0.5 * pen.alpha * u * u
    rho = pen.l1_ratio
    return pen.alpha * (rho * abs(u) + 0.5 * (1 - rho) * u * u)


def test_exported_as_skreg_penalties():
    assert skreg.penalties.L1 is L1
    assert "penalties" in skreg.__all__


@pytest.mark.parametrize("pen", PENALTIES, ids=repr)
def test_value_matches_formula(pen):
    w = np.random.RandomState(0).randn(4, 7)  # any shape, summed
    expected = sum(_scalar_value(pen, u) for u in w.ravel())
    assert pen.value(w) == pytest.approx(expected, rel=1e-14)
    assert pen.value(0.0) == 0.0


@pytest.mark.parametrize("pen", PENALTIES, ids=repr)
@pytest.mark.parametrize("step", [0.1, 1.0, 3.0])
def test_prox_is_the_argmin(pen, step):
    rng = np.random.RandomState(1)
    w = np.concatenate([rng.randn(20) * 3, [0.0, step * 0.7, -step * 0.7]])
    prox = pen.prox(w, step)
    assert prox.shape == w.shape
    for x, px in zip(w, prox, strict=True):

        def obj(u, x=x):
            return 0.5 * (u - x) ** 2 + step * _scalar_value(pen, u)

        brute = minimize_scalar(
            obj,
            bounds=(-abs(x) - 1, abs(x) + 1),
            method="bounded",
            options={"xatol": 1e-12},
        ).x
        # The prox is the exact minimiser: never worse than the brute force.
        assert obj(px) <= obj(brute) + 1e-12
        assert px == pytest.approx(brute, abs=1e-6)


def test_prox_exact_zeros_l1_only_shrinks_l2():
    w = np.array([-2.0, -0.3, 0.0, 0.3, 2.0])
    assert_allclose(L1(1.0).prox(w, 0.5), [-1.5, 0.0, 0.0, 0.0, 1.5])
    assert_allclose(L2(1.0).prox(w, 1.0), w / 2)
    en = ElasticNet(2.0, l1_ratio=0.25)
    # Composition: soft-threshold at step*alpha*rho, then scale.
    assert_allclose(en.prox(w, 1.0), L2(1.5).prox(L1(0.5).prox(w, 1.0), 1.0))
    assert L1(1.0).prox(3.0, 1.0) == 2.0 and np.ndim(L1(1.0).prox(3.0, 1.0)) == 0
    assert L1(1.0).prox(w.reshape(1, 5), 0.5).shape == (1, 5)


@pytest.mark.parametrize("pen", PENALTIES, ids=repr)
def test_gradient_matches_finite_differences(pen):
    rng = np.random.RandomState(2)
    w = rng.randn(15)
    w[np.abs(w) < 0.1] = 0.5  # away from the kink of |.|
    g = pen.gradient(w)
    h = 1e-6
    fd = np.array(
        [(pen.value(w + h * e) - pen.value(w - h * e)) / (2 * h) for e in np.eye(15)]
    )
    assert_allclose(g, fd, rtol=1e-7, atol=1e-8)


def test_l1_subgradient_convention_at_zero():
    # sign(0) = 0: the minimum-norm element of [-alpha, alpha].
    assert_allclose(L1(2.0).gradient([0.0, -1.0, 3.0]), [0.0, -2.0, 2.0])
    assert_allclose(ElasticNet(2.0, 0.5).gradient([0.0, 2.0]), [0.0, 1.0 + 2.0])
    # One-sided differences at 0 bracket the subdifferential [-alpha, alpha].
    h = 1e-7
    right = (L1(2.0).value(h) - L1(2.0).value(0.0)) / h
    left = (L1(2.0).value(0.0) - L1(2.0).value(-h)) / h
    assert left == pytest.approx(-2.0) and right == pytest.approx(2.0)


@pytest.mark.parametrize("pen", PENALTIES, ids=repr)
def test_subdiff_distance_brute_force(pen):
    rng = np.random.RandomState(3)
    w = rng.randn(30)
    w[::3] = 0.0
    grad = rng.randn(30) * 2
    l1, l2 = pen.strengths()
    expected = []
    for wj, gj in zip(w, grad, strict=True):
        if wj == 0:  # distance of -grad to [-l1, l1]
            expected.append(max(abs(gj) - l1, 0.0))
        else:
            expected.append(abs(-gj - (l1 * np.sign(wj) + l2 * wj)))
    assert_allclose(pen.subdiff_distance(w, grad), expected, rtol=1e-13, atol=1e-14)
    with pytest.raises(ValueError, match="grad must have the shape"):
        pen.subdiff_distance(w, grad[:3])


def test_subdiff_distance_is_zero_at_lasso_optimum():
    X, y = make_problem(40, 15, seed=4)
    alpha, rho = 0.05, 0.6
    est = SkElasticNet(alpha=alpha, l1_ratio=rho, tol=1e-14, max_iter=100_000).fit(X, y)
    r = y - X @ est.coef_ - est.intercept_
    grad = -(X - X.mean(0)).T @ r / len(y)  # gradient of 1/(2n) ||r||^2
    dist = ElasticNet(alpha, l1_ratio=rho).subdiff_distance(est.coef_, grad)
    assert np.all(dist <= 1e-8)
    # and large away from the optimum
    assert (
        ElasticNet(alpha, l1_ratio=rho)
        .subdiff_distance(np.zeros(15), -(X - X.mean(0)).T @ (y - y.mean()) / len(y))
        .max()
        > 0.1
    )


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("with_sw", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_alpha_max_is_sklearn_threshold(layout, fit_intercept, with_sw, l1_ratio):
    X, y = make_problem(40, 15, seed=5)
    if layout == "sparse":
        X = sparsify(X)
    sw = np.random.RandomState(0).uniform(0.5, 2, 40) if with_sw else None
    pen = L1(1.0) if l1_ratio == 1.0 else ElasticNet(1.0, l1_ratio)
    amax = pen.alpha_max(X, y, fit_intercept=fit_intercept, sample_weight=sw)
    assert amax == pytest.approx(
        oracle_alpha_max(X, y, l1_ratio, fit_intercept, sw), rel=1e-12
    )

    def fit(alpha):
        Est = Lasso if l1_ratio == 1.0 else SkElasticNet
        kw = {} if l1_ratio == 1.0 else {"l1_ratio": l1_ratio}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return (
                Est(
                    alpha=alpha,
                    fit_intercept=fit_intercept,
                    tol=1e-12,
                    max_iter=100_000,
                    **kw,
                )
                .fit(X, y, sample_weight=sw)
                .coef_
            )

    assert np.all(fit(amax) == 0)
    assert np.any(fit(amax * (1 - 1e-3)) != 0)


def test_alpha_max_multitarget_is_max_over_targets():
    X, Y = make_problem(30, 8, n_targets=3, seed=6)
    amax = L1(1.0).alpha_max(X, Y)
    per_target = [L1(1.0).alpha_max(X, Y[:, k]) for k in range(3)]
    assert amax == pytest.approx(max(per_target))


def test_alpha_max_undefined_for_l2():
    X, y = make_problem(20, 5)
    with pytest.raises(ValueError, match="alpha_max does not exist for the L2"):
        L2(1.0).alpha_max(X, y)
    with pytest.raises(ValueError, match="l1_ratio=0"):
        ElasticNet(1.0, l1_ratio=0.0).alpha_max(X, y)
    with pytest.raises(ValueError, match="y has 19 samples but X has 20"):
        L1(1.0).alpha_max(X, y[:-1])


def test_elastic_net_special_cases():
    w = np.random.RandomState(7).randn(10)
    for a, b in [(ElasticNet(0.8, 1.0), L1(0.8)), (ElasticNet(0.8, 0.0), L2(0.8))]:
        assert a.value(w) == pytest.approx(b.value(w))
        assert_allclose(a.gradient(w), b.gradient(w))
        assert_allclose(a.prox(w, 0.7), b.prox(w, 0.7))


def test_repr():
    assert repr(L1(0.5)) == "L1(alpha=0.5)"
    assert repr(L2(2)) == "L2(alpha=2.0)"
    en = ElasticNet(1.0, l1_ratio=0.25)
    assert repr(en) == "ElasticNet(alpha=1.0, l1_ratio=0.25)"


@pytest.mark.parametrize(
    "make, err, match",
    [
        (lambda: L1(-1.0), ValueError, "alpha must be >= 0"),
        (lambda: L2(np.nan), ValueError, "alpha must be >= 0"),
        (lambda: L1("a"), TypeError, "alpha must be a real number"),
        (lambda: L1(True), TypeError, "alpha must be a real number"),
        (
            lambda: ElasticNet(1.0, l1_ratio=1.5),
            ValueError,
            r"l1_ratio must be in \[0.0, 1.0\]",
        ),
        (lambda: ElasticNet(1.0, l1_ratio=-0.1), ValueError, "l1_ratio"),
        (lambda: L1(1.0).prox([1.0], -1.0), ValueError, "step must be >= 0"),
        (lambda: L1(1.0).value([np.inf]), ValueError, "w must contain only finite"),
        (lambda: L1(1.0).prox(["a"], 1.0), TypeError, "w must be a number or"),
        (lambda: L2(1.0).gradient([1j]), TypeError, "w must be real-valued"),
        (
            lambda: L1(1.0).subdiff_distance([1.0], ["x"]),
            TypeError,
            "grad must be a number or",
        ),
        (lambda: L1(1.0).prox([1.0], "big"), TypeError, "step must be a real"),
    ],
)
def test_invalid_parameters(make, err, match):
    with pytest.raises(err, match=match):
        make()
