"""New / Open / Save / Save As, recent files and the unsaved-changes prompt.

Dialogs are reached through overridable methods (``ask_open_path`` …) so tests drive the
controller without a modal dialog.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from initviz.errors import ExperimentError
from initviz.model.document import Document
from initviz.model.experiment import default_experiment
from initviz.model.files import load_experiment, save_experiment

FILTER = "initviz experiments (*.json);;All files (*)"
MAX_RECENT = 8


class FileController(QObject):
    """File operations on one document; ``recent_changed`` after the recent list moves."""

    recent_changed = Signal()
    message = Signal(str)

    def __init__(self, document: Document, settings: QSettings, parent_widget: QWidget):
        super().__init__(parent_widget)
        self.document = document
        self.settings = settings
        self.parent_widget = parent_widget

    # --- dialogs (overridden in tests) --------------------------------------------------
    def ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Open experiment", self._folder(), FILTER)
        return path or None

    def ask_save_path(self) -> str | None:
        suggested = os.path.join(self._folder(), (self.document.experiment.name or "experiment") + ".json")
        path, _ = QFileDialog.getSaveFileName(self.parent_widget, "Save experiment as", suggested, FILTER)
        if path and not os.path.splitext(path)[1]:
            path += ".json"
        return path or None

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        buttons = QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
        return QMessageBox.question(self.parent_widget, "Unsaved changes",
                                    f"Save the changes to “{self.document.experiment.name}” first?", buttons)

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent_widget, title, text)

    # --- operations -----------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, discarded or clean)."""
        if not self.document.dirty:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new(self) -> None:
        if self.maybe_save():
            self.document.replace(default_experiment(), reset_history=True)
            self.document.path = None
            self.document.mark_saved()
            self.message.emit("New experiment")

    def open(self, path: str | None = None) -> bool:
        """Open ``path`` (or ask); a file that fails to load leaves the current work untouched."""
        path = path or self.ask_open_path()
        if not path:
            return False
        try:
            experiment = load_experiment(path)
        except ExperimentError as err:
            self.show_error("Cannot open experiment", f"{path}\n\n{err}")
            return False
        if not self.maybe_save():
            return False
        self.document.replace(experiment, reset_history=True)
        self.document.mark_saved(path)
        self._remember(path)
        self.message.emit(f"Opened {path}")
        return True

    def save(self) -> bool:
        if not self.document.path:
            return self.save_as()
        return self._write(self.document.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        return bool(path) and self._write(path)

    def _write(self, path: str) -> bool:
        try:
            save_experiment(self.document.experiment, path)
        except ExperimentError as err:
            self.show_error("Cannot save experiment", str(err))
            return False
        self.document.mark_saved(path)
        self._remember(path)
        self.message.emit(f"Saved {path}")
        return True

    # --- recent files -------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [p for p in value if isinstance(p, str)][:MAX_RECENT]

    def _remember(self, path: str) -> None:
        path = str(Path(path).resolve())
        recent = [path] + [p for p in self.recent_files() if p != path]
        self.settings.setValue("files/recent", recent[:MAX_RECENT])
        self.settings.setValue("files/folder", str(Path(path).parent))
        self.recent_changed.emit()

    def _folder(self) -> str:
        folder = self.settings.value("files/folder", "")
        return folder if isinstance(folder, str) and os.path.isdir(folder) else os.getcwd()
