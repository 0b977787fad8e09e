"""The Diagnose dock in the window: the advisor finds the textbook problem, its fix is one undo
step, and a tab brought forward gets its extras from the worker."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from initviz.model import parse_experiment
from tests.ui.conftest import close_window, open_window


def deep_relu_xavier():
    return parse_experiment({"version": 1, "name": "He et al. 2015: Xavier + ReLU",
                             "input": {"features": 64, "batch": 128},
                             "layers": [{"units": 64, "activation": "relu", "init": "xavier_uniform"}] * 30})


@pytest.fixture
def relu_window(qtbot, settings):
    win = open_window(qtbot, settings, deep_relu_xavier())
    yield win
    close_window(win)


def test_the_advisor_finds_xavier_with_relu_and_one_click_fixes_it(qtbot, relu_window):
    win, dock = relu_window, relu_window.diagnose
    advice = win.histograms.frame().diagnostics.advice
    codes = {d.code for d in advice}
    assert {"vanishing_activations", "init_mismatch"} <= codes
    assert dock.tabText(0) == f"Advisor ({len(advice)})"
    view = dock.views["Advisor"]
    card = next(c for c in view.cards() if c.fix_button.isVisible() and c.fix_button.isEnabled())
    before = win.document.experiment
    qtbot.mouseClick(card.fix_button, Qt.MouseButton.LeftButton)
    assert {layer.init.name for layer in win.document.experiment.layers} == {"kaiming_normal"}
    qtbot.waitUntil(lambda: not win.histograms.frame().diagnostics.advice, timeout=30000)
    assert dock.tabText(0) == "Advisor"
    win.document.undo()  # the whole fix, one step
    assert win.document.experiment == before


def test_a_tab_brought_forward_gets_its_extras(qtbot, window):
    dock = window.diagnose
    assert window.histograms.frame().diagnostics.theory is None  # the advisor alone: no theory computed
    dock.setCurrentIndex(list(dock.views).index("Depth profile"))
    qtbot.waitUntil(lambda: window.histograms.frame().diagnostics.theory is not None, timeout=30000)
    view = dock.views["Depth profile"]
    qtbot.waitUntil(lambda: "Mean-field" in view.note.text(), timeout=30000)
    assert "weight_grads" in window.histograms.frame().kinds
    dock.setCurrentIndex(list(dock.views).index("Symmetry"))
    qtbot.waitUntil(lambda: window.histograms.frame().diagnostics.similarity is not None, timeout=30000)
    window.layers.select([4])
    qtbot.waitUntil(lambda: window.histograms.frame().diagnostics.similarity_layer == 4, timeout=30000)


def test_dragging_the_phase_point_rescales_the_net_and_the_histograms_follow(qtbot, window):
    dock = window.diagnose
    dock.setCurrentIndex(list(dock.views).index("Phase diagram"))
    qtbot.waitUntil(lambda: window.histograms.frame().diagnostics.phase is not None, timeout=30000)
    view = dock.views["Phase diagram"]
    qtbot.waitUntil(lambda: view.marker_position() is not None, timeout=30000)
    sw2, sb2 = window.histograms.frame().diagnostics.phase.point
    w_std = window.histograms.frame().layers[5].summaries["weights"].stats["std"]
    assert view.drag_to(1.5 * sw2, sb2)  # inside the plotted range (clamped there)
    view.finish_drag()
    qtbot.waitUntil(lambda: window.histograms.frame().diagnostics.phase.point[0] == pytest.approx(1.5 * sw2, rel=1e-6),
                    timeout=30000)
    assert window.histograms.frame().layers[5].summaries["weights"].stats["std"] == pytest.approx(w_std * 1.5 ** 0.5,
                                                                                                   rel=0.02)
    window.document.undo()
    qtbot.waitUntil(lambda: window.histograms.frame().diagnostics.phase.point[0] == pytest.approx(sw2), timeout=30000)


def test_training_in_the_window_feeds_snapshots_to_the_histograms(qtbot, settings):
    from initviz.model.files import load_experiment
    from pathlib import Path
    exp = load_experiment(str(Path(__file__).parents[2] / "resources" / "examples" / "spirals_deep_relu_he.json"))
    exp = exp.replace(training=exp.training.__class__(**{**exp.training.__dict__, "steps": 40, "snapshot_every": 20}))
    win = open_window(qtbot, settings, exp)
    try:
        with qtbot.waitSignal(win.trainer.state_changed, timeout=60000,
                              check_params_cb=lambda state: state == "finished"):
            win.training.actions_by_name["start"].trigger()
        history = win.trainer.history
        assert len(history.train_loss) == 40 and np.isfinite(history.train_loss).all()
        frame = win.training.selected_frame()
        assert frame is not None
        win.training.snapshot_selected.emit(frame, [str(i) for i in range(len(exp.layers))])
        assert win.histograms.frame() is frame  # the histograms show that moment of training
        assert "training snapshot" in win.compute_label.text()
    finally:
        close_window(win)
