"""Smoke test: every gallery script in examples/ runs to the end (Agg)."""

import pathlib
import runpy
import warnings

import pytest

EXAMPLES = sorted(
    (pathlib.Path(__file__).resolve().parent.parent / "examples").glob("*.py")
)


def test_examples_found():
    names = {p.name for p in EXAMPLES}
    assert {
        "plot_l1_vs_l2_weights.py",
        "plot_coefficient_paths.py",
        "plot_geometry.py",
        "plot_choose_alpha.py",
        "plot_alpha_selection.py",
        "plot_feature_selection.py",
        "plot_gradient_loss_curves.py",
        "plot_timing.py",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(path, monkeypatch, capsys):
    matplotlib = pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    monkeypatch.chdir(path.parent)
    try:
        with warnings.catch_warnings():
            # An example must not trip over its own warnings (e.g. a
            # ConvergenceWarning it did not mean to show).
            warnings.simplefilter("error", category=UserWarning)
            runpy.run_path(str(path), run_name="__main__")
        assert plt.get_fignums(), f"{path.name} drew no figure"
    finally:
        plt.close("all")
