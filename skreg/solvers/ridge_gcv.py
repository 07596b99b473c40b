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

    Unpenalised columns ``free`` (a penalty factor of 0) are handled as the
    intercept is (Frisch-Waugh-Lovell): ``Z`` and ``u`` are projected off an
    orthonormal basis ``E`` of their weighted centred columns, the hat
    matrix gains ``E E^T``, and their coefficients are the least squares
    fit of what the penalised columns leave of ``u``.
    """

    def __init__(
        self, X, y, *, sample_weight=None, fit_intercept=True, mode="auto", free=None
    ):
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
        self.sqrt_sw = sqrt_sw = np.ones(n) if sw is None else np.sqrt(sw)
        self.fit_intercept = fit_intercept
        self.X_offset, self.y_offset = X_offset, y_offset
        self.sw_sum = float(sqrt_sw @ sqrt_sw)
        self.multi = Y.ndim == 2
        self.n_features = p
        self.free = np.zeros(0, np.intp) if free is None else np.asarray(free, np.intp)
        self.pen = np.setdiff1d(np.arange(p), self.free)
        U_y = sqrt_sw[:, None] * (Y2 - y_offset)
        self.E = self._free_basis(X, U_y)
        if self.free.size:
            X = X[:, self.pen]
            U_y = U_y - self.E @ (self.E.T @ U_y)
        self.u = U_y
        self._decompose(X, mode)
        self.h = self.B.T @ U_y
        self.B2 = self.B**2
        self._k0 = int(np.argmax(np.abs(self.B.T @ sqrt_sw)))

    def _free_basis(self, X, U_y):
        """``E``, an orthonormal basis of the free columns (weighted and
        centred), and ``t_y``, their least-squares coefficients for ``U_y``."""
        n, k = X.shape[0], self.free.size
        self.t_y = np.zeros((k, U_y.shape[1]))
        if not k:
            return np.zeros((n, 0))
        XU = X[:, self.free]
        XU = XU.toarray() if sparse.issparse(XU) else np.asarray(XU, np.float64)
        ZU = self.sqrt_sw[:, None] * (XU - self.X_offset[self.free])
        Ue, se, Vte = np.linalg.svd(ZU, full_matrices=False)
        keep = se > se.max(initial=0.0) * max(ZU.shape) * np.finfo(float).eps
        # pinv(Z_U) = V diag(1/s) E^T
        self._pinv_u = Vte[keep].T / se[keep]
        self.t_y = self._pinv_u @ (Ue[:, keep].T @ U_y)
        return Ue[:, keep]

    def _decompose(self, X, mode):
        """``B``, ``M`` and the spectrum of the penalised, projected ``Z``."""
        n, p = X.shape
        if mode == "svd" and sparse.issparse(X):
            warnings.warn(
                "gcv_mode: 'svd' is not supported for sparse X; falling back to "
                "'eigen'.",
                UserWarning,
                stacklevel=4,
            )
            mode = "eigen"
        if mode != "svd":
            mode = "gram" if n <= p else "cov"
        self.mode = mode
        z_dot, zt_dot, Z, K = self._operators(X, mode)
        # a basis of every direction Z can reach (n <= p): then I - H is
        # formed from 1 - g directly (see loo)
        self.complete = mode != "cov" and n <= p
        if mode == "svd":
            Uz, s, Vt = np.linalg.svd(Z, full_matrices=False)
            self.B, self.M, self.lam, self.sv = Uz, Vt.T, s**2, s
            self.complete = self.complete and not self.E.shape[1]
            return
        if mode == "gram" and self.E.shape[1]:
            # the free columns (and the intercept) span null directions of
            # Z Z^T that the hat matrix takes whole: decompose on their
            # complement, so that I - H stays exact near interpolation
            A = np.hstack(
                [self.E] + ([self.sqrt_sw[:, None]] if self.fit_intercept else [])
            )
            Eo = np.linalg.qr(A, mode="complete")[0][:, A.shape[1] :]
            lam, Q = np.linalg.eigh(Eo.T @ K @ Eo)
            Q = Eo @ Q
        else:
            lam, Q = np.linalg.eigh(K)
        self.lam = np.maximum(lam, 0.0)
        if mode == "gram":
            self.B, self.M = Q, zt_dot(Q)
        else:
            self.B, self.M = z_dot(Q), Q

    def _operators(self, X, mode):
        """``Z @ A``, ``Z^T @ B``, ``Z`` itself (dense ``X``) and ``Z Z^T``
        or ``Z^T Z`` (eigen modes) for the penalised columns: centred,
        weighted, projected off ``E``; also ``T``, the free columns'
        least-squares coefficients per unit of the penalised ones."""
        sqrt_sw, E = self.sqrt_sw, self.E
        xm = self.X_offset[self.pen] if self.fit_intercept else np.zeros(X.shape[1])
        if sparse.issparse(X):
            Xw = sparse.diags(sqrt_sw) @ sparse.csr_matrix(X, dtype=np.float64)
            ZtE = np.asarray(Xw.T @ E) - np.outer(xm, sqrt_sw @ E)

            def z_dot(A):
                ZA = Xw @ A - np.outer(sqrt_sw, xm @ A)
                return ZA - E @ (ZtE.T @ A)

            def zt_dot(Bm):
                ZtB = np.asarray(Xw.T @ Bm) - np.outer(xm, sqrt_sw @ Bm)
                return ZtB - ZtE @ (E.T @ Bm)

            K = self._sparse_products(Xw, xm, ZtE, mode)
            Z = None
        else:
            Z = np.asarray(X, dtype=np.float64) - xm
            Z *= sqrt_sw[:, None]
            ZtE = Z.T @ E
            if E.shape[1]:
                Z -= E @ ZtE.T

            def z_dot(A):
                return Z @ A

            def zt_dot(Bm):
                return Z.T @ Bm

            K = None if mode == "svd" else (Z @ Z.T if mode == "gram" else Z.T @ Z)
        if self.free.size:
            self._T = self._pinv_u @ ZtE.T
        return z_dot, zt_dot, Z, K

    def _sparse_products(self, Xw, xm, ZtE, mode):
        """``Z Z^T`` (``'gram'``) or ``Z^T Z`` of a sparse design, dense."""
        sqrt_sw, E = self.sqrt_sw, self.E
        if mode == "gram":
            Xxm = np.asarray(Xw @ xm).ravel()
            K = (Xw @ Xw.T).toarray() - np.outer(Xxm, sqrt_sw)
            K = K - np.outer(sqrt_sw, Xxm) + (xm @ xm) * np.outer(sqrt_sw, sqrt_sw)
            if E.shape[1]:
                # (I - E E^T) K (I - E E^T)
                KE = K @ E
                K = K - E @ KE.T - KE @ E.T + E @ (E.T @ KE) @ E.T
            return K
        K = (Xw.T @ Xw).toarray() - (sqrt_sw @ sqrt_sw) * np.outer(xm, xm)
        return K - ZtE @ ZtE.T

    def _factors(self, alpha):
        lam = self.lam
        if self.mode == "svd":
            return lam / (lam + alpha), self.sv / (lam + alpha)
        if self.mode == "gram":
            return lam / (lam + alpha), 1.0 / (lam + alpha)
        d = 1.0 / (lam + alpha)
        return d, d

    def _full_coef(self, W_pen):
        """Coefficients of every feature from the penalised ones'."""
        if not self.free.size:
            return W_pen
        W = np.zeros((self.n_features, W_pen.shape[1]))
        W[self.pen] = W_pen
        W[self.free] = self.t_y - self._T @ W_pen
        return W

    def coef(self, alpha):
        """Coefficients of shape (n_features, n_targets) for one ``alpha``."""
        _, c = self._factors(alpha)
        return self._full_coef(self.M @ (c[:, None] * self.h))

    def loo(self, alpha):
        """Leave-one-out residuals (scaled by ``sqrt(s)``) and coefficients."""
        g, c = self._factors(alpha)
        if self.complete:
            # A complete orthonormal basis (n <= p): I - H = B diag(1 - g) B^T
            # with 1 - g = alpha / (lam + alpha) formed directly.  Near
            # interpolation (small alpha) ``u - H u`` and ``1 - H_ii`` would
            # otherwise lose most digits to cancellation.
            one_minus_g = alpha / (self.lam + alpha)
            if self.fit_intercept and not self.E.shape[1]:
                # sqrt(s) is an exact null eigenvector of the centred Z Z^T:
                # the (unpenalised) intercept takes out that direction, so
                # drop it rather than subtract s_i / sum(s) from a rounded
                # B_i0^2 (which costs ~1/alpha digits at small alpha).
                one_minus_g[self._k0] = 0.0
            resid = self.B @ (one_minus_g[:, None] * self.h)
            denom = self.B2 @ one_minus_g
        else:
            resid = self.u - self.B @ (g[:, None] * self.h)
            denom = 1.0 - self.B2 @ g - (self.E**2).sum(axis=1)
            if self.fit_intercept:
                denom = denom - self.sqrt_sw**2 / self.sw_sum
        looe = resid / denom[:, None]
        return looe, self._full_coef(self.M @ (c[:, None] * self.h))
