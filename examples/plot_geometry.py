r"""
=============================================
Geometry: the L1 diamond and the L2 disk
=============================================

A penalised fit is also a *constrained* one: the Lasso solution
:math:`\hat w` minimises the squared error over the diamond
:math:`\{w : \|w\|_1 \le t\}` with :math:`t = \|\hat w\|_1`, and the Ridge
solution over the disk :math:`\{w : \|w\|_2 \le r\}` with
:math:`r = \|\hat w\|_2`.  The solution is where the smallest loss contour
touches the constraint set.  Contours of a least-squares loss are ellipses;
they tend to touch the diamond at a *corner*, where one weight is exactly
zero, and the disk at a point where no weight is zero.

Below, the two weights are fitted by :class:`~skreg.L1Regressor` and
:class:`~skreg.L2Regressor` and the picture is drawn from the fitted ``coef_``.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skreg import L1Regressor, L2Regressor

rng = np.random.RandomState(0)
n = 200
cov = [[1.0, 0.6], [0.6, 1.0]]
X = rng.multivariate_normal([0.0, 0.0], cov, size=n)
y = X @ np.array([2.0, 0.3]) + 0.5 * rng.randn(n)

l1 = L1Regressor(alpha=0.8, fit_intercept=False).fit(X, y)
l2 = L2Regressor(alpha=100.0, fit_intercept=False).fit(X, y)
w_ols = np.linalg.lstsq(X, y, rcond=None)[0]
print("least squares:", w_ols.round(3))
print("L1 (Lasso):   ", l1.coef_.round(3), "<- one weight exactly 0")
print("L2 (Ridge):   ", l2.coef_.round(3))

# %%
# The squared-error loss on a grid of weights.
g = np.linspace(-0.8, 2.8, 300)
W0, W1 = np.meshgrid(g, g)
W = np.stack([W0.ravel(), W1.ravel()])
loss = (((y[:, None] - X @ W) ** 2).sum(axis=0) / (2 * n)).reshape(W0.shape)


def mse(w):
    return ((y - X @ w) ** 2).sum() / (2 * n)


fig, axes = plt.subplots(1, 2, figsize=(10, 5))
theta = np.linspace(0, 2 * np.pi, 400)
for ax, model, kind in [(axes[0], l1, "L1"), (axes[1], l2, "L2")]:
    w = model.coef_
    lo = mse(w_ols)
    ax.contour(
        W0,
        W1,
        loss,
        levels=lo + (mse(w) - lo) * np.array([0.1, 0.3, 0.6, 1.6]),
        colors="grey",
        linewidths=0.7,
    )
    # The contour through the solution touches the constraint set there.
    ax.contour(W0, W1, loss, levels=[mse(w)], colors="C3", linewidths=1.5)
    if kind == "L1":
        t = np.abs(w).sum()
        ax.fill([t, 0, -t, 0], [0, t, 0, -t], alpha=0.3, color="C0")
        ax.set_title(r"L1: $\|w\|_1 \leq t$ (diamond) - a corner, $w_2 = 0$")
    else:
        r = np.linalg.norm(w)
        ax.fill(r * np.cos(theta), r * np.sin(theta), alpha=0.3, color="C1")
        ax.set_title(r"L2: $\|w\|_2 \leq r$ (disk) - no zero weight")
    ax.plot(*w_ols, "k+", ms=12, label="least squares")
    ax.plot(*w, "o", color="C3", label=f"{kind} solution ({w[0]:.2f}, {w[1]:.2f})")
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize="small")
fig.tight_layout()

# %%
# Soft-thresholding vs scaling
# ----------------------------
# The same story one coordinate at a time: the proximal step of the L1
# penalty (:class:`skreg.penalties.L1`) is soft-thresholding, which maps a
# whole interval to exactly 0; the step of the L2 penalty
# (:class:`skreg.penalties.L2`) scales towards 0 and never reaches it.  The
# solvers use the very same formulas.
from skreg.penalties import L1, L2  # noqa: E402

z = np.linspace(-3, 3, 401)
lam = 1.0
soft = L1(alpha=lam).prox(z, step=1.0)
scaled = L2(alpha=lam).prox(z, step=1.0)
fig, ax = plt.subplots(figsize=(5, 4))
ax.plot(z, z, ":", color="grey", label="identity")
ax.plot(z, soft, label=r"L1 prox: $\mathrm{sign}(z)\max(|z|-\lambda, 0)$")
ax.plot(z, scaled, label=r"L2 prox: $z / (1 + \lambda)$")
ax.set_xlabel("z")
ax.legend(fontsize="small")
ax.set_title(r"proximal steps, $\lambda = 1$")
fig.tight_layout()
plt.show()
