"""The main window end to end: live histograms, undo/redo keys, files, export, settings."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from initviz.engine.frame import compute_frame
from initviz.model.experiment import Component, default_experiment
from initviz.model.files import load_experiment, save_experiment
from initviz.ui.main_window import MainWindow
from tests.ui.conftest import no_dialogs


def wait_for_new_frame(qtbot, win):
    old = win.histograms.frame()
    qtbot.waitUntil(lambda: win.histograms.frame() is not old, timeout=30000)
    return win.histograms.frame()


def test_default_window_shows_every_layers_histograms(window, tmp_path):
    frame = window.histograms.frame()
    assert len(frame.layers) == 10
    assert window.histograms.current_mode() == "grid"
    for layer in range(10):
        for kind in ("weights", "activations", "activation_grads"):
            xs, ys = window.histograms.cell(layer, kind).curve_data()
            assert len(xs) > 1 and np.asarray(ys).max() > 0, (layer, kind)
    assert window.histograms.labels()[3].startswith("3 · tanh · xavier_uniform")
    assert "computed in" in window.compute_label.text()
    shot = tmp_path / "window.png"
    assert window.grab().save(str(shot))
    image = QImage(str(shot))
    assert image.width() >= 1000 and not image.isNull()


def test_edit_recomputes_and_undo_redo_keys(qtbot, window):
    qtbot.waitActive(window)
    window.document.set_all_layers("init", Component("normal", (("std", 1.0),)))
    frame = wait_for_new_frame(qtbot, window)
    assert frame.layers[5].summaries["weights"].stats["std"] == pytest.approx(1.0, rel=0.05)
    assert window.windowTitle().endswith("* — initviz")
    assert window.histograms.ghost_frame() is not None  # the scheme changed: the old picture is the ghost
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.experiment == default_experiment()
    frame = wait_for_new_frame(qtbot, window)
    assert frame.layers[5].summaries["weights"].stats["std"] < 0.1
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.document.experiment.layers[0].init.name == "normal"


def test_deep_stack_switches_to_compact_view(qtbot, window):
    layers = window.document.experiment.layers
    window.document.insert_layers(10, list(layers[:5]))
    frame = wait_for_new_frame(qtbot, window)
    assert len(frame.layers) == 15 and window.histograms.current_mode() == "compact"


def test_save_open_and_dirty_title(qtbot, window, tmp_path):
    path = tmp_path / "deep.json"
    window.document.set_setting("seed", 7)
    window.files.ask_save_path = lambda: str(path)
    assert window.files.save()
    assert load_experiment(path).seed == 7
    assert "*" not in window.windowTitle() and str(path) in window.windowTitle()
    other = tmp_path / "other.json"
    save_experiment(default_experiment().replace(name="Other", seed=3), other)
    assert window.files.open(str(other))
    assert window.document.experiment.name == "Other" and not window.document.can_undo
    assert str(other.resolve()) == window.files.recent_files()[0]


def test_close_with_unsaved_changes_asks(qtbot, window):
    window.document.set_setting("seed", 9)
    window.files.ask_unsaved = lambda: QMessageBox.StandardButton.Cancel
    assert not window.close() and window.isVisible()
    window.files.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    assert window.close()
    window.show()  # the fixture closes it again


def test_open_bad_file_shows_error_and_keeps_work(qtbot, window, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": 3}')
    shown = []
    window.files.show_error = lambda title, text: shown.append(text)
    window.document.set_setting("seed", 11)
    asked = []
    window.files.ask_unsaved = lambda: asked.append(1) or QMessageBox.StandardButton.Discard
    assert not window.files.open(str(bad))
    assert window.document.experiment.seed == 11 and window.document.can_undo
    assert "input: missing" in shown[0] and not asked  # a file that cannot be opened never costs the user their work


def test_data_exports(qtbot, window, tmp_path):
    """The histograms' data; figures of every view: tests/ui/test_export_views.py."""
    targets = {}

    def ask_path(title, suffix):
        targets[suffix] = tmp_path / f"h.{suffix}"
        return str(targets[suffix])
    window.exports.ask_path = ask_path
    assert window.exports.export_csv() and window.exports.export_npz()
    rows = targets["csv"].read_text().splitlines()
    assert rows[0] == "layer,kind,left,right,count" and len(rows) > 10 * 3 * 10
    with np.load(targets["npz"], allow_pickle=False) as data:
        assert data["weights0_counts"].sum() == 784 * 256


def test_view_options_persist(qtbot, settings):
    win = no_dialogs(MainWindow(default_experiment(), settings, debounce_ms=0))
    qtbot.addWidget(win)
    win.view_options.toggles["log_counts"].setChecked(True)
    win.view_options.kind_actions["weight_grads"].setChecked(True)
    win.compute.shutdown()
    again = no_dialogs(MainWindow(default_experiment(), QSettings(settings.fileName(), QSettings.Format.IniFormat),
                                  debounce_ms=0))
    qtbot.addWidget(again)
    assert again.view_options.toggles["log_counts"].isChecked()
    assert "weight_grads" in again.histograms.kinds()
    again.compute.shutdown()


