"""Ridge for many alphas from one decomposition: paths and leave-one-out errors."""

import warnings

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import safe_sparse_dot

__all__ = ["RidgeDecomposition"]


class RidgeDecomposition:
    r"""One spectral decomposition of the centred, weighted design for Ridge.

    With ``Z = diag(sqrt(s)) (X - 1 m^T)`` (``m`` the weighted column means
    when an intercept is fitted) and ``u = sqrt(s) (y - y_m)``, the Ridge
    solution and hat matrix for any ``alpha`` are

    .. math::

        w(\alpha) = M \,\mathrm{diag}(c(\alpha))\, B^\top u, \qquad
        H(\alpha) = B \,\mathrm{diag}(g(\alpha))\, B^\top
        (+ \sqrt{s}\sqrt{s}^\top / \textstyle\sum s \text{ with an intercept})

    where, for the thin SVD ``Z = U S V^T`` (``mode='svd'``): ``B = U``,
    ``M = V``, ``g = s^2 / (s^2 + alpha)``, ``c = s / (s^2 + alpha)``; for the
    eigendecomposition of ``Z Z^T = Q L Q^T`` (``n <= p``): ``B = Q``,
    ``M = Z^T Q``, ``g = L / (L + alpha)``, ``c = 1 / (L + alpha)``; for that
    of ``Z^T Z = V L V^T`` (``p < n``): ``B = Z V``, ``M = V``,
    ``g = c = 1 / (L + alpha)``.  Each ``alpha`` then costs ``O(n r)`` for the
    leave-one-out errors and ``O(p r)`` for the coefficients.  Sparse ``X`` is
    centred implicitly (only the ``n x n`` or ``p x p`` products are dense).
    """

    def __init__(self, X, y, *, sample_weight=None, fit_intercept=True, mode="auto"):
        is_sparse = sparse.issparse(X)
        n, p = X.shape
        Y = np.asarray(y, dtype=np.float64)
        Y2 = Y.reshape(n, -1)
        sw = None if sample_weight is None else np.asarray(sample_weight, np.float64)
        if fit_intercept:
            total = n if sw is None else sw.sum()
            ones = np.ones(n) if sw is None else sw
            X_offset = np.asarray(safe_sparse_dot(ones, X)).ravel() / total
            y_offset = ones @ Y2 / total
        else:
            X_offset, y_offset = np.zeros(p), np.zeros(Y2.shape[1])
        sqrt_sw = np.ones(n) if sw is None else np.sqrt(sw)
        U_y = sqrt_sw[:, None] * (Y2 - y_offset)
        if mode == "svd" and is_sparse:
            warnings.warn(
                "gcv_mode: 'svd' is not supported for sparse X; falling back to "
                "'eigen'.",
                UserWarning,
                stacklevel=3,
            )
            mode = "eigen"
        if mode != "svd":
            mode = "gram" if n <= p else "cov"
        self.mode = mode
        if is_sparse:
            Xs = sparse.csr_matrix(X, dtype=np.float64)
            Xw = sparse.diags(sqrt_sw) @ Xs
            xm = X_offset if fit_intercept else np.zeros(p)

            def z_dot(A):  # Z @ A for a dense A
                return Xw @ A - np.outer(sqrt_sw, xm @ A)

            def zt_dot(Bm):  # Z^T @ B for a dense B
                return np.asarray(Xw.T @ Bm) - np.outer(xm, sqrt_sw @ Bm)

            if mode == "gram":
                Xxm = np.asarray(Xw @ xm).ravel()
                K = (Xw @ Xw.T).toarray() - np.outer(Xxm, sqrt_sw)
                K = K - np.outer(sqrt_sw, Xxm) + (xm @ xm) * np.outer(sqrt_sw, sqrt_sw)
            else:
                K = (Xw.T @ Xw).toarray() - (sqrt_sw @ sqrt_sw) * np.outer(xm, xm)
        else:
            Z = np.asarray(X, dtype=np.float64) - X_offset
            Z *= sqrt_sw[:, None]

            def z_dot(A):
                return Z @ A

            def zt_dot(Bm):
                return Z.T @ Bm

            K = None if mode == "svd" else (Z @ Z.T if mode == "gram" else Z.T @ Z)
        if mode == "svd":
            Uz, s, Vt = np.linalg.svd(Z, full_matrices=False)
            self.B, self.M, self.lam, self.sv = Uz, Vt.T, s**2, s
        else:
            lam, Q = np.linalg.eigh(K)
            lam = np.maximum(lam, 0.0)
            if mode == "gram":
                self.B, self.M = Q, zt_dot(Q)
            else:
                self.B, self.M = z_dot(Q), Q
            self.lam = lam
        self.h = self.B.T @ U_y
        self.B2 = self.B**2
        self.u = U_y
        self.sqrt_sw = sqrt_sw
        self.fit_intercept = fit_intercept
        self.X_offset, self.y_offset = X_offset, y_offset
        self.sw_sum = float(sqrt_sw @ sqrt_sw)
        self._k0 = int(np.argmax(np.abs(self.B.T @ sqrt_sw)))
        self.multi = Y.ndim == 2

    def _factors(self, alpha):
        lam = self.lam
        if self.mode == "svd":
            return lam / (lam + alpha), self.sv / (lam + alpha)
        if self.mode == "gram":
            return lam / (lam + alpha), 1.0 / (lam + alpha)
        d = 1.0 / (lam + alpha)
        return d, d

    def coef(self, alpha):
        """Coefficients of shape (n_features, n_targets) for one ``alpha``."""
        _, c = self._factors(alpha)
        return self.M @ (c[:, None] * self.h)

    def loo(self, alpha):
        """Leave-one-out residuals (scaled by ``sqrt(s)``) and coefficients."""
        g, c = self._factors(alpha)
        if self.mode != "cov" and self.B.shape[0] == self.B.shape[1]:
            # A complete orthonormal basis (n <= p): I - H = B diag(1 - g) B^T
            # with 1 - g = alpha / (lam + alpha) formed directly.  Near
            # interpolation (small alpha) ``u - H u`` and ``1 - H_ii`` would
            # otherwise lose most digits to cancellation.
            one_minus_g = alpha / (self.lam + alpha)
            if self.fit_intercept:
                # sqrt(s) is an exact null eigenvector of the centred Z Z^T:
                # the (unpenalised) intercept takes out that direction, so
                # drop it rather than subtract s_i / sum(s) from a rounded
                # B_i0^2 (which costs ~1/alpha digits at small alpha).
                one_minus_g[self._k0] = 0.0
            resid = self.B @ (one_minus_g[:, None] * self.h)
            denom = self.B2 @ one_minus_g
        else:
            resid = self.u - self.B @ (g[:, None] * self.h)
            denom = 1.0 - self.B2 @ g
            if self.fit_intercept:
                denom = denom - self.sqrt_sw**2 / self.sw_sum
        looe = resid / denom[:, None]
        return looe, self.M @ (c[:, None] * self.h)
