"""ElasticNet along a grid of alphas: warm starts, strong rules, KKT checks.

For each ``alpha`` (decreasing) the problem is first solved on a small set of
candidate features: those ever active so far plus the survivors of the
sequential strong rule (Tibshirani et al., 2012),
``|z_j^T S r(alpha_prev)| >= 2 l1 - l1_prev``, by
:func:`skreg.solvers.cd.enet_cd` (working sets, gap-safe screening, Anderson)
on a :class:`Design` of those columns only.  The optimality conditions
of the excluded features are then checked (:class:`_KKTCheck`): from an
exact reference ``Z^T S r_ref`` and Cauchy-Schwarz bounds most features are
cleared without touching ``X``, the few unsure ones are computed exactly, and
one BLAS pass refreshes the reference when the bounds grow loose.  Violators
join the set and the solve resumes.  When no feature is violated the duality
gap of the restricted problem *is* the gap of the full problem (its dual
point stays feasible), so the stopping rule is unchanged:
``gap <= tol * sum_i s_i y_i^2``.  A path therefore costs far less than one
pass over ``X`` per alpha at large ``alpha``, instead of CD passes over every
column.
"""

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from skreg._kernels.gram_cd import gram_cd
from skreg._kernels.penalty import make_penalty
from skreg.solvers.cd import enet_cd
from skreg.solvers.design import Design, weighted_norm2
from skreg.solvers.enet import penalty_arrays, penalty_strengths
from skreg.solvers.gram import GramCD
from skreg.solvers.working_set import _seed_state

__all__ = ["solve_path"]

_LOOKAHEAD = 1


class _Restricted:
    """A design of a subset of columns, rebuilt only when the subset grows."""

    def __init__(self, X, sample_weight, X_offset):
        self.X, self.sw, self.xm = X, sample_weight, X_offset
        self.cols = None
        self.design = None

    def get(self, cols):
        if self.cols is None or not np.array_equal(cols, self.cols):
            Xs = self.X[:, cols]
            if sparse.issparse(Xs):
                Xs = sparse.csc_matrix(Xs)
                Xs.sort_indices()
            else:
                Xs = np.asfortranarray(Xs)
            self.cols, self.Xs = cols, Xs
            self.design = Design(Xs, self.sw, self.xm[cols])
        return self.design


def _full_grad(X, Xt, sw, xm, r):
    """``Z^T S r`` over every column, one BLAS / sparse matvec."""
    v = r if sw is None else r * sw
    g = Xt @ v
    g -= xm * v.sum()
    return np.asarray(g).ravel()


