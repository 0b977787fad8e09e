"""The race view: trains in the background, draws each run's smoothed loss, tables the engine's
numbers, marks divergence, stalls and symmetry, cancels, validates its fields inline, applies a
scheme as one undo step, and greys its results when the experiment changes."""

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from initviz.engine import race, training
from initviz.errors import ExperimentError
from initviz.model import Component, parse_experiment
from initviz.model.document import Document
from initviz.ui import histogram_style as hs
from initviz.ui.race_plot import displayed_loss
from initviz.ui.race_style import CANCELLED, DIVERGED_ROW, DONE, STALE_TEXT, colour
from initviz.ui.race_table import (
    DISTINCT, SCHEME, STATUS, STEPS, TEST_ACC, TEST_LOSS, TRAIN_ACC, TRAIN_LOSS, hidden_distinct,
)
from initviz.ui.race_view import RaceView

SCHEMES = "zeros,normal(std=100),kaiming_normal,xavier_uniform"


def make(steps=150, learning_rate=0.05, data=None):
    """8 ReLU layers of 16 units on XOR (zeros stalls, N(0, 100²) diverges, He and Xavier train)."""
    layers = [{"units": 16, "activation": "relu", "init": "he_normal"} for _ in range(8)]
    layers.append({"units": 2, "activation": "identity", "init": "xavier_uniform"})
    doc = {"version": 2, "seed": 3, "input": {"features": 2, "batch": 64}, "layers": layers}
    if data is not False:
        doc.update(loss="cross_entropy", data=data or {"name": "xor", "n": 400},
                   training={"optimizer": "momentum", "learning_rate": learning_rate, "batch_size": 32,
                             "steps": steps, "snapshot_every": 25})
    return parse_experiment(doc)


@pytest.fixture
def document():
    return Document(make())


def open_view(qtbot, document, schemes=SCHEMES):
    view = RaceView(document)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    view.schemes.list.clear()
    assert view.schemes.add_text(schemes)
    return view


@pytest.fixture
def view(qtbot, document):
    v = open_view(qtbot, document)
    yield v
    v.shutdown()


def run(qtbot, view, timeout=20000):
    with qtbot.waitSignal(view.finished_race, timeout=timeout) as blocker:
        assert view.run()
        assert view.running and not view.run_button.isEnabled() and view.cancel_button.isEnabled()
    return blocker.args[0]


def cell(view, row, column):
    return view.model.text(row, column)


def row_of(view, label):
    return next(i for i, row in enumerate(view.rows()) if row.label == label)


def test_race_runs_in_the_background_and_shows_the_engine_numbers(qtbot, view, document, tmp_path, qtmodeltester):
    outcome = run(qtbot, view)  # run() returned while the worker trained (asserted in run)
    assert not outcome.cancelled and not view.running
    result = view.result()
    experiment = document.experiment
    expected = race.race(experiment, training.load_dataset(experiment), race.parse_schemes(SCHEMES))
    assert result.target_loss == expected.target_loss and result.chance_loss == expected.chance_loss
    assert [e.label for e in result.entries] == ["zeros", "normal(std=100)", "kaiming_normal", "xavier_uniform"]
    for i, (got, want) in enumerate(zip(result.entries, expected.entries)):
        np.testing.assert_array_equal(got.history.train_loss, want.history.train_loss)
        assert (got.steps_to_target, got.diverged, got.stalled) == (want.steps_to_target, want.diverged, want.stalled)
        np.testing.assert_equal([got.final_train_loss, got.final_test_loss, got.final_train_acc, got.final_test_acc],
                                [want.final_train_loss, want.final_test_loss, want.final_train_acc, want.final_test_acc])
        steps, drawn = view.plot.curve_data(i)
        smoothed = race.smoothed(want.history.train_loss)
        np.testing.assert_array_equal(steps, np.arange(1, len(smoothed) + 1))
        finite = np.isfinite(smoothed)
        np.testing.assert_array_equal(drawn[finite], smoothed[finite])
        assert np.isnan(drawn[~finite]).all()
        assert view.plot.curves[i].opts["pen"].color().name() == colour(i).name()
        # the table is the RaceResult, formatted
        assert cell(view, i, SCHEME) == want.label
        assert cell(view, i, STEPS) == ("—" if want.steps_to_target is None else str(want.steps_to_target))
        assert cell(view, i, TRAIN_LOSS) == hs.format_number(want.final_train_loss)
        assert cell(view, i, TEST_LOSS) == hs.format_number(want.final_test_loss)
        assert cell(view, i, TRAIN_ACC) == f"{100 * want.final_train_acc:.1f}%"
        assert cell(view, i, TEST_ACC) == f"{100 * want.final_test_acc:.1f}%"
    he = row_of(view, "kaiming_normal")
    assert expected.entries[he].steps_to_target is not None and cell(view, he, STATUS) == "reached target"
    reached_x, reached_y = view.plot.marker_data("reached")
    hits = [e for e in expected.entries if e.steps_to_target is not None]
    np.testing.assert_array_equal(reached_x, [e.steps_to_target for e in hits])
    assert (reached_y <= result.target_loss).all()  # the ● sits where the smoothed curve crosses the line
    assert view.plot.target_text() == f"target loss {hs.format_number(result.target_loss)}"
    assert view.status.text().startswith("Done: 4 schemes × 150 steps. First to the target")
    qtmodeltester.check(view.model)
    view.table.selectRow(he)
    qtbot.waitUntil(lambda: view.status.height() > 2 * view.status.fontMetrics().height())  # wrapped, laid out
    image = view.grab()
    for folder in filter(None, (str(tmp_path), os.environ.get("INITVIZ_SCREENSHOTS"))):
        os.makedirs(folder, exist_ok=True)
        assert image.save(os.path.join(folder, "race_view.png"))