def test_corrupt_settings_are_ignored(qtbot, settings):
    settings.setValue("view/kinds", 12)
    settings.setValue("view/mode", "sideways")
    settings.setValue("window/geometry", "garbage")
    settings.setValue("files/recent", {"a": 1})
    win = no_dialogs(MainWindow(default_experiment(), settings, debounce_ms=0))
    qtbot.addWidget(win)
    assert win.view_options.mode() == "auto" and win.files.recent_files() == []
    win.compute.shutdown()


def test_render_cli_writes_png_of_requested_size(tmp_path):
    out = tmp_path / "render.png"
    proc = subprocess.run([sys.executable, "-m", "initviz", "render", "-o", str(out), "--size", "1200x700"],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 700)
    out = tmp_path / "window.png"
    proc = subprocess.run([sys.executable, "-m", "initviz", "render", "-o", str(out), "--view", "window", "--size", "1400x900"],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert (QImage(str(out)).width(), QImage(str(out)).height()) == (1400, 900)


def test_gain_drag_updates_continuously_and_ends_on_the_final_state(qtbot, window):
    frames = []
    window.live.frame_shown.connect(frames.append)
    key, doc = object(), window.document
    gains = [0.5 + 0.05 * k for k in range(40)]
    for gain in gains:  # a 60 Hz drag of every layer's gain
        doc.set_layer_param(range(10), "init", "gain", gain, merge_key=key)
        qtbot.wait(16)
    qtbot.waitUntil(lambda: not window.compute.busy, timeout=30000)
    assert len(frames) >= 2  # pictures arrived during the drag, not only after it
    expected = compute_frame(doc.experiment)
    assert frames[-1].layers[9].summaries["weights"].stats["std"] == expected.layers[9].summaries["weights"].stats["std"]
    assert doc.undo_text and doc.can_undo
    doc.undo()
    assert doc.experiment == default_experiment()  # the whole drag was one step


def test_inspector_follows_the_selected_layer_when_it_moves(qtbot, window):
    window.document.set_layer_field([2], "units", 128)
    window.layers.select([2])
    assert window.inspector.selection() == [2]
    window.layers.actions_by_name["down"].trigger()
    assert window.layers.selected_rows() == [3] and window.inspector.selection() == [3]
    assert window.inspector.units.value() == 128


def test_refused_simulation_marks_the_picture_stale(qtbot, window):
    window.document.set_setting("input.batch", 5_000_000)  # a valid file, but over the memory budget
    qtbot.waitUntil(lambda: window.stale_banner.isVisible(), timeout=30000)
    assert "memory budget" in window.stale_banner.text()
    window.document.undo()
    qtbot.waitUntil(lambda: not window.stale_banner.isVisible(), timeout=30000)


def test_ghost_only_for_scheme_changes_and_never_widens_the_range(qtbot, window):
    panel = window.histograms
    before = panel.cell(0, "weights").x_range()
    window.document.insert_layers(10, [window.document.experiment.layers[0]])
    wait_for_new_frame(qtbot, window)
    assert panel.ghost_frame() is None
    window.document.set_all_layers("init", Component("normal", (("std", 0.01),)))
    frame = wait_for_new_frame(qtbot, window)
    assert panel.ghost_frame() is not None
    lo, hi = panel.cell(0, "weights").x_range()
    assert hi - lo < (before[1] - before[0]) / 2  # the new narrow weights fill the cell; the old ones are clipped


def test_a_slider_drag_keeps_the_picture_from_before_it_began_as_the_ghost(qtbot, window):
    panel, doc, key = window.histograms, window.document, object()
    before = panel.frame()
    doc.set_layer_param([5], "init", "gain", 0.8, merge_key=key)
    assert panel.ghost_frame() is before
    wait_for_new_frame(qtbot, window)
    for gain in (0.7, 0.6, 0.5):  # the rest of the drag: merged edits
        doc.set_layer_param([5], "init", "gain", gain, merge_key=key)
        wait_for_new_frame(qtbot, window)
    assert panel.ghost_frame() is before


def test_frames_carry_the_shown_kinds_and_a_new_column_is_computed_on_demand(qtbot, window):
    panel = window.histograms
    assert panel.frame().kinds == window.live.needs()[0]  # the columns shown and what the Diagnose tab draws
    assert set(panel.kinds()) <= set(panel.frame().kinds)
    assert "preactivations" not in panel.frame().kinds
    panel.set_kinds(panel.kinds() + ("preactivations",))
    qtbot.waitUntil(lambda: "preactivations" in panel.frame().kinds, timeout=30000)
    assert panel.drawn_kinds() == panel.kinds()
    expected = compute_frame(window.document.experiment)
    got = panel.frame().layers[3].summaries["preactivations"].stats
    assert got == expected.layers[3].summaries["preactivations"].stats
