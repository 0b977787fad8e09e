"""TrainingPanel: the curves are the run's history, the scrubber hands out the snapshot as a
Frame the histogram panel draws, decision regions only for 2-D data, buttons and shortcuts."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from initviz.engine.frame import Frame
from initviz.engine import network
from initviz.model.document import Document
from initviz.ui.histograms import HistogramPanel
from initviz.ui.layer_model import layer_label
from initviz.ui.training_controller import TrainingController
from initviz.ui.training_panel import TrainingPanel
from initviz.ui.training_plots import LogAxis, trailing_mean

from tests.ui.test_training_helpers import digits, spirals, teacher

WAIT = 60000


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A modal dialog would hang an offscreen test: any attempt fails it."""
    monkeypatch.setattr(QDialog, "exec", lambda self: pytest.fail("a modal dialog was opened"))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: pytest.fail("a message box was opened"))


@pytest.fixture
def make_panel(qtbot):
    made = []

    def build(experiment, **options):
        document = Document(experiment)
        controller = TrainingController(document, **options)
        panel = TrainingPanel(document, controller)
        qtbot.addWidget(panel)
        panel.resize(1400, 850)
        panel.show()
        made.append(controller)
        return panel

    yield build
    for controller in made:
        controller.shutdown()


def run_to_end(qtbot, panel):
    controller = panel.controller
    controller.start()
    qtbot.waitUntil(lambda: controller.state in ("finished", "diverged") and controller.worker_idle, timeout=WAIT)
    return controller.history


def assert_curve(plot, name, x, y):
    shown_x, shown_y = plot.data[name]
    np.testing.assert_array_equal(shown_x, x)
    np.testing.assert_array_equal(shown_y, y)


def test_the_curves_are_the_history_while_running_and_at_the_end(qtbot, make_panel):
    panel = make_panel(spirals(steps=400, snapshot_every=20), chunk_ms=5)
    controller = panel.controller
    controller.start()
    qtbot.waitUntil(lambda: controller.step_count >= 40, timeout=WAIT)
    running = controller.history  # drawn in the same slot that stored it: the picture is this history
    assert_curve(panel.loss, "train", running.steps, running.train_loss)
    assert 0 < panel.progress_bar.value() <= 400 and panel.progress_bar.maximum() == 400
    history = run_to_end(qtbot, panel)
    assert_curve(panel.loss, "train", history.steps, history.train_loss)
    assert_curve(panel.loss, "held_out", history.eval_steps, history.test_loss)
    np.testing.assert_allclose(panel.loss.data["train_smoothed"][1][-1], history.train_loss[-20:].mean())
    assert_curve(panel.accuracy, "train", history.eval_steps, 100 * history.train_acc)
    assert_curve(panel.accuracy, "held_out", history.eval_steps, 100 * history.test_acc)
    for i in range(len(history.units)):
        assert_curve(panel.ratio, f"layer {i}", history.eval_steps, history.update_ratio[:, i])
    layer, kind = panel.layer_box.currentIndex(), panel.kind_box.currentData()
    assert (layer, kind) == (1, "activations")
    assert_curve(panel.bands, "mean", history.eval_steps, history.stat(kind, "mean")[:, layer])
    assert_curve(panel.bands, "p99", history.eval_steps, history.stat(kind, "p99")[:, layer])
    panel.layer_box.setCurrentIndex(0)
    panel.kind_box.setCurrentIndex(panel.kind_box.findData("weights"))
    assert_curve(panel.bands, "min", history.eval_steps, history.stat("weights", "min")[:, 0])
    assert panel.ratio.chosen == 0
    assert panel.progress_bar.value() == 400
    assert panel.status_label.text().startswith("Finished 400 steps")
    assert panel.actions_by_name["start"].isEnabled() and not panel.actions_by_name["pause"].isEnabled()


