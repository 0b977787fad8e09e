"""The Lesson dock: walk through a guided lesson, one step at a time.

A lesson (:mod:`initviz.lessons`) starts on its overview (step index -1: nothing changes yet);
Next applies step 1, 2, … to the document as ordinary undo steps, Back brings back exactly what
the previous step showed. Each step raises and outlines the panel it talks about, and a step
that starts training or a race starts it. Keys (window-wide while the panel is open): PageDown /
PageUp (what presenter clickers send) and Alt+Right / Alt+Left; their actions live only in the
Lesson menu, so they rest while presentation mode hides the menu bar and its own keys step the
lesson. ``step_changed(index, count)`` follows every move, for presentation mode.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QDockWidget, QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from initviz import lessons
from initviz.errors import ExperimentError
from initviz.lesson_texts import LESSONS
from initviz.model.document import Document
from initviz.ui import histogram_style as hs
from initviz.ui.concepts import tip
from initviz.ui.lesson_pointer import place_name
from initviz.ui.refusal import ERROR_STYLE

TEXT_PT, TITLE_PT = 14, 16
NEXT_KEYS = ("PgDown", "Alt+Right")
BACK_KEYS = ("PgUp", "Alt+Left")
SHOW_KEY = "Ctrl+Shift+L"


class LessonPanel(QWidget):
    """Chooser, "Step k / n", title, text, where to look, Back / Next.

    ``point_at(target)`` raises the panel a step points at; ``runners["training" | "race"]()``
    starts what a step runs."""

    step_changed = Signal(int, int)  # index (-1: the lesson's overview), number of steps

    def __init__(self, document: Document, point_at: Callable[[str], Any] = lambda target: None,
                 runners: Mapping[str, Callable[[], Any]] | None = None,
                 lesson_list: Sequence[lessons.Lesson] = LESSONS,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self.point_at, self.runners = document, point_at, dict(runners or {})
        self.lessons = tuple(lesson_list)
        self._lesson, self._index = 0, -1
        self.chooser = QComboBox()
        self.chooser.addItems([lesson.title for lesson in self.lessons])
        self.chooser.setToolTip(tip("lesson_choice"))
        self.chooser.currentIndexChanged.connect(self.set_lesson)
        self.position = QLabel()
        self.position.setFont(hs.font(TEXT_PT, bold=True))
        self.title = QLabel(wordWrap=True)
        self.title.setFont(hs.font(TITLE_PT, bold=True))
        self.text = QLabel(wordWrap=True)
        self.text.setFont(hs.font(TEXT_PT))
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.where = QLabel(wordWrap=True)
        self.where.setFont(hs.font(TEXT_PT - 2))
        self.where.setStyleSheet("color: #8a3b00;")
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.back_button, self.next_button = QPushButton("◀ Back"), QPushButton("Next ▶")
        for button, key in ((self.back_button, "lesson_back"), (self.next_button, "lesson_next")):
            button.setFont(hs.font(TEXT_PT, bold=True))
            button.setMinimumHeight(36)
            button.setToolTip(tip(key))
        self.back_button.clicked.connect(self.previous_step)
        self.next_button.clicked.connect(self.next_step)
        self.next_action = self._action("Next step", NEXT_KEYS, self.next_step)
        self.back_action = self._action("Previous step", BACK_KEYS, self.previous_step)
        self._layout()
        self._show()

    def _action(self, text: str, keys: Sequence[str], slot: Callable[[], Any]) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{text} of the lesson ({', '.join(keys)})")
        action.triggered.connect(slot)
        return action

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.chooser, 1)
        top.addWidget(self.position)
        top.addWidget(self.back_button)
        top.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.where)
        layout.addWidget(self.error)

    # --- state ----------------------------------------------------------------------------
    def lesson(self) -> lessons.Lesson:
        return self.lessons[self._lesson]

    def index(self) -> int:
        """The step on screen (0-based); -1 on the lesson's overview."""
        return self._index

    def current_step(self) -> lessons.Step | None:
        return self.lesson().steps[self._index] if self._index >= 0 else None

    def set_lesson(self, which: int | str) -> None:
        """Show the overview of lesson ``which`` (its position or key); the document is untouched."""
        position = which if isinstance(which, int) else [l.key for l in self.lessons].index(which)
        self._lesson, self._index = position, -1
        if self.chooser.currentIndex() != position:
            self.chooser.blockSignals(True)
            self.chooser.setCurrentIndex(position)
            self.chooser.blockSignals(False)
        self._show()
        self.step_changed.emit(-1, len(self.lesson().steps))

    # --- moving -----------------------------------------------------------------------------
    def next_step(self) -> None:
        if self._index + 1 < len(self.lesson().steps):
            self.go(self._index + 1)

    def previous_step(self) -> None:
        if self._index > 0:
            self.go(self._index - 1)
        elif self._index == 0:
            self._index = -1  # back to the overview: the document keeps what it shows
            self._show()
            self.step_changed.emit(-1, len(self.lesson().steps))

    def go(self, index: int) -> bool:
        """Apply step ``index`` (see :func:`initviz.lessons.go_to`), point at its panel and, moving
        forward, start its run (Back starts nothing); False (reason shown) when the document refused it."""
        lesson, forward = self.lesson(), index == self._index + 1
        try:
            lessons.go_to(self.document, lesson, index, shown=self._index if self._index >= 0 else None)
        except ExperimentError as err:
            self.error.setText(f"Refused — {err}")
            return False
        self.error.clear()
        self._index = index
        self._show()
        step = lesson.steps[index]
        self.point_at(step.points_at)
        if forward and step.run in self.runners:
            self.runners[step.run]()
        self.step_changed.emit(index, len(lesson.steps))
        return True

    def _show(self) -> None:
        lesson, step = self.lesson(), self.current_step()
        n = len(lesson.steps)
        if step is None:
            self.position.setText(f"Overview · {n} steps")
            self.title.setText(lesson.title)
            self.text.setText(lesson.summary)
            self.where.setText("Next (PageDown or Alt+→) starts the lesson.")
        else:
            self.position.setText(f"Step {self._index + 1} / {n}")
            self.title.setText(step.title)
            self.text.setText(step.text)
            self.where.setText(f"Look at {place_name(step.points_at)}.")
        self.back_button.setEnabled(self._index >= 0)
        self.next_button.setEnabled(self._index + 1 < n)


def fill_lesson_menu(menu: QMenu, panel: LessonPanel, dock: QDockWidget) -> None:
    """The Lesson menu: show the panel, start a lesson, step. Next / Previous (and their keys)
    work while the panel is open, so PageDown / PageUp page tables and spin boxes otherwise."""
    toggle = dock.toggleViewAction()
    toggle.setText("Lesson panel")
    toggle.setShortcut(QKeySequence(SHOW_KEY))
    toggle.setToolTip(f"Show or hide the guided lessons ({SHOW_KEY})")
    menu.setToolTipsVisible(True)
    menu.addAction(toggle)
    menu.addSeparator()
    for position, lesson in enumerate(panel.lessons):
        start = menu.addAction(lesson.title)
        start.setToolTip(lesson.summary)
        start.triggered.connect(lambda checked=False, p=position: (dock.show(), dock.raise_(), panel.set_lesson(p)))
    menu.addSeparator()
    keys = (panel.next_action, panel.back_action)
    menu.addActions(list(keys))
    for action in keys:
        action.setEnabled(dock.isVisible())
    dock.visibilityChanged.connect(lambda visible: [action.setEnabled(visible) for action in keys])