def _strong_rule_path(
    X, y, alphas, l1_ratio, w, *, sample_weight, X_offset, solve_kw, out
):
    n, p = X.shape
    coefs, gaps, n_iters, converged = out
    xm = np.zeros(p) if X_offset is None else np.asarray(X_offset, dtype=np.float64)
    Xt = X.T.tocsr() if sparse.issparse(X) else X.T
    sub = _Restricted(X, sample_weight, xm)
    ever = w != 0
    r = y - _predict(X, xm, w)
    kkt = _KKTCheck(X, Xt, sample_weight, xm, solve_kw["positive"])
    kkt.refresh(r)
    l1_prev = None
    in_sub = np.zeros(p, dtype=bool)
    for i, alpha in enumerate(alphas):
        l1, l2 = penalty_strengths(float(alpha), l1_ratio, n)
        thresh = l1 if l1_prev is None else 2 * l1 - l1_prev
        # Strong rule on upper bounds of the current correlations; when the
        # bounds have grown too loose to exclude much, one exact pass.
        score = kkt.strong_scores(r)
        need = ever | (score >= thresh)
        if kkt.stale(r) and need.sum() > max(p // 16, 2 * ever.sum()):
            kkt.refresh(r)
            score = kkt.strong_scores(r)
            need = ever | (score >= thresh)
        if not np.any(need & ~in_sub):
            cand = in_sub.copy()
        else:
            # Rebuilding the restricted design costs a copy of its columns:
            # take in the strong-rule survivors of a few alphas ahead too, so
            # the same design serves several alphas (extra zero columns cost
            # CD little: screening and working sets set them aside).
            l1_ahead, _ = penalty_strengths(
                float(alphas[min(i + _LOOKAHEAD, len(alphas) - 1)]), l1_ratio, n
            )
            ahead = l1_ahead if l1_prev is None else 2 * l1_ahead - l1_prev
            cand = need | (score >= ahead)
        n_iter, ok, gap = 0, False, np.inf
        while True:
            cols = np.flatnonzero(cand)
            if cols.size == 0:
                # w = 0 and r = y: optimal (gap 0) unless the strong rule
                # missed a feature, which the same gradient reveals.
                viol = kkt.violations(r, cand, l1)
                if not viol.any():
                    gap, ok = 0.0, True
                    break
                cand |= viol
                continue
            design = sub.get(cols)
            in_sub[:] = cand
            ws = w[cols].copy()
            res = enet_cd(
                design,
                y,
                ws,
                l1,
                l2,
                max_iter=max(solve_kw["max_iter"] - n_iter, 1),
                tol=solve_kw["tol"],
                positive=solve_kw["positive"],
                random_state=solve_kw["random_state"],
                screening=solve_kw["screening"],
            )
            w[:] = 0
            w[cols] = ws
            n_iter += res.n_iter
            gap, ok = res.gap, res.converged
            r = y - (np.asarray(sub.Xs @ ws).ravel() - xm[cols] @ ws)
            viol = kkt.violations(r, cand, l1)
            if not viol.any() or n_iter >= solve_kw["max_iter"]:
                ok = ok and not viol.any()
                break
            cand |= viol
        ever |= w != 0
        l1_prev = l1
        coefs[:, i] = w
        gaps[i] = gap / n
        n_iters.append(int(n_iter))
        converged.append(bool(ok))


class _KKTCheck:
    """Optimality check of the excluded features, mostly without touching X.

    ``g_ref = Z^T S r_ref`` is exact at a reference residual.  For a new
    residual ``r``, Cauchy-Schwarz bounds every excluded feature:
    ``|z_j^T S r| <= |g_ref_j| + ||z_j||_S ||r - r_ref||_S``.  Features whose
    bound stays below ``l1`` provably satisfy their optimality condition;
    only the few others are computed exactly, and when they are many the
    reference is refreshed with one full pass over ``X``.
    """

    def __init__(self, X, Xt, sw, xm, positive):
        self.X, self.Xt, self.sw, self.xm, self.positive = X, Xt, sw, xm, positive
        # Column norms of Z (no copy of X: the design helper computes them).
        self.col_norm = np.sqrt(Design(X, sw, xm).norm2)
        self.p = X.shape[1]

    def _score(self, g):
        return g if self.positive else np.abs(g)

    def refresh(self, r):
        self.r_ref = r.copy()
        self.g_ref = _full_grad(self.X, self.Xt, self.sw, self.xm, r)

    def stale(self, r):
        return not np.array_equal(r, self.r_ref)

    def upper(self, r):
        """Upper bounds of ``|z_j^T S r|`` (of ``z_j^T S r`` when positive)."""
        dr = np.sqrt(weighted_norm2(r - self.r_ref, self.sw))
        if dr == 0:
            return self._score(self.g_ref)
        # The relative slack covers rounding in the bound's own products.
        return self._score(self.g_ref) + self.col_norm * dr * (1 + 1e-10)

    def strong_scores(self, r):
        """Scores the strong rule compares with ``2 l1 - l1_prev``."""
        return self.upper(r)

    def violations(self, r, cand, l1):
        # Slack for rounding in the dot products of the bound and the check.
        limit = l1 * (1 + 1e-12)
        bound = self.upper(r)
        unsure = np.flatnonzero(~cand & (bound > limit))
        if unsure.size == 0:
            return np.zeros(self.p, dtype=bool)
        viol = np.zeros(self.p, dtype=bool)
        if unsure.size > self.p // 16:
            self.refresh(r)
            viol[unsure] = self._score(self.g_ref[unsure]) > limit
            return viol
        v = r if self.sw is None else r * self.sw
        Xu = self.X[:, unsure]
        gu = np.asarray(Xu.T @ v).ravel() - self.xm[unsure] * v.sum()
        viol[unsure] = self._score(gu) > limit
        return viol


def _predict(X, xm, w):
    nz = np.flatnonzero(w)
    if nz.size == 0:
        return np.zeros(X.shape[0])
    if nz.size == w.size:
        return np.asarray(X @ w).ravel() - xm @ w
    Xn = X[:, nz]
    return np.asarray(Xn @ w[nz]).ravel() - xm[nz] @ w[nz]


def solve_path(
    X,
    y,
    alphas,
    l1_ratio,
    *,
    sample_weight=None,
    X_offset=None,
    gram=None,
    Xy=None,
    coef_init=None,
    max_iter=1000,
    tol=1e-4,
    positive=False,
    random_state=None,
    screening=True,
    strong_rules=True,
    penalty_factor=None,
    lower=None,
    upper=None,
):
    """Warm-started ElasticNet solutions of a centred problem along ``alphas``.

    ``y`` must already be centred (``X`` is centred implicitly through
    ``X_offset``).  With ``gram`` (``Z^T S Z``, float64) and ``Xy``
    (``Z^T S y``) the covariance-update kernel is used; otherwise, for a
    float64 design and ``l1_ratio > 0``, strong rules with KKT checks around
    working-set CD (module docstring), else working-set CD on the full design.

    ``penalty_factor``, ``lower`` and ``upper`` make the penalty per feature
    (see :func:`skreg.solvers.enet.penalty_arrays`): :class:`GramCD` on
    ``gram``, or else working-set CD on the full design, then solves every
    alpha.

    Returns ``(coefs, dual_gaps, n_iters, converged)`` with ``coefs`` of shape
    ``(n_features, n_alphas)`` in float64 and gaps in the estimator's scale.
    """
    per_feature = not (penalty_factor is None and lower is None and upper is None)
    if per_feature:
        strong_rules = False
    n, p = X.shape
    y = np.ascontiguousarray(y, dtype=np.float64)
    w = np.zeros(p) if coef_init is None else np.array(coef_init, dtype=np.float64)
    out = (np.empty((p, len(alphas))), np.empty(len(alphas)), [], [])
    coefs, gaps, n_iters, converged = out
    if gram is None and strong_rules and l1_ratio > 0 and X.dtype == np.float64:
        solve_kw = dict(
            max_iter=max_iter,
            tol=tol,
            positive=positive,
            random_state=random_state,
            screening=screening,
        )
        # The KKT checks are single matrix-vector products: memory-bound, and
        # a multi-threaded BLAS only adds synchronisation on a busy machine,
        # all the more under joblib's fold threads.
        with threadpool_limits(limits=1, user_api="blas"):
            _strong_rule_path(
                X, y, alphas, l1_ratio, w, sample_weight=sample_weight,
                X_offset=X_offset, solve_kw=solve_kw, out=out,
            )  # fmt: skip
        return out
    if gram is None:
        design = Design(X, sample_weight, X_offset)
    else:
        y_norm2 = weighted_norm2(y, sample_weight)
        q = np.ascontiguousarray(Xy, dtype=np.float64)
        rng_state = _seed_state(random_state)
        # unpenalised features are eliminated from the system (GramCD); no
        # Newton polish, as on the uniform route: a step per alpha costs more
        # than the kernel's epochs
        pen = make_penalty(p, 0.0, 0.0, positive)
        gram_solver = GramCD(
            gram, q, y_norm2, max_iter=max_iter, newton=False,
            rng_state=rng_state if random_state is not None else None,
        )  # fmt: skip
    for alpha in alphas:
        l1, l2 = penalty_strengths(float(alpha), l1_ratio, n)
        l1, l2, lo, hi = penalty_arrays(l1, l2, penalty_factor, lower, upper)
        if gram is None:
            res = enet_cd(
                design,
                y,
                w,
                l1,
                l2,
                lower=lo,
                upper=hi,
                max_iter=max_iter,
                tol=tol,
                positive=positive,
                random_state=random_state,
                screening=screening,
            )
            gap, n_iter, ok = res.gap, res.n_iter, res.converged
        elif per_feature:
            pen = tuple(make_penalty(p, l1, l2, positive, lo, hi))
            res = gram_solver.solve(pen, w, tol * y_norm2)
            w[:] = res.coef
            gap, n_iter, ok = res.gap, res.n_iter, res.converged
        else:
            # one set of arrays for the path (a new one per alpha is a
            # visible share of a small CV)
            pen.l1.fill(l1)
            pen.l2.fill(l2)
            gap, n_iter = gram_cd(
                gram,
                q,
                y_norm2,
                w,
                gram @ w,
                *pen,
                max_iter,
                tol * y_norm2,
                random_state is not None,
                rng_state,
            )
            ok = gap <= tol * y_norm2
        coefs[:, len(n_iters)] = w
        gaps[len(n_iters)] = gap / n
        n_iters.append(int(n_iter))
        converged.append(bool(ok))
    return out
