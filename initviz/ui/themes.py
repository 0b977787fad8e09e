"""Themes: the system look, a light high-contrast theme for projectors, and a dark theme.

A theme is a Qt palette for the widgets plus a colour map for everything the plots already
drew (:mod:`initviz.ui.restyle`): our named colours have hand-picked counterparts; any other
colour is mapped by lightness in HSL, keeping its hue — the dark theme turns light greys and
tints dark and lifts mid colours a little; the projector theme turns greys nearly black or
white and deepens colours, since projectors wash out light tints and thin greys. Qt's own
dark-mode switch does nothing offscreen (FACTS.md), so palettes are built here.

The choice is kept in QSettings ``view/theme``; unknown values are ignored.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QMenu, QWidget

from initviz.ui import histogram_style as hs
from initviz.ui.restyle import IDENTITY, Restyler, Style

THEMES = {"system": "System", "projector": "Projector (light, high contrast)", "dark": "Dark"}
SETTINGS_KEY = "view/theme"

PROJECTOR_COLOURS = {
    hs.BACKGROUND: "#ffffff", hs.CELL_BACKGROUND: "#ffffff", hs.CELL_FRAME: "#6f757d", hs.TEXT: "#000000",
    hs.MUTED_TEXT: "#1c1c1c", hs.AXIS: "#000000", hs.LAW: "#000000", hs.GHOST_FILL: "#c3c7cd",
    hs.GHOST_LINE: "#3b3f45", hs.SELECTION: "#000000",
}
DARK_COLOURS = {
    hs.BACKGROUND: "#121417", hs.CELL_BACKGROUND: "#1b1e23", hs.CELL_FRAME: "#4d545d", hs.TEXT: "#f0f0f0",
    hs.MUTED_TEXT: "#c6cacf", hs.AXIS: "#e3e5e8", hs.LAW: "#f5f5f5", hs.GHOST_FILL: "#3a3f46",
    hs.GHOST_LINE: "#a3a9b1", hs.SELECTION: "#f5f5f5", hs.SELECTED_ROW: "#5c4b00", "#000000": "#f5f5f5",
    "#fff1b8": "#4d4200", "#fff3cd": "#4d4200",
}


def _lookup(table: dict[str, str], rule: Callable[[float, float, float], tuple[float, float, float]]
            ) -> Callable[[QColor], QColor]:
    known = {QColor(k).rgb(): QColor(v) for k, v in table.items()}
    cache: dict[int, QColor] = {}

    def mapped(colour: QColor) -> QColor:
        key = colour.rgb()
        if key not in cache:
            if key in known:
                cache[key] = known[key]
            else:
                h, s, light = colour.hslHueF(), colour.hslSaturationF(), colour.lightnessF()
                h2, s2, l2 = rule(h, s, light)
                cache[key] = QColor.fromHslF(max(h2, 0.0), min(max(s2, 0.0), 1.0), min(max(l2, 0.0), 1.0))
        return QColor(cache[key])
    return mapped


def _projector_rule(h: float, s: float, light: float) -> tuple[float, float, float]:
    if s < 0.15:  # greys: text and lines nearly black, backgrounds white
        return h, s, 1.0 if light >= 0.9 else light * 0.55
    return h, min(s * 1.15, 1.0), light * 0.85 if 0.3 < light < 0.8 else light


def _dark_rule(h: float, s: float, light: float) -> tuple[float, float, float]:
    if s < 0.2 or light > 0.78:  # greys and light tints: lightness inverted, mid greys kept legible
        return h, s, 0.07 + 0.86 * (1.0 - light) ** 0.6
    return h, s, min(light + 0.15, 0.72) if light < 0.6 else light


COLOUR_MAPS = {"projector": _lookup(PROJECTOR_COLOURS, _projector_rule), "dark": _lookup(DARK_COLOURS, _dark_rule)}

PALETTES = {  # role: (colour, disabled colour or None)
    "projector": {"Window": "#ffffff", "WindowText": "#000000", "Base": "#ffffff", "AlternateBase": "#eef0f3",
                  "Text": "#000000", "Button": "#eceef1", "ButtonText": "#000000", "Highlight": "#0b4ea2",
                  "HighlightedText": "#ffffff", "ToolTipBase": "#ffffe0", "ToolTipText": "#000000",
                  "PlaceholderText": "#4a4a4a", "Link": "#0033cc", "BrightText": "#c8102e", "Light": "#ffffff",
                  "Midlight": "#e0e3e7", "Mid": "#8a9098", "Dark": "#4a4f55", "Shadow": "#000000"},
    "dark": {"Window": "#1e2227", "WindowText": "#eeeeee", "Base": "#15181c", "AlternateBase": "#23272d",
             "Text": "#eeeeee", "Button": "#2b3037", "ButtonText": "#eeeeee", "Highlight": "#3d7bd9",
             "HighlightedText": "#ffffff", "ToolTipBase": "#2b3037", "ToolTipText": "#eeeeee",
             "PlaceholderText": "#9aa1a9", "Link": "#8ab4f8", "BrightText": "#ff6b6b", "Light": "#3a4048",
             "Midlight": "#30353c", "Mid": "#4a5058", "Dark": "#121417", "Shadow": "#000000"},
}
DISABLED_TEXT = {"projector": "#6d6d6d", "dark": "#7a8088"}


def palette(name: str) -> QPalette:
    """The widget palette of theme ``name`` ("system": Qt's default)."""
    if name not in PALETTES:
        return QPalette()
    result = QPalette()
    for role, value in PALETTES[name].items():
        result.setColor(getattr(QPalette.ColorRole, role), QColor(value))
    for role in ("WindowText", "Text", "ButtonText"):
        result.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor(DISABLED_TEXT[name]))
    return result


