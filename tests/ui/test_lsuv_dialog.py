"""The LSUV dialog: runs in the background, shows every layer and every measurement, applies
orthogonal gains as one undo step, validates its fields inline, and cancels."""

import os

import pytest
from PySide6.QtCore import Qt

from initviz.engine import lsuv
from initviz.model import Component, parse_experiment
from initviz.model.document import Document
from initviz.ui.lsuv_dialog import LsuvDialog
from initviz.ui.lsuv_tables import number

TOL = 0.1


def make(depth=8, width=48, activation="tanh", batch=256, features=32, bias=None):
    return parse_experiment({"dtype": "float64", "seed": 5, "input": {"features": features, "batch": batch},
                             "layers": [{"units": width, "activation": activation, "init": "xavier_uniform",
                                         "bias": bias or {"name": "normal", "std": 0.5}} for _ in range(depth)]})


@pytest.fixture
def document():
    return Document(make())


@pytest.fixture
def dialog(qtbot, document):
    widget = LsuvDialog(document)
    qtbot.addWidget(widget)
    widget.show()  # never exec(): nothing modal in a test
    yield widget
    widget.reject()  # cancels and waits for a run still going


def run(qtbot, dialog, timeout=10000):
    with qtbot.waitSignal(dialog.finished_run, timeout=timeout) as blocker:
        assert dialog.run()
        assert dialog.running and not dialog.run_button.isEnabled() and dialog.cancel_button.isEnabled()
    return blocker.args[0]


def cell(model, row, column):
    return model.data(model.index(row, column))


def test_run_is_in_the_background_and_the_tables_show_every_layer_converged(qtbot, dialog, document, tmp_path):
    result = run(qtbot, dialog)  # run() returned while the worker still ran (asserted in run)
    assert result is dialog.result() and result.converged
    layers, steps = dialog.layer_model, dialog.step_model
    assert layers.rowCount() == len(document.experiment.layers) == 8
    for row in range(layers.rowCount()):
        assert cell(layers, row, 0).startswith(f"{row} · tanh · xavier_uniform · 48")
        assert cell(layers, row, 1) == "converged"
        assert abs(float(cell(layers, row, 4)) - 1) < TOL  # final Var(z)
        assert float(cell(layers, row, 5)) < TOL  # |Var(z) − 1|
        assert cell(layers, row, 3) == number(result.gains[row])
        assert layers.data(layers.index(row, 0), Qt.ItemDataRole.BackgroundRole) is None  # nothing to flag
    assert steps.rowCount() == len(result.steps)
    rescaled = next(row for row, step in enumerate(result.steps) if step.rescaled)
    step = result.steps[rescaled]
    assert [cell(steps, rescaled, c) for c in range(4)] == [
        str(step.layer), str(step.iteration), number(step.variance), f"{number(step.gain)} → {number(step.new_gain)}"]
    last = result.steps[-1]
    assert cell(steps, len(result.steps) - 1, 3) == f"{number(last.gain)} (final: converged)"
    assert dialog.status.text().startswith(f"All 8 layers converged: |Var(z) − 1| < {TOL:g}")
    assert dialog.apply_button.isEnabled() and not dialog.error.isVisibleTo(dialog)
    dialog.layout().activate()  # the hidden progress bar's room is given back before the shot
    image = dialog.grab()
    for folder in filter(None, (str(tmp_path), os.environ.get("INITVIZ_SCREENSHOTS"))):
        os.makedirs(folder, exist_ok=True)
        assert image.save(os.path.join(folder, "lsuv_dialog.png"))


def test_apply_sets_orthogonal_gains_in_one_undo_step(qtbot, dialog, document):
    before = document.experiment
    result = run(qtbot, dialog)
    with qtbot.waitSignal(dialog.applied) as blocker:
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    label = blocker.args[0]
    assert label.startswith("LSUV init (orthogonal, gains ") and document.undo_text == label
    assert [layer.init for layer in document.experiment.layers] == \
        [Component("orthogonal", (("gain", g),)) for g in result.gains]
    assert [layer.bias for layer in document.experiment.layers] == [layer.bias for layer in before.layers]
    assert not dialog.apply_button.isEnabled() and "Applied" in dialog.status.text()
    document.undo()  # one step back is the whole experiment
    assert document.experiment == before and not document.can_undo
    assert dialog.apply_button.isEnabled()  # the gains fit this experiment again


