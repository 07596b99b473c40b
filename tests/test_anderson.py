"""Anderson extrapolation weights (skreg._kernels.cd), against numpy."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skreg._kernels.cd import anderson_combine, anderson_weights


def _oracle_weights(hist, first, weights):
    # argmin ||sum_k c_k (x_{k+1} - x_k)||_weights subject to sum_k c_k = 1,
    # by eliminating the last weight and a least-squares solve
    K = hist.shape[0] - 1
    order = [(first + k) % (K + 1) for k in range(K + 1)]
    X = hist[order]
    U = (X[1:] - X[:-1]) * np.sqrt(weights)
    A = (U[:-1] - U[-1]).T
    t, *_ = np.linalg.lstsq(A, -U[-1], rcond=None)
    return np.append(t, 1.0 - t.sum()), X


@pytest.mark.parametrize("first", [0, 2, 5])
@pytest.mark.parametrize("use_w", [False, True])
def test_weights_solve_the_constrained_least_squares(first, use_w):
    rng = np.random.default_rng(first)
    K, m = 5, 40
    hist = np.cumsum(rng.standard_normal((K + 1, m)), axis=0)
    weights = rng.uniform(0.5, 2.0, m) if use_w else np.ones(m)
    coefs = np.empty(K)
    assert anderson_weights(hist, first, weights, use_w, coefs)
    expected, X = _oracle_weights(hist, first, weights)
    assert_allclose(coefs, expected, rtol=1e-7, atol=1e-9)
    out = np.empty(m)
    assert anderson_combine(hist, first, weights, use_w, out)
    assert_allclose(out, expected @ X[1:], rtol=1e-7, atol=1e-9)


def test_extrapolation_finds_the_fixed_point_of_a_linear_iteration():
    # x -> A x + b in dimension m < K: the K differences of K + 1 iterates
    # are linearly dependent, and the combination cancelling them is the
    # fixed point
    rng = np.random.default_rng(0)
    K, m = 5, 4
    Q, _ = np.linalg.qr(rng.standard_normal((m, m)))
    A = Q @ np.diag(np.linspace(0.2, 0.6, m)) @ Q.T
    b = rng.standard_normal(m)
    fixed = np.linalg.solve(np.eye(m) - A, b)
    hist = np.empty((K + 1, m))
    hist[0] = 0.0
    for k in range(K):
        hist[k + 1] = A @ hist[k] + b
    out = np.empty(m)
    assert anderson_combine(hist, 0, np.ones(m), False, out)
    # plain iteration is still far from it
    assert np.abs(hist[-1] - fixed).max() > 1e-2
    # to the rounding of the 1e-10 relative ridge the weights are solved with
    assert_allclose(out, fixed, rtol=0, atol=1e-4)


@pytest.mark.parametrize("bad", ["constant", "nan", "inf"])
def test_degenerate_histories_are_refused(bad):
    hist = np.tile(np.arange(4.0), (6, 1))
    if bad == "nan":
        hist[3, 1] = np.nan
    elif bad == "inf":
        hist[2, 0] = np.inf
    out = np.full(4, -1.0)
    assert not anderson_combine(hist, 0, np.ones(4), False, out)
