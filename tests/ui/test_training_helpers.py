"""Small experiments that train in well under a second, for the training dock's tests, and a
check that the shipped examples start in the dock."""

import json
from pathlib import Path

import pytest

from initviz.model import parse_experiment
from initviz.model.document import Document
from initviz.ui.training_controller import TrainingController

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def spirals(steps=120, lr=0.01, snapshot_every=20, optimizer="adam", n=300, seed=0, widths=(16, 16)):
    """A tiny ReLU net on 3 spiral arms (2-D: decision regions)."""
    layers = [{"units": w, "activation": "relu", "init": "he_normal"} for w in widths]
    layers.append({"units": 3, "activation": "identity", "init": "xavier_normal"})
    return parse_experiment({
        "format": "initviz.experiment", "version": 2, "name": "tiny spirals", "seed": seed,
        "input": {"features": 2, "batch": 64}, "loss": "cross_entropy",
        "data": {"name": "spirals", "n": n, "seed": 0},
        "training": {"optimizer": optimizer, "learning_rate": lr, "batch_size": 32, "steps": steps,
                     "snapshot_every": snapshot_every, "seed": 0},
        "layers": layers})


def digits(steps=60, snapshot_every=20, n=400):
    """A small tanh net on the 8×8 digits (64 features: no decision regions)."""
    return parse_experiment({
        "format": "initviz.experiment", "version": 2, "name": "tiny digits", "seed": 0,
        "input": {"features": 64, "batch": 64}, "loss": "cross_entropy",
        "data": {"name": "digits", "n": n, "seed": 0},
        "training": {"optimizer": "sgd", "learning_rate": 0.05, "batch_size": 32, "steps": steps,
                     "snapshot_every": snapshot_every, "seed": 0},
        "layers": [{"units": 32, "activation": "tanh", "init": "xavier_uniform"},
                   {"units": 10, "activation": "identity", "init": "xavier_normal"}]})


def example(name):
    """One of the shipped examples, e.g. ``spirals_deep_relu_he``."""
    return parse_experiment(json.loads((EXAMPLES / f"{name}.json").read_text()))


def teacher(steps=40, features=2):
    """A small regression onto a random teacher network (no classes: no accuracy, no regions)."""
    return parse_experiment({
        "format": "initviz.experiment", "version": 2, "name": "tiny teacher", "seed": 0,
        "input": {"features": features, "batch": 64}, "loss": "mse",
        "data": {"name": "teacher", "params": {"features": features, "hidden": 8}, "n": 300, "seed": 0},
        "training": {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 32, "steps": steps,
                     "snapshot_every": 20, "seed": 0},
        "layers": [{"units": 16, "activation": "selu", "init": "lecun_normal"},
                   {"units": 1, "activation": "identity", "init": "lecun_normal"}]})


@pytest.mark.parametrize("name, total, regions", [("spirals_deep_relu_he", 3000, True),
                                                   ("digits_tanh_xavier", 900, False),
                                                   ("teacher_selu_lecun", 3000, False)])
def test_the_shipped_examples_take_a_step_in_the_dock(qtbot, name, total, regions):
    controller = TrainingController(Document(example(name)))
    try:
        controller.step()
        qtbot.waitUntil(lambda: controller.state == "paused" and controller.worker_idle, timeout=60000)
        assert controller.step_count == 1 and controller.info.total_steps == total
        assert controller.info.has_regions == regions and bool(controller.regions) == regions
    finally:
        controller.shutdown()