def test_a_diverging_and_a_stalled_run_are_marked(qtbot, view):
    run(qtbot, view)
    entries = view.result().entries
    bad = row_of(view, "normal(std=100)")
    assert entries[bad].diverged and not entries[bad].stalled
    at = entries[bad].history.diverged_at
    assert cell(view, bad, STATUS) == f"✕ diverged at step {at}"
    assert cell(view, bad, TRAIN_LOSS) == "—"
    assert view.model.data(view.model.index(bad, STATUS), Qt.ItemDataRole.BackgroundRole) == QColor(DIVERGED_ROW)
    assert f"normal(std=100) — ✕ NaN at step {at}" in view.plot.legend_texts()
    crosses_x, crosses_y = view.plot.marker_data("diverged")
    np.testing.assert_array_equal(crosses_x, [at])
    assert np.isfinite(crosses_y).all()  # drawn on the chart even though the loss is NaN
    zeros = row_of(view, "zeros")
    assert entries[zeros].stalled and cell(view, zeros, STATUS) == "stalled"
    assert "zeros — stalled" in view.plot.legend_texts()
    assert "1 diverged, 1 stalled." in view.status.text()


def test_constant_init_keeps_one_distinct_neuron_per_layer(qtbot, view):
    run(qtbot, view)
    entries = view.result().entries
    zeros, he = row_of(view, "zeros"), row_of(view, "kaiming_normal")
    distinct, units = hidden_distinct(entries[zeros].history)
    assert distinct.shape == (7, 8) and (distinct == 1).all() and (units == 16).all()  # 7 snapshots, 8 hidden
    assert cell(view, zeros, DISTINCT) == "1 · all run"
    tooltip = view.model.data(view.model.index(zeros, DISTINCT), Qt.ItemDataRole.ToolTipRole)
    assert "layer 0 (16 units): 1 → 1 (most 1)" in tooltip
    he_end = hidden_distinct(entries[he].history)[0][-1]
    assert he_end.max() > 1
    assert cell(view, he, DISTINCT) in (f"{he_end.min()}–{he_end.max()} of 16", f"{he_end.min()} of 16")
    assert view.notes.isVisibleTo(view) and view.notes.text().startswith("<b>zeros</b>: every hidden layer kept")
    assert "kaiming_normal" not in view.notes.text()


def test_cancel_keeps_the_finished_runs(qtbot, qapp):
    document = Document(make(steps=1500))
    view = open_view(qtbot, document, "kaiming_normal,xavier_uniform,zeros")
    try:
        with qtbot.waitSignal(view.finished_race, timeout=20000) as blocker:
            assert view.run()
            qtbot.waitUntil(lambda: view.rows()[1].train_loss.size > 0, timeout=15000)  # run 2 is training
            view.cancel()
            assert view.status.text() == "Cancelling…" and not view.cancel_button.isEnabled()
        outcome = blocker.args[0]
        assert outcome.cancelled and [e.label for e in outcome.result.entries] == ["kaiming_normal"]
        assert [row.state for row in view.rows()] == [DONE, CANCELLED, CANCELLED]
        assert view.status.text() == "Cancelled during run 2 of 3 — the finished run is kept."
        assert cell(view, 1, STATUS) == "cancelled" and cell(view, 0, STEPS) != ""
        assert not view.running and view.run_button.isEnabled() and view.schemes.list.isEnabled()
    finally:
        view.shutdown()


def test_invalid_scheme_and_target_text_show_inline_errors(qtbot, view):
    schemes = view.schemes
    before = schemes.labels()
    schemes.field.setText("normal(std=-1)")
    schemes.add_button.click()
    assert schemes.labels() == before
    assert schemes.error_text() == "Cannot add 'normal(std=-1)' — schemes[0].std: got -1.0; allowed: a finite " \
                                   "number in [0.0, inf)"
    assert "border" in schemes.field.styleSheet()
    schemes.field.setText("normal(std=0.5), bogus")
    assert schemes.error_text() == ""  # typing clears the old complaint
    assert not schemes.add_from_field()
    assert schemes.error_text().endswith("schemes[1]: unknown init scheme 'bogus'; hover here for the known names")
    assert "allowed: zeros, ones, constant" in schemes.error.toolTip() and schemes.labels() == before
    assert not schemes.add_text("he_normall")
    assert schemes.error_text() == "Cannot add 'he_normall' — schemes[0]: unknown init scheme 'he_normall'; " \
                                   "did you mean he_normal or normal or lecun_normal?"
    schemes.field.setText("normal(std=0.5), he_uniform, zeros")
    assert schemes.add_from_field() and schemes.field.text() == ""
    assert schemes.labels() == before + ["normal(std=0.5)", "he_uniform"]  # zeros was listed already
    assert schemes.checked()[-2:] == [{"name": "normal", "std": 0.5}, {"name": "he_uniform"}]
    view.target.setText("abc")
    assert not view.run() and not view.run_button.isEnabled()
    assert view.error.text() == "Refused — target loss: got 'abc'; allowed: a number > 0, or empty for 0.5 × " \
                                "the chance loss"
    view.target.setText("0.3")
    assert view.error.isHidden() and view.run_button.isEnabled()
    for i in range(schemes.list.count()):
        schemes.list.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert not view.run() and view.error.text() == "Tick at least one scheme to race."


