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
from scipy.linalg.lapack import dgesv, dpotrf, dpotrs

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
    the lower triangle instead of three outer products, a visible share of
    the factor's cost.
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
    pen : Penalty
        The per-feature penalty (see :mod:`skreg._kernels.penalty`); its
        L1 weights times the signs enter the right-hand sides, its L2
        weights the diagonal.

    Attributes
    ----------
    ok : bool
        False when the reference Gram matrix is singular (``l2 = 0`` and
        more features than its rank): the solver then has nothing to offer.
    """

    def __init__(self, design, y, cols0, pen):
        self.design, self.y, self.pen = design, y, pen
        self.cols0 = np.asarray(cols0)
        XA, XAw = _weighted_columns(design, self.cols0)
        self._XA0 = XA
        G = _centred_gram(design, XA, XAw, self.cols0)
        self.b0 = _centred_rhs(design, XAw, self.cols0, y)
        G[np.diag_indices(self.cols0.size)] += pen.l2[self.cols0]
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
        # reference feature j (key j), C[:, e] for extra feature e (key -1-e);
        # the columns of one Fortran array (grown by doubling), so that a
        # solve gathers its columns in one indexing operation (a feature-sign
        # walk solves once per leaving feature: 30 times on the wide
        # benchmark's first early step)
        self._inv_pos = {}
        self._inv_mat = np.empty((self.cols0.size, 8), order="F")
        self._s_ref = self._v = None

    def _inv(self, keys):
        missing = [key for key in keys if key not in self._inv_pos]
        if missing:
            Q = np.zeros((self.cols0.size, len(missing)), order="F")
            for i, key in enumerate(missing):
                if key >= 0:
                    Q[key, i] = 1.0
                else:
                    Q[:, i] = self.C[:, -1 - key]
            U = _cho_solve(self.factor, Q)
            start = len(self._inv_pos)
            end = start + len(missing)
            if end > self._inv_mat.shape[1]:
                grown = np.empty(
                    (self.cols0.size, max(end, 2 * self._inv_mat.shape[1])), order="F"
                )
                grown[:, :start] = self._inv_mat[:, :start]
                self._inv_mat = grown
            self._inv_mat[:, start:end] = U
            for i, key in enumerate(missing):
                self._inv_pos[key] = start + i
        return self._inv_mat[:, [self._inv_pos[key] for key in keys]]

    def prefetch(self, feats):
        """Compute the bordering columns of ``feats`` held at zero in one
        batched solve: a feature-sign walk then finds them cached, and one
        ``dpotrs`` on many columns costs far less than one per column."""
        pos = self.pos0[feats]
        keys = [int(j) for j in pos[pos >= 0]]
        ext = self.pos_extra[feats[pos < 0]]
        keys += [-1 - int(e) for e in ext[ext >= 0]]
        if keys:
            self._inv(keys)

    def _base_solution(self, pos, signs):
        # G0^-1 (b0 - l1 s) with s = signs at the positions pos.  The
        # entries of held features do not matter (their multipliers absorb
        # them), so they keep earlier values: along one feature-sign walk,
        # where features only leave, the same solution serves every solve.
        if self._s_ref is None:
            s_ref = np.zeros(self.cols0.size)
        else:
            s_ref = self._s_ref.copy()
        s_ref[pos] = signs
        if not (self._v is not None and np.array_equal(s_ref, self._s_ref)):
            r0 = self.b0 - self.pen.l1[self.cols0] * s_ref
            self._v = _cho_solve(self.factor, r0)
            self._s_ref = s_ref
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
        self.C = np.hstack([self.C, C_new])
        self.b_extra = np.concatenate(
            [self.b_extra, _centred_rhs(design, XNw, new, self.y)]
        )
        self.pos_extra[new] = np.arange(k, k + new.size)
        self.extra = np.concatenate([old, new])

    def solve(self, cols, signs):
        """Solution of the Newton system on ``cols`` with ``signs``, or None."""
        p0 = self.pos0[cols]
        inside = p0 >= 0
        B = cols[~inside]
        new = B[self.pos_extra[B] < 0]
        if new.size:
            self._grow(new)
        eb = self.pos_extra[B]
        k0 = self.cols0.size
        held = np.ones(k0, dtype=bool)
        held[p0[inside]] = False
        D = np.flatnonzero(held)
        v = self._base_solution(p0[inside], signs[inside])
        x = np.empty(cols.size)
        if B.size == 0 and D.size == 0:
            x[:] = v[p0]
            return x if np.all(np.isfinite(x)) else None
        # block elimination of the reference features: (Hpad - Q^T G0^-1 Q) z
        # = [r_B; 0] - Q^T v, with Q = [C_B, E_D] and z = [x_B; multipliers];
        # E_D^T picks rows, so only C_B's products are computed
        C_B = self.C[:, eb]
        U = self._inv([-1 - e for e in eb] + list(D))
        K = -np.vstack([C_B.T @ U, U[D]])
        K[: B.size, : B.size] += self.H[np.ix_(eb, eb)]
        K[np.arange(B.size), np.arange(B.size)] += self.pen.l2[B]
        rhs = -np.concatenate([C_B.T @ v, v[D]])
        rhs[: B.size] += self.b_extra[eb] - self.pen.l1[B] * signs[~inside]
        # LAPACK's dgesv directly: np.linalg.solve's wrapper costs about as
        # much as a walk step's whole arithmetic
        _, _, z, info = dgesv(K, rhs)
        if info != 0:
            # exactly singular
            return None
        x0 = v - U @ z
        x[inside] = x0[p0[inside]]
        x[~inside] = z[: B.size]
        return x if np.all(np.isfinite(x)) else None


def _cholesky(G):
    # G is symmetric positive semi-definite; a singular one (more support
    # than rank, l2 = 0) has no Newton step to offer.  The raw LAPACK
    # wrappers: scipy's cho_factor/cho_solve check their input on every
    # call, which small fits (a few features) pay several times.
    factor, info = dpotrf(G, lower=1, clean=0)
    if info != 0 or not np.all(np.isfinite(factor)):
        return None
    return factor


def _cho_solve(factor, b):
    """Solve ``G x = b`` from the lower Cholesky factor of ``G``."""
    x, _ = dpotrs(factor, b, lower=1)
    return x
