"""Autosave every few seconds after an edit, and the offer to recover work after a crash.

The files live in an ``autosave`` folder beside the settings file (see
:class:`initviz.model.autosave.AutosaveStore`); the question is asked through an overridable
method so tests answer it in code.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from initviz.errors import ExperimentError
from initviz.model.autosave import AutosaveStore, Recovery
from initviz.model.document import Document

INTERVAL_MS = 3000


def autosave_folder(settings: QSettings) -> Path:
    """``autosave/`` beside the settings file (``~/.config/initviz/autosave`` on Linux)."""
    return Path(settings.fileName()).resolve().parent / "autosave"


class AutosaveController(QObject):
    """Writes the document's unsaved work ``interval_ms`` after the first edit since the last
    autosave; removes it once the work is saved, discarded or the window closes cleanly."""

    message = Signal(str)

    def __init__(self, document: Document, store: AutosaveStore, parent_widget: QWidget,
                 interval_ms: int = INTERVAL_MS):
        super().__init__(parent_widget)
        self.document, self.store, self.parent_widget = document, store, parent_widget
        self.failed = False
        self.timer = QTimer(self, singleShot=True, interval=interval_ms)
        self.timer.timeout.connect(self.save_now)
        document.subscribe(lambda event: self.schedule())

    def schedule(self) -> None:
        """After a change: autosave soon if the work is unsaved, forget the autosave if not."""
        if not self.document.dirty:
            self.timer.stop()
            self._discard()
        elif not self.timer.isActive():
            self.timer.start()

    def save_now(self) -> None:
        if not self.document.dirty:
            self._discard()
            return
        try:
            self.store.write(self.document.experiment, self.document.path)
        except ExperimentError as err:
            if not self.failed:  # say it once, not every few seconds
                self.message.emit(f"Autosave failed — {err}; save your work with Ctrl+S")
            self.failed = True
            return
        self.failed = False

    def finish(self) -> None:
        """A clean exit: the work was saved or deliberately discarded."""
        self.timer.stop()
        self._discard()

    def _discard(self) -> None:
        try:
            self.store.discard()
        except OSError:
            pass

    # --- recovery ---------------------------------------------------------------------------
    def ask_recover(self, recovery: Recovery) -> QMessageBox.StandardButton:
        """Recover (Yes), throw away (Discard) or decide at the next start (No)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work?",
                          f"initviz did not close properly. Recover {recovery.describe()}?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.No, self.parent_widget)
        box.button(QMessageBox.StandardButton.Yes).setText("Recover")
        box.button(QMessageBox.StandardButton.No).setText("Later")
        return QMessageBox.StandardButton(box.exec())

    def offer_recovery(self) -> bool:
        """At start-up: offer the newest orphaned autosave; True when work was recovered."""
        for recovery in self.store.orphans():
            answer = self.ask_recover(recovery)
            if answer == QMessageBox.StandardButton.Discard:
                self.store.remove(recovery)
            elif answer == QMessageBox.StandardButton.Yes:
                self.document.replace(recovery.experiment, reset_history=True)
                self.document.path = recovery.path
                self.document.mark_unsaved()
                self.save_now()  # ours now: a second crash keeps it too
                self.store.remove(recovery)
                self.message.emit(f"Recovered {recovery.describe()} — save it to keep it")
                return True
        return False
