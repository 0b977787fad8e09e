"""View toggles for the histogram panel, as actions for the View menu, kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from initviz.engine.stats import KINDS
from initviz.ui.concepts import tip
from initviz.ui.histogram_style import DEFAULT_KINDS
from initviz.ui.histograms import HistogramPanel

MENU_TITLES = {"weights": "Weights W", "preactivations": "Pre-activations z", "activations": "Activations a",
               "activation_grads": "Gradients ∂L/∂a", "weight_grads": "Weight gradients ∂L/∂W"}
MODE_TITLES = {"auto": "Automatic (compact beyond 12 layers)", "grid": "Grid of histograms", "compact": "Compact heatmaps"}
TOGGLES = {  # key: (text, default, shortcut); tooltips: initviz.ui.concepts
    "shared_range": ("Shared x-range per column", True, "Ctrl+R"),
    "log_counts": ("Log counts", False, "Ctrl+G"),
    "ghost": ("Ghost of previous scheme", True, "Ctrl+H"),
}


def _bool(value: object, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


class ViewOptions(QObject):
    """Owns the View-menu actions and applies them to the panel."""

    def __init__(self, panel: HistogramPanel, settings: QSettings, parent=None):
        super().__init__(parent)
        self.panel, self.settings = panel, settings
        self.kind_actions: dict[str, QAction] = {}
        stored = settings.value("view/kinds", list(DEFAULT_KINDS))
        stored = [stored] if isinstance(stored, str) else stored
        kinds = [k for k in stored if k in KINDS] if isinstance(stored, list) else []
        for kind in KINDS:
            action = QAction(MENU_TITLES[kind], self, checkable=True, checked=kind in (kinds or DEFAULT_KINDS))
            action.setToolTip(tip(f"kind_{kind}"))
            action.toggled.connect(self._kinds_changed)
            self.kind_actions[kind] = action
        self.toggles: dict[str, QAction] = {}
        for key, (text, default, shortcut) in TOGGLES.items():
            action = QAction(text, self, checkable=True, checked=_bool(settings.value(f"view/{key}"), default))
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(tip(key))
            action.toggled.connect(self.apply)
            self.toggles[key] = action
        self.clear_ghost = QAction("Clear ghost", self, triggered=panel.clear_ghost)
        self.mode_group = QActionGroup(self)
        mode = settings.value("view/mode", "auto")
        for key, text in MODE_TITLES.items():
            action = QAction(text, self.mode_group, checkable=True, checked=key == (mode if mode in MODE_TITLES else "auto"))
            action.setData(key)
        self.mode_group.triggered.connect(self.apply)
        self.apply()

    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k, a in self.kind_actions.items() if a.isChecked())

    def _kinds_changed(self) -> None:
        if not self.kinds():  # at least one column stays visible
            self.kind_actions["activations"].setChecked(True)
            return
        self.apply()

    def mode(self) -> str:
        checked = self.mode_group.checkedAction()
        return checked.data() if checked else "auto"

    def apply(self) -> None:
        """Push every option to the panel and remember it."""
        self.panel.set_kinds(self.kinds())
        self.panel.set_shared_range(self.toggles["shared_range"].isChecked())
        self.panel.set_log_counts(self.toggles["log_counts"].isChecked())
        self.panel.set_ghost_enabled(self.toggles["ghost"].isChecked())
        self.panel.set_mode(self.mode())
        self.settings.setValue("view/kinds", list(self.kinds()))
        for key, action in self.toggles.items():
            self.settings.setValue(f"view/{key}", action.isChecked())
        self.settings.setValue("view/mode", self.mode())

    def fill_menu(self, menu: QMenu) -> None:
        menu.setToolTipsVisible(True)
        columns = menu.addMenu("Columns")
        columns.setToolTipsVisible(True)
        columns.addActions(list(self.kind_actions.values()))
        menu.addActions(list(self.toggles.values()))
        menu.addAction(self.clear_ghost)
        layout = menu.addMenu("Layout")
        layout.addActions(self.mode_group.actions())
