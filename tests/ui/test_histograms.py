"""HistogramPanel: what is drawn matches the frame, the options and the promised law."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGraphicsView

import initviz
from initviz.engine.frame import compute_frame
from initviz.engine.stats import KINDS
from initviz.ui import histogram_data as hd
from initviz.ui import histogram_style as hs
from initviz.ui.histograms import HistogramPanel


def experiment(n, activation="tanh", init="xavier_uniform", units=64):
    return initviz.load_experiment({
        "input": {"features": 64, "batch": 64},
        "layers": [{"units": units, "activation": activation, "init": init} for _ in range(n)],
    })


def labels_of(exp):
    return [f"{i} · {layer.activation.name} · {layer.init.name} · {layer.units}" for i, layer in enumerate(exp.layers)]


@pytest.fixture(scope="module")
def default_frame():
    return compute_frame(initviz.default_experiment())


@pytest.fixture(scope="module")
def exploding_frame():
    """40 ReLU layers with N(0, 5²) weights: activations overflow to +inf, then NaN everywhere."""
    return compute_frame(experiment(40, "relu", {"name": "normal", "std": 5}, units=128))


@pytest.fixture
def panel(qtbot):
    p = HistogramPanel()
    qtbot.addWidget(p)
    p.resize(1400, 900)
    p.show()
    qtbot.waitExposed(p)
    return p


def show(panel, frame, n=None):
    panel.show_frame(frame, [f"{i} · test" for i in range(n or len(frame.layers))])


def test_default_frame_draws_one_row_per_layer_and_one_column_per_kind(panel, default_frame):
    panel.show_frame(default_frame, labels_of(initviz.default_experiment()))
    grid = panel.grid_view()
    assert panel.frame() is default_frame and panel.current_mode() == "grid"
    assert grid.row_count() == 10 and grid.kinds() == ("weights", "activations", "activation_grads")
    for layer in range(10):
        assert grid.row_label(layer).lines()[0] == f"{layer} · tanh"
        for kind in grid.kinds():
            edges, heights = panel.cell(layer, kind).curve_data()
            hist = default_frame.layers[layer].summaries[kind].histogram
            np.testing.assert_array_equal(edges, hist.edges)
            np.testing.assert_array_equal(heights, hist.counts)
            assert heights.max() > 0


def test_set_kinds_switches_columns_in_canonical_order(panel, default_frame):
    show(panel, default_frame)
    panel.set_kinds(["weight_grads", "preactivations"])
    assert panel.kinds() == ("preactivations", "weight_grads")
    assert panel.grid_view().kinds() == ("preactivations", "weight_grads")
    z = panel.cell(4, "preactivations")
    assert z.view.isVisible()
    assert z.curve_data()[1].sum() == default_frame.layers[4].summaries["preactivations"].histogram.n_binned
    assert not panel.cell(4, "weights").view.isVisible()
    panel.set_kinds(KINDS)
    assert panel.grid_view().kinds() == KINDS
    with pytest.raises(ValueError, match="kinds"):
        panel.set_kinds(["bogus"])


def test_shared_range_is_the_union_down_each_column(panel, default_frame):
    show(panel, default_frame)
    for kind in panel.kinds():
        ranges = {panel.cell(i, kind).x_range() for i in range(10)}
        assert len(ranges) == 1, kind
        lo, hi = ranges.pop()
        stats = [layer.summaries[kind].stats for layer in default_frame.layers]
        assert lo <= min(s["min"] for s in stats) and hi >= max(s["max"] for s in stats)
        assert hi - lo <= 1.2 * (max(s["max"] for s in stats) - min(s["min"] for s in stats))


def test_own_ranges_follow_each_cell(panel, default_frame):
    show(panel, default_frame)
    panel.set_shared_range(False)
    first, last = panel.cell(0, "activation_grads"), panel.cell(9, "activation_grads")
    assert first.x_range() != last.x_range()
    for cell, layer in ((first, 0), (last, 9)):
        s = default_frame.layers[layer].summaries["activation_grads"].stats
        lo, hi = cell.x_range()
        assert lo <= s["min"] < s["max"] <= hi and hi - lo < 1.2 * (s["max"] - s["min"])
        assert cell.range_line() == f"{hs.format_number(s['min'])} … {hs.format_number(s['max'])}"
    panel.set_shared_range(True)
    assert panel.cell(0, "activation_grads").range_line() == ""


def test_log_counts_draw_log10_of_one_plus_count(panel, default_frame):
    show(panel, default_frame)
    panel.set_log_counts(True)
    counts = default_frame.layers[2].summaries["activations"].histogram.counts
    _, heights = panel.cell(2, "activations").curve_data()
    np.testing.assert_allclose(heights, np.log10(1 + counts))
    assert panel.cell(2, "activations").y_range()[1] == pytest.approx(np.log10(1 + counts.max()) * 1.32)
    panel.set_log_counts(False)
    np.testing.assert_array_equal(panel.cell(2, "activations").curve_data()[1], counts)


def test_fewer_layers_remove_rows(panel, default_frame):
    show(panel, default_frame)
    removed = panel.cell(9, "weights").view
    small = compute_frame(experiment(4))
    show(panel, small)
    assert panel.grid_view().row_count() == 4
    assert removed.scene() is None
    assert panel.cell(3, "weights").curve_data()[1].sum() == small.layers[3].summaries["weights"].histogram.n_binned
    with pytest.raises(IndexError):
        panel.cell(4, "weights")


def test_badges_show_nonfinite_counts_only_when_present(panel, default_frame, exploding_frame):
    panel.set_mode("grid")
    show(panel, default_frame)
    assert all(panel.cell(i, k).badge_line() == "" for i in range(10) for k in panel.kinds())
    show(panel, exploding_frame)
    seen_inf = False
    for i, layer in enumerate(exploding_frame.layers):
        for kind in panel.kinds():
            s = layer.summaries[kind].stats
            text = panel.cell(i, kind).badge_line()
            parts = [f"NaN {s['n_nan']}"] * bool(s["n_nan"]) + [f"+Inf {s['n_posinf']}"] * bool(s["n_posinf"]) \
                + [f"−Inf {s['n_neginf']}"] * bool(s["n_neginf"])
            assert text == " · ".join(parts), (i, kind)
            seen_inf |= s["n_posinf"] > 0
            if s["n_nan"] + s["n_inf"] == s["count"]:
                assert panel.cell(i, kind).curve_data() is None
                assert panel.cell(i, kind).stats_line() == "no finite values"
    assert seen_inf, "the exploding net should overflow to +inf somewhere"
    assert panel.cell(0, "weights").badge_line() == ""


def test_uniform_law_overlay_is_a_box_of_the_expected_height(panel, default_frame):
    show(panel, default_frame)
    law = default_frame.layers[3].weight_law
    hist = default_frame.layers[3].summaries["weights"].histogram
    x, y = panel.cell(3, "weights").law_data()
    height = hist.n_binned * (hist.edges[1] - hist.edges[0]) / (law.high - law.low)
    inside = (x > law.low) & (x < law.high)
    np.testing.assert_allclose(y[inside], height)
    assert np.all(y[(x < law.low) | (x > law.high)] == 0)
    assert abs(hist.counts.mean() - height) < 0.05 * height  # the samples fill the box
    assert panel.cell(3, "activations").law_data() is None


def test_normal_law_overlay_peaks_at_the_density_maximum(panel):
    frame = compute_frame(experiment(2, "relu", "kaiming_normal"))
    show(panel, frame)
    law = frame.layers[1].weight_law
    hist = frame.layers[1].summaries["weights"].histogram
    x, y = panel.cell(1, "weights").law_data()
    peak = hist.n_binned * (hist.edges[1] - hist.edges[0]) / (law.std * math.sqrt(2 * math.pi))
    assert y.max() == pytest.approx(peak, rel=1e-3)
    assert x[np.argmax(y)] == pytest.approx(0.0, abs=(x[1] - x[0]))


def test_constant_init_draws_an_atom_and_a_visible_range(panel):
    frame = compute_frame(experiment(3, "tanh", "zeros"))
    show(panel, frame)
    cell = panel.cell(0, "weights")
    ax, ay = cell.atom_data()
    n = frame.layers[0].summaries["weights"].histogram.n_binned
    np.testing.assert_array_equal(ax, [0.0, 0.0])
    np.testing.assert_array_equal(ay, [0.0, n])
    assert cell.law_data() is None
    assert cell.stats_line() == "all = 0"
    lo, hi = cell.x_range()
    assert lo < 0 < hi and hi - lo >= 1.0


def test_ghost_is_drawn_after_capture_and_can_be_hidden_or_cleared(panel, default_frame):
    show(panel, default_frame)
    assert panel.cell(5, "activations").ghost_data() is None
    panel.capture_ghost()
    assert panel.ghost_frame() is default_frame
    wider = compute_frame(initviz.load_experiment({
        **initviz.model.experiment.to_dict(initviz.default_experiment()),
        "layers": [{"units": 256, "activation": "tanh", "init": {"name": "xavier_uniform", "gain": 2.0}}] * 10}))
    show(panel, wider)
    edges, heights = panel.cell(5, "activations").ghost_data()
    old = default_frame.layers[5].summaries["activations"].histogram
    new = wider.layers[5].summaries["activations"].histogram
    np.testing.assert_array_equal(edges, old.edges)
    scale = (new.edges[1] - new.edges[0]) / (old.edges[1] - old.edges[0])
    np.testing.assert_allclose(heights, old.counts * scale)  # in the current bins' units
    lo, hi = panel.cell(5, "activations").x_range()
    assert lo <= old.edges[0] and hi >= old.edges[-1]  # the ghost is inside the shared range
    panel.set_ghost_enabled(False)
    assert panel.cell(5, "activations").ghost_data() is None and panel.ghost_frame() is default_frame
    panel.set_ghost_enabled(True)
    assert panel.cell(5, "activations").ghost_data() is not None
    panel.clear_ghost()
    assert panel.cell(5, "activations").ghost_data() is None and panel.ghost_frame() is None


def test_auto_mode_switches_to_compact_beyond_twelve_layers(panel):
    show(panel, compute_frame(experiment(12)))
    assert panel.current_mode() == "grid"
    deep = compute_frame(experiment(13))
    show(panel, deep)
    assert panel.current_mode() == "compact"
    assert panel.graphics_widget().centralWidget is panel.compact_view()
    for kind in panel.kinds():
        heat = panel.compact_view().heatmap(kind)
        assert heat.image.image.shape[:2] == (13, hd.COMPACT_BINS)
        assert heat.view.viewRange()[1] == [0.0, 13.0]
    panel.set_mode("grid")
    assert panel.current_mode() == "grid" and panel.grid_view().row_count() == 13
    panel.set_mode("auto")
    assert panel.current_mode() == "compact"
    with pytest.raises(ValueError, match="mode"):
        panel.set_mode("sideways")


def test_compact_rows_are_each_layers_histogram_rebinned(exploding_frame):
    summaries = [layer.summaries["activations"] for layer in exploding_frame.layers]
    x_range = hd.display_range(hd.union_span(hd.finite_span(s) for s in summaries))
    rows = hd.heat_rows([s.histogram for s in summaries], x_range, log=False)
    for s, row in zip(summaries, rows):
        if s.histogram.n_binned == 0:
            assert np.isnan(row).all()
        else:
            assert np.nanmax(row) == pytest.approx(1.0)
    hist = summaries[0].histogram
    edges = np.linspace(hist.edges[0] - 1, hist.edges[-1] + 1, 33)
    assert hd.rebin(hist, edges).sum() == pytest.approx(hist.n_binned)  # counts are conserved
    hists = [s.histogram for s in summaries]
    common = np.linspace(x_range[0], x_range[1], 129)
    np.testing.assert_allclose(hd.rebin_all(hists, common), [hd.rebin(h, common) for h in hists], atol=1e-6)


def test_compact_click_selects_and_hover_shows_a_layer(qtbot, panel):
    frame = compute_frame(experiment(20))
    show(panel, frame)
    compact = panel.compact_view()
    heat = compact.heatmap("activations")
    canvas = panel.graphics_widget()

    def row_point(layer):
        return canvas.mapFromScene(heat.view.mapViewToScene(QPointF(sum(heat.x_range) / 2, layer + 0.5)))

    with qtbot.waitSignal(panel.layer_selected, timeout=2000) as blocker:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=row_point(17))
    assert blocker.args == [17]
    assert panel.selected_layer() == 17 and compact.detail_layer() == 17
    assert compact.detail_cell("weights").layer == 17
    assert compact.detail_title().startswith("layer 17 · test")
    qtbot.mouseMove(canvas.viewport(), row_point(4))
    qtbot.waitUntil(lambda: compact.detail_layer() == 4, timeout=2000)
    hist = frame.layers[4].summaries["activations"].histogram
    np.testing.assert_array_equal(compact.detail_cell("activations").curve_data()[1], hist.counts)
    compact.set_hovered(None)
    assert compact.detail_layer() == 17


def test_grid_click_emits_layer_selected(qtbot, panel, default_frame):
    show(panel, default_frame)
    canvas = panel.graphics_widget()
    centre = panel.cell(6, "activations").scene_rect().center()
    with qtbot.waitSignal(panel.layer_selected, timeout=2000) as blocker:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(centre))
    assert blocker.args == [6]
    assert panel.grid_view().row_label(6).highlighted()


def test_histogram_table_has_every_bin_and_the_nonfinite_counts(panel, exploding_frame):
    show(panel, exploding_frame)
    rows = panel.histogram_table()
    bins = len(exploding_frame.layers[0].summaries["weights"].histogram.counts)
    assert len(rows) == 40 * len(panel.kinds()) * (bins + 3)
    layer = exploding_frame.layers[30].summaries["activations"]
    mine = [r for r in rows if r["layer"] == 30 and r["kind"] == "activations"]
    assert [r["count"] for r in mine[:bins]] == layer.histogram.counts.tolist()
    assert mine[0]["left"] == layer.histogram.edges[0] and mine[bins - 1]["right"] == layer.histogram.edges[-1]
    nan_row, pos_row, neg_row = mine[bins:]
    assert math.isnan(nan_row["left"]) and nan_row["count"] == layer.stats["n_nan"] and nan_row["right"] is None
    assert pos_row["left"] == math.inf and pos_row["count"] == layer.stats["n_posinf"]
    assert neg_row["left"] == -math.inf and neg_row["count"] == layer.stats["n_neginf"]
    assert {r["kind"] for r in panel.histogram_table(kinds=["weight_grads"])} == {"weight_grads"}


@pytest.mark.parametrize("mode", ["grid", "compact"])
def test_skipping_painter_save_restore_changes_no_pixel(panel, exploding_frame, mode):
    """The canvas paints with DontSavePainterState; every item must leave the painter as it found it."""
    panel.set_kinds(KINDS)
    panel.set_mode(mode)
    show(panel, exploding_frame)
    panel.capture_ghost()
    panel.select_layer(3)
    canvas = panel.graphics_widget()
    fast = canvas.grab().toImage()
    canvas.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, False)
    safe = canvas.grab().toImage()
    assert fast == safe


def test_tick_labels_share_one_format():
    assert hs.tick_labels([-5e-4, -2.5e-4, 0, 2.5e-4, 5e-4], 2.5e-4) == ["−5.0e−4", "−2.5e−4", "0", "2.5e−4", "5.0e−4"]
    assert hs.tick_labels([0, 1e38, 2e38], 1e38) == ["0", "1e38", "2e38"]
    assert hs.tick_labels([-0.1, -0.05, 0, 0.05], 0.05) == ["−0.10", "−0.05", "0", "0.05"]
    assert hs.badge_text(12, 3, 1) == "NaN 12 · +Inf 3 · −Inf 1" and hs.badge_text(0, 0, 0) == ""