def test_the_scrubber_emits_the_snapshot_as_a_frame(qtbot, make_panel):
    experiment = spirals(steps=100, snapshot_every=20)
    panel = make_panel(experiment)
    history = run_to_end(qtbot, panel)
    assert panel.scrubber.index == len(history.eval_steps) - 1  # it followed the run
    with qtbot.waitSignal(panel.snapshot_selected, timeout=WAIT) as blocker:
        panel.scrubber.select(2)
    frame, labels = blocker.args
    assert isinstance(frame, Frame) and frame.kinds == history.snapshot_kinds
    assert labels == [layer_label(i, layer) for i, layer in enumerate(experiment.layers)]
    for i, layer in enumerate(frame.layers):
        assert layer.index == i and layer.weight_law == network.weight_law(experiment, i)
        for kind in history.snapshot_kinds:
            assert layer.summaries[kind] is history.snapshots[2][i][kind]
    assert frame.loss == history.eval_train_loss[2] and frame.n_nonfinite == 0 and frame.rows == 240
    step = int(history.eval_steps[2])
    assert panel.loss.cursor.value() == step and panel.bands.cursor.value() == step
    assert panel.regions.shown_step() == step
    histograms = HistogramPanel()
    qtbot.addWidget(histograms)
    histograms.show_frame(frame, labels)  # the main window's panel draws it
    assert histograms.frame() is frame


def test_the_scrubber_follows_the_run_until_it_is_moved_back(qtbot, make_panel):
    panel = make_panel(spirals(steps=100, snapshot_every=20))
    controller, scrubber = panel.controller, panel.scrubber

    def next_snapshot():
        controller.step_snapshot()
        qtbot.waitUntil(lambda: controller.state == "paused" and controller.worker_idle, timeout=WAIT)

    next_snapshot()
    next_snapshot()
    assert scrubber.index == 2 and scrubber.follow
    scrubber.select(0)
    assert not scrubber.follow and panel.loss.cursor.value() == 0
    next_snapshot()
    assert scrubber.index == 0 and scrubber.label.text() == "snapshot 1 of 4 · step 0"
    scrubber.select(3)
    next_snapshot()
    assert scrubber.index == 4 and panel.regions.shown_step() == 80


def test_play_animates_the_snapshots_to_the_end(qtbot, make_panel):
    panel = make_panel(spirals(steps=100, snapshot_every=20))
    history = run_to_end(qtbot, panel)
    shown = []
    panel.snapshot_selected.connect(lambda frame, labels: shown.append(frame.loss))
    panel.scrubber.timer.setInterval(1)
    panel.scrubber.play_button.click()  # at the end: plays from the first snapshot
    assert panel.scrubber.play_button.text() == "❚❚ Pause"
    qtbot.waitUntil(lambda: not panel.scrubber.play_button.isChecked(), timeout=WAIT)
    assert shown == list(history.eval_train_loss)
    assert panel.scrubber.play_button.text() == "▶ Play"


def test_regions_only_for_two_dimensional_classification(qtbot, make_panel):
    flat = make_panel(spirals(steps=40))
    history = run_to_end(qtbot, flat)
    assert flat.regions.isVisible() and flat.regions.image.image is not None
    assert flat.regions.shown_step() == history.eval_steps[-1] == 40
    assert len(flat.regions.points.data) == flat.controller.info.x_train.shape[0]
    images = make_panel(digits(steps=20))
    run_to_end(qtbot, images)
    assert not images.regions.isVisible() and images.regions.image.image is None
    assert images.accuracy.chance.value() == pytest.approx(10.0)
    regression = make_panel(teacher(features=2))  # two features but no classes: no regions either
    history = run_to_end(qtbot, regression)
    assert not regression.regions.isVisible() and not regression.controller.info.has_regions
    assert regression.accuracy.note.shown_text() == "regression: no accuracy"
    assert not regression.accuracy.chance.isVisible() and np.isnan(history.test_acc).all()
    assert_curve(regression.loss, "held_out", history.eval_steps, history.test_loss)


