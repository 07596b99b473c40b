"""Anderson extrapolation (skreg._kernels.cd): the weights against numpy, and
the CD kernel's scratch for its histories."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skreg._kernels.cd import (
    anderson_combine,
    anderson_weights,
    cd_epochs,
    workspace_size,
)
from skreg.solvers._threads import NO_HELPER
from skreg.solvers.design import Design
from tests._oracle import sparsify


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


@pytest.mark.parametrize("layout", ["dense", "csc"])
@pytest.mark.parametrize("check_every", [0, 3])
def test_epochs_scratch_contents_and_size_do_not_matter(layout, check_every):
    # cd_epochs carves its Anderson histories from the caller's scratch
    # array: NaN-filled or zero-filled, exactly sized or too short (the
    # kernel then allocates its own), the iterates and the extrapolated
    # residual are the same bit for bit; and with extrapolation accepted at
    # least once, the histories were really read

    rng = np.random.default_rng(0)
    n, p, K = 120, 60, 5
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.9 * X[:, :-1]
    X = np.asfortranarray(X)
    y = X[:, :6] @ rng.standard_normal(6) + rng.standard_normal(n)
    y -= y.mean()
    d = Design(sparsify(X, density=1.0) if layout == "csc" else X, center=True)
    lam = 0.01 * np.abs(y @ (X - d.xm)).max()
    ws = np.arange(p)
    size = workspace_size(n, p, K)
    outs = []
    for scratch in (np.full(size, np.nan), np.zeros(size + 7), np.empty(3)):
        w, rd, state = np.zeros(p), y.copy(), np.zeros(4)
        state[1] = float(y.sum())
        r_dual = np.zeros(n)
        ep, gap = cd_epochs(
            d.Z, d.norm2, y, rd, state, w, lam, 0.0, False, ws, 40, 0.0,
            check_every, K, False, np.ones(1, dtype=np.uint64), np.zeros(p),
            r_dual, np.zeros(p), scratch, 1, np.empty(p, dtype=np.int64), NO_HELPER,
        )
        assert ep == 40
        assert np.all(np.isfinite(w)) and np.isfinite(state).all()
        outs.append((w, rd, state, r_dual, gap))
    assert outs[0][2][3] == 1.0, "no Anderson step was accepted"
    if check_every:
        assert outs[0][2][2] == 1.0, "no extrapolated dual point was kept"
    for other in outs[1:]:
        for a, b in zip(outs[0], other, strict=True):
            np.testing.assert_array_equal(a, b)
