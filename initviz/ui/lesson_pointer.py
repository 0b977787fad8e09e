"""Point at a panel of the main window: bring its dock (or Diagnose tab) forward and outline it briefly.

Targets are :data:`initviz.lessons.POINTS`: ``histograms`` (the centre), a dock by name, or
``diagnose:<tab>``. The outline is a transparent frame over the panel that lets every click
through and hides itself after :data:`HIGHLIGHT_MS`; pointing again hides the previous one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QWidget

HIGHLIGHT_MS = 1600
HIGHLIGHT_STYLE = "QFrame { border: 5px solid #e8590c; border-radius: 4px; background: transparent; }"
DOCKS = {"layers": "dock-layers", "inspector": "dock-inspector", "experiment": "dock-experiment",
         "data": "dock-data and training", "training": "dock-training", "race": "dock-race",
         "diagnose": "dock-diagnose"}
PLACES = {"histograms": "the histograms (centre)", "layers": "the Layers table (left)",
          "inspector": "the Inspector (right)", "experiment": "the Experiment settings (left)",
          "data": "Data and training (left)", "training": "the Training tab (right)", "race": "the Race tab (right)"}


def place_name(target: str) -> str:
    """Where ``target`` is, in words: "the Depth profile tab of Diagnose (right)"."""
    if target.startswith("diagnose:"):
        return f"the {target.split(':', 1)[1]} tab of Diagnose (right)"
    return PLACES.get(target, target)


class Outline(QFrame):
    """A coloured frame drawn over ``target`` that ignores the mouse; :meth:`flash` shows it for a moment."""

    def __init__(self, target: QWidget, duration_ms: int = HIGHLIGHT_MS):
        super().__init__(target)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet(HIGHLIGHT_STYLE)
        self.timer = QTimer(self, singleShot=True, interval=duration_ms)
        self.timer.timeout.connect(self.hide)
        self.hide()

    def flash(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.timer.start()


class PanelPointer:
    """Raises and outlines the panel a lesson step points at, in ``window``."""

    def __init__(self, window: QMainWindow, histograms: QWidget, diagnose: QWidget):
        self.window, self.histograms, self.diagnose = window, histograms, diagnose
        self.last_target: QWidget | None = None  # the widget outlined last (tests read it)
        self.outlines: dict[QWidget, Outline] = {}  # one per outlined widget, made on first use

    def dock(self, target: str) -> QDockWidget | None:
        name = DOCKS.get(target.split(":", 1)[0])
        return self.window.findChild(QDockWidget, name) if name else None

    def widget_for(self, target: str) -> QWidget | None:
        """The widget that shows ``target`` (raising nothing)."""
        if target == "histograms":
            return self.histograms
        if target.startswith("diagnose:"):
            return self.diagnose
        dock = self.dock(target)
        return dock.widget() if dock is not None else None

    def point(self, target: str) -> QWidget | None:
        """Bring ``target`` forward and outline it; returns the outlined widget (None if unknown)."""
        dock = self.dock(target)
        if dock is not None:
            if not dock.isVisible():
                dock.show()
            dock.raise_()
        if target.startswith("diagnose:"):
            tab = target.split(":", 1)[1]
            titles = [self.diagnose.tabText(i).split(" (")[0] for i in range(self.diagnose.count())]
            if tab in titles:
                self.diagnose.setCurrentIndex(titles.index(tab))
        widget = self.widget_for(target)
        for outline in self.outlines.values():  # one outline at a time, however fast the steps come
            outline.hide()
        if widget is not None:
            if widget not in self.outlines:
                self.outlines[widget] = Outline(widget)
            self.outlines[widget].flash()
        self.last_target = widget
        return widget
