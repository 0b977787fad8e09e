"""Themes (issue 8): palettes, plot colours through the restyle hook, persistence, exact undo."""

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPalette

from initviz.ui import histogram_style as hs
from initviz.ui import themes
from initviz.ui.restyle import IDENTITY, Style, map_value, restyle_tree
from initviz.ui.themes import ThemeController, palette, stored_theme, style_of


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]


def test_palettes_are_light_high_contrast_and_dark():
    projector, dark = palette("projector"), palette("dark")
    assert projector.color(QPalette.ColorRole.Window) == QColor("#ffffff")
    assert projector.color(QPalette.ColorRole.WindowText) == QColor("#000000")
    assert dark.color(QPalette.ColorRole.Window).lightnessF() < 0.15
    assert dark.color(QPalette.ColorRole.WindowText).lightnessF() > 0.9
    assert palette("system") == QPalette()


def test_named_colours_map_to_their_counterparts_and_others_by_lightness():
    dark, projector = themes.COLOUR_MAPS["dark"], themes.COLOUR_MAPS["projector"]
    assert dark(QColor(hs.BACKGROUND)) == QColor(themes.DARK_COLOURS[hs.BACKGROUND])
    assert projector(QColor(hs.MUTED_TEXT)) == QColor(themes.PROJECTOR_COLOURS[hs.MUTED_TEXT])
    grey = QColor.fromHslF(0.0, 0.0, 0.35)  # not a named colour: lightness inverted, 0.07 + 0.86·(1 − 0.35)^0.6
    assert dark(grey).lightnessF() == pytest.approx(0.07 + 0.86 * 0.65 ** 0.6, abs=0.01)
    blue = QColor(hs.KIND_COLOURS["weights"])  # a saturated colour keeps its hue in both themes
    for mapped in (dark(blue), projector(blue)):
        assert mapped.hslHueF() == pytest.approx(blue.hslHueF(), abs=0.01)
    assert projector(QColor.fromHslF(0.0, 0.0, 0.5)).lightnessF() == pytest.approx(0.275, abs=0.01)  # greys darken


def test_a_style_maps_colours_keeps_alpha_and_scales_only_data_lines():
    from PySide6.QtGui import QPen
    style = Style(themes.COLOUR_MAPS["dark"], line_scale=2.5)
    pen = QPen(QColor(17, 17, 17, 128), 2.0)
    line, edge = map_value(style, "line", pen), map_value(style, "edge", pen)
    assert line.widthF() == 5.0 and edge.widthF() == 2.0
    assert line.color().alpha() == 128 and line.color().lightnessF() > 0.9
    sheet = map_value(style, "text", "color: #4d4d4d; font-size: 11pt;")
    assert sheet == f"color: {QColor(themes.DARK_COLOURS[hs.MUTED_TEXT]).name()}; font-size: 11pt;"
    assert map_value(IDENTITY, "line", pen) == pen


def test_dark_theme_recolours_widgets_and_plots_and_system_restores_every_pixel(window, settings, qtbot):
    before = window.grab().toImage()
    cell = window.histograms.cell(0, "activations")
    pen_before = cell.curve.item.pen()
    window.themes.set_theme("dark")
    assert settings.value(themes.SETTINGS_KEY) == "dark"
    assert window.palette().color(QPalette.ColorRole.Window) == palette("dark").color(QPalette.ColorRole.Window)
    canvas = window.histograms.graphics_widget()
    assert canvas.backgroundBrush().color() == QColor(themes.DARK_COLOURS[hs.BACKGROUND])
    assert cell.stats._pen.color() == QColor(themes.DARK_COLOURS[hs.TEXT])  # our own text items too
    axis = window.diagnose.views["Depth profile"].plot.getAxis("left")
    assert axis.textPen().color().lightnessF() > 0.5  # pyqtgraph's grey axes: lighter than mid grey on dark
    dark = window.grab().toImage()
    assert _pixels(dark).mean() < 0.6 * _pixels(before).mean()  # much darker overall
    window.themes.set_theme("system")
    assert cell.curve.item.pen() == pen_before
    assert np.array_equal(_pixels(window.grab().toImage()), _pixels(before))
    # items a themed canvas gets later follow the theme
    window.themes.set_theme("dark")
    window.layers.actions_by_name["add"].trigger()  # a new row of cells, drawn after the theme was set
    qtbot.waitUntil(lambda: len(window.histograms.frame().layers) == 11, timeout=10000)
    cell = window.histograms.cell(10, "activations")
    qtbot.waitUntil(lambda: cell.stats._pen.color() == QColor(themes.DARK_COLOURS[hs.TEXT]), timeout=3000)
    window.themes.set_theme("system")
    assert cell.stats._pen.color() == QColor(hs.TEXT)


