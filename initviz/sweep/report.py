"""What the standard figures of a sweep show, computed from its CSV (no drawing here: the PNGs
are drawn by :mod:`initviz.ui.report_figures`).

- **std vs depth** (:func:`depth_figure`): with ``depth`` swept (2 values or more), the activation std at the last
  layer and the gradient std at the first against depth, one line per combination of the other
  swept fields (a "scheme"); without it, the per-layer profiles (``a_std_profile``,
  ``grad_std_profile``) against the layer index. Repeats over ``seed`` are averaged in log
  space (a geometric mean), as the y axis is logarithmic. Over ``MAX_LINES`` schemes (a 12 × 7
  phase grid has 84), one slice of the grid is drawn and named: the swept field with the most
  values varies, the others stay at their first value.
- **phase heatmap** (:func:`phase_figures`): the measured gradient growth per layer,
  ``log10_grad_growth`` = log10(std ∂L/∂a¹ / std ∂L/∂a^L)/(L − 1), over σ_w² (x) × σ_b² (y) —
  the swept ``sigma_w2``/``sigma_b2``, or the middle layer's ``net_sigma_w2``/``net_sigma_b2``
  when the grid moved them another way (init, gain) — with the mean-field edge of chaos χ₁ = 1
  (:func:`initviz.engine.mean_field.critical_line`, Schoenholz et al. 2017) where the theory
  predicts zero growth. One figure per activation.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from initviz.engine import mean_field
from initviz.errors import ExperimentError
from initviz.sweep.table import compact, read_csv

REQUIRED = ("net_layers", "net_activation", "net_sigma_w2", "net_sigma_b2", "a_std_last", "grad_std_first",
            "log10_grad_growth", "a_std_profile", "grad_std_profile")
GROUPING_EXCLUDED = ("depth", "seed")
LINE_POINTS = 200
ROUND_DIGITS = 12  # σ values equal to 12 significant digits are one column of the heatmap
MAX_LINES = 12  # beyond this many schemes, the std-vs-depth figure draws one slice of the grid


@dataclass(frozen=True)
class Results:
    """A sweep's table: ``swept`` are the grid's columns (between ``cell`` and the metrics)."""

    columns: list[str]
    rows: list[dict[str, Any]]
    swept: list[str]


@dataclass(frozen=True)
class Series:
    label: str
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class DepthFigure:
    """``by_depth``: x is the swept depth; else x is the layer index of the profiles."""

    by_depth: bool
    activations: tuple[Series, ...]
    gradients: tuple[Series, ...]
    shown: str = ""  # which schemes are drawn when not all are ("" when all are)


@dataclass(frozen=True)
class PhaseFigure:
    """``growth[i, j]`` at (sigma_w2[i], sigma_b2[j]), NaN where no cell was measured; the χ₁ = 1
    line as points (line_sigma_w2[k], line_sigma_b2[k]), NaN where χ₁ − 1 keeps its sign."""

    activation: str
    sigma_w2: np.ndarray
    sigma_b2: np.ndarray
    growth: np.ndarray
    line_sigma_w2: np.ndarray
    line_sigma_b2: np.ndarray
    cells: int


class FigureUnavailable(Exception):
    """A figure the CSV cannot give, with the reason (which swept fields it needs)."""


def load_results(path: Any) -> Results:
    columns, rows = read_csv(path)
    missing = [c for c in ("cell", *REQUIRED) if c not in columns]
    if missing:
        raise ExperimentError("results", f"no column {', '.join(missing)}: not a CSV written by initviz sweep")
    return Results(columns, rows, columns[1:columns.index("net_layers")])


def _geometric_mean(values: list[float]) -> float:
    logs = [math.log10(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v) and v > 0]
    return 10.0 ** (sum(logs) / len(logs)) if logs else math.nan


def _scheme_keys(results: Results) -> list[str]:
    """The swept fields that tell schemes apart (not depth, not seed)."""
    return [c for c in results.swept if c not in GROUPING_EXCLUDED]


def _groups(results: Results) -> dict[str, list[dict[str, Any]]]:
    keys = _scheme_keys(results)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in results.rows:
        label = ", ".join(f"{k}={compact(row[k])}" for k in keys) or "every cell"
        groups.setdefault(label, []).append(row)
    return groups


def _by_depth(rows: list[dict[str, Any]], column: str) -> tuple[np.ndarray, np.ndarray]:
    depths = sorted({row["depth"] for row in rows})
    y = [_geometric_mean([row[column] for row in rows if row["depth"] == d]) for d in depths]
    return np.array(depths, dtype=np.float64), np.array(y, dtype=np.float64)


def _profile(rows: list[dict[str, Any]], column: str) -> tuple[np.ndarray, np.ndarray]:
    profiles = [row[column] if isinstance(row[column], list) else [row[column]] for row in rows]
    n = min(len(p) for p in profiles)
    y = [_geometric_mean([p[i] for p in profiles]) for i in range(n)]
    return np.arange(1, n + 1, dtype=np.float64), np.array(y, dtype=np.float64)


def _slice(results: Results, groups: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, list[dict[str, Any]]], str]:
    """At most ``MAX_LINES`` groups and what they are: the swept field with the most values
    varies (evenly thinned if it alone has too many), the others stay at their first value."""
    if len(groups) <= MAX_LINES:
        return groups, ""
    keys = _scheme_keys(results)
    values = {k: list(dict.fromkeys(compact(row[k]) for row in results.rows)) for k in keys}
    vary = max(keys, key=lambda k: len(values[k]))
    fixed = {k: values[k][0] for k in keys if k != vary}
    picked = {label: rows for label, rows in groups.items()
              if all(compact(rows[0][k]) == v for k, v in fixed.items())}
    labels = list(picked)
    if len(labels) > MAX_LINES:
        labels = [labels[i] for i in sorted({round(i) for i in np.linspace(0, len(labels) - 1, MAX_LINES)})]
    where = [f"{k}={v}" for k, v in fixed.items()]
    if len(labels) < len(picked):
        where.append(f"{len(labels)} of the {len(picked)} values of {vary}")
    return {label: picked[label] for label in labels}, f"{len(labels)} of {len(groups)} schemes: {', '.join(where)}"


def depth_figure(results: Results) -> DepthFigure:
    """Std vs depth per group (see the module docstring)."""
    by_depth = "depth" in results.swept and len({row["depth"] for row in results.rows}) > 1
    pick = _by_depth if by_depth else _profile
    columns = ("a_std_last", "grad_std_first") if by_depth else ("a_std_profile", "grad_std_profile")
    groups, shown = _slice(results, _groups(results))
    series = [[Series(label, *pick(rows, column)) for label, rows in groups.items()] for column in columns]
    return DepthFigure(by_depth, tuple(series[0]), tuple(series[1]), shown)


def _axis_column(results: Results, name: str) -> str:
    return name if name in results.swept else f"net_{name}"


def _rounded(value: Any) -> float:
    return float(f"{float(value):.{ROUND_DIGITS}g}")


def activation_parts(text: Any) -> tuple[str, dict[str, Any]]:
    """``tanh`` -> ("tanh", {}); ``{"name":"leaky_relu","negative_slope":0.2}`` -> its name and params."""
    if isinstance(text, dict):
        data = dict(text)
    elif isinstance(text, str) and text.startswith("{"):
        data = json.loads(text)
    else:
        return str(text), {}
    return data.pop("name"), data


def critical_points(activation: str, sigma_w2: np.ndarray, sigma_b2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The χ₁ = 1 line across the heatmap: σ_w²(σ_b²) on a fine σ_b² grid (a single σ_b² row: that one point)."""
    name, params = activation_parts(activation)
    lo, hi = float(sigma_b2.min()), float(sigma_b2.max())
    sb2 = np.linspace(lo, hi, LINE_POINTS) if hi > lo else np.array([lo])
    span = (max(float(sigma_w2.min()), 1e-6) / 4.0, float(sigma_w2.max()) * 4.0)
    return np.atleast_1d(mean_field.critical_line(name, params, sb2, sigma_w2_range=span)), sb2


