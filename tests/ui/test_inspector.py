"""Inspector and settings: UI -> document and document -> UI, multi-select, refusals, slider drags."""

import pytest
from PySide6.QtCore import Qt

from initviz.model.document import Document
from initviz.model.experiment import Component, parse_experiment
from initviz.ui.inspector import Inspector
from initviz.ui.settings_panel import SettingsPanel


@pytest.fixture
def doc():
    return Document(parse_experiment({"input": {"features": 8, "batch": 4}, "layers": [
        {"units": 10, "activation": "tanh", "init": "xavier_uniform"},
        {"units": 11, "activation": "relu", "init": "he_normal"},
        {"units": 12, "activation": "tanh", "init": {"name": "xavier_normal", "gain": 2.0}}]}))


@pytest.fixture
def inspector(qtbot, doc):
    widget = Inspector(doc)
    qtbot.addWidget(widget)
    return widget


def test_shows_selected_layer_and_follows_document(inspector, doc):
    inspector.set_selection([2])
    init = inspector.components["init"]
    assert init.combo.currentText() == "xavier_normal"
    assert init.editors["gain"].spin.value() == 2.0
    doc.set_layer_param([2], "init", "gain", 1.5)
    assert init.editors["gain"].spin.value() == 1.5
    assert "Glorot" in init.formula.text()


def test_edit_in_inspector_sets_every_selected_layer(inspector, doc):
    inspector.set_selection([0, 2])
    assert "2 layers" in inspector.title.text()
    inspector.units.setValue(64)
    assert [l.units for l in doc.experiment.layers] == [64, 11, 64]
    act = inspector.components["activation"]
    act.combo.textActivated.emit("sigmoid")
    assert [l.activation.name for l in doc.experiment.layers] == ["sigmoid", "relu", "sigmoid"]
    doc.undo()
    doc.undo()
    assert [l.units for l in doc.experiment.layers] == [10, 11, 12]


def test_switching_scheme_keeps_parameters_it_accepts(inspector, doc):
    inspector.set_selection([2])
    inspector.components["init"].combo.textActivated.emit("orthogonal")
    assert doc.experiment.layers[2].init == Component("orthogonal", (("gain", 2.0),))


def test_gain_slider_drag_is_one_undo_step(inspector, doc):
    inspector.set_selection([0])
    gain = inspector.components["init"].editors["gain"]
    gain.slider.sliderPressed.emit()
    for position in range(100, 200, 5):
        gain.slider.setValue(position)
    gain.slider.sliderReleased.emit()
    assert doc.experiment.layers[0].init.kwargs["gain"] == pytest.approx(195 / 400 * 4)
    doc.undo()
    assert doc.experiment.layers[0].init == Component("xavier_uniform")


def test_auto_gain_checkbox(inspector, doc):
    inspector.set_selection([0])
    gain = inspector.components["init"].editors["gain"]
    gain.auto.setChecked(True)
    assert doc.experiment.layers[0].init.kwargs["gain"] == "auto"
    assert not gain.spin.isEnabled()


def test_refused_edit_shows_reason_and_keeps_document(inspector, doc):
    doc.set_layer_field([0], "init", Component("uniform", (("a", -1.0), ("b", 1.0))))
    inspector.set_selection([0])
    before = doc.experiment
    inspector.components["init"].editors["a"].spin.setValue(5.0)
    assert doc.experiment == before
    assert "layers[0].init.b" in inspector.error.text()
    assert inspector.components["init"].editors["a"].spin.value() == -1.0  # back to the document's value


def test_bias_offers_only_vector_schemes(inspector):
    combo = inspector.components["bias"].combo
    names = [combo.itemText(i) for i in range(combo.count())]
    assert "zeros" in names and "torch_default" in names and "xavier_uniform" not in names


def test_settings_panel_round_trip(qtbot, doc):
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.batch.setValue(256)
    assert doc.experiment.input.batch == 256
    doc.set_setting("seed", 42)
    assert panel.seed.value() == 42
    panel.reseed.click()
    assert doc.experiment.seed != 42
    panel.dtype.setCurrentText("float64")
    assert doc.experiment.dtype == "float64"
    doc.undo()
    assert panel.dtype.currentText() == "float32"
