"""initviz: a laboratory for neural-network weight initialization.

>>> import initviz
>>> exp = initviz.load_experiment("resources/examples/deep_tanh_xavier.json")
>>> result = initviz.simulate(exp)
>>> result.layers[0].W.shape
(784, 256)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from initviz.engine import network as _network
from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.errors import ExperimentError, MemoryBudgetError
from initviz.model import Experiment, LayerSpec, default_experiment, load_experiment, save_experiment


def simulate(experiment: Any, memory_budget: int = DEFAULT_BUDGET_BYTES) -> _network.SimulationResult:
    """Forward and backward pass of an experiment (an Experiment, a JSON dict or a file path)."""
    return _network.simulate(load_experiment(experiment), memory_budget=memory_budget)


__all__ = [
    "Experiment", "ExperimentError", "LayerSpec", "MemoryBudgetError", "__version__", "default_experiment",
    "load_experiment", "save_experiment", "simulate",
]
