"""HistogramPanel: the centre of the main window — per layer, what W, a and ∂L/∂a look like.

Two views share one ``pg.GraphicsLayoutWidget``: the grid (one small histogram per layer and
kind, :mod:`initviz.ui.histogram_grid`) and, for deep stacks, the compact heatmaps with a
detail row (:mod:`initviz.ui.histogram_compact`). The panel keeps the state (frame, ghost,
kinds, ranges, mode) and tells the active view to draw; the inactive view is brought up to
date when it becomes active.
"""

from __future__ import annotations

from typing import Any, Iterable

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QVBoxLayout, QWidget

from initviz.engine.stats import KINDS
from initviz.ui import histogram_data as hd
from initviz.ui import histogram_style as hs
from initviz.ui.histogram_cell import HistogramCell
from initviz.ui.histogram_compact import CompactView
from initviz.ui.histogram_grid import GridView

MODES = ("auto", "grid", "compact")
GRID_MAX_LAYERS = 12  # auto mode: a grid up to this depth, the compact view beyond


class HistogramCanvas(pg.GraphicsLayoutWidget):
    """The one graphics widget; reports when the mouse leaves it (hover ends)."""

    mouse_left = Signal()

    def leaveEvent(self, event: Any) -> None:
        super().leaveEvent(event)
        self.mouse_left.emit()


