"""The experiment document: specs, validation, files (no Qt)."""

from initviz.model.experiment import (
    Component, Experiment, InputSpec, LayerSpec, default_experiment, parse_experiment, to_dict, validated,
)
from initviz.model.files import experiment_json, load_experiment, save_experiment

__all__ = [
    "Component", "Experiment", "InputSpec", "LayerSpec", "default_experiment", "experiment_json",
    "load_experiment", "parse_experiment", "save_experiment", "to_dict", "validated",
]
