"""The Qt item model over the document: model tester, both directions of sync, drag and drop."""

import pytest
from PySide6.QtCore import QModelIndex, Qt

from initviz.model.document import Document
from initviz.model.experiment import Component, LayerSpec, parse_experiment
from initviz.ui.layer_model import LayerTableModel, layer_label
from initviz.ui.layer_panel import LayerPanel


def experiment(n=4):
    return parse_experiment({"input": {"features": 8, "batch": 4},
                             "layers": [{"units": 10 + i, "activation": "tanh", "init": "xavier_uniform"} for i in range(n)]})


def units(model):
    return [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def test_model_tester_after_inserts_removes_moves_and_edits(qtmodeltester):
    doc = Document(experiment())
    model = LayerTableModel(doc)
    qtmodeltester.check(model, force_py=False)
    doc.insert_layers(1, [LayerSpec(99)])
    doc.remove_layers([0, 3])
    doc.move_layers([2], 0)
    doc.set_layer_field([1], "activation", Component("relu"))
    doc.duplicate_layers([0, 1])
    doc.undo()
    doc.undo()
    doc.redo()
    qtmodeltester.check(model, force_py=False)
    assert units(model) == [layer.units for layer in doc.experiment.layers]
    assert [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())] == [str(r) for r in range(model.rowCount())]


def test_document_to_model_and_model_to_document():
    doc = Document(experiment())
    model = LayerTableModel(doc)
    doc.set_layer_field([2], "units", 64)
    assert model.data(model.index(2, 0)) == 64
    assert model.setData(model.index(0, 0), 33)
    assert doc.experiment.layers[0].units == 33
    assert not model.setData(model.index(0, 0), 0)
    assert "layers[0].units" in model.last_error and doc.experiment.layers[0].units == 33
    doc.undo()
    assert model.data(model.index(0, 0)) == 10


def test_drop_moves_rows_and_is_one_undo_step():
    doc = Document(experiment(5))
    model = LayerTableModel(doc)
    mime = model.mimeData([model.index(0, 0), model.index(1, 0)])
    handled = model.dropMimeData(mime, Qt.DropAction.MoveAction, 4, 0, QModelIndex())
    assert handled is False  # the view must not delete the source rows afterwards
    assert units(model) == [12, 13, 10, 11, 14]
    doc.undo()
    assert units(model) == [10, 11, 12, 13, 14]


def test_labels_describe_layers():
    layer = LayerSpec(256, Component("leaky_relu", (("negative_slope", 0.1),)), Component("he_normal"))
    assert layer_label(3, layer) == "3 · leaky_relu(negative_slope=0.1) · he_normal · 256"


def test_panel_actions_and_selection(qtbot):
    doc = Document(experiment(3))
    panel = LayerPanel(doc)
    qtbot.addWidget(panel)
    seen = []
    panel.selection_changed.connect(seen.append)
    panel.select([1])
    assert seen[-1] == [1]
    panel.actions_by_name["duplicate"].trigger()
    assert [l.units for l in doc.experiment.layers] == [10, 11, 11, 12] and panel.selected_rows() == [2]
    panel.actions_by_name["up"].trigger()
    panel.actions_by_name["up"].trigger()
    assert panel.selected_rows() == [0]  # selection follows the moved row
    panel.actions_by_name["delete"].trigger()
    assert len(doc.experiment.layers) == 3
    panel.actions_by_name["add"].trigger()
    assert len(doc.experiment.layers) == 4 and panel.selected_rows() == [3]
    combo = panel.all_layers["init"]
    combo.setCurrentIndex(combo.findText("he_normal"))
    assert {l.init for l in doc.experiment.layers} == {Component("he_normal")} and combo.currentIndex() == 0
    doc.undo()
    assert {l.init for l in doc.experiment.layers} == {Component("xavier_uniform")}


def test_cannot_delete_the_last_layer(qtbot):
    doc = Document(experiment(1))
    panel = LayerPanel(doc)
    qtbot.addWidget(panel)
    errors = []
    panel.error.connect(errors.append)
    panel.select([0])
    panel.delete()
    assert len(doc.experiment.layers) == 1 and errors


def test_an_edit_signals_only_the_cells_it_changed():
    """A view repaints a single cell alone but all of itself for a range: a gain drag over every
    layer must name the init cells only, one by one."""
    doc = Document(experiment(5))
    model = LayerTableModel(doc)
    signals = []
    model.dataChanged.connect(lambda a, b, *_: signals.append(((a.row(), a.column()), (b.row(), b.column()))))
    doc.set_layer_param(range(5), "init", "gain", 0.8)
    assert signals == [((r, 2), (r, 2)) for r in range(5)]
    assert model.data(model.index(3, 2)) == "xavier_uniform(gain=0.8)"
    signals.clear()
    doc.set_layer_field([1, 3], "activation", "relu")
    assert signals == [((1, 1), (1, 1)), ((3, 1), (3, 1))]
    signals.clear()
    model.MAX_CELL_SIGNALS = 3  # beyond it: one range per run of rows
    doc.set_layer_param(range(5), "init", "gain", 0.9)
    assert signals == [((0, 0), (4, 3))]