def test_a_race_that_cannot_start_keeps_the_previous_results(qtbot, view, monkeypatch):
    run(qtbot, view)
    before, rows = view.result(), view.rows()

    def refuse(experiment):
        raise ExperimentError("data", "cannot read the data set")
    monkeypatch.setattr(training, "load_dataset", refuse)
    with qtbot.waitSignal(view.finished_race, timeout=10000) as blocker:
        assert view.run()
    assert blocker.args[0] is None and not view.running
    assert view.error.text() == "Refused — data: cannot read the data set"
    assert view.result() is before and view.rows() == rows and not view.stale
    assert view.status.text() == "The race did not run."


def test_an_experiment_without_data_cannot_race(qtbot):
    view = open_view(qtbot, Document(make(data=False)))
    assert not view.run() and not view.run_button.isEnabled()
    assert view.error.text() == "Refused — the experiment has no data set to train on."
    assert view.settings_line.text().startswith("This experiment has no data set")


def test_use_this_scheme_is_one_undo_step_and_keeps_results_current(qtbot, view, document):
    run(qtbot, view)
    before = document.experiment
    assert not view.use_button.isEnabled()  # nothing selected
    he = row_of(view, "kaiming_normal")
    view.table.selectRow(he)
    assert view.use_button.isEnabled()
    with qtbot.waitSignal(view.applied) as blocker:
        view.use_button.click()
    assert {layer.init for layer in document.experiment.layers} == {Component("kaiming_normal")}
    assert document.undo_text == blocker.args[0] == "Init of every layer: kaiming_normal (from the race)"
    assert not view.stale and cell(view, he, SCHEME) == "kaiming_normal  ✓ in use"
    assert not view.use_selected()  # already in use: no second edit
    document.undo()
    assert document.experiment == before and not document.can_undo
    assert cell(view, he, SCHEME) == "kaiming_normal"


def test_editing_the_experiment_marks_results_stale_until_undone(qtbot, view, document):
    run(qtbot, view)
    grey = view.model.data(view.model.index(0, STEPS), Qt.ItemDataRole.ForegroundRole)
    assert grey is None and view.stale_banner.isHidden()
    document.set_setting("input.batch", 128)  # the histogram batch: training never reads it
    document.set_setting("name", "renamed")
    assert not view.stale and view.stale_banner.isHidden()
    document.set_layer_field(0, "units", 24)
    assert view.stale and not view.stale_banner.isHidden()
    assert view.model.data(view.model.index(0, STEPS), Qt.ItemDataRole.ForegroundRole) == QColor(STALE_TEXT)
    assert view.plot.curves[0].opts["pen"].color() == colour(0, stale=True) != colour(0)
    assert view.result() is not None  # kept, shown greyed, never silently current
    document.undo()
    assert not view.stale and view.stale_banner.isHidden()
    document.set_setting("training.learning_rate", 0.01)
    assert view.stale


def test_a_new_target_rereads_the_runs_without_training(qtbot, view, document):
    run(qtbot, view)
    histories = [e.history for e in view.result().entries]
    view.target.setText("0.5")
    result = view.result()
    assert result.target_loss == 0.5 and [e.history for e in result.entries] == histories  # the same runs
    for entry in result.entries:
        assert entry.steps_to_target == (None if entry.diverged else race.steps_to(entry.history.train_loss, 0.5))
    assert view.plot.target_text() == "target loss 0.5" and view.target_note.text() == \
        f"chance loss {hs.format_number(result.chance_loss)}"
    view.target.setText("")
    assert view.result().target_loss == 0.5 * result.chance_loss
    assert view.target_note.text().startswith(f"= {hs.format_number(0.5 * result.chance_loss)} (0.5 × chance")


def test_displayed_loss_is_the_smoothed_loss_with_gaps_a_log_axis_needs():
    loss = np.array([4.0, 2.0, 0.0, 0.0, np.nan])
    shown = displayed_loss(loss)
    np.testing.assert_allclose(shown[:4], [4.0, 3.0, 2.0, 1.5])  # trailing means, as race.smoothed
    assert np.isnan(shown[4])  # a zero or NaN loss is a gap on the log axis, never a crash
