"""Document edits of the data and training sections: the network follows the data, undo restores
everything, refused edits change nothing, and a mirror of the layer list stays in sync."""

from __future__ import annotations

import pytest

from initviz.errors import ExperimentError
from initviz.model.document import SETTINGS, Document, Event
from initviz.model.experiment import DataSpec, TrainingSpec
from tests.model.test_document import Mirror, make_experiment


@pytest.fixture
def doc() -> Document:
    return Document(make_experiment(10, 20, 5))  # 4 features in, mse, no data


def with_spirals(doc: Document) -> Document:
    doc.set_setting("data.name", "spirals")
    return doc


def test_choosing_a_data_set_fits_the_network_and_is_one_undo_step(doc):
    mirror = Mirror(doc)
    before = doc.experiment
    doc.set_setting("data.name", "spirals")
    exp = doc.experiment
    assert exp.data == DataSpec("spirals") and exp.input.features == 2
    assert [layer.units for layer in exp.layers] == [10, 20, 3] and exp.loss == "cross_entropy"
    assert mirror.events == [Event("reset")] and mirror.layers == list(exp.layers)
    assert doc.undo_text == "Set data.name"
    doc.undo()
    assert doc.experiment == before and mirror.layers == list(before.layers) and not doc.can_undo
    doc.redo()
    assert doc.experiment == exp and mirror.layers == list(exp.layers)


def test_an_edit_that_leaves_the_layers_alone_is_a_settings_event(doc):
    with_spirals(doc)
    mirror = Mirror(doc)
    doc.set_setting("data.n", 600)
    doc.set_setting("data.test_fraction", 0.25)
    doc.set_setting("data.seed", 7)
    assert doc.experiment.data == DataSpec("spirals", n=600, test_fraction=0.25, seed=7)
    assert mirror.events == [Event("settings")] * 3


def test_a_parameter_that_changes_the_classes_changes_the_last_layer(doc):
    with_spirals(doc)
    mirror = Mirror(doc)
    doc.set_data_param("arms", 5, merge_key="drag")
    doc.set_data_param("arms", 6, merge_key="drag")
    assert doc.experiment.layers[-1].units == 6 and doc.experiment.data.params == (("arms", 6),)
    assert [e.kind for e in mirror.events] == ["reset", "reset"] and mirror.events[1].continued
    assert mirror.layers == list(doc.experiment.layers)
    doc.undo()  # the drag was one step
    assert doc.experiment.layers[-1].units == 3 and doc.experiment.data.params == ()
    doc.redo()
    doc.set_data_param("arms", None)  # back to the default
    assert doc.experiment.data.params == () and doc.experiment.layers[-1].units == 3


def test_blobs_features_follow_into_the_input(doc):
    doc.set_data({"name": "blobs", "params": {"features": 7, "classes": 4}})
    assert doc.experiment.input.features == 7 and doc.experiment.layers[-1].units == 4
    doc.set_data_param("features", 3)
    assert doc.experiment.input.features == 3 and doc.experiment.fans(0) == (3, 10)


def test_a_new_data_set_drops_the_old_ones_params_and_n(doc):
    with_spirals(doc)
    doc.set_data_param("arms", 4)
    doc.set_setting("data.n", 5000)
    doc.set_setting("data.seed", 3)
    doc.set_setting("data.name", "digits")
    assert doc.experiment.data == DataSpec("digits", seed=3)
    assert doc.experiment.input.features == 64 and doc.experiment.layers[-1].units == 10


def test_the_loss_follows_the_kind_of_task_and_otherwise_stays(doc):
    with_spirals(doc)
    assert doc.experiment.loss == "cross_entropy"
    doc.set_setting("loss", "mse")  # one-hot mse on labels is allowed
    doc.set_setting("data.name", "digits")  # still classification: the user's choice stays
    assert doc.experiment.loss == "mse"
    doc.set_setting("data.name", "teacher")
    assert doc.experiment.loss == "mse" and doc.experiment.layers[-1].units == 1
    doc.set_setting("data.name", "moons")
    assert doc.experiment.loss == "cross_entropy"