def style_of(name: str, line_scale: float = 1.0, font_scale: float = 1.0, zoom: float = 1.0) -> Style:
    """The restyle of theme ``name`` (identity colours for "system") with the given scales."""
    colours = COLOUR_MAPS.get(name)
    return Style(colours if colours is not None else IDENTITY.colours, line_scale, font_scale, zoom)


def stored_theme(settings: QSettings) -> str:
    value = settings.value(SETTINGS_KEY, "system")
    return value if isinstance(value, str) and value in THEMES else "system"


class ThemeController(QObject):
    """Applies a theme to a window (palette + plots) and remembers it; presentation mode
    overrides the style for a while without changing the remembered choice."""

    changed = Signal(str)

    def __init__(self, window: QWidget, settings: QSettings):
        super().__init__(window)
        self.window, self.settings = window, settings
        self.restyler = Restyler(window, self)
        self._theme = stored_theme(settings)
        self._override: tuple[str, Style] | None = None
        self._palette_set = False
        self.actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for name, title in THEMES.items():
            action = QAction(title, group, checkable=True, checked=name == self._theme)
            action.triggered.connect(lambda checked=False, n=name: self.set_theme(n))
            self.actions[name] = action
        self.apply()

    def theme(self) -> str:
        """The chosen theme (what is remembered), whatever presentation mode shows."""
        return self._theme

    def shown_theme(self) -> str:
        return self._override[0] if self._override else self._theme

    def style(self) -> Style:
        return self._override[1] if self._override else style_of(self._theme)

    def set_theme(self, name: str) -> None:
        if name not in THEMES:
            raise ValueError(f"theme: got {name!r}; allowed: {', '.join(THEMES)}")
        self._theme = name
        self.settings.setValue(SETTINGS_KEY, name)
        self.actions[name].setChecked(True)
        self.apply()

    def override(self, name: str | None, style: Style | None = None) -> None:
        """Show theme ``name`` drawn in ``style`` until ``override(None)``."""
        self._override = None if name is None else (name, style or style_of(name))
        self.apply()

    def apply(self) -> None:
        name = self.shown_theme()
        if name != "system" or self._palette_set:
            self.window.setPalette(palette(name))
            self._palette_set = name != "system"
        self.restyler.set_style(self.style())
        self.changed.emit(name)

    def fill_menu(self, menu: QMenu) -> None:
        menu.addActions(list(self.actions.values()))
