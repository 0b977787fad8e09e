"""Numbers behind the histogram views: ranges, y transforms, the law overlay, re-binning.

Pure numpy so it is cheap to test; no Qt. Every function accepts summaries whose tensor was
all NaN/inf (``n_binned == 0``, statistics None) and never emits RuntimeWarnings.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from initviz.engine.distributions import Distribution
from initviz.engine.stats import Histogram, TensorSummary

Span = tuple[float, float]
COMPACT_BINS = 128
OVERLAY_POINTS = 241
EDGE_PAD = 0.02
SNAP_STEPS = 25


def finite_span(summary: TensorSummary | None) -> Span | None:
    """(min, max) of the finite values, or None when there are none."""
    if summary is None or summary.histogram.n_binned == 0:
        return None
    lo, hi = summary.stats.get("min"), summary.stats.get("max")
    if lo is None or hi is None:
        edges = summary.histogram.edges
        lo, hi = float(edges[0]), float(edges[-1])
    return float(lo), float(hi)


def union_span(spans: Iterable[Span | None]) -> Span | None:
    """Smallest span covering every given span (None entries skipped)."""
    known = [s for s in spans if s is not None]
    if not known:
        return None
    return min(s[0] for s in known), max(s[1] for s in known)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least ``raw``."""
    exponent = math.floor(math.log10(raw))
    for mantissa in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = mantissa * 10.0**exponent
        if step >= raw * (1 - 1e-12):
            return step
    return 10.0 ** (exponent + 1)


def display_range(span: Span | None) -> Span:
    """The x-range to show for a span: padded a little and widened to a round step (1/25 of it),
    so small changes of the data leave the range — and the axis — as they are; a constant gets
    room around it."""
    if span is None:
        return -1.0, 1.0
    lo, hi = span
    if not hi > lo:
        half = abs(lo) * 0.5 if lo != 0 else 1.0
        return lo - half, lo + half
    pad = (hi - lo) * EDGE_PAD
    step = nice_step((hi - lo) / SNAP_STEPS)
    snapped = math.floor((lo - pad) / step) * step, math.ceil((hi + pad) / step) * step
    if not (math.isfinite(snapped[0]) and math.isfinite(snapped[1]) and snapped[1] > snapped[0]):
        return lo - pad, hi + pad
    return snapped


def y_values(counts: np.ndarray, log: bool) -> np.ndarray:
    """Counts as drawn: raw, or log10(1 + count)."""
    counts = np.asarray(counts, dtype=np.float64)
    return np.log10(1.0 + np.maximum(counts, 0.0)) if log else counts


def bin_width(hist: Histogram) -> float:
    return float(hist.edges[1] - hist.edges[0]) if len(hist.edges) > 1 else 0.0


def _spread_is_real(hist: Histogram) -> bool:
    """False for a constant tensor (its bins are a padding of ±1 % around one value)."""
    nonzero = np.count_nonzero(hist.counts)
    return hist.n_binned > 0 and nonzero > 1


def ghost_scale(current: Histogram, ghost: Histogram) -> float:
    """Factor that puts the ghost's counts in units of the current bins and sample size.

    Counts per bin grow with the bin width, so a wider ghost would look taller than it is;
    scaling by the bin-width and sample-size ratios compares densities honestly. Constant or
    empty histograms have no meaningful width: they are drawn as they are.
    """
    if not (_spread_is_real(current) and _spread_is_real(ghost)):
        return 1.0
    gw = bin_width(ghost)
    if gw <= 0:
        return 1.0
    return (bin_width(current) / gw) * (current.n_binned / ghost.n_binned)


def law_curve(law: Distribution | None, hist: Histogram, x_range: Span,
              points: int = OVERLAY_POINTS) -> tuple[np.ndarray, np.ndarray] | None:
    """The promised density in count units: pdf(x) · n_binned · bin width, over ``x_range``.

    Extra points just outside and on the law's bounds keep a uniform box's walls vertical.
    """
    if law is None or law.kind == "none" or law.continuous_mass <= 0 or hist.n_binned == 0:
        return None
    lo, hi = x_range
    x = np.linspace(lo, hi, points)
    eps = (hi - lo) * 1e-6
    extra = [v for bound in (law.low, law.high) if math.isfinite(bound) and lo < bound < hi
             for v in (bound - eps, bound, bound + eps)]
    if extra:
        x = np.sort(np.concatenate([x, extra]))
    with np.errstate(all="ignore"):
        y = law.pdf(x) * (hist.n_binned * bin_width(hist))
    if not np.isfinite(y).all():
        y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    return x, y


