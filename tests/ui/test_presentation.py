"""Presentation mode (issue 8): on and off restores the layout; the keys while on."""

import dataclasses

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QDockWidget

from initviz.engine import race
from initviz.lesson_texts import LESSONS
from initviz.model.sections import DataSpec, TrainingSpec
from initviz.ui import presentation as pm
from initviz.ui.race_worker import DEFAULT_SCHEMES
from initviz.ui.themes import THEMES
from tests.ui.conftest import close_window, open_window


def _layout(window):
    """Everything presentation mode changes and must give back."""
    cell = window.histograms.cell(0, "activations")
    return {"state": bytes(window.saveState()), "geometry": window.geometry().getRect(),
            "full screen": window.isFullScreen(), "menu": window.menuBar().isVisible(),
            "status": window.statusBar().isVisible(), "font": window.font().pointSizeF(),
            "lesson title font": window.lesson.title.font().pointSizeF(),
            "docks": {d.objectName(): d.isVisible() for d in window.findChildren(QDockWidget)},
            "theme": window.themes.shown_theme(), "palette": window.palette().window().color().name(),
            "pen": cell.curve.item.pen(), "range": window.histograms.graphics_widget().range,
            "sheet": window.diagnose.views["Depth profile"].note.styleSheet()}


def test_presentation_mode_toggles_on_and_off_and_restores_the_layout(window, qtbot):
    window.resize(760, 560)  # smaller than the offscreen screen, so full screen is a real change
    qtbot.waitUntil(lambda: window.width() == 760)
    before = _layout(window)
    assert before["docks"]["dock-layers"] and before["menu"]
    window.presentation.action.trigger()  # View ▸ Presentation mode (F9)
    on = _layout(window)
    assert window.presentation.is_on() and on["full screen"]
    assert not on["menu"] and not on["status"] and not any(on["docks"].values())
    assert on["font"] == pytest.approx(before["font"] * pm.FONT_SCALE)
    assert on["lesson title font"] == pytest.approx(before["lesson title font"] * pm.FONT_SCALE)
    assert on["theme"] == "projector" and on["palette"] == "#ffffff"
    assert on["pen"].widthF() == pytest.approx(max(before["pen"].widthF(), 1) * pm.LINE_SCALE)
    view = window.histograms.graphics_widget()
    assert view.range == QRectF(0, 0, view.width() / pm.ZOOM, view.height() / pm.ZOOM)  # drawn magnified
    assert "font-size: 17.6pt" in on["sheet"]  # style-sheet fonts grow too (11pt × 1.6)
    window.presentation.action.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    after = _layout(window)
    assert not window.presentation.is_on()
    assert after == before


def test_number_keys_set_a_default_scheme_on_every_layer_as_one_undo_step(window, settings, qtbot):
    window.themes.set_theme("dark")  # a dark theme stays dark, and the chosen theme is not changed
    window.presentation.enter()
    assert window.themes.shown_theme() == "dark" and settings.value("view/theme") == "dark"
    window.presentation.leave()
    assert window.themes.shown_theme() == "dark" and set(THEMES) == {"system", "projector", "dark"}
    window.activateWindow()
    qtbot.waitActive(window)
    window.presentation.enter()
    schemes = race.parse_schemes(DEFAULT_SCHEMES)
    undo_depth = len(window.document._undo)
    for number in (3, 5):
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{number}"))
        inits = {layer.init for layer in window.document.experiment.layers}
        assert len(inits) == 1 and inits.pop().name == schemes[number - 1]["name"]
        assert window.presentation.caption.isVisible() and window.presentation.caption.text().startswith(f"{number}:")
    assert len(window.document._undo) == undo_depth + 2
    window.undo_action.trigger()
    assert {layer.init.name for layer in window.document.experiment.layers} == {schemes[2]["name"]}
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.presentation.is_on() and window.menuBar().isVisible()
    qtbot.keyClick(window, Qt.Key.Key_4)  # presentation keys are off again
    assert {layer.init.name for layer in window.document.experiment.layers} == {schemes[2]["name"]}


def test_arrows_step_the_lesson_and_keep_its_dock_and_the_panel_it_points_at(window, qtbot):
    window.lesson.set_lesson(LESSONS[0].key)
    window.lesson_dock.show()
    window.activateWindow()
    qtbot.waitActive(window)
    window.presentation.enter()
    assert window.lesson_dock.isVisible()
    for key, index in ((Qt.Key.Key_Right, 0), (Qt.Key.Key_Right, 1), (Qt.Key.Key_Left, 0), (Qt.Key.Key_PageDown, 1)):
        qtbot.keyClick(window, key)
        assert window.lesson.index() == index
    target = window.lesson.current_step().points_at
    pointed = window.lesson_pointer.dock(target)
    visible = {d for d in window.findChildren(QDockWidget) if d.isVisible()}
    assert visible == {window.lesson_dock} | ({pointed} if pointed is not None else set())
    window.presentation.leave()
    assert not window.lesson_dock.isHidden()


def test_space_starts_and_pauses_training(qtbot, settings):
    from initviz.model.experiment import default_experiment
    experiment = default_experiment()
    layers = tuple(dataclasses.replace(layer, units=8) for layer in experiment.layers[:2])
    layers += (dataclasses.replace(experiment.layers[-1], units=2),)
    experiment = experiment.replace(layers=layers, input=dataclasses.replace(experiment.input, features=2, batch=64),
                                    data=DataSpec("xor", n=200), training=TrainingSpec(steps=1_000_000))
    win = open_window(qtbot, settings, experiment)
    try:
        win.presentation.enter()
        win.presentation.play_pause()
        qtbot.waitUntil(lambda: win.trainer.state == "running", timeout=10000)
        assert "Training" in win.presentation.caption.text()
        win.presentation.play_pause()
        qtbot.waitUntil(lambda: win.trainer.state == "paused", timeout=10000)
    finally:
        win.presentation.leave()
        win.trainer.shutdown()
        close_window(win)
