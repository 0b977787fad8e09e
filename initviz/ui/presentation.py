"""Presentation mode: the window as a lecture screen, and back exactly as it was.

On: full screen; menu bar, status bar and every dock hidden but the lesson's (and the one the
lesson's step points at); the projector theme (or the dark one, when that is the chosen
theme) drawn with fonts ×:data:`FONT_SCALE`, data lines ×:data:`LINE_SCALE` and canvases
zoomed ×:data:`ZOOM` (:mod:`initviz.ui.restyle`) — readable from the back row. Keys while
on: →/← (and PageDown/PageUp) step the lesson, 1–7 give every layer one of the race's seven
default schemes (one undo step each), Space starts or pauses training, Esc or F9 leaves; what
a key did shows in an on-screen caption, since the status bar is hidden.

Off: window state (docks, their sizes and tabs), geometry, full-screen flag, menu and status
bars, fonts, theme and pens are restored from what was saved on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QByteArray, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow

from initviz.engine import race
from initviz.errors import ExperimentError
from initviz.ui.race_worker import DEFAULT_SCHEMES
from initviz.ui.themes import ThemeController, style_of
from initviz.ui.training_controller import LIVE

TOGGLE_KEY = "F9"
FONT_SCALE, LINE_SCALE, ZOOM = 1.6, 2.5, 1.5
CAPTION_MS = 4000
QWIDGETSIZE_MAX = (1 << 24) - 1
SIDE_SHARE, BOTTOM_SHARE = 0.34, 0.3  # of the screen, for the docks kept on
CAPTION_STYLE = ("QLabel { background: rgba(20, 22, 26, 215); color: white; font-size: 30px; font-weight: bold; "
                 "padding: 10px 18px; border-radius: 8px; }")  # px: presentation's font scale leaves it be
HELP = "Presentation — → / ← lesson · 1–7 scheme · Space train / pause · Esc leaves"


@dataclass
class SavedLayout:
    state: QByteArray
    geometry: QRect
    window_state: Qt.WindowState
    menu_bar: bool
    status_bar: bool


class Caption(QLabel):
    """A large line of text over the top of the window that hides itself after a while."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.setStyleSheet(CAPTION_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._timer = QTimer(self, singleShot=True, interval=CAPTION_MS, timeout=self.hide)
        self.hide()

    def show_text(self, text: str) -> None:
        parent = self.parentWidget()
        widest = max(parent.width() - 48, 200)
        self.setMinimumWidth(0)
        self.setMaximumWidth(QWIDGETSIZE_MAX)
        self.setWordWrap(False)
        self.setText(text)
        natural = self.sizeHint().width()  # one line
        self.setWordWrap(natural > widest)
        self.setFixedWidth(min(natural, widest))
        self.adjustSize()
        self.move(max((parent.width() - self.width()) // 2, 0), 24)
        self.show()
        self.raise_()
        self._timer.start()


class PresentationMode(QObject):
    """Enters and leaves presentation mode on ``window`` (see the module docstring).

    ``lesson`` is the lesson panel (``next_step``, ``previous_step``, ``step_changed``) or None;
    ``dock_for(target)`` gives the dock a lesson step points at."""

    toggled = Signal(bool)

    def __init__(self, window: QMainWindow, themes: ThemeController, document: Any, trainer: Any,
                 lesson: Any = None, lesson_dock: QDockWidget | None = None,
                 dock_for: Callable[[str], QDockWidget | None] = lambda target: None):
        super().__init__(window)
        self.window, self.themes, self.document, self.trainer = window, themes, document, trainer
        self.lesson, self.lesson_dock, self.dock_for = lesson, lesson_dock, dock_for
        self.saved: SavedLayout | None = None
        self.caption = Caption(window)
        self.schemes = race.parse_schemes(DEFAULT_SCHEMES)
        self.action = QAction("Presentation mode", window, checkable=True)
        self.action.setShortcut(QKeySequence(TOGGLE_KEY))
        self.action.setToolTip(f"Full screen, large type, thick lines, projector colours ({TOGGLE_KEY}; Esc leaves)")
        self.action.toggled.connect(self.set_on)
        window.addAction(self.action)
        self.shortcuts: list[QShortcut] = []
        for keys, slot in ((("Right", "PgDown"), self.next_step), (("Left", "PgUp"), self.previous_step),
                           (("Space",), self.play_pause), (("Esc",), self.leave)):
            for key in keys:
                self._shortcut(key, slot)
        for number in range(1, len(self.schemes) + 1):
            self._shortcut(str(number), lambda n=number: self.apply_scheme(n))
        if lesson is not None:
            lesson.step_changed.connect(lambda *_: self._follow_lesson())

    def _shortcut(self, key: str, slot: Callable[[], Any]) -> None:
        shortcut = QShortcut(QKeySequence(key), self.window, context=Qt.ShortcutContext.WindowShortcut)
        shortcut.setEnabled(False)
        shortcut.activated.connect(slot)
        self.shortcuts.append(shortcut)

    def is_on(self) -> bool:
        return self.saved is not None

    def set_on(self, on: bool) -> None:
        self.enter() if on else self.leave()

    # --- entering and leaving ----------------------------------------------------------------
    def docks(self) -> list[QDockWidget]:
        return self.window.findChildren(QDockWidget)

    def enter(self) -> None:
        if self.saved is not None:
            return
        w = self.window
        self.saved = SavedLayout(w.saveState(), w.normalGeometry(), w.windowState(), w.menuBar().isVisible(),
                                 w.statusBar().isVisible())
        theme = "dark" if self.themes.theme() == "dark" else "projector"
        self.themes.override(theme, style_of(theme, LINE_SCALE, FONT_SCALE, ZOOM))
        w.menuBar().hide()
        w.statusBar().hide()
        w.showFullScreen()
        self._show_only(self._kept_docks())
        self._set_keys()
        self.action.setChecked(True)
        self.caption.show_text(HELP)
        self.toggled.emit(True)

    def leave(self) -> None:
        saved, self.saved = self.saved, None
        if saved is None:
            return
        w = self.window
        self._set_keys()
        self.caption.hide()
        self.themes.override(None)
        w.setWindowState(saved.window_state)
        if not saved.window_state & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            w.setGeometry(saved.geometry)  # restoreGeometry would shrink a window larger than the screen
        w.restoreState(saved.state)
        w.menuBar().setVisible(saved.menu_bar)
        w.statusBar().setVisible(saved.status_bar)
        self.action.setChecked(False)
        self.toggled.emit(False)

    def _set_keys(self) -> None:
        """Presentation keys work while on. PageDown/PageUp are the lesson panel's keys too, but
        its actions live in the menu bar, hidden while on: the keys have one owner at a time."""
        for shortcut in self.shortcuts:
            shortcut.setEnabled(self.is_on())

    def _kept_docks(self) -> list[QDockWidget]:
        kept = []
        if self.lesson_dock is not None and self.lesson_dock.isVisible():
            kept.append(self.lesson_dock)
        step = self.lesson.current_step() if self.lesson is not None and hasattr(self.lesson, "current_step") else None
        pointed = self.dock_for(step.points_at) if step is not None else None
        if pointed is not None:
            kept.append(pointed)
        return kept

    def _show_only(self, kept: list[QDockWidget]) -> None:
        for dock in self.docks():
            if dock not in kept and dock.isVisible():
                dock.hide()
        for dock in kept:
            dock.show()
            dock.raise_()
            self._size(dock)

    def _size(self, dock: QDockWidget) -> None:
        """Room for large type: a side dock a third of the width; a bottom one 30 % of the height,
        or what its word-wrapped text needs at the dock's width (at most half the screen)."""
        w = self.window
        if w.dockWidgetArea(dock) in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            w.resizeDocks([dock], [int(w.width() * SIDE_SHARE)], Qt.Orientation.Horizontal)
        else:
            height = int(w.height() * BOTTOM_SHARE)
            for _ in range(3):  # grow by what the wrapped labels still lack once laid out
                w.resizeDocks([dock], [min(height, w.height() // 2)], Qt.Orientation.Vertical)
                QApplication.processEvents()
                lacking = sum(max(0, label.heightForWidth(label.width()) - label.height())
                              for label in dock.findChildren(QLabel) if label.wordWrap() and label.isVisible())
                if not lacking or height >= w.height() // 2:
                    break
                height = dock.height() + lacking

    def _follow_lesson(self) -> None:
        if self.is_on():
            self._show_only(self._kept_docks())

    # --- keys ------------------------------------------------------------------------------------
    def next_step(self) -> None:
        if self.lesson is None:
            self.caption.show_text("No lesson: open one from the Lesson menu first")
            return
        self.lesson.next_step()
        self._say_step()

    def previous_step(self) -> None:
        if self.lesson is not None:
            self.lesson.previous_step()
            self._say_step()

    def _say_step(self) -> None:
        step = self.lesson.current_step() if hasattr(self.lesson, "current_step") else None
        if step is not None:
            self.caption.show_text(f"Step {self.lesson.index() + 1}: {step.title}")

    def apply_scheme(self, number: int) -> bool:
        """Give every layer default scheme ``number`` (1-based) as one undo step; says so."""
        scheme = self.schemes[number - 1]
        label = race.label(*race.scheme_parts(scheme))
        layers = range(len(self.document.experiment.layers))
        try:
            self.document.set_layer_field(layers, "init", dict(scheme), label=f"Init of every layer: {label}")
        except ExperimentError as err:
            self.caption.show_text(f"{number}: refused — {err}")
            return False
        self.caption.show_text(f"{number}: every layer {label}")
        return True

    def play_pause(self) -> None:
        """Space: pause a running training, else start (or resume) one."""
        if self.trainer.state in LIVE:
            self.trainer.pause()
        else:
            self.trainer.start()
        self.caption.show_text(f"Training: {self.trainer.status or self.trainer.state}")
