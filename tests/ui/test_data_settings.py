"""Data and training settings edit the document's v2 sections, one undo step each."""

from initviz.model.document import Document
from initviz.model.experiment import default_experiment
from initviz.ui.data_settings import NO_DATA, DataSettingsPanel


def test_choosing_a_data_set_fits_the_net_and_undo_restores_it(qtbot):
    doc = Document(default_experiment())
    panel = DataSettingsPanel(doc)
    qtbot.addWidget(panel)
    assert panel.data.currentText() == NO_DATA and not panel.optimizer.isEnabled()
    panel.data.setCurrentText("spirals")
    exp = doc.experiment
    assert exp.data.name == "spirals" and exp.input.features == 2 and exp.layers[-1].units == 3
    assert panel.optimizer.isEnabled()
    panel.learning_rate.setValue(0.05)
    panel.optimizer.setCurrentText("adam")
    assert doc.experiment.training.learning_rate == 0.05 and doc.experiment.training.optimizer == "adam"
    doc.undo()
    doc.undo()
    doc.undo()
    assert doc.experiment == default_experiment() and panel.data.currentText() == NO_DATA


def test_split_and_schedule_fields_reach_the_document_and_none_removes_the_sections(qtbot):
    doc = Document(default_experiment())
    panel = DataSettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.data.setCurrentText("digits")
    assert doc.experiment.input.features == 64 and doc.experiment.layers[-1].units == 10
    panel.test_fraction.setValue(0.3)
    panel.steps.setValue(250)
    panel.snapshot_every.setValue(25)
    assert doc.experiment.data.test_fraction == 0.3
    assert (doc.experiment.training.steps, doc.experiment.training.snapshot_every) == (250, 25)
    panel.data.setCurrentText(NO_DATA)
    assert doc.experiment.data is None and doc.experiment.training is None
    assert not panel.steps.isEnabled()


def test_a_classification_data_set_gives_a_linear_output_layer_for_softmax(qtbot):
    doc = Document(default_experiment())  # tanh everywhere
    panel = DataSettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.data.setCurrentText("xor")
    exp = doc.experiment
    assert exp.loss == "cross_entropy" and exp.layers[-1].activation.name == "identity"
    assert all(layer.activation.name == "tanh" for layer in exp.layers[:-1])
    doc.undo()
    assert doc.experiment == default_experiment()
