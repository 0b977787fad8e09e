"""The histograms' data export: CSV or NPZ (figures of every view: :mod:`initviz.ui.figure_export`)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from initviz.errors import ExperimentError
from initviz.ui import export
from initviz.ui.histograms import HistogramPanel

class ExportController(QObject):
    """Asks where, then writes; errors are shown, never raised."""

    message = Signal(str)

    def __init__(self, panel: HistogramPanel, settings: QSettings, parent_widget: QWidget):
        super().__init__(parent_widget)
        self.panel, self.settings, self.parent_widget = panel, settings, parent_widget

    def ask_path(self, title: str, suffix: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.parent_widget, title, f"histograms.{suffix}",
                                              f"{suffix.upper()} files (*.{suffix})")
        if path and not path.lower().endswith("." + suffix):
            path += "." + suffix
        return path or None

    def _run(self, title: str, suffix: str, write: Callable[[str], None]) -> bool:
        if self.panel.frame() is None:
            self.message.emit("Nothing to export yet")
            return False
        path = self.ask_path(title, suffix)
        if not path:
            return False
        try:
            write(path)
        except (ExperimentError, OSError) as err:
            QMessageBox.warning(self.parent_widget, "Export failed", str(err))
            return False
        self.message.emit(f"Exported {path}")
        return True

    def export_csv(self) -> bool:
        return self._run("Export histogram data as CSV", "csv", lambda p: export.write_csv(self.panel.histogram_table(), p))

    def export_npz(self) -> bool:
        return self._run("Export histogram data as NPZ", "npz", lambda p: export.write_npz(self.panel.frame(), p))