def test_shortcuts_drive_the_run_and_buttons_follow_the_state(qtbot, make_panel):
    panel = make_panel(spirals(steps=5000, snapshot_every=20), chunk_ms=5)
    controller = panel.controller
    with qtbot.waitActive(panel):  # key presses reach shortcuts only on the active window
        panel.activateWindow()
    qtbot.keyClick(panel, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: controller.state == "paused" and controller.worker_idle, timeout=WAIT)
    assert controller.step_count == 1 and panel.actions_by_name["start"].text() == "▶ Resume"
    qtbot.keyClick(panel, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: controller.state == "paused" and controller.worker_idle, timeout=WAIT)
    assert controller.step_count == 20
    qtbot.keyClick(panel, Qt.Key.Key_F5)
    assert controller.state == "running"
    assert not panel.actions_by_name["start"].isEnabled() and not panel.actions_by_name["step"].isEnabled()
    assert panel.actions_by_name["pause"].isEnabled() and panel.actions_by_name["stop"].isEnabled()
    qtbot.keyClick(panel, Qt.Key.Key_F6)
    assert controller.state == "paused"
    qtbot.keyClick(panel, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    assert controller.state == "stopped" and panel.actions_by_name["start"].text() == "▶ Start"
    assert not panel.actions_by_name["stop"].isEnabled()
    qtbot.waitUntil(lambda: controller.worker_idle, timeout=WAIT)


def test_divergence_and_stale_runs_are_said_in_the_status_line(qtbot, make_panel):
    panel = make_panel(spirals(steps=200, lr=1e6, optimizer="sgd"))
    history = run_to_end(qtbot, panel)
    assert history.diverged and panel.status_label.text().startswith("⚠ Diverged at step")
    assert np.isnan(panel.loss.data["train"][1][-1])
    panel.document.set_setting("training.learning_rate", 0.01)
    assert panel.status_label.text().startswith("⚠ The experiment was edited")
    assert panel.loss.data["train"][1].size == history.train_loss.size  # the old run stays on screen


def test_trailing_mean_and_log_ticks():
    values = np.array([1.0, 3.0, 5.0, 7.0, np.nan, 2.0])
    expected = [np.mean(values[max(0, i - 2):i + 1]) for i in range(len(values))]
    np.testing.assert_allclose(trailing_mean(values, 3), expected)  # NaN while it is in the window
    axis = LogAxis("left")
    axis.setLogMode(False, True)
    major, minor = axis.logTickValues(-7.3, 0.4, 300, None)  # 8 decades: every other one labelled
    assert major == (1.0, [-6.0, -4.0, -2.0, 0.0]) and minor == (None, [])
    assert axis.logTickStrings(major[1], 1, 1) == ["1e−6", "0.0001", "0.01", "1"]
    major, minor = axis.logTickValues(-1.5, 0.2, 300, None)
    assert major[1] == [-1.0, 0.0] and axis.logTickStrings(minor[1], 1, 1)[:4] == ["", "0.05", "", ""]


def test_the_layer_chooser_follows_edits_and_keeps_the_chosen_layer(qtbot, make_panel):
    panel = make_panel(spirals())
    document, box = panel.document, panel.layer_box
    box.setCurrentIndex(0)
    document.set_layer_field([0, 1], "units", 33)  # relabels layers, same count: renamed in place
    assert [box.itemText(i) for i in range(box.count())] == [
        layer_label(i, layer) for i, layer in enumerate(document.experiment.layers)]
    assert box.currentIndex() == 0
    document.insert_layers(0, [document.experiment.layers[0]])  # another count: rebuilt, the middle chosen
    assert box.count() == len(document.experiment.layers)
    assert box.currentIndex() == (box.count() - 1) // 2


def test_the_ratio_plot_says_why_a_layer_has_no_line():
    from types import SimpleNamespace
    from initviz.ui.training_plots import ratio_note

    def history(ratios, diverged_at=None):
        ratios = np.array(ratios, dtype=np.float64).reshape(-1, 1)
        return SimpleNamespace(update_ratio=ratios, eval_steps=np.arange(len(ratios)) * 10, diverged_at=diverged_at)
    nan, inf = float("nan"), float("inf")
    assert ratio_note(history([nan, 1e-3, 2e-3])) == ""  # NaN before the first update: nothing to say
    assert ratio_note(history([nan, inf, inf])).startswith("∞ (not drawn)")  # W constant, moving
    assert ratio_note(history([nan, nan, nan])).startswith("0/0 (not drawn)")  # zeros: W and ΔW all equal
    assert ratio_note(history([nan, 1e-3, nan], diverged_at=15)) == ""  # the loss plot says it diverged


def test_a_zero_initialised_run_explains_its_empty_ratio_plot(qtbot, make_panel):
    import dataclasses
    from initviz.model.experiment import Component
    exp = spirals(steps=40)
    exp = exp.replace(layers=tuple(dataclasses.replace(layer, init=Component("zeros")) for layer in exp.layers))
    panel = make_panel(exp)
    run_to_end(qtbot, panel)
    assert panel.ratio.note.shown_text().startswith("0/0 (not drawn)")
