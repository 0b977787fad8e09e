"""Issue 7: 5 x 500 random edits (insert, remove, move, duplicate, set fields, undo, redo) with the
layer table model under pytest-qt's qtmodeltester: invariants hold, undo-all returns the initial
experiment, redo-all the final one."""

import random

import pytest

from initviz.errors import ExperimentError
from initviz.model.document import Document
from initviz.model.experiment import LayerSpec, default_experiment
from initviz.ui.layer_model import LayerTableModel

ACTIVATIONS = ["relu", "tanh", "sigmoid", "gelu", {"name": "leaky_relu", "negative_slope": 0.2}]
INITS = ["xavier_uniform", "kaiming_normal", "orthogonal", {"name": "normal", "std": 0.05}, "zeros"]


def random_edit(doc: Document, rng: random.Random) -> None:
    n = len(doc.experiment.layers)
    rows = rng.sample(range(n), rng.randint(1, min(3, n)))
    op = rng.choice(["insert", "remove", "move", "duplicate", "units", "activation", "init", "seed", "undo", "redo"])
    try:
        if op == "insert":
            doc.insert_layers(rng.randint(0, n), [LayerSpec(rng.randint(1, 64))])
        elif op == "remove" and n > len(rows):
            doc.remove_layers(rows)
        elif op == "move":
            doc.move_layers(rows, rng.randint(0, n))
        elif op == "duplicate" and n < 40:
            doc.duplicate_layers(rows)
        elif op == "units":
            doc.set_layer_field(rows, "units", rng.randint(1, 64))
        elif op == "activation":
            doc.set_layer_field(rows, "activation", rng.choice(ACTIVATIONS))
        elif op == "init":
            doc.set_layer_field(rows, "init", rng.choice(INITS))
        elif op == "seed":
            doc.set_setting("seed", rng.randint(0, 1000))
        elif op == "undo" and doc.can_undo:
            doc.undo()
        elif op == "redo" and doc.can_redo:
            doc.redo()
    except ExperimentError:
        pass  # a refused edit changes nothing; the invariants below still hold


@pytest.mark.parametrize("seed", range(5))
def test_five_hundred_random_edits_keep_the_model_and_history_consistent(qtmodeltester, seed):
    start = default_experiment().replace(layers=default_experiment().layers[:4])
    doc = Document(start)
    model = LayerTableModel(doc)
    qtmodeltester.check(model)
    rng = random.Random(seed)
    for _ in range(500):
        random_edit(doc, rng)
        layers = doc.experiment.layers
        assert model.rowCount() == len(layers)
        for row in (0, len(layers) - 1):
            assert model.data(model.index(row, 0)) == layers[row].units
    qtmodeltester.check(model)
    final = doc.experiment
    while doc.can_undo:
        doc.undo()
    assert doc.experiment == start
    while doc.can_redo:
        doc.redo()
    assert doc.experiment == final
    model.close()
