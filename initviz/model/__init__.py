"""The experiment document: specs, validation, files (no Qt)."""

from initviz.model.experiment import (
    Component, DataSpec, Experiment, InputSpec, LayerSpec, TrainingSpec, default_experiment, fitted_to_data,
    parse_experiment, to_dict, validated,
)
from initviz.model.files import experiment_json, load_experiment, save_experiment

__all__ = [
    "Component", "DataSpec", "Experiment", "InputSpec", "LayerSpec", "TrainingSpec", "default_experiment",
    "experiment_json", "fitted_to_data", "load_experiment", "parse_experiment", "save_experiment", "to_dict",
    "validated",
]