def atom_segments(law: Distribution | None, hist: Histogram) -> tuple[np.ndarray, np.ndarray]:
    """Vertical segments (pairs of points) at each atom, as tall as the count it promises."""
    if law is None or not law.atoms or hist.n_binned == 0:
        return np.zeros(0), np.zeros(0)
    x = np.repeat([float(v) for v, _ in law.atoms], 2)
    y = np.array([[0.0, p * hist.n_binned] for _, p in law.atoms]).ravel()
    return x, y


def rebin(hist: Histogram, edges: np.ndarray) -> np.ndarray:
    """Counts of ``hist`` on other ``edges``, by interpolating its cumulative counts.

    Assumes values spread evenly inside each source bin; a constant tensor's narrow bins land
    in the one common bin that holds the value. Counts outside ``edges`` are dropped.
    """
    if hist.n_binned == 0:
        return np.zeros(len(edges) - 1)
    cumulative = np.concatenate([[0.0], np.cumsum(hist.counts, dtype=np.float64)])
    at_edges = np.interp(edges, hist.edges.astype(np.float64), cumulative)
    return np.diff(at_edges)


def rebin_all(hists: list[Histogram], edges: np.ndarray) -> np.ndarray:
    """:func:`rebin` of many histograms at once (layers × bins); rows of empty ones are 0.

    Equal-width source bins make the cumulative interpolation a lookup: the position of each
    common edge in a layer's bin units, its whole part indexing the cumulative counts and its
    fraction taking that share of the next bin.
    """
    nbins = {len(h.counts) for h in hists}
    if len(nbins) != 1:
        return np.array([rebin(h, edges) for h in hists]).reshape(len(hists), len(edges) - 1)
    n = nbins.pop()
    counts = np.array([h.counts for h in hists], dtype=np.float64)
    starts = np.array([h.edges[0] for h in hists], dtype=np.float64)[:, None]
    widths = np.array([h.edges[-1] - h.edges[0] for h in hists], dtype=np.float64)[:, None] / n
    with np.errstate(all="ignore"):
        position = np.clip((edges[None, :] - starts) / widths, 0.0, float(n))
    position = np.nan_to_num(position, nan=0.0)
    whole = np.minimum(position.astype(np.intp), n - 1)
    cumulative = np.concatenate([np.zeros((len(hists), 1)), np.cumsum(counts, axis=1)], axis=1)
    at_edges = np.take_along_axis(cumulative, whole, 1) + (position - whole) * np.take_along_axis(counts, whole, 1)
    return np.diff(at_edges, axis=1)


def heat_rows(hists: list[Histogram], x_range: Span, log: bool, bins: int = COMPACT_BINS) -> np.ndarray:
    """Layers × ``bins`` matrix in [0, 1]: each layer re-binned on common edges and divided by
    its own maximum (after log10(1 + c) when ``log``); NaN rows for layers without finite values."""
    edges = np.linspace(x_range[0], x_range[1], bins + 1)
    rows = y_values(rebin_all(hists, edges), log) if hists else np.zeros((0, bins))
    peak = rows.max(axis=1, keepdims=True) if hists else np.zeros((0, 1))
    with np.errstate(all="ignore"):
        out = np.where(peak > 0, rows / np.where(peak > 0, peak, 1.0), rows)
    out[[h.n_binned == 0 for h in hists]] = np.nan
    return out


def nonfinite_fraction(summary: TensorSummary) -> float:
    count = summary.stats.get("count") or 0
    if not count:
        return 0.0
    return (summary.stats.get("n_nan", 0) + summary.stats.get("n_inf", 0)) / count


NONFINITE_ROWS = (("n_nan", math.nan), ("n_posinf", math.inf), ("n_neginf", -math.inf))


def table_rows(frame: Any, kinds: Iterable[str]) -> list[dict[str, Any]]:
    """One dict per bin — layer, kind, left, right, count — then per tensor three rows for
    the values no bin holds: ``left`` NaN, +inf or −inf, ``right`` None, ``count`` how many."""
    rows: list[dict[str, Any]] = []
    kinds = tuple(kinds)
    for layer in frame.layers:
        for kind in kinds:
            summary = layer.summaries.get(kind)
            if summary is None:
                continue
            h = summary.histogram
            where = {"layer": layer.index, "kind": kind}
            rows.extend({**where, "left": left, "right": right, "count": int(count)}
                        for left, right, count in zip(h.edges[:-1].tolist(), h.edges[1:].tolist(), h.counts.tolist()))
            rows.extend({**where, "left": value, "right": None, "count": int(getattr(h, field))}
                        for field, value in NONFINITE_ROWS)
    return rows
