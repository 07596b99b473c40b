"""Newton systems on supports close to a factored reference support.

The support Newton steps of :mod:`skreg.solvers._newton` work on nearly
the same support, one after another, so :class:`SupportSolver`
factors the Gram matrix of one reference support once and answers systems
on supports that differ from it by a few features (some dropped, some
added) by bordering that factor: the cost of such a solve is
``O(k^2 m)`` for ``m`` changed features instead of ``O(n k^2 + k^3)``.
"""

import numpy as np
from scipy.linalg.blas import dsyr2
from scipy.linalg.lapack import dpotrf, dpotrs

from skreg._kernels.bordered import support_solve

__all__ = ["SupportSolver"]


def _weighted_columns(design, cols):
    """``X_A`` and ``S X_A`` (dense float64, or CSC for a sparse design)."""
    if design.is_sparse:
        XA = design.sparse_X[:, cols].astype(np.float64)
        XAw = XA.multiply(design.sw[:, None]).tocsc() if design.has_sw else XA
        return XA, XAw
    XA = np.asarray(design.X[:, cols], dtype=np.float64)
    return XA, (XA * design.sw[:, None] if design.has_sw else XA)


def _raw_cross(XA, XBw):
    """``X_A^T S X_B`` as a dense array (from CSC columns too)."""
    G = XA.T @ XBw
    return G if isinstance(G, np.ndarray) else G.toarray()


def _centred_cross(design, XA, cols_a, XBw, cols_b):
    """``Z_A^T S Z_B`` from ``X_A`` and ``S X_B``, ``X`` never centred."""
    G = _raw_cross(XA, XBw)
    ma, mb = design.xm[cols_a], design.xm[cols_b]
    ca, cb = design.colsum[cols_a], design.colsum[cols_b]
    # (X_A - 1 m_A^T)^T S (X_B - 1 m_B^T) expanded
    G -= np.outer(ma, cb) + np.outer(ca, mb) - design.sw_sum * np.outer(ma, mb)
    return G


def _centred_gram(design, XA, XAw, cols):
    """The lower triangle of ``Z_A^T S Z_A`` (all the Cholesky factor reads).

    The centring terms ``m c^T + c m^T - s m m^T`` are the symmetric rank-2
    update ``m u^T + u m^T`` with ``u = c - s m / 2``: one in-place pass over
    the lower triangle instead of three outer products (0.6 ms of a 4.5 ms
    factor on 456 columns of 500 rows).
    """
    # symmetric: the transpose of a C-ordered product is the Fortran array
    # the BLAS routine updates in place, without a copy
    G = np.asfortranarray(_raw_cross(XA, XAw).T, dtype=np.float64)
    m = design.xm[cols]
    if np.any(m):
        u = design.colsum[cols] - 0.5 * design.sw_sum * m
        G = dsyr2(-1.0, m, u, a=G, lower=1, overwrite_a=1)
    return G


def _centred_rhs(design, XAw, cols, y):
    """``Z_A^T S y``."""
    y_sum = float(np.dot(design.sw, y) if design.has_sw else y.sum())
    return np.asarray(XAw.T @ y).ravel() - design.xm[cols] * y_sum


