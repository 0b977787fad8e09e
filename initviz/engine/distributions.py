"""What a scheme promises about one weight: its law, mean, variance and density.

Used for the density overlay on weight histograms, for mean-field theory
(σ_w² = fan_in · Var(W), REFERENCE.md) and to test the samplers against their formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from initviz.engine import special


@dataclass(frozen=True)
class Distribution:
    """A mixture of point masses ``atoms`` [(value, probability)] and one continuous part.

    ``kind`` of the continuous part: ``"normal"`` N(mean, std²), ``"uniform"`` U(low, high),
    ``"truncated_normal"`` N(mean, std²) conditioned on [low, high], or ``"none"``.
    ``approximate`` marks laws that only hold per entry approximately (orthogonal matrices).
    """

    kind: str
    mean: float = 0.0
    std: float = 0.0
    low: float = -math.inf
    high: float = math.inf
    atoms: tuple[tuple[float, float], ...] = ()
    approximate: bool = False

    @property
    def continuous_mass(self) -> float:
        return 0.0 if self.kind == "none" else 1.0 - sum(p for _, p in self.atoms)

    def _continuous_moments(self) -> tuple[float, float]:
        """Mean and variance of the continuous part."""
        if self.kind == "normal":
            return self.mean, self.std * self.std  # products, not **: a float overflows to inf, no exception
        if self.kind == "uniform":
            width = self.high - self.low
            return 0.5 * self.low + 0.5 * self.high, width * width / 12.0
        if self.kind == "truncated_normal":
            return truncated_normal_moments(self.mean, self.std, self.low, self.high)
        return 0.0, 0.0

    def expectation(self) -> float:
        """E[w]."""
        m, _ = self._continuous_moments()
        return self.continuous_mass * m + sum(v * p for v, p in self.atoms)

    def second_moment(self) -> float:
        """E[w²]."""
        m, var = self._continuous_moments()
        return self.continuous_mass * (var + m * m) + sum(v * v * p for v, p in self.atoms)

    def variance(self) -> float:
        """Var(w) = E[w²] − E[w]²."""
        mean = self.expectation()
        return max(self.second_moment() - mean * mean, 0.0)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Density of the continuous part, scaled by its mass (atoms are not included)."""
        x = np.asarray(x, dtype=np.float64)
        mass = self.continuous_mass
        if self.kind == "normal" and self.std > 0:
            return mass * special.norm_pdf((x - self.mean) / self.std) / self.std
        if self.kind == "uniform" and self.high > self.low:
            inside = (x >= self.low) & (x <= self.high)
            return np.where(inside, mass / (self.high - self.low), 0.0)
        if self.kind == "truncated_normal" and self.std > 0:
            alpha, beta = (self.low - self.mean) / self.std, (self.high - self.mean) / self.std
            z = normal_mass(alpha, beta)
            inside = (x >= self.low) & (x <= self.high)
            dens = special.norm_pdf((x - self.mean) / self.std) / (self.std * z)
            return np.where(inside, mass * dens, 0.0)
        return np.zeros_like(x)


def truncated_normal_moments(mean: float, std: float, low: float, high: float) -> tuple[float, float]:
    """Mean and variance of N(mean, std²) conditioned on [low, high] (Johnson, Kotz & Balakrishnan 1994)."""
    if std == 0:
        return min(max(mean, low), high), 0.0
    alpha, beta = (low - mean) / std, (high - mean) / std
    pa, pb = float(special.norm_pdf(np.float64(alpha))), float(special.norm_pdf(np.float64(beta)))
    z = normal_mass(alpha, beta)
    a_term = alpha * pa if math.isfinite(alpha) else 0.0
    b_term = beta * pb if math.isfinite(beta) else 0.0
    m = mean + std * (pa - pb) / z
    var = std**2 * (1.0 + (a_term - b_term) / z - ((pa - pb) / z) ** 2)
    return m, var


def normal_mass(alpha: float, beta: float) -> float:
    """Φ(β) − Φ(α) for α ≤ β, taken from the lower tail where Φ is precise (Φ(β) − Φ(α) =
    Φ(−α) − Φ(−β)); near 1 the difference of two CDF values cancels (e.g. [8, 9] loses 7%)."""
    if alpha > 0:
        alpha, beta = -beta, -alpha
    return float(special.ndtr(np.float64(beta)) - special.ndtr(np.float64(alpha)))
