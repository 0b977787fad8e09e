"""The Lesson dock: stepping forward and back through whole lessons, keys, pointing, undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from initviz import lessons
from initviz.lesson_texts import LESSONS


def _open_lesson(window, qtbot, key: str):
    window.lesson_dock.show()
    qtbot.waitUntil(window.lesson.isVisible)
    window.lesson.set_lesson(key)
    return window.lesson.lesson()


def _assert_shows(window, lesson, k):
    """The document, the texts and the pointed panel are those of step ``k``."""
    panel, step = window.lesson, lesson.steps[k]
    assert panel.index() == k
    assert window.document.experiment == lessons.state_at(lesson, k)
    assert panel.position.text() == f"Step {k + 1} / {len(lesson.steps)}"
    assert (panel.title.text(), panel.text.text()) == (step.title, step.text)
    shown = window.lesson_pointer.widget_for(step.points_at)
    assert window.lesson_pointer.last_target is shown and shown.isVisible()
    if step.points_at.startswith("diagnose:"):
        assert window.diagnose.current_title() == step.points_at.split(":", 1)[1]


def _finish_run(window, qtbot, step):
    """A step that starts the race or training really started it; stop it for the next step."""
    if step.run == "race":
        assert window.race.cancel_button.isEnabled()
        window.race.cancel()
        qtbot.waitUntil(lambda: not window.race.cancel_button.isEnabled(), timeout=30000)
    elif step.run == "training":
        assert window.trainer.busy
        window.trainer.stop()
        qtbot.waitUntil(lambda: not window.trainer.busy and window.trainer.worker_idle, timeout=30000)


@pytest.mark.parametrize("key", [lesson.key for lesson in LESSONS])
def test_step_forward_through_a_lesson_and_back_to_the_start(window, qtbot, key):
    lesson = _open_lesson(window, qtbot, key)
    panel, n = window.lesson, len(lesson.steps)
    assert panel.index() == -1 and panel.position.text() == f"Overview · {n} steps"
    assert not panel.back_button.isEnabled()
    for k in range(n):
        with qtbot.waitSignal(panel.step_changed) as signal:
            panel.next_step()
        assert signal.args == [k, n]
        _assert_shows(window, lesson, k)
        _finish_run(window, qtbot, lesson.steps[k])
    assert not panel.next_button.isEnabled()
    panel.next_step()  # past the end: nothing moves
    assert panel.index() == n - 1
    for k in range(n - 2, -1, -1):
        panel.previous_step()
        _assert_shows(window, lesson, k)
        assert not window.race.cancel_button.isEnabled() and not window.trainer.busy  # Back starts nothing
    panel.previous_step()
    assert panel.index() == -1 and window.document.experiment == lessons.state_at(lesson, 0)


def test_keys_step_the_lesson_while_the_panel_is_open(window, qtbot):
    lesson = _open_lesson(window, qtbot, LESSONS[0].key)
    window.activateWindow()
    qtbot.waitActive(window)
    window.layers.table.setFocus()  # a table pages with PageDown itself: the lesson's shortcut wins
    for key, modifier, expected in ((Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier, 0),
                                    (Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier, 1),
                                    (Qt.Key.Key_PageUp, Qt.KeyboardModifier.NoModifier, 0),
                                    (Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier, 1),
                                    (Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier, 0)):
        qtbot.keyClick(window.layers.table, key, modifier)
        assert window.lesson.index() == expected
        assert window.document.experiment == lessons.state_at(lesson, expected)
    window.lesson_dock.hide()
    qtbot.waitUntil(lambda: not window.lesson.isVisible())
    qtbot.keyClick(window.layers.table, Qt.Key.Key_PageDown)
    assert window.lesson.index() == 0  # closed panel: PageDown is the table's again


def test_an_edit_step_is_an_ordinary_undo_step_and_back_is_exact_after_experimenting(window, qtbot):
    lesson = _open_lesson(window, qtbot, LESSONS[0].key)
    edit = next(k for k, s in enumerate(lesson.steps)
                if k and not isinstance(s.action, (lessons.LoadPreset, lessons.Run)))
    for _ in range(edit + 1):
        window.lesson.next_step()
    assert not window.document.undo_text.startswith("Lesson")  # the step's own edit, e.g. "Set init of all layers"
    window.undo_action.trigger()
    assert window.document.experiment == lessons.state_at(lesson, edit - 1)
    window.redo_action.trigger()
    window.document.set_layer_field(0, "units", 17)  # the student experiments…
    window.lesson.previous_step()  # …and Back still shows exactly the previous step
    assert window.document.experiment == lessons.state_at(lesson, edit - 1)
    window.document.set_setting("seed", 12345)
    window.lesson.next_step()
    assert window.document.experiment == lessons.state_at(lesson, edit)
    assert window.document.undo_text.startswith(f"Lesson: step {edit + 1}")


def test_the_lesson_menu_opens_a_lesson(window, qtbot):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Lesson")
    starts = [a for a in menu.actions() if a.text() in {lesson.title for lesson in LESSONS}]
    assert [a.text() for a in starts] == [lesson.title for lesson in LESSONS]
    assert not window.lesson_dock.isVisible()
    starts[-1].trigger()
    qtbot.waitUntil(window.lesson.isVisible)
    assert window.lesson.lesson() is LESSONS[-1] and window.lesson.index() == -1
    assert window.lesson.chooser.currentText() == LESSONS[-1].title
    window.lesson.chooser.setCurrentIndex(0)
    assert window.lesson.lesson() is LESSONS[0]
    assert window.findChild(QDockWidget, "dock-lesson") is window.lesson_dock


def test_a_refused_step_is_shown_and_nothing_moves(window, qtbot):
    lesson = _open_lesson(window, qtbot, LESSONS[0].key)
    broken = lessons.Lesson("broken", "Broken", "A lesson whose second step cannot apply.", (
        lesson.steps[0],
        lessons.Step("Impossible", "This changes a parameter nothing has. It must be refused.",
                     lessons.SetParam("activation", "alpha", 2.0), "histograms")))
    window.lesson.lessons = (broken,)
    window.lesson.set_lesson(0)
    window.lesson.next_step()
    before = window.document.experiment
    window.lesson.next_step()
    assert window.lesson.index() == 0 and window.document.experiment == before
    assert window.lesson.error.text().startswith("Refused — ")