def test_apply_is_refused_once_the_experiment_changed(qtbot, dialog, document):
    run(qtbot, dialog)
    document.set_layer_field(0, "units", 40)
    assert not dialog.apply_button.isEnabled() and "changed since this run" in dialog.status.text()
    changed = document.experiment
    assert not dialog.apply()
    assert dialog.error.text().startswith("Refused — the experiment changed")
    assert document.experiment == changed


@pytest.mark.parametrize("field, text", [("tol", "-1"), ("tol", "abc"), ("tol", "nan"), ("max_iter", "0"),
                                         ("max_iter", "2.5")])
def test_an_invalid_setting_shows_an_inline_error_naming_the_field(qtbot, dialog, field, text):
    editor = getattr(dialog, field)
    editor.clear()
    qtbot.keyClicks(editor, text)
    assert dialog.error.isVisibleTo(dialog) and dialog.error.text().startswith(f"{field}: got '{text}'")
    assert not dialog.run_button.isEnabled() and not dialog.run() and not dialog.running
    editor.setText(str(lsuv.DEFAULT_TOL if field == "tol" else lsuv.DEFAULT_MAX_ITER))
    assert not dialog.error.isVisibleTo(dialog) and dialog.run_button.isEnabled()


def test_the_fields_start_at_the_engine_defaults(dialog):
    assert dialog.settings() == (lsuv.DEFAULT_TOL, lsuv.DEFAULT_MAX_ITER)


def test_the_window_stays_responsive_and_cancel_stops_the_run(qtbot, dialog, document):
    document.replace(make(depth=30, width=256, activation="relu", features=256, bias="zeros"))
    before = document.experiment
    with qtbot.waitSignal(dialog.finished_run, timeout=10000) as blocker:
        assert dialog.run()
        # the GUI thread keeps handling events while the worker measures: progress arrives
        qtbot.waitUntil(lambda: "measurements so far" in dialog.status.text(), timeout=5000)
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert dialog.status.text() == "Cancelling…"
    assert blocker.args == [None] and dialog.result() is None
    assert dialog.status.text().startswith("Cancelled — nothing was changed")
    assert not dialog.running and dialog.run_button.isEnabled() and not dialog.apply_button.isEnabled()
    assert document.experiment == before


def test_a_run_the_engine_refuses_shows_its_reason(qtbot, dialog, document):
    document.replace(parse_experiment({"input": {"features": 100000, "batch": 100000}, "layers": [
        {"units": 64, "activation": "tanh", "init": "xavier_uniform"}]}))
    assert run(qtbot, dialog) is None
    assert dialog.error.text().startswith("Refused — experiment: needs about")
    assert not dialog.apply_button.isEnabled()


def test_layers_that_do_not_converge_are_flagged_with_their_reason(qtbot, dialog, document):
    dead = {"units": 48, "activation": "relu", "init": "xavier_uniform", "bias": {"name": "constant", "value": -100}}
    tanh = {"units": 48, "activation": "tanh", "init": "xavier_uniform", "bias": "zeros"}
    document.replace(parse_experiment({"seed": 5, "input": {"features": 32, "batch": 256},
                                       "layers": [dead, tanh, tanh]}))
    dialog.max_iter.setText("1")
    dialog.tol.setText("1e-9")
    result = dialog.run_blocking()
    statuses = [layer.status for layer in result.layers]
    assert statuses[1:] == [lsuv.ZERO_VARIANCE, lsuv.ZERO_VARIANCE]
    model = dialog.layer_model
    for row, layer in enumerate(result.layers):
        flagged = model.data(model.index(row, 1), Qt.ItemDataRole.BackgroundRole) is not None
        assert flagged == (layer.status != lsuv.CONVERGED)
        assert model.data(model.index(row, 1), Qt.ItemDataRole.ToolTipRole) == layer.reason
    assert "Layer 1" in dialog.notes.text() and "constant" in dialog.notes.text()
    assert "did not" in dialog.status.text()


def test_a_closed_or_deleted_dialog_stops_listening_to_the_document(qtbot, document):
    import shiboken6
    closed, deleted = LsuvDialog(document), LsuvDialog(document)
    closed.reject()
    shiboken6.delete(deleted)
    document.set_layer_field(0, "units", 32)
    assert not document._subscribers


def test_a_dialog_shown_again_follows_the_document_again(qtbot, dialog, document):
    run(qtbot, dialog)
    dialog.reject()
    dialog.show()
    document.set_layer_field(0, "units", 40)
    assert not dialog.apply_button.isEnabled() and "changed since this run" in dialog.status.text()
    document.undo()
    assert dialog.apply_button.isEnabled()
