"""The Diagnose dock's redraw pace: every whole-batch frame at once, previews (a drag) at most
every PREVIEW_REDRAW_MS, the newest of them last."""

from types import SimpleNamespace

from PySide6.QtWidgets import QWidget

from initviz.ui import diagnose_panel
from initviz.ui.diagnose_panel import DiagnosePanel


class Recorder(QWidget):
    def __init__(self):
        super().__init__()
        self.shown = []

    def show_frame(self, frame, labels):
        self.shown.append(frame.name)


def frame(name, preview):
    return SimpleNamespace(name=name, preview_of=512 if preview else None, diagnostics=None)


def test_previews_are_drawn_at_a_readable_pace_and_the_newest_wins(qtbot):
    advisor, depth = Recorder(), Recorder()
    panel = DiagnosePanel({"Advisor": advisor, "Depth profile": depth})
    qtbot.addWidget(panel)
    panel.show_frame(frame("full", False), [])
    panel.show_frame(frame("p1", True), [])  # within the pace of the last redraw: waits
    panel.show_frame(frame("p2", True), [])  # replaces p1
    assert advisor.shown == ["full"]
    qtbot.waitUntil(lambda: advisor.shown == ["full", "p2"], timeout=2 * diagnose_panel.PREVIEW_REDRAW_MS + 1000)
    panel.show_frame(frame("p3", True), [])
    panel.show_frame(frame("full2", False), [])  # a whole-batch frame: at once, the waiting preview dropped
    assert advisor.shown == ["full", "p2", "full2"]
    qtbot.wait(diagnose_panel.PREVIEW_REDRAW_MS + 100)
    assert advisor.shown == ["full", "p2", "full2"]
    panel.show_frame(frame("p4", True), [])
    panel.setCurrentIndex(1)  # a tab brought forward draws the newest frame, waiting or not
    assert depth.shown == ["p4"]