def test_removing_the_data_removes_training_and_cross_entropy(doc):
    with_spirals(doc)
    doc.set_setting("training.learning_rate", 0.1)
    exp = doc.experiment
    doc.set_data(None)
    assert doc.experiment.data is None and doc.experiment.training is None and doc.experiment.loss == "mse"
    assert doc.undo_text == "Remove data"
    doc.undo()
    assert doc.experiment == exp


def test_training_settings(doc):
    with_spirals(doc)
    mirror = Mirror(doc)
    doc.set_setting("training.optimizer", "adam")
    assert doc.experiment.training == TrainingSpec(optimizer="adam")
    doc.set_setting("training.epochs", 4)
    assert (doc.experiment.training.steps, doc.experiment.training.epochs) == (None, 4)
    doc.set_setting("training.steps", 250)
    assert (doc.experiment.training.steps, doc.experiment.training.epochs) == (250, None)
    doc.set_setting("training.beta2", 0.99, merge_key="slider")
    doc.set_setting("training.beta2", 0.98, merge_key="slider")
    assert doc.experiment.training.beta2 == 0.98 and mirror.events[-1].continued
    assert all(e.kind == "settings" for e in mirror.events)
    doc.set_training(None)
    assert doc.experiment.training is None
    doc.set_training({"optimizer": "momentum", "momentum": 0.5})
    assert doc.experiment.training == TrainingSpec(optimizer="momentum", momentum=0.5)
    doc.set_training(TrainingSpec(steps=None, epochs=2))
    assert doc.experiment.training.epochs == 2


@pytest.mark.parametrize("edit, path", [
    (lambda d: d.set_setting("data.n", 4), "data.n"),
    (lambda d: d.set_setting("data.test_fraction", 1.0), "data.test_fraction"),
    (lambda d: d.set_setting("data.name", "mnist"), "data.name"),
    (lambda d: d.set_data_param("noise", -1), "data.params.noise"),
    (lambda d: d.set_data_param("classes", 2), "data.params.classes"),
    (lambda d: d.set_setting("training.optimizer", "lbfgs"), "training.optimizer"),
    (lambda d: d.set_setting("training.learning_rate", -1.0), "training.learning_rate"),
    (lambda d: d.set_setting("input.features", 5), "input.features"),
    (lambda d: d.set_setting("loss", "hinge"), "loss"),
    (lambda d: d.set_layer_field(2, "units", 4), "layers[2].units"),
    (lambda d: d.insert_layers(3, [d.experiment.layers[0]]), "layers[3].units"),
    (lambda d: d.set_data({"name": "moons", "n": 1}), "data.n"),
    (lambda d: d.set_setting("training.colour", 1), "training.colour"),
])
def test_refused_edits_name_the_field_and_change_nothing(doc, edit, path):
    with_spirals(doc)
    before, events = doc.experiment, []
    doc.subscribe(events.append)
    doc.mark_saved()
    with pytest.raises(ExperimentError) as info:
        edit(doc)
    assert info.value.path == path
    assert doc.experiment == before and events == [] and not doc.dirty and doc.undo_text == "Set data.name"


@pytest.mark.parametrize("edit, path", [
    (lambda d: d.set_setting("data.n", 100), "data.n"),
    (lambda d: d.set_data_param("noise", 0.1), "data"),
    (lambda d: d.set_setting("training.steps", 10), "training"),
    (lambda d: d.set_training({}), "training"),
    (lambda d: d.set_setting("loss", "cross_entropy"), "loss"),
])
def test_without_data_these_edits_are_refused(doc, edit, path):
    before = doc.experiment
    with pytest.raises(ExperimentError) as info:
        edit(doc)
    assert info.value.path == path and doc.experiment == before and not doc.can_undo


def test_every_section_field_is_a_setting():
    assert {"data.name", "data.n", "data.test_fraction", "data.seed"} <= set(SETTINGS)
    assert {f"training.{k}" for k in ("optimizer", "learning_rate", "batch_size", "steps", "epochs", "momentum",
                                      "beta1", "beta2", "eps", "snapshot_every", "seed")} <= set(SETTINGS)


def test_dirty_follows_data_edits(doc):
    doc.mark_saved()
    with_spirals(doc)
    assert doc.dirty
    doc.undo()
    assert not doc.dirty
