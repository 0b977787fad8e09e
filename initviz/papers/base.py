"""What a paper reproduction is: a citation, a setup of experiments built in code, and rows of
measured figures beside what the paper reports and what theory predicts, each with a stated
tolerance. Plus the shared measurement: a forward pass and a backward pass whose top gradient
is independent of the forward signal — the assumption every one of these papers makes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from initviz.engine import network

REPRODUCE_STREAM = 7
"""Spawn key under the experiment seed for the extra draws of a reproduction (top gradients,
second input batches): network.py uses 0–2 and training 3–4, so these never coincide."""


@dataclass(frozen=True)
class Citation:
    """Where the claim comes from: ``where`` names the section and equations."""

    authors: str
    year: int
    title: str
    venue: str
    where: str

    def __str__(self) -> str:
        return f"{self.authors} ({self.year}). {self.title}. {self.venue}; {self.where}."


@dataclass(frozen=True)
class Row:
    """One figure. ``paper`` is the paper's number, or its claim in words when it gives none
    (None: it says nothing about this figure); ``theory`` is what the engine's theory predicts
    for this very setup. The row holds when |measured − theory| ≤ tolerance (× |theory| when
    ``relative``); rows without a theory are checked against a numeric ``paper`` value."""

    quantity: str
    measured: float
    paper: float | str | None
    theory: float | None
    tolerance: float
    relative: bool = False
    note: str = ""

    @property
    def reference(self) -> float:
        """The value the measurement is checked against."""
        if self.theory is not None:
            return self.theory
        if isinstance(self.paper, (int, float)):
            return float(self.paper)
        raise ValueError(f"row {self.quantity!r} has neither a theory value nor a numeric paper value")

    @property
    def allowed(self) -> float:
        """The absolute deviation allowed."""
        return self.tolerance * abs(self.reference) if self.relative else self.tolerance

    @property
    def within_tolerance(self) -> bool:
        return bool(math.isfinite(self.measured) and abs(self.measured - self.reference) <= self.allowed)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types; NaN and ±inf become None."""
        return {"quantity": self.quantity, "measured": _finite(self.measured),
                "paper": self.paper if isinstance(self.paper, str) or self.paper is None else _finite(self.paper),
                "theory": None if self.theory is None else _finite(self.theory), "tolerance": self.tolerance,
                "relative": self.relative, "within_tolerance": self.within_tolerance, "note": self.note}


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Report:
    """A target's rows for one seed."""

    target: "Target"
    seed: int
    rows: tuple[Row, ...]
    seconds: float

    @property
    def passed(self) -> bool:
        return all(row.within_tolerance for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        c = self.target.citation
        return {"target": self.target.key, "citation": {"authors": c.authors, "year": c.year, "title": c.title,
                                                       "venue": c.venue, "where": c.where},
                "claim": self.target.claim, "setup": self.target.setup, "seed": self.seed,
                "passed": self.passed, "seconds": round(self.seconds, 3), "rows": [r.to_dict() for r in self.rows]}


@dataclass(frozen=True)
class Target:
    """A paper reproduction: ``experiments(seed)`` builds its setup, ``measure(seed)`` its rows."""

    key: str
    citation: Citation
    claim: str
    setup: str
    experiments: Callable[[int], dict[str, Any]]
    measure: Callable[[int], list[Row]]
    notes: tuple[str, ...] = field(default=())

    def run(self, seed: int = 0) -> list[Row]:
        """The rows measured with ``seed`` (the experiments' seed: weights, inputs, gradients)."""
        return self.measure(seed)

    def report(self, seed: int = 0) -> Report:
        start = time.perf_counter()
        rows = tuple(self.measure(seed))
        return Report(self, seed, rows, time.perf_counter() - start)


# --- shared measurement ------------------------------------------------------------------

def extra_stream(seed: int, purpose: int) -> np.random.Generator:
    """A generator for a reproduction's own draws, independent of the experiment's streams."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(REPRODUCE_STREAM, purpose)))


def draw_layers(experiment: Any) -> list[network.LayerParameters]:
    """Every layer's weights, from the experiment's own streams (what ``simulate`` draws)."""
    return [network.draw_layer(experiment, i) for i in range(len(experiment.layers))]


def propagate(experiment: Any, x: np.ndarray | None = None, params: list | None = None,
              weight_grads: bool = False) -> list[network.LayerResult]:
    """Forward ``x`` (default: the experiment's input batch) through the experiment's layers,
    then back-propagate a top gradient ∂L/∂a^L ~ N(0, 1) drawn independently of everything
    else — the papers' assumption (Glorot & Bengio 2010 §4.2.1; He et al. 2015 §2.2), which
    the MSE loss of ``simulate`` breaks by carrying the output itself (see engine/theory.py)."""
    params = draw_layers(experiment) if params is None else params
    x = network.draw_input(experiment) if x is None else x
    with np.errstate(all="ignore"):
        zs, acts = network.forward(x, params)
        g = extra_stream(experiment.seed, 0).standard_normal(acts[-1].shape).astype(acts[-1].dtype)
        return network.backward(x, params, zs, acts, g, weight_grads=weight_grads)


def second_moment(values: np.ndarray) -> float:
    """E[v²] over every entry, accumulated in float64."""
    return float(np.mean(np.square(values, dtype=np.float64)))


def variance(values: np.ndarray) -> float:
    """Var over every entry (ddof 0), in float64."""
    return float(np.var(values, dtype=np.float64))


def log_slope(values: np.ndarray) -> float:
    """The least-squares slope of ln(values) against their index."""
    y = np.log(np.asarray(values, dtype=np.float64))
    return float(np.polyfit(np.arange(y.size, dtype=np.float64), y, 1)[0])
