"""The main window: composes the panels, menus and status bar. It holds no logic of its own."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QScrollArea, QVBoxLayout, QWidget

import initviz
from initviz.model.document import Document
from initviz.model.autosave import AutosaveStore
from initviz.model.experiment import Experiment
from initviz.ui.autosave import AutosaveController, autosave_folder
from initviz.ui.compute import ComputeController
from initviz.ui.data_settings import DataSettingsPanel
from initviz.ui.diagnose_panel import build_diagnose_panel
from initviz.ui.export_controller import ExportController
from initviz.ui.figure_export import FigureExports
from initviz.ui.file_controller import FileController
from initviz.ui.histograms import HistogramPanel
from initviz.ui.inspector import Inspector
from initviz.ui.layer_panel import LayerPanel
from initviz.ui.lesson_panel import LessonPanel, fill_lesson_menu
from initviz.ui.lesson_pointer import PanelPointer
from initviz.ui.live import LiveView
from initviz.ui.presentation import PresentationMode
from initviz.ui.presets_menu import PresetsMenu
from initviz.ui.race_view import RaceView
from initviz.ui.training_controller import TrainingController
from initviz.ui.training_panel import TrainingPanel
from initviz.ui.lsuv_dialog import LsuvDialog
from initviz.ui.settings_panel import SettingsPanel
from initviz.ui.themes import ThemeController
from initviz.ui.view_options import ViewOptions


def _action(parent, text: str, slot, shortcut: str | QKeySequence | None = None, tip: str = "") -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setToolTip(tip or text)
    action.triggered.connect(slot)
    return action


class MainWindow(QMainWindow):
    """Layers and settings on the left, histograms in the centre, the inspector on the right."""

    def __init__(self, experiment: Experiment, settings: QSettings, path: str | None = None, debounce_ms: int = 0):
        super().__init__()
        self.settings = settings
        self.document = Document(experiment, path)
        self.histograms = HistogramPanel()
        self.compute = ComputeController(debounce_ms, parent=self)
        self.diagnose = build_diagnose_panel(self.document)
        self.live = LiveView(self.document, self.histograms, self.compute, self, self.diagnose)
        self.layers = LayerPanel(self.document)
        self.inspector = Inspector(self.document)
        self.settings_panel = SettingsPanel(self.document)
        self.data_settings = DataSettingsPanel(self.document)
        self.race = RaceView(self.document)
        self.trainer = TrainingController(self.document, parent=self)
        self.training = TrainingPanel(self.document, self.trainer)
        self.files = FileController(self.document, settings, self)
        self.presets = PresetsMenu(self.files, self)
        self.autosave = AutosaveController(self.document, AutosaveStore(autosave_folder(settings)), self)
        self.exports = ExportController(self.histograms, settings, self)
        self.view_options = ViewOptions(self.histograms, settings, self)
        self.compute_label = QLabel()
        self._lsuv_dialog: LsuvDialog | None = None

        self.stale_banner = QLabel(wordWrap=True, visible=False)
        self.stale_banner.setStyleSheet("background: #fff3cd; color: #7a4f01; padding: 6px; font-weight: bold;")
        self.setCentralWidget(_stacked(self.presets.banner, self.stale_banner, self.histograms))
        layers_dock = self._dock("Layers", self.layers, Qt.DockWidgetArea.LeftDockWidgetArea)
        experiment_dock = self._dock("Experiment", self.settings_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        data_dock = self._dock("Data and training", _scrolling(self.data_settings), Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(experiment_dock, data_dock)
        experiment_dock.raise_()
        self.resizeDocks([layers_dock, experiment_dock], [620, 330], Qt.Orientation.Vertical)  # the table first
        right = [self._dock("Inspector", _scrolling(self.inspector), Qt.DockWidgetArea.RightDockWidgetArea),
                 self._dock("Diagnose", self.diagnose, Qt.DockWidgetArea.RightDockWidgetArea)]
        for title, panel in (("Training", self.training), ("Race", self.race)):  # scrolling: a narrow dock stays legal
            self.tabifyDockWidget(right[1], self._dock(title, _scrolling(panel), Qt.DockWidgetArea.RightDockWidgetArea))
        right[1].raise_()
        self._side_docks = (layers_dock, right[0])
        self.resizeDocks(right, [330, 600], Qt.Orientation.Vertical)
        self.lesson_pointer = PanelPointer(self, self.histograms, self.diagnose)
        self.lesson = LessonPanel(self.document, self.lesson_pointer.point,
                                  {"training": self.trainer.start, "race": self.race.run})
        self.lesson_dock = self._dock("Lesson", self.lesson, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.lesson_dock.hide()  # Lesson ▸ Lesson panel; under the histograms, between the side columns
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.statusBar().addPermanentWidget(self.compute_label)
        self.themes = ThemeController(self, settings)
        self.figures = FigureExports(self, settings)
        self.presentation = PresentationMode(self, self.themes, self.document, self.trainer, self.lesson,
                                             self.lesson_dock, self.lesson_pointer.dock)
        self._build_menus()
        self.figures.add_copy_actions({"histograms": self.histograms, "training": self.training.canvas,
                                       "race": self.race.plot, **{view: self.diagnose.views[tab] for view, tab in
                                                                  (("depth", "Depth profile"), ("phase", "Phase diagram"),
                                                                   ("symmetry", "Symmetry"), ("jacobian", "Jacobian"))}})

        self.layers.selection_changed.connect(self.inspector.set_selection)
        self.layers.error.connect(lambda text: self.statusBar().showMessage(f"Refused — {text}", 8000))
        self.histograms.layer_selected.connect(lambda row: self.layers.select([row]))
        self.training.snapshot_selected.connect(self.histograms.show_frame)
        self.training.snapshot_selected.connect(lambda frame, labels: self.compute_label.setText(
            f"histograms: a training snapshot (train loss {frame.loss:.4g}) · the next edit shows the live net"))
        self.layers.selection_changed.connect(lambda rows: self.diagnose.select_layer(min(rows) if rows else None))
        self.live.status.connect(self.compute_label.setText)
        self.live.stale.connect(lambda text: (self.stale_banner.setText(text), self.stale_banner.setVisible(bool(text))))
        self.files.message.connect(lambda text: self.autosave.schedule())  # saved: no autosave needed
        for source in (self.files.message, self.exports.message, self.figures.message, self.autosave.message,
                       self.diagnose.views["Advisor"].fix_applied, self.race.applied,
                       self.diagnose.views["Phase diagram"].edited):
            source.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.files.message.connect(self._update_title)
        self.files.recent_changed.connect(self._fill_recent)
        self.document.subscribe(lambda event: self._update_title())

        self.resize(1600, 1000)
        if QGuiApplication.platformName() != "offscreen":  # its 800 × 800 "screen" is not a real one
            room = self.screen().availableGeometry()  # a 1280 × 720 projector gets a window that fits
            self.resize(min(1600, room.width()), min(1000, room.height()))
        self.fit_docks()
        self._restore_geometry()
        self._update_title()
        self.live.request()

    def fit_docks(self) -> None:
        """Side columns at about a quarter of the window each, so the histograms keep the middle
        (a 1280 px projector included)."""
        width = self.width()
        self.resizeDocks(list(self._side_docks), [int(width * 0.24), int(width * 0.28)], Qt.Orientation.Horizontal)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(_action(self, "&New", self.files.new, QKeySequence.StandardKey.New))
        file_menu.addAction(_action(self, "&Open…", lambda: self.files.open(), QKeySequence.StandardKey.Open))
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.presets.fill(file_menu.addMenu("&Presets"))
        file_menu.addAction(_action(self, "&Save", self.files.save, QKeySequence.StandardKey.Save))
        file_menu.addAction(_action(self, "Save &As…", self.files.save_as, "Ctrl+Shift+S"))
        export_menu = file_menu.addMenu("&Export")
        self.figures.fill_menu(export_menu)  # a submenu per view (PNG, SVG, clipboard), the reproduce script
        export_menu.addSeparator()
        export_menu.addAction(_action(self, "Histogram data as CSV…", self.exports.export_csv))
        export_menu.addAction(_action(self, "Histogram data as NPZ…", self.exports.export_npz))
        file_menu.addSeparator()
        file_menu.addAction(_action(self, "&Quit", self.close, "Ctrl+Q"))
        self._fill_recent()

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = _action(self, "&Undo", self._undo, "Ctrl+Z")
        self.redo_action = _action(self, "&Redo", self._redo, "Ctrl+Shift+Z")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions(list(self.layers.actions_by_name.values()))
        self.addActions([self.undo_action, self.redo_action, *self.layers.actions_by_name.values()])

        init_menu = bar.addMenu("&Initialize")
        init_menu.addAction(_action(self, "LSUV (layer-sequential unit variance)…", self._lsuv,
                                    tip="Mishkin & Matas 2015: orthogonal weights rescaled layer by layer to Var(z) = 1"))

        train_menu = bar.addMenu("&Train")
        train_menu.addActions(list(self.training.actions_by_name.values()))

        fill_lesson_menu(bar.addMenu("&Lesson"), self.lesson, self.lesson_dock)

        view_menu = bar.addMenu("&View")
        self.view_options.fill_menu(view_menu)
        view_menu.addSeparator()
        view_menu.addAction(_action(self, "Full screen", self._toggle_full_screen, "F11"))
        view_menu.addAction(self.presentation.action)
        self.themes.fill_menu(view_menu.addMenu("Theme"))
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(_action(self, "About initviz", self._about))

    def _lsuv(self) -> None:
        if self._lsuv_dialog is None:
            self._lsuv_dialog = LsuvDialog(self.document, self)
            self._lsuv_dialog.applied.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self._lsuv_dialog.show()
        self._lsuv_dialog.raise_()

    def _undo(self) -> None:
        if self.document.can_undo:
            self.document.undo()

    def _redo(self) -> None:
        if self.document.can_redo:
            self.document.redo()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.files.recent_files():
            self.recent_menu.addAction(_action(self, path, lambda checked=False, p=path: self.files.open(p)))
        self.recent_menu.setEnabled(bool(self.files.recent_files()))

    def _update_title(self, *_: object) -> None:
        doc = self.document
        where = f" — {doc.path}" if doc.path else ""
        self.setWindowTitle(f"{doc.experiment.name}{where}{' *' if doc.dirty else ''} — initviz")
        self.undo_action.setEnabled(doc.can_undo)
        self.redo_action.setEnabled(doc.can_redo)
        self.undo_action.setText(f"&Undo {doc.undo_text}" if doc.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {doc.redo_text}" if doc.can_redo else "&Redo")

    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _about(self) -> None:
        QMessageBox.about(self, "About initviz", f"initviz {initviz.__version__}\n"
                          "A laboratory for neural-network weight initialization.")

    def _restore_geometry(self) -> None:
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.autosave.finish()
        self.presentation.leave()  # remember the working layout, not the lecture screen
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.compute.shutdown()
        self.race.shutdown()
        self.trainer.shutdown()
        event.accept()


def _stacked(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for widget in widgets:
        layout.addWidget(widget, 1 if widget is widgets[-1] else 0)
    return box


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area
