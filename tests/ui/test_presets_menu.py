"""File ▸ Presets: every preset in the menu, opening one (through the unsaved-changes prompt), its
banner, open_preset for other panels, and every preset rendered headless."""

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox, QWidget

from initviz.model.document import Document
from initviz.model.experiment import default_experiment
from initviz.presets import PRESET_NAMES, load_preset, read_index
from initviz.ui.app import render
from initviz.ui.file_controller import FileController
from initviz.ui.presets_menu import open_preset


def presets_submenu(window):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    return next(a.menu() for a in file_menu.actions() if a.text() == "&Presets")


def wait_for_layers(qtbot, window, count):
    qtbot.waitUntil(lambda: window.histograms.frame() is not None and len(window.histograms.frame().layers) == count
                    and not window.compute.busy, timeout=60000)


def test_the_file_menu_lists_every_preset_with_its_explanation(window):
    menu = presets_submenu(window)
    index = read_index()
    assert [a.text().replace("&&", "&") for a in menu.actions()] == [e["title"] for e in index]
    assert [a.toolTip() for a in menu.actions()] == [e["explanation"] for e in index]
    assert menu.toolTipsVisible()
    assert list(window.presets.actions_by_name) == list(PRESET_NAMES)


def test_choosing_a_preset_replaces_the_document_and_explains_it(qtbot, window):
    messages = []
    window.files.message.connect(messages.append)
    presets_submenu(window).actions()[PRESET_NAMES.index("he2015_he")].trigger()
    preset = load_preset("he2015_he")
    doc = window.document
    assert doc.experiment == preset.experiment
    assert doc.path is None and not doc.dirty and not doc.can_undo  # a fresh, clean document
    assert preset.title in window.windowTitle() and "*" not in window.windowTitle()
    banner = window.presets.banner
    assert banner.isVisible() and banner.preset_name == "he2015_he"
    assert preset.title in banner.headline.text() and banner.headline.toolTip() == preset.explanation
    assert messages == [f"Preset “{preset.title}” — look at: {preset.look_at}"]
    assert preset.title in window.statusBar().currentMessage()
    wait_for_layers(qtbot, window, 31)
    assert window.histograms.current_mode() == "compact"


def test_the_unsaved_changes_prompt_comes_first(window):
    window.document.set_setting("seed", 5)
    window.files.ask_unsaved = lambda: QMessageBox.StandardButton.Cancel
    assert not open_preset(window, "too_small")
    assert window.document.experiment.seed == 5 and window.document.can_undo and not window.presets.banner.isVisible()
    window.files.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    assert open_preset(window, "too_small")
    assert window.document.experiment == load_preset("too_small").experiment


def test_an_unknown_preset_shows_an_error_and_keeps_the_work(window):
    shown = []
    window.files.show_error = lambda title, text: shown.append((title, text))
    window.document.set_setting("seed", 4)
    assert not open_preset(window, "nope")
    assert shown and shown[0][0] == "Cannot open preset" and "unknown preset 'nope'" in shown[0][1]
    assert window.document.experiment.seed == 4


def test_the_banner_unfolds_dismisses_and_goes_with_new(qtbot, window):
    assert open_preset(window, "edge_of_chaos")
    banner = window.presets.banner
    assert not banner.details.isVisible()
    banner.why.click()
    assert banner.details.isVisible() and banner.details.text() == load_preset("edge_of_chaos").explanation
    banner.close_button.click()
    assert not banner.isVisible()

    assert open_preset(window, "selu_lecun")
    assert banner.isVisible() and not banner.details.isVisible()
    window.document.set_setting("seed", 3)  # exploring the preset keeps its explanation
    window.document.undo()
    assert banner.isVisible()
    window.document.redo()
    window.files.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    window.files.new()  # another experiment, fresh history: the banner goes
    assert not banner.isVisible() and banner.preset_name is None


def test_open_preset_through_a_file_controller(qtbot, settings):
    parent = QWidget()
    qtbot.addWidget(parent)
    document = Document(default_experiment(), path="somewhere.json")
    files = FileController(document, settings, parent)
    files.ask_unsaved = lambda: pytest.fail("a clean document needs no prompt")
    assert open_preset(files, "orthogonal_linear")
    assert document.experiment == load_preset("orthogonal_linear").experiment and document.path is None
    with pytest.raises(TypeError):
        open_preset(object(), "too_small")


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_renders_headless(name, qapp, tmp_path):
    path = tmp_path / f"{name}.png"
    render(load_preset(name).experiment, str(path), (720, 450))
    image = QImage(str(path))
    assert (image.width(), image.height()) == (720, 450)
    pixels = np.frombuffer(image.convertToFormat(QImage.Format.Format_Grayscale8).constBits(), dtype=np.uint8)
    assert len(np.unique(pixels)) > 20  # histograms drawn, not a blank canvas
