r"""Multi-task (L2,1) ElasticNet and Lasso paths.

``enet_path(X, Y, multi_task=True)`` and ``lasso_path(X, Y, multi_task=True)``
come here: the solutions of scikit-learn's MultiTaskElasticNet objective

.. math::

    \frac{1}{2 n} \|Y - XW\|_F^2 + \alpha \rho \|W\|_{2,1}
    + \frac{\alpha (1 - \rho)}{2} \|W\|_F^2

for a decreasing grid of ``alpha``, each warm-started from the previous one
by :class:`skreg.solvers.multitask.MultiTaskCD` on one
:class:`~skreg.solvers.design.Design` built once per path.  The return
values are those of scikit-learn's ``enet_path`` with a 2-d ``y``.
"""

import numpy as np
from sklearn.utils import check_random_state

from skreg._penalty_params import check_controls
from skreg.path import _path_data, _path_grid, _path_result
from skreg.solvers.design import Design
from skreg.solvers.multitask import MTOptions, MultiTaskCD, penalty_weights

__all__ = ["multitask_enet_path", "solve_multitask_path"]

_PARAMS = {
    "X_offset",
    "X_scale",
    "sample_weight",
    "tol",
    "max_iter",
    "random_state",
    "selection",
    "do_screening",
    "penalty_factor",
}


def solve_multitask_path(
    design,
    Yc,
    alphas,
    l1_ratio,
    *,
    coef_init=None,
    max_iter=1000,
    tol=1e-4,
    random_state=None,
    screening=True,
    penalty_factor=None,
    predict=True,
):
    """Warm-started multi-task solves along ``alphas`` on one design.

    One :class:`~skreg.solvers.multitask.MultiTaskCD` carries the iterate,
    its residual and its products from one alpha to the next: the products
    of the last gap check at one alpha start the next one's.  With
    ``predict``, each solve starts from the linear extrapolation of the last
    two solutions in ``alpha`` when it lowers the objective
    (:meth:`~skreg.solvers.multitask.MultiTaskCD.extrapolate`).

    Returns ``(coefs, dual_gaps, n_iters, converged)`` with ``coefs`` of
    shape ``(n_tasks, n_features, n_alphas)`` in float64 (a transposed
    view) and the gaps in the objective's scale (divided by ``n_samples``).
    """
    n, p = design.n_samples, design.n_features
    T = Yc.shape[1]
    W = None if coef_init is None else coef_init.T
    solver = MultiTaskCD(
        design,
        Yc,
        W,
        random_state=random_state,
        # warm starts converge in a few epochs once the remembered dual point
        # closes the gap: checks every 2 epochs (half the epochs of 5 on
        # bench_multitask's CV paths)
        options=MTOptions(screening=screening, check_every=2),
    )
    # one contiguous (n_features, n_tasks) block per alpha: a strided write
    # per alpha into (n_tasks, n_features, n_alphas) costs a cache miss per
    # entry; the result is returned as a transposed view
    buf = np.empty((len(alphas), p, T))
    gaps = np.empty(len(alphas))
    n_iters, converged = [], []
    prev = None
    for k, alpha in enumerate(alphas):
        l1, l2 = penalty_weights(n, p, alpha, l1_ratio, penalty_factor)
        if predict and prev is not None and alphas[k - 1] != alphas[k - 2]:
            gamma = (alphas[k] - alphas[k - 1]) / (alphas[k - 1] - alphas[k - 2])
            last = solver.snapshot()
            solver.extrapolate(prev, gamma, l1, l2)
            prev = last
        elif predict and k > 0:
            prev = solver.snapshot()
        res = solver.solve(l1, l2, max_iter=max_iter, tol=tol)
        buf[k] = solver.W
        gaps[k] = res.gap / n
        n_iters.append(res.n_iter)
        converged.append(res.converged)
    return buf.transpose(2, 1, 0), gaps, n_iters, converged


def multitask_enet_path(
    X,
    y,
    *,
    l1_ratio=0.5,
    alphas=100,
    eps=1e-3,
    Xy=None,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    check_input=True,
    **params,
):
    """The multi-task path behind ``enet_path(..., multi_task=True)``.

    ``alphas`` is a grid size or the alphas themselves (the caller resolved
    scikit-learn's deprecated ``n_alphas``).  See :func:`skreg.enet_path`
    for the parameters; ``y`` must be 2-d and ``coef_init`` of shape
    ``(n_targets, n_features)``.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_targets, n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
    n_iters : list of int
        Only when ``return_n_iter``.
    """
    unknown = set(params) - _PARAMS
    if unknown:
        raise ValueError("Unexpected parameters in params", sorted(unknown))
    if positive:
        raise ValueError(
            "positive: positive=True is not allowed for multi-task paths "
            "(scikit-learn refuses it for multi-output y too)."
        )
    selection = params.get("selection", "cyclic")
    if selection not in ("cyclic", "random"):
        raise ValueError(
            f"selection should be either 'random' or 'cyclic'; got {selection!r}."
        )
    X, y, xm, sw, _, _ = _path_data(X, y, False, None, params, check_input)
    y = np.asarray(y)
    if y.ndim != 2:
        raise ValueError(
            f"y: a multi-task path needs y of shape (n_samples, n_targets); "
            f"got shape {y.shape}."
        )
    factor = check_controls(X.shape[1], params.get("penalty_factor"))[0]
    alphas = _path_grid(alphas, X, y, Xy, l1_ratio, eps, False, factor)
    if coef_init is not None:
        coef_init = np.asarray(coef_init, dtype=np.float64)
        if coef_init.shape != (y.shape[1], X.shape[1]):
            raise ValueError(
                f"coef_init: expected shape {(y.shape[1], X.shape[1])}, "
                f"got {coef_init.shape}."
            )
    design = Design(X, sw, X_offset=xm)
    random_state = (
        check_random_state(params.get("random_state"))
        if selection == "random"
        else None
    )
    coefs, gaps, n_iters, converged = solve_multitask_path(
        design,
        np.asarray(y, dtype=np.float64),
        alphas,
        l1_ratio,
        coef_init=coef_init,
        max_iter=params.get("max_iter", 1000),
        tol=params.get("tol", 1e-4),
        random_state=random_state,
        screening=params.get("do_screening", True),
        penalty_factor=factor,
    )
    if verbose:
        print(f"Multi-task path: {len(alphas)} alphas, {sum(n_iters)} epochs")
    # a C-ordered array, as scikit-learn's
    coefs = np.ascontiguousarray(coefs)
    return _path_result(X, alphas, coefs, gaps, n_iters, converged, return_n_iter)
