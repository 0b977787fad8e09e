"""The Export menu: histogram view as PNG (chosen size) or SVG, data as CSV or NPZ."""

from __future__ import annotations

import re
from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from initviz.errors import ExperimentError
from initviz.ui import export
from initviz.ui.histograms import HistogramPanel

DEFAULT_SIZE = "1600x1000"


def parse_size(text: str) -> tuple[int, int]:
    """'1600x900' -> (1600, 900); sides from 64 to 16384 pixels."""
    match = re.fullmatch(r"\s*(\d+)\s*[x×X]\s*(\d+)\s*", text or "")
    if not match:
        raise ExperimentError("size", f"got {text!r}; allowed: WIDTHxHEIGHT in pixels, e.g. 1600x900")
    width, height = int(match.group(1)), int(match.group(2))
    if not (64 <= width <= 16384 and 64 <= height <= 16384):
        raise ExperimentError("size", f"got {width}x{height}; each side must be from 64 to 16384 pixels")
    return width, height


def render_panel_copy(panel: HistogramPanel, size: tuple[int, int], path: str) -> None:
    """Draw the panel's frame in a fresh offscreen panel of ``size`` and save it as PNG,
    leaving the window's own layout untouched."""
    copy = HistogramPanel()
    try:
        copy.set_kinds(panel.kinds())
        copy.set_shared_range(panel.shared_range())
        copy.set_log_counts(panel.log_counts())
        copy.set_mode(panel.mode())
        copy.resize(*size)
        copy.show_frame(panel.frame(), panel.labels())
        export.grab_png(copy, path, size)
    finally:
        copy.deleteLater()


class ExportController(QObject):
    """Asks where and how big, then writes; errors are shown, never raised."""

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

    def ask_size(self) -> str | None:
        previous = self.settings.value("export/size", DEFAULT_SIZE)
        text, ok = QInputDialog.getText(self.parent_widget, "PNG size", "Width x height in pixels:",
                                        text=previous if isinstance(previous, str) else DEFAULT_SIZE)
        return text if ok else None

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

    def export_png(self) -> bool:
        text = self.ask_size()
        if text is None:
            return False
        try:
            size = parse_size(text)
        except ExperimentError as err:
            QMessageBox.warning(self.parent_widget, "Export failed", str(err))
            return False
        self.settings.setValue("export/size", f"{size[0]}x{size[1]}")
        return self._run("Export histograms as PNG", "png", lambda p: render_panel_copy(self.panel, size, p))

    def export_svg(self) -> bool:
        return self._run("Export histograms as SVG", "svg", lambda p: export.render_svg(self.panel.graphics_widget(), p))

    def export_csv(self) -> bool:
        return self._run("Export histogram data as CSV", "csv", lambda p: export.write_csv(self.panel.histogram_table(), p))

    def export_npz(self) -> bool:
        return self._run("Export histogram data as NPZ", "npz", lambda p: export.write_npz(self.panel.frame(), p))
