"""File ▸ Presets: open a shipped preset (:mod:`initviz.presets`) and say what it shows.

Opening a preset is like opening a file that has no path: the unsaved-changes prompt first, then
the document is replaced with a fresh history and counts as clean. A one-line banner above the
histograms names the preset and what to look at; "Why?" unfolds its explanation, ✕ dismisses it.
The banner also goes away when New or Open replaces the preset.

Other panels (the lessons) open presets with :func:`open_preset`.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from initviz.errors import ExperimentError
from initviz.model.document import Event
from initviz.model.experiment import Experiment
from initviz.presets import Preset, list_presets, load_preset
from initviz.ui.file_controller import FileController

BANNER_STYLE = ("#presetBanner { background: #e7f1ff; border-bottom: 1px solid #9ec5fe; }"
                "#presetBanner QLabel { color: #052c65; }")


class PresetBanner(QFrame):
    """A dismissible info line: the open preset's title and what to look at; "Why?" shows the
    explanation below it (also the headline's tooltip)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("presetBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.preset_name: str | None = None
        self.headline = QLabel(wordWrap=True)  # a narrow window wraps it instead of growing
        self.details = QLabel(wordWrap=True, visible=False, textFormat=Qt.TextFormat.PlainText)
        self.why = QToolButton(text="Why?", checkable=True, toolTip="Show or hide the explanation")
        self.close_button = QToolButton(text="✕", toolTip="Dismiss", autoRaise=True)
        self.why.toggled.connect(self.details.setVisible)
        self.close_button.clicked.connect(self.dismiss)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.headline, 1)
        line.addWidget(self.why)
        line.addWidget(self.close_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 4, 8, 4)
        box.addLayout(line)
        box.addWidget(self.details)
        self.setVisible(False)

    def show_preset(self, preset: Preset) -> None:
        self.preset_name = preset.name
        self.headline.setText(f"<b>{html.escape(preset.title)}</b> — look at: {html.escape(preset.look_at)}")
        self.headline.setToolTip(preset.explanation)
        self.details.setText(preset.explanation)
        self.why.setChecked(False)
        self.setVisible(True)

    def dismiss(self) -> None:
        self.preset_name = None
        self.why.setChecked(False)
        self.setVisible(False)


def open_in(files: FileController, name: str) -> Preset | None:
    """Open preset ``name`` in ``files``' document: the preset, or None when it could not be
    loaded (an error dialog says why) or the user cancelled the unsaved-changes prompt."""
    try:
        preset = load_preset(name)
    except ExperimentError as err:
        files.show_error("Cannot open preset", str(err))
        return None
    if not files.maybe_save():
        return None
    files.document.replace(preset.experiment, reset_history=True)
    files.document.path = None
    files.document.mark_saved()
    files.message.emit(f"Preset “{preset.title}” — look at: {preset.look_at}")
    return preset


class PresetsMenu(QObject):
    """The presets as menu actions (title shown, explanation as tooltip) and the banner of the
    one open. ``opened(name)`` after a preset replaced the document."""

    opened = Signal(str)

    def __init__(self, files: FileController, parent: QObject | None = None):
        super().__init__(parent)
        self.files = files
        self.banner = PresetBanner()
        self._shown: Experiment | None = None
        self.actions_by_name: dict[str, QAction] = {}
        files.document.subscribe(self._document_changed)

    def fill(self, menu: QMenu) -> None:
        """One action per preset, in teaching order; a damaged preset folder leaves the menu
        disabled with the reason as its tooltip."""
        menu.setToolTipsVisible(True)
        try:
            presets = list_presets()
        except ExperimentError as err:
            menu.setEnabled(False)
            menu.setToolTip(str(err))
            return
        for preset in presets:
            action = QAction(preset.title.replace("&", "&&"), menu)  # "&" would mark a mnemonic
            action.setToolTip(preset.explanation)
            action.setStatusTip(preset.look_at)
            action.triggered.connect(lambda checked=False, name=preset.name: self.open(name))
            menu.addAction(action)
            self.actions_by_name[preset.name] = action

    def open(self, name: str) -> bool:
        """Open preset ``name`` (after the unsaved-changes prompt) and show its banner."""
        preset = open_in(self.files, name)
        if preset is None:
            return False
        self.show_banner(preset)
        self.opened.emit(name)
        return True

    def show_banner(self, preset: Preset) -> None:
        """Explain ``preset``, which the document holds now (also used at start-up with --preset)."""
        self._shown = self.files.document.experiment
        self.banner.show_preset(preset)

    def _document_changed(self, event: Event) -> None:
        """New or Open replaced the preset (fresh history, another experiment): its banner goes.
        Edits and undo keep it: the experiment is still that preset, explored."""
        doc = self.files.document
        if self.banner.isVisible() and not doc.can_undo and doc.experiment != self._shown:
            self.banner.dismiss()


def open_preset(target: Any, name: str) -> bool:
    """Open preset ``name`` in a main window (its banner shows the explanation) or through a
    :class:`FileController`; False when it was not opened (cancelled, or an error was shown)."""
    menu = getattr(target, "presets", None)
    if isinstance(menu, PresetsMenu):
        return menu.open(name)
    files = target if isinstance(target, FileController) else getattr(target, "files", None)
    if not isinstance(files, FileController):
        raise TypeError(f"open_preset needs a main window or a FileController, got {type(target).__name__}")
    return open_in(files, name) is not None
