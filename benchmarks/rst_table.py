"""Render a ``bench_solvers.py --json`` file as the docs' reStructuredText table.

Examples
--------
    python benchmarks/rst_table.py benchmarks/results_lasso.json
"""

import argparse
import json

SOLVERS = ("sklearn", "skglm", "celer", "skreg")
HEADER = ("problem", "alpha", "scikit-learn", "skglm", "celer", "skreg")


def _cell(row, eps):
    # three significant digits: sub-millisecond fits (diabetes) stay legible
    times = [row.get(f"{e:g}") for e in eps]
    return "/".join("-" if t is None else f"{t:.3g}" for t in times)


def _ratios(case, eps):
    """``best peer / skreg`` and ``sklearn / skreg`` at the last ``eps``."""
    key = f"{eps[-1]:g}"
    times = {s: case["solvers"].get(s, {}).get(key) for s in SOLVERS}
    ours = times["skreg"]
    peers = [t for s, t in times.items() if s != "skreg" and t is not None]
    if not ours or not peers:
        return "-", "-"
    sk = times["sklearn"]
    return f"{min(peers) / ours:.1f}x", ("-" if sk is None else f"{sk / ours:.1f}x")


def render(cases, eps=(1e-4, 1e-6)):
    """The list-table for ``cases`` (the JSON list) as a string."""
    last = f"{eps[-1]:g}"
    header = HEADER + (f"best peer / skreg ({last})", f"scikit-learn / skreg ({last})")
    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines += [("   * - " if i == 0 else "     - ") + h for i, h in enumerate(header)]
    for case in cases:
        best, vs_sk = _ratios(case, eps)
        cells = [case["problem"], f"alpha_max / {case['alpha_ratio']:g}"]
        cells += [_cell(case["solvers"].get(s, {}), eps) for s in SOLVERS]
        cells += [best, vs_sk]
        lines += [("   * - " if i == 0 else "     - ") + c for i, c in enumerate(cells)]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json_file")
    args = ap.parse_args(argv)
    with open(args.json_file) as f:
        print(render(json.load(f)))


if __name__ == "__main__":
    main()