class HistogramPanel(QWidget):
    """Per-layer histograms of a :class:`~initviz.engine.frame.Frame`, as a grid or as heatmaps.

    ``layer_selected(int)`` is emitted when the user clicks a layer (a grid row or a heatmap row).
    """

    layer_selected = Signal(int)
    kinds_changed = Signal(tuple)  # the chosen kinds: frames need summaries of these

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._canvas = HistogramCanvas()
        self._canvas.setBackground(hs.BACKGROUND)
        # Every frame changes most of the picture: repainting all of it is cheaper than
        # tracking dozens of dirty regions, and no item can leave stale pixels behind.
        self._canvas.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        # Items change geometry every frame; a BSP index would be rebuilt for nothing.
        self._canvas.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        # Half the paint time of a 60-cell grid is Qt saving/restoring the painter per item.
        # Every item here sets the pen, brush and hints it uses, and the axes (whose picture
        # sets a clip) restore it themselves; a test checks the pixels match Qt's default.
        self._canvas.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self._canvas.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self._grid = GridView()
        self._compact = CompactView()
        self._active: GridView | CompactView = self._grid
        self._canvas.setCentralItem(self._grid)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._canvas)
        self._frame: Any | None = None
        self._labels: list[str] = []
        self._ghost: Any | None = None
        self._ghost_enabled = True
        self._kinds: tuple[str, ...] = hs.DEFAULT_KINDS
        self._shared = True
        self._log = False
        self._mode = "auto"
        self._selected: int | None = None
        self._stale: set[str] = set()
        scene = self._canvas.scene()
        scene.sigMouseClicked.connect(self._on_click)
        scene.sigMouseMoved.connect(self._on_move)
        self._canvas.mouse_left.connect(lambda: self._compact.set_hovered(None))

    # --- data ------------------------------------------------------------------------------

    def show_frame(self, frame: Any, labels: list[str]) -> None:
        """Draw ``frame``; ``labels`` has one short line per layer ("3 · tanh · xavier_uniform · 256")."""
        self._frame = frame
        self._labels = list(labels)
        if self._selected is not None and self._selected >= len(frame.layers):
            self._selected = None
            self._grid.set_selected(None)
            self._compact.set_selected(None)
        self._stale = {"grid", "compact"}
        self._redraw()

    def frame(self) -> Any | None:
        """The frame currently shown (None before the first)."""
        return self._frame

    def labels(self) -> list[str]:
        return list(self._labels)

    # --- options ---------------------------------------------------------------------------

    def set_kinds(self, kinds: Iterable[str]) -> None:
        """Show these kinds as columns, in the canonical order (``stats.KINDS``)."""
        wanted = set(kinds)
        unknown = wanted - set(KINDS)
        if unknown:
            raise ValueError(f"kinds: unknown {sorted(unknown)}; allowed: {', '.join(KINDS)}")
        if not wanted:
            raise ValueError(f"kinds: choose at least one of {', '.join(KINDS)}")
        kinds = tuple(k for k in KINDS if k in wanted)
        if kinds != self._kinds:
            self._kinds = kinds
            self.kinds_changed.emit(kinds)
        self._restyle()

    def kinds(self) -> tuple[str, ...]:
        return self._kinds

    def drawn_kinds(self) -> tuple[str, ...]:
        """The chosen kinds the current frame has summaries of (a frame computed before a kind
        was switched on lacks it until the next one arrives)."""
        if self._frame is None:
            return self._kinds
        have = getattr(self._frame, "kinds", KINDS)
        return tuple(k for k in self._kinds if k in have) or tuple(have)

    def set_shared_range(self, shared: bool) -> None:
        """True: one x-range down each column (the union over layers); False: each cell its own."""
        self._shared = bool(shared)
        self._restyle()

    def shared_range(self) -> bool:
        return self._shared

    def set_log_counts(self, log: bool) -> None:
        """Heights as log10(1 + count) instead of counts."""
        self._log = bool(log)
        self._restyle()

    def log_counts(self) -> bool:
        return self._log

    def set_mode(self, mode: str) -> None:
        """"auto" (grid up to 12 layers, compact beyond), "grid" or "compact"."""
        if mode not in MODES:
            raise ValueError(f"mode: got {mode!r}; allowed: {', '.join(MODES)}")
        self._mode = mode
        self._redraw()

    def mode(self) -> str:
        return self._mode

    def current_mode(self) -> str:
        """The view in use: "grid" or "compact"."""
        if self._mode != "auto":
            return self._mode
        n = len(self._frame.layers) if self._frame is not None else 0
        return "compact" if n > GRID_MAX_LAYERS else "grid"

    # --- ghost -----------------------------------------------------------------------------

    def capture_ghost(self) -> None:
        """Keep the frame shown now; it is drawn faintly behind later frames while enabled."""
        self._ghost = self._frame
        self._restyle()

    def clear_ghost(self) -> None:
        self._ghost = None
        self._restyle()

    def set_ghost_enabled(self, enabled: bool) -> None:
        self._ghost_enabled = bool(enabled)
        self._restyle()

    def ghost_enabled(self) -> bool:
        return self._ghost_enabled

    def ghost_frame(self) -> Any | None:
        """The captured frame (kept while disabled), or None."""
        return self._ghost

    # --- selection -------------------------------------------------------------------------

    def select_layer(self, layer: int | None) -> None:
        """Mark a layer (grid: its label; compact: its row and the detail plots). No signal."""
        self._selected = layer
        self._grid.set_selected(layer)
        self._compact.set_selected(layer)

    def selected_layer(self) -> int | None:
        return self._selected

    def _on_click(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        layer = self._active.layer_at(event.scenePos())
        if layer is not None:
            self.select_layer(layer)
            self.layer_selected.emit(layer)

    def _on_move(self, scene_pos: QPointF) -> None:
        if self._active is self._compact:
            self._compact.set_hovered(self._compact.layer_at(scene_pos))

    # --- export and inspection -------------------------------------------------------------

    def graphics_widget(self) -> pg.GraphicsLayoutWidget:
        """The widget to render for PNG/SVG export."""
        return self._canvas

    def histogram_table(self, kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """One row per bin of the current frame — layer, kind, left, right, count — and per tensor
        three rows for NaN, +inf, −inf (``left`` that value, ``right`` None). Visible kinds unless
        ``kinds`` is given."""
        if self._frame is None:
            return []
        return hd.table_rows(self._frame, self.drawn_kinds() if kinds is None else tuple(kinds))

    def grid_view(self) -> GridView:
        return self._grid

    def compact_view(self) -> CompactView:
        return self._compact

    def cell(self, layer: int, kind: str) -> HistogramCell:
        """The grid cell of ``layer`` and ``kind`` (grid mode)."""
        return self._grid.cell(layer, kind)

    # --- drawing ---------------------------------------------------------------------------

    def _restyle(self) -> None:
        self._stale = {"grid", "compact"}
        self._redraw()

    def _redraw(self) -> None:
        target = self._compact if self.current_mode() == "compact" else self._grid
        if target is not self._active:
            self._active = target
            self._canvas.setCentralItem(target)
        name = self.current_mode()
        if self._frame is None or name not in self._stale:
            return
        ghost = self._ghost if self._ghost_enabled else None
        kinds = self.drawn_kinds()
        if target is self._grid:
            self._grid.set_structure(len(self._frame.layers), kinds)
        else:
            self._compact.set_kinds(kinds)
        target.update_frame(self._frame, self._labels, ghost, self._log, self._shared)
        self._stale.discard(name)
