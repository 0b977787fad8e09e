"""initviz: a laboratory for neural-network weight initialization.

The public Python API (:mod:`initviz.api`, reference in the README's "Python API"): build or
load experiments, simulate, statistics as plain dicts, histograms as numpy arrays, mean-field
theory, train, race inits, sweeps, presets and paper reproductions.

>>> import initviz
>>> exp = initviz.load_experiment("resources/examples/deep_tanh_xavier.json")
>>> result = initviz.simulate(exp)
>>> result.layers[0].W.shape
(784, 256)
"""

from __future__ import annotations

__version__ = "0.1.0"

from initviz.api import (
    experiment, histograms, list_presets, load_preset, load_sweep, lsuv, race, reproduce, reproductions, run_sweep,
    simulate, stack, statistics, theory, train, with_activation, with_bias, with_init,
)
from initviz.errors import ExperimentError, MemoryBudgetError
from initviz.model import Experiment, LayerSpec, default_experiment, load_experiment, save_experiment

__all__ = [
    "Experiment", "ExperimentError", "LayerSpec", "MemoryBudgetError", "__version__", "default_experiment",
    "experiment", "histograms", "list_presets", "load_experiment", "load_preset", "load_sweep", "lsuv", "race",
    "reproduce", "reproductions", "run_sweep", "save_experiment", "simulate", "stack", "statistics", "theory",
    "train", "with_activation", "with_bias", "with_init",
]