def phase_figures(results: Results) -> list[PhaseFigure]:
    """One heatmap per activation; :class:`FigureUnavailable` when σ_w² or σ_b² takes fewer than 2 values."""
    x_col, y_col = _axis_column(results, "sigma_w2"), _axis_column(results, "sigma_b2")
    by_activation: dict[str, list[dict[str, Any]]] = {}
    for row in results.rows:
        by_activation.setdefault(compact(row["net_activation"]), []).append(row)
    figures = []
    for activation, rows in by_activation.items():
        xs = sorted({_rounded(r[x_col]) for r in rows if _finite(r[x_col])})
        ys = sorted({_rounded(r[y_col]) for r in rows if _finite(r[y_col])})
        if len(xs) < 2 or len(ys) < 2:
            raise FigureUnavailable(f"the phase heatmap needs σ_w² and σ_b² to take at least 2 values each (sweep "
                                    f"sigma_w2 and sigma_b2); the {activation} cells have {len(xs)} σ_w² and "
                                    f"{len(ys)} σ_b²")
        sums, counts = np.zeros((len(xs), len(ys))), np.zeros((len(xs), len(ys)))
        for r in rows:
            g = r["log10_grad_growth"]
            if _finite(r[x_col]) and _finite(r[y_col]) and isinstance(g, (int, float)) and not math.isnan(g):
                i, j = xs.index(_rounded(r[x_col])), ys.index(_rounded(r[y_col]))
                sums[i, j] += g
                counts[i, j] += 1
        with np.errstate(all="ignore"):
            growth = np.where(counts > 0, sums / counts, np.nan)
        sw2, sb2 = np.array(xs), np.array(ys)
        line_w, line_b = critical_points(activation, sw2, sb2)
        figures.append(PhaseFigure(activation, sw2, sb2, growth, line_w, line_b, len(rows)))
    return figures


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