def test_the_theme_is_remembered_and_a_bad_stored_value_is_ignored(settings, qtbot):
    from PySide6.QtWidgets import QWidget
    settings.setValue(themes.SETTINGS_KEY, "purple")
    assert stored_theme(settings) == "system"
    widget = QWidget()
    qtbot.addWidget(widget)
    controller = ThemeController(widget, settings)
    controller.set_theme("projector")
    assert stored_theme(settings) == "projector" and controller.actions["projector"].isChecked()
    with pytest.raises(ValueError, match="theme: got 'sepia'; allowed: system, projector, dark"):
        controller.set_theme("sepia")


def test_a_figure_out_of_any_window_can_be_themed(qtbot):
    from initviz.model.experiment import default_experiment
    from initviz.ui.figure_views import diagnose_figure
    figure = diagnose_figure("depth", default_experiment())
    qtbot.addWidget(figure.widget)
    restyle_tree(figure.widget, style_of("dark"))
    curve = figure.widget.curves["activations"]
    assert curve.opts["pen"].color() == themes.COLOUR_MAPS["dark"](QColor(hs.KIND_COLOURS["activations"]))
    assert curve.opts["pen"].widthF() == 3  # a theme alone keeps widths
    assert figure.widget._canvas.backgroundBrush().color() == QColor(themes.DARK_COLOURS[hs.BACKGROUND])


def test_a_value_the_view_sets_anew_becomes_the_original_and_the_others_keep_theirs(qapp):
    from PySide6.QtGui import QBrush, QPen
    from PySide6.QtWidgets import QGraphicsRectItem
    from initviz.ui.restyle import restyle_item
    dark = style_of("dark")
    item = QGraphicsRectItem()
    item.setPen(QPen(QColor(hs.AXIS)))
    item.setBrush(QBrush(QColor(hs.CELL_BACKGROUND)))
    restyle_item(item, dark)
    mapped_brush = QColor(themes.DARK_COLOURS[hs.CELL_BACKGROUND])
    assert item.brush().color() == mapped_brush
    item.setPen(QPen(QColor(hs.TEXT)))  # the view draws something new meanwhile
    restyle_item(item, dark)
    assert item.pen().color() == QColor(themes.DARK_COLOURS[hs.TEXT]) and item.brush().color() == mapped_brush
    restyle_item(item, IDENTITY)
    assert item.pen().color() == QColor(hs.TEXT) and item.brush().color() == QColor(hs.CELL_BACKGROUND)


def test_items_a_view_makes_while_laid_out_for_a_figure_take_its_theme(qtbot):
    from initviz.model.files import load_experiment
    from initviz.ui import figure_views, figures
    from tests.ui.test_export_views import SMALL
    figure = figure_views.headless_figure("race", load_experiment(SMALL), steps=5)
    qtbot.addWidget(figure.widget)
    figure.widget.setPalette(palette("dark"))
    figure.style = style_of("dark")
    image = figures.to_image(figure, (1500, 700))  # the race plot rebuilds its legend for this width
    legend = _pixels(image).reshape(700, 1500, 4)[:, 1125:, :3].min(axis=2)  # the legend, right of the plot
    assert (legend > 200).sum() > 2000  # its 8 labels in light text (dark text on dark: ~400 light pixels)
