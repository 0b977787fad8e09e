"""PhaseDiagramView: χ₁ over (σ_w², σ_b²), the edge of chaos, and the experiment as a point to drag."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from initviz.engine import network, theory
from initviz.engine.frame import compute_frame
from initviz.model import parse_experiment
from initviz.model.document import Document
from initviz.ui.diag_phase import LABEL, PhaseDiagramView
from initviz.ui.diag_plot import COMPUTING

EXTRAS = ("phase", "theory")
DEPTH = 10


def experiment(init, activation="tanh", depth=DEPTH, bias="zeros", layers=None):
    layer = {"units": 32, "activation": activation, "init": init, "bias": bias}
    return parse_experiment({"version": 1, "input": {"features": 32, "batch": 16},
                             "layers": layers or [layer] * depth})


def frame_of(exp):
    return compute_frame(exp, extras=EXTRAS)


def sigma_w2(exp, i):
    return exp.fans(i)[0] * network.weight_law(exp, i).variance()


@pytest.fixture(scope="module")
def tanh_case():
    exp = experiment("xavier_uniform")
    return exp, frame_of(exp)


@pytest.fixture(scope="module")
def relu_case():
    exp = experiment("kaiming_normal", "relu")
    return exp, frame_of(exp)


def make_view(qtbot, exp, frame=None, size=(480, 640)):
    document = Document(exp)
    view = PhaseDiagramView(document)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.show_frame(frame if frame is not None else frame_of(exp), [])
    return view, document


def pixel(view, x, y):
    """The colour on screen at data point (σ_w², σ_b²)."""
    at = view.canvas.mapTo(view, view.canvas.mapFromScene(view.plot.vb.mapViewToScene(QPointF(x, y))))
    return QColor(view.grab().toImage().pixel(at))


def test_needs_phase_and_theory_and_shows_a_placeholder_until_computed(qtbot, tanh_case):
    exp, _ = tanh_case
    view, _ = make_view(qtbot, exp, frame=compute_frame(exp, extras=("theory",)))
    assert view.needs() == ((), ("phase", "theory"))
    assert view.placeholder_text() == COMPUTING
    assert not view.image.isVisible() and not view.marker.isVisible()
    assert view.drag_to(2.0, 0.0) is False  # nothing to drag yet


def test_image_shades_ordered_below_the_critical_line_and_chaotic_above_it(qtbot, tanh_case):
    exp, frame = tanh_case
    view, _ = make_view(qtbot, exp, frame)
    phase = frame.diagnostics.phase
    values, columns = view.image_values(), view.image_columns()
    assert view.placeholder_text() == ""
    np.testing.assert_allclose(columns[-len(phase.sigma_w2):], phase.sigma_w2)
    grid = values[-len(phase.sigma_w2):]
    np.testing.assert_allclose(grid, np.clip(np.log(phase.chi1), -math.log(4), math.log(4)))
    i_low, i_high = np.searchsorted(phase.sigma_w2, 0.5), np.searchsorted(phase.sigma_w2, 1.8)
    assert grid[i_low, 0] < 0 < grid[i_high, 0]  # σ_b² = 0: σ_w² < 1 ordered, σ_w² > 1 chaotic
    assert grid[i_high, -1] < 0  # a large bias orders it again: the critical σ_w² rises with σ_b²
    rect = view.image_rect()
    assert rect.left() <= 0.0 and rect.right() >= phase.sigma_w2[-1]
    assert rect.top() <= 0.0 and rect.bottom() >= phase.sigma_b2[-1]
    ordered, chaotic = pixel(view, 0.5, 0.01), pixel(view, 1.9, 0.01)
    assert ordered.blue() > ordered.red() + 40  # blue on screen...
    assert chaotic.red() > chaotic.blue() + 40  # ... and orange across the line


def test_a_far_chaotic_net_is_shaded_over_the_whole_map_not_only_its_bottom_row(qtbot):
    # σ_w² = 256 puts the σ_w² axis at 0…500 against σ_b² 0…0.5: margin rectangles of ±1e9
    # overflowed Qt's raster coordinates there and hid all but the σ_b² = 0 row of the image
    exp = experiment({"name": "normal", "std": 16 / math.sqrt(32)}, "relu")
    view, _ = make_view(qtbot, exp)
    (x0, x1), (y0, y1) = view.plot.vb.viewRange()
    assert x1 > 300 and y1 < 1
    for fx in (0.25, 0.5, 0.75):  # clear of the region label (top right) and the point's (bottom)
        for fy in (0.3, 0.5, 0.7):
            colour = pixel(view, x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))
            assert colour.red() > colour.blue() + 40, (fx, fy, colour.name())  # chaotic orange
    margin = pixel(view, x0 + 0.5 * (x1 - x0), y0 + 0.2 * (0 - y0))  # σ_b² < 0: the grey margin
    assert abs(margin.red() - margin.blue()) < 30


def test_critical_curve_is_at_one_for_tanh_and_two_for_relu(qtbot, tanh_case, relu_case):
    for (exp, frame), at_zero in ((tanh_case, 1.0), (relu_case, 2.0)):
        view, _ = make_view(qtbot, exp, frame)
        x, y = view.critical_curve()
        assert y[0] == 0.0 and x[0] == pytest.approx(at_zero, rel=1e-6)
        assert np.all(np.diff(x) >= -1e-9)  # never falls as the bias grows
    np.testing.assert_allclose(x, 2.0, rtol=1e-6)  # ReLU: χ₁ = σ_w²/2 whatever the bias


def test_marker_title_and_readout_show_the_experiment(qtbot, tanh_case):
    exp, frame = tanh_case
    view, _ = make_view(qtbot, exp, frame)
    phase = frame.diagnostics.phase
    assert view.marker_position() == pytest.approx(phase.point)
    assert "tanh" in view.title() and f"{DEPTH} layers of tanh" in view.title()
    assert view.readout() == "σ_w² = 1, σ_b² = 0, χ₁ = 1 → critical"
    assert view.plot.getAxis("bottom").labelText == "σ_w² = fan_in·Var(W)"
    assert view.plot.getAxis("left").labelText == "σ_b² = E[b²]"
    shown = {name: item.toPlainText() for name, item in view.region_labels.items() if item.isVisible()}
    assert shown["ordered"].startswith("ordered") and shown["edge"] == "edge of chaos"


@pytest.mark.parametrize("init, activation, bias", [
    ("xavier_uniform", "tanh", "zeros"), ("kaiming_normal", "relu", "zeros"),
    ({"name": "normal", "std": 0.1}, "tanh", {"name": "normal", "std": 0.01}),  # a bias near the axis stays
])
def test_horizontal_drag_doubles_every_var_w_and_one_undo_restores(qtbot, init, activation, bias):
    exp = experiment(init, activation, bias=bias)
    view, document = make_view(qtbot, exp)
    before = [sigma_w2(exp, i) for i in range(DEPTH)]
    start = view.marker_position()
    with qtbot.waitSignal(view.edited) as edited:
        assert view.drag_to(2 * start[0], start[1])
    view.finish_drag()
    after = document.experiment
    for i in range(DEPTH):
        assert sigma_w2(after, i) == pytest.approx(2 * before[i], rel=1e-9)
        assert after.layers[i].bias == exp.layers[i].bias  # the point did not move vertically
    assert edited.args[0].startswith(f"{LABEL}: σ_w² = {2 * start[0]:.3g}")
    assert document.undo_text == LABEL
    document.undo()
    assert document.experiment == exp and not document.can_undo


def test_vertical_drag_sets_the_bias_spread_and_keeps_the_weights(qtbot, tanh_case):
    exp, frame = tanh_case
    view, document = make_view(qtbot, exp, frame)
    x = view.marker_position()[0]
    assert view.drag_to(x, 0.09)
    for i in range(DEPTH):
        layer = document.experiment.layers[i]
        assert layer.init == exp.layers[i].init  # a pure vertical drag leaves the scheme as it was
        assert layer.bias.name == "normal" and layer.bias.kwargs["std"] == pytest.approx(0.3, rel=1e-12)
        assert theory.bias_law(document.experiment, i).second_moment() == pytest.approx(0.09, rel=1e-9)
    assert view.drag_to(x, 1e-6)  # back to σ_b² ≈ 0, same gesture: zeros again
    assert all(layer.bias.name == "zeros" for layer in document.experiment.layers)
    assert view.marker_position() == pytest.approx((x, 0.0))
    view.finish_drag()
    document.undo()
    assert document.experiment == exp


def test_a_drag_of_many_moves_is_one_undo_step_scaled_from_its_start(qtbot, tanh_case):
    exp, frame = tanh_case
    view, document = make_view(qtbot, exp, frame)
    for x, y in ((1.2, 0.0), (1.6, 0.04), (1.5, 0.16)):
        assert view.drag_to(x, y)
    assert view.is_dragging()
    view.finish_drag()
    assert not view.is_dragging()
    assert sigma_w2(document.experiment, 0) == pytest.approx(1.5, rel=1e-9)  # ×1.5, not 1.2·1.6/1.2·…
    assert theory.bias_law(document.experiment, 0).second_moment() == pytest.approx(0.16, rel=1e-9)
    document.undo()
    assert document.experiment == exp and not document.can_undo
    assert view.drag_to(1.2, 0.0)  # a new gesture is a new step
    view.finish_drag()
    assert view.drag_to(1.4, 0.0)
    view.finish_drag()
    document.undo()
    assert sigma_w2(document.experiment, 0) == pytest.approx(1.2, rel=1e-9)


def test_frames_during_a_drag_do_not_move_the_point_and_do_after_it(qtbot, tanh_case):
    exp, frame = tanh_case
    view, document = make_view(qtbot, exp, frame)
    axes = view.view_range()
    assert view.drag_to(1.5, 0.1)
    view.show_frame(frame, [])  # a stale frame (the experiment before the drag) arrives
    assert view.marker_position() == pytest.approx((1.5, 0.1))
    assert view.readout().startswith("σ_w² = 1.5, σ_b² = 0.1")
    assert view.view_range() == axes  # the axes under the mouse stay put too
    view.show_frame(compute_frame(exp, extras=("theory",)), [])  # one without the map: no crash mid-drag
    assert view.drag_to(1.5, 0.1) and view.placeholder_text() == COMPUTING
    view.finish_drag()
    dragged = frame_of(document.experiment)
    view.show_frame(dragged, [])
    assert view.marker_position() == pytest.approx(dragged.diagnostics.phase.point)
    assert view.marker_position() == pytest.approx((1.5, 0.1), rel=1e-9)
    view.show_frame(frame, [])  # after the drag the point follows the frames again
    assert view.marker_position() == pytest.approx(frame.diagnostics.phase.point)


def test_the_point_is_clamped_to_the_plotted_range(qtbot, tanh_case):
    exp, frame = tanh_case
    view, document = make_view(qtbot, exp, frame)
    phase = frame.diagnostics.phase
    assert view.drag_to(100.0, 100.0)
    assert view.marker_position() == pytest.approx((phase.sigma_w2[-1], phase.sigma_b2[-1]))
    assert view.drag_to(-3.0, -1.0)
    x, y = view.marker_position()
    assert 0.0 < x < 0.05 and y == 0.0
    assert sigma_w2(document.experiment, 0) == pytest.approx(x, rel=1e-9)
    view.finish_drag()


def test_a_mouse_drag_rescales_live_and_is_one_undo_step(qtbot, tanh_case):
    exp, frame = tanh_case
    view, document = make_view(qtbot, exp, frame)
    viewport = view.canvas.viewport()

    def send(kind, x, y, buttons):
        at = QPointF(view.canvas.mapFromScene(view.plot.vb.mapViewToScene(QPointF(x, y))))
        QApplication.sendEvent(viewport, QMouseEvent(kind, at, QPointF(viewport.mapToGlobal(at.toPoint())),
                                                     Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier))
    send(QEvent.Type.MouseButtonPress, 1.0, 0.0, Qt.MouseButton.LeftButton)
    for k in range(1, 6):
        send(QEvent.Type.MouseMove, 1.0 + 0.1 * k, 0.0, Qt.MouseButton.LeftButton)
    assert view.is_dragging()
    send(QEvent.Type.MouseButtonRelease, 1.5, 0.0, Qt.MouseButton.NoButton)
    assert not view.is_dragging()
    assert view.marker_position()[0] == pytest.approx(1.5, rel=0.02)  # to a pixel
    assert sigma_w2(document.experiment, 0) == pytest.approx(view.marker_position()[0], rel=1e-9)
    assert document.experiment.layers[0].bias == exp.layers[0].bias  # no vertical move: bias kept
    document.undo()
    assert document.experiment == exp and not document.can_undo


def test_arrow_keys_nudge_the_point_as_one_step_per_key(qtbot, tanh_case):
    exp, frame = tanh_case
    view, document = make_view(qtbot, exp, frame)
    x_max = frame.diagnostics.phase.sigma_w2[-1]
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert sigma_w2(document.experiment, 0) == pytest.approx(1.0 + x_max / 50, rel=1e-9)
    assert not view.is_dragging()
    document.undo()
    assert document.experiment == exp


def test_only_the_layers_with_the_plotted_activation_move_keeping_their_differences(qtbot):
    layers = [{"units": 32, "activation": "tanh", "init": {"name": "normal", "std": s}} for s in (0.1, 0.2, 0.15)]
    layers.append({"units": 32, "activation": "relu", "init": "kaiming_normal"})
    exp = experiment(None, layers=layers)
    view, document = make_view(qtbot, exp)
    assert view.title() == "Mean-field phase diagram: 3 layers of tanh (of 4)"
    start = view.marker_position()[0]
    assert view.drag_to(1.5 * start, 0.0)
    for i in range(3):
        assert sigma_w2(document.experiment, i) == pytest.approx(1.5 * sigma_w2(exp, i), rel=1e-9)
    assert document.experiment.layers[3] == exp.layers[3]


def test_a_scheme_that_cannot_be_rescaled_is_refused_with_a_message(qtbot):
    exp = experiment("eye")
    view, document = make_view(qtbot, exp)
    start = view.marker_position()
    assert view.drag_to(2 * start[0], 0.0) is False
    assert view.error_text().startswith("Refused — layers[0].init.name: 'eye'")
    assert view.marker_position() == pytest.approx(start)  # back where the experiment is
    assert document.experiment == exp and not document.can_undo
    view.finish_drag()
    document.set_layer_field(range(DEPTH), "init", "orthogonal")  # any other edit clears the refusal
    assert view.error_text() == ""


def test_plot_keeps_a_sensible_aspect_in_a_dock_and_a_large_window(qtbot, tanh_case):
    exp, frame = tanh_case
    view, _ = make_view(qtbot, exp, frame, size=(480, 900))
    for size in ((480, 900), (480, 560), (1600, 1000), (1600, 500)):
        view.resize(*size)
        qtbot.waitUntil(lambda: view.plot.vb.width() > 0 and view.size().width() == size[0])
        QApplication.processEvents()
        box = view.plot.vb.rect()
        assert 0.6 <= box.width() / box.height() <= 1.8, size
        assert box.width() >= 0.45 * min(size[0], 1.6 * size[1]), size  # and it uses the room it has
