"""The compiled small dense solves of the Newton steps."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skreg._kernels._cholesky import lu_solve_in_place
from skreg._kernels.bordered import bordered_solve


@pytest.mark.parametrize("m", [1, 2, 7, 40])
def test_lu_solve_matches_numpy(m):
    rng = np.random.default_rng(m)
    A = rng.standard_normal((m + 3, m + 3))
    # a symmetric indefinite block with a zero leading pivot: pivoting needed
    A[:m, :m] = A[:m, :m] + A[:m, :m].T
    if m > 1:
        A[0, 0] = 0.0
    z = rng.standard_normal(m + 3)
    expect = np.linalg.solve(A[:m, :m], z[:m])
    K, x = A.copy(), z.copy()
    assert lu_solve_in_place(K, m, x)
    assert_allclose(x[:m], expect, rtol=1e-9, atol=1e-12)
    # entries past m untouched
    assert np.array_equal(x[m:], z[m:])


def test_lu_solve_refuses_singular_and_nan():
    A = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert not lu_solve_in_place(A.copy(), 2, np.ones(2))
    assert not lu_solve_in_place(np.full((2, 2), np.nan), 2, np.ones(2))


def test_bordered_solve_asks_for_missing_columns():
    # status 2 until every bordering column it needs has been computed
    k0 = 4
    rng = np.random.default_rng(0)
    G0 = rng.standard_normal((k0, k0))
    G0 = G0 @ G0.T + k0 * np.eye(k0)
    inv_mat = np.asfortranarray(np.linalg.inv(G0))
    inv_at = np.array([-1, 1, -1, -1], dtype=np.int64)
    v = rng.standard_normal(k0)
    C, H = np.zeros((k0, 0)), np.zeros((0, 0))
    eb = np.zeros(0, dtype=np.int64)
    x0, z = np.empty(k0), np.empty(2)
    args = (v, C, H, np.zeros(0), eb, np.array([0, 1]), 0.0, x0, z)
    assert bordered_solve(inv_mat, inv_at, *args) == 2
    inv_at[0] = 0
    assert bordered_solve(inv_mat, inv_at, *args) == 0
    # features 0 and 1 held at zero: x0 solves G0 x = G0 v on the others
    assert_allclose(x0[:2], 0.0, atol=1e-12)
    M = G0[2:, 2:]
    assert_allclose(x0[2:], np.linalg.solve(M, (G0 @ v)[2:]), rtol=1e-10)


def test_support_solver_adds_what_the_compiled_solve_lacks():
    # one solver, solves that need (in turn) a base solution for other
    # signs, the Gram columns of new features and new bordering columns:
    # each answer is the Newton system's solution
    from skreg.solvers._support_solver import SupportSolver
    from skreg.solvers.design import Design

    rng = np.random.default_rng(3)
    n, p = 60, 30
    X = np.asfortranarray(rng.standard_normal((n, p)) + rng.uniform(0, 2, p))
    y = rng.standard_normal(n)
    y -= y.mean()
    d = Design(X, None, center=True)
    Z = X - d.xm
    l1, l2 = 0.8, 0.5
    solver = SupportSolver(d, y, np.arange(10), l2)

    def direct(cols, signs):
        G = Z[:, cols].T @ Z[:, cols] + l2 * np.eye(cols.size)
        return np.linalg.solve(G, Z[:, cols].T @ y - l1 * signs)

    supports = [np.arange(10), np.arange(10), np.r_[0:8, 12, 15], np.r_[1:6, 12, 20]]
    for cols in supports:
        signs = rng.choice([-1.0, 1.0], cols.size)
        assert_allclose(solver.solve(cols, signs, l1), direct(cols, signs), rtol=1e-9)
