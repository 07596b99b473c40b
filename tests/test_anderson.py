"""Anderson extrapolation weights (skreg.solvers._inner.anderson_coefs, of
the single- and multi-task inner solves and proximal gradient), against a
least-squares oracle."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skreg.solvers._inner import anderson_coefs


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


def _extrapolate(hist, first, weights, use_w):
    """The extrapolated point and the weights of the iterates in the order
    oldest first (the oldest one's 0 left out), or None when refused."""
    K = hist.shape[0] - 1
    a = anderson_coefs(hist, first, np.sqrt(weights) if use_w else None)
    if a is None:
        return None
    order = [(first + k) % (K + 1) for k in range(K + 1)]
    assert a[first] == 0.0
    return a @ hist, a[order[1:]]


@pytest.mark.parametrize("first", [0, 2, 5])
@pytest.mark.parametrize("use_w", [False, True])
def test_weights_solve_the_constrained_least_squares(first, use_w):
    rng = np.random.default_rng(first)
    K, m = 5, 40
    hist = np.cumsum(rng.standard_normal((K + 1, m)), axis=0)
    weights = rng.uniform(0.5, 2.0, m) if use_w else np.ones(m)
    got = _extrapolate(hist, first, weights, use_w)
    assert got is not None
    out, coefs = got
    expected, X = _oracle_weights(hist, first, weights)
    assert_allclose(coefs, expected, rtol=1e-7, atol=1e-9)
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
    got = _extrapolate(hist, 0, np.ones(m), False)
    assert got is not None
    # plain iteration is still far from it
    assert np.abs(hist[-1] - fixed).max() > 1e-2
    # to the rounding of the 1e-10 relative ridge the weights are solved with
    assert_allclose(got[0], fixed, rtol=0, atol=1e-4)


@pytest.mark.parametrize("bad", ["constant", "nan", "inf"])
def test_degenerate_histories_are_refused(bad):
    hist = np.tile(np.arange(4.0), (6, 1))
    if bad == "nan":
        hist[3, 1] = np.nan
    elif bad == "inf":
        hist[2, 0] = np.inf
    assert _extrapolate(hist, 0, np.ones(4), False) is None