class SupportSolver:
    """Newton systems on supports close to a reference support ``cols0``.

    The system on a support ``A`` with signs ``s`` is solved as the system on
    ``cols0 ∪ A`` with the features of ``cols0`` outside ``A`` held at zero
    by Lagrange multipliers; with the Cholesky factor of the reference Gram
    matrix, only a small bordered system of the ``m`` changed features is
    left (block elimination).

    Parameters
    ----------
    design : Design
    y : ndarray of shape (n_samples,)
        Centred target (float64).
    cols0 : ndarray of int
        The reference support, whose Gram matrix is factored once.
    l2 : float
        Ridge strength in CD scaling.

    Attributes
    ----------
    ok : bool
        False when the reference Gram matrix is singular (``l2 = 0`` and
        more features than its rank): the solver then has nothing to offer.
    """

    def __init__(self, design, y, cols0, l2):
        self.design, self.y, self.l2 = design, y, l2
        self.cols0 = np.asarray(cols0)
        XA, XAw = _weighted_columns(design, self.cols0)
        self._XA0 = XA
        G = _centred_gram(design, XA, XAw, self.cols0)
        self.b0 = _centred_rhs(design, XAw, self.cols0, y)
        G[np.diag_indices(self.cols0.size)] += l2
        self.factor = _cholesky(G)
        self.ok = self.factor is not None
        self.pos0 = np.full(design.n_features, -1)
        self.pos0[self.cols0] = np.arange(self.cols0.size)
        # features outside cols0 seen so far: their Gram columns against
        # cols0 (C) and each other (H), and their right-hand sides
        self.extra = np.empty(0, dtype=np.intp)
        self.pos_extra = np.full(design.n_features, -1)
        self.C = np.empty((self.cols0.size, 0))
        self.H = np.empty((0, 0))
        self.b_extra = np.empty(0)
        # G0^-1 q for the bordering columns q met so far: e_j for a held
        # reference feature j (key j), C[:, e] for extra feature e (key
        # k0 + e); the columns of one Fortran array (grown by doubling),
        # found by their key in _inv_at (-1: not computed yet)
        self._inv_at = np.full(self.cols0.size, -1, dtype=np.int64)
        self._inv_mat = np.empty((self.cols0.size, 8), order="F")
        self._n_inv = 0
        self._s_ref = self._v = self._v_l1 = None

    def _ensure_inv(self, keys):
        """Compute the missing columns of ``keys`` (see ``_inv_at``) in one
        batched solve."""
        keys = np.asarray(keys, dtype=np.int64)
        missing = np.unique(keys[self._inv_at[keys] < 0])
        if not missing.size:
            return
        k0 = self.cols0.size
        Q = np.zeros((k0, missing.size), order="F")
        ref = missing < k0
        Q[missing[ref], np.flatnonzero(ref)] = 1.0
        Q[:, ~ref] = self.C[:, missing[~ref] - k0]
        U = _cho_solve(self.factor, Q)
        start = self._n_inv
        end = start + missing.size
        if end > self._inv_mat.shape[1]:
            grown = np.empty((k0, max(end, 2 * self._inv_mat.shape[1])), order="F")
            grown[:, :start] = self._inv_mat[:, :start]
            self._inv_mat = grown
        self._inv_mat[:, start:end] = U
        self._inv_at[missing] = np.arange(start, end)
        self._n_inv = end

    def prefetch(self, feats):
        """Compute the bordering columns of ``feats`` held at zero in one
        batched solve: a feature-sign walk then finds them cached.  One
        ``dpotrs`` per column cost 0.1-0.2 ms on a factor of 480 features,
        73 columns at once 1.2 ms."""
        pos = self.pos0[feats]
        ext = self.pos_extra[feats[pos < 0]]
        keys = np.concatenate([pos[pos >= 0], self.cols0.size + ext[ext >= 0]])
        if keys.size:
            self._ensure_inv(keys)

    def _base_solution(self, pos, signs, l1):
        # G0^-1 (b0 - l1 s) with s = signs at the positions pos.  The
        # entries of held features do not matter (their multipliers absorb
        # them), so they keep earlier values: along one feature-sign walk,
        # where features only leave, the same solution serves every solve.
        if self._s_ref is None:
            s_ref = np.zeros(self.cols0.size)
        else:
            s_ref = self._s_ref.copy()
        s_ref[pos] = signs
        same = self._v is not None and l1 == self._v_l1
        if not (same and np.array_equal(s_ref, self._s_ref)):
            r0 = self.b0 - l1 * s_ref
            self._v = _cho_solve(self.factor, r0)
            self._s_ref, self._v_l1 = s_ref, l1
        return self._v

    def n_changed(self, cols):
        """How many features the support ``cols`` adds to or drops from
        the reference: the size of the bordered system it costs."""
        inside = int(np.count_nonzero(self.pos0[cols] >= 0))
        return (cols.size - inside) + (self.cols0.size - inside)

    def _grow(self, new):
        design = self.design
        XN, XNw = _weighted_columns(design, new)
        old = self.extra
        if old.size:
            XO, _ = _weighted_columns(design, old)
            cross = _centred_cross(design, XO, old, XNw, new)
        else:
            cross = np.empty((0, new.size))
        C_new = _centred_cross(design, self._XA0, self.cols0, XNw, new)
        H_new = _centred_cross(design, XN, new, XNw, new)
        k = old.size
        H = np.empty((k + new.size, k + new.size))
        H[:k, :k] = self.H
        H[:k, k:] = cross
        H[k:, :k] = cross.T
        H[k:, k:] = H_new
        self.H = H
        # (C-ordered: the compiled solve's one signature)
        self.C = np.ascontiguousarray(np.hstack([self.C, C_new]))
        self.b_extra = np.concatenate(
            [self.b_extra, _centred_rhs(design, XNw, new, self.y)]
        )
        self.pos_extra[new] = np.arange(k, k + new.size)
        self.extra = np.concatenate([old, new])
        self._inv_at = np.concatenate(
            [self._inv_at, np.full(new.size, -1, dtype=np.int64)]
        )

    def solve(self, cols, signs, l1):
        """Solution of the Newton system on ``cols`` with ``signs``, or None.

        One compiled call (:func:`~skreg._kernels.bordered.support_solve`)
        on the solver's state; what it lacks (the Gram columns of features
        new to the solver, a base solution for other signs, bordering
        columns) is added here and the call repeated.
        """
        signs = np.asarray(signs, dtype=np.float64)
        if self._v is None or l1 != self._v_l1:
            self._refresh_base(cols, signs, l1)
        x = np.empty(cols.size)
        # each kind of missing state is added at most once
        for _ in range(4):
            status = support_solve(
                cols,
                signs,
                self.pos0,
                self.pos_extra,
                self._s_ref,
                self._inv_mat,
                self._inv_at,
                self._v,
                self.C,
                self.H,
                self.b_extra,
                float(l1),
                float(self.l2),
                x,
            )
            if status == 0:
                return x
            if status == 1:
                return None
            p0 = self.pos0[cols]
            if status == 3:
                B = cols[p0 < 0]
                self._grow(B[self.pos_extra[B] < 0])
            elif status == 4:
                self._refresh_base(cols, signs, l1)
            else:
                held = np.ones(self.cols0.size, dtype=bool)
                held[p0[p0 >= 0]] = False
                eb = self.pos_extra[cols[p0 < 0]]
                self._ensure_inv(
                    np.concatenate([self.cols0.size + eb, np.flatnonzero(held)])
                )
        return None

    def _refresh_base(self, cols, signs, l1):
        p0 = self.pos0[cols]
        inside = p0 >= 0
        self._base_solution(p0[inside], signs[inside], l1)


def _cholesky(G):
    # G is symmetric positive semi-definite; a singular one (more support
    # than rank, l2 = 0) has no Newton step to offer.  The raw LAPACK
    # wrappers: scipy's cho_factor/cho_solve cost 5 us of checks per call,
    # which small fits (a few features) pay several times.
    factor, info = dpotrf(G, lower=1, clean=0)
    if info != 0 or not np.all(np.isfinite(factor)):
        return None
    return factor


def _cho_solve(factor, b):
    """Solve ``G x = b`` from the lower Cholesky factor of ``G``."""
    x, _ = dpotrs(factor, b, lower=1)
    return x
