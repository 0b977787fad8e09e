"""Every control of the main window explains the concept it changes in its tooltip."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QDockWidget, QLineEdit, QSlider

from initviz.model.files import load_experiment
from initviz.ui.concepts import CONCEPTS, param_tip
from initviz.ui.inspector import choices_for, entry_for

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
CONTROL_TYPES = (QAbstractSpinBox, QComboBox, QLineEdit, QAbstractButton, QSlider)


def _label_of(widget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return text.replace("&", "").strip().lower()


def _problems(root) -> list[str]:
    """Visible controls under ``root`` whose tooltip is missing or just a name.

    Qt's own parts (object names ``qt_…``: a spin box's line edit, a dock's float/close buttons,
    a table's corner button) are window chrome; a spin box's inner line edit shows its spin box's tip."""
    problems = []
    for kind in CONTROL_TYPES:
        for widget in root.findChildren(kind):
            if not widget.isVisible() or widget.objectName().startswith("qt_"):
                continue
            text = widget.toolTip()
            words = re.findall(r"[\w′'·²√∂/()±=<>≈−+-]+", text)
            trivial = len(text) < 40 or len(words) < 7 or text.strip().lower() == _label_of(widget)
            if trivial:
                where = type(widget.parent()).__name__ if widget.parent() else "?"
                problems.append(f"{type(widget).__name__} {_label_of(widget)!r} in {where}: {text!r}")
    return problems


def _visit_every_panel(window, qtbot):
    """Bring every dock and every Diagnose tab on screen in turn; yields after each."""
    window.lesson_dock.show()
    docks = window.findChildren(QDockWidget)
    for dock in docks:
        dock.raise_()
        qtbot.waitUntil(lambda: dock.widget().isVisible())
        yield dock.objectName()
    window.findChild(QDockWidget, "dock-diagnose").raise_()
    for index in range(window.diagnose.count()):
        window.diagnose.setCurrentIndex(index)
        qtbot.waitUntil(lambda: window.diagnose.currentWidget().isVisible())
        yield f"diagnose:{window.diagnose.tabText(index)}"


def test_every_visible_control_has_a_concept_tooltip(window, qtbot):
    seen, problems = set(), []
    for where in _visit_every_panel(window, qtbot):
        visible = [w for kind in CONTROL_TYPES for w in window.findChildren(kind) if w.isVisible()]
        seen.update(id(w) for w in visible)
        problems += [f"[{where}] {p}" for p in _problems(window)]
    assert len(seen) > 40  # the walk really saw the panels' controls
    assert not problems, "\n".join(sorted(set(problems)))


def test_advisor_fix_buttons_say_what_they_do(window, qtbot):
    """The advisor's cards (only there when it finds something) explain their fix."""
    window.document.replace(load_experiment(EXAMPLES / "deep_relu_xavier.json"))
    window.findChild(QDockWidget, "dock-diagnose").raise_()
    window.diagnose.setCurrentIndex(0)
    advisor = window.diagnose.views["Advisor"]
    qtbot.waitUntil(lambda: any(b.isVisible() for b in advisor.findChildren(QAbstractButton)), timeout=30000)
    assert not _problems(advisor), "\n".join(_problems(advisor))


def test_inspector_tooltips_for_every_scheme_and_activation(window, qtbot):
    """Every parameter editor the inspector can show (every scheme, bias scheme and activation)
    carries its concept, and the concept names the idea, not just the parameter."""
    dock = window.findChild(QDockWidget, "dock-inspector")
    dock.raise_()
    doc, inspector = window.document, window.inspector
    window.layers.select([1])
    qtbot.waitUntil(lambda: inspector.selection() == [1])
    problems = []
    for field in ("init", "bias", "activation"):
        for name in choices_for(field):
            doc.set_layer_field(1, field, name)
            editor = inspector.components[field]
            assert editor.combo.currentText() == name
            problems += [f"{field}={name}: {p}" for p in _problems(editor)]
            for param, param_editor in editor.editors.items():
                concept = param_tip(field, name, param)
                assert concept and concept in param_editor.toolTip(), (field, name, param)
    assert not problems
    assert inspector.components["init"].combo.toolTip().startswith(CONCEPTS["init"])
    assert inspector.units.toolTip() == CONCEPTS["units"]


def test_concepts_cover_every_parameter_of_every_registry_entry():
    for field in ("init", "bias", "activation"):
        for name in choices_for(field):
            params = entry_for(field, name)[0]
            for param in params:
                text = param_tip(field, name, param.name)
                assert len(text) > 60 and text != param.doc, (field, name, param.name)


def test_key_concepts_say_what_they_mean():
    """The three the issue names: fan-in, gain, saturation — each explained where it is edited."""
    assert "inputs of each unit" in CONCEPTS["mode"] and "gain²/fan_in" in CONCEPTS["mode"]
    assert "√2" in CONCEPTS["gain"] and "5/3" in CONCEPTS["gain"] and "ReLU" in CONCEPTS["gain"]
    assert "saturate" in CONCEPTS["activation"] and "saturated" in CONCEPTS["kind_preactivations"]


def test_view_menu_column_actions_explain_their_tensor(window):
    for kind, action in window.view_options.kind_actions.items():
        assert action.toolTip() == CONCEPTS[f"kind_{kind}"]
    for key, action in window.view_options.toggles.items():
        assert action.toolTip() == CONCEPTS[key]
