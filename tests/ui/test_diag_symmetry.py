"""SymmetryView draws frame.diagnostics: distinct neurons per layer, one layer's similarity matrix."""

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from initviz.engine.diagnostics import SIMILARITY_MAX_UNITS
from initviz.engine.frame import compute_frame
from initviz.model import parse_experiment
from initviz.ui.diag_plot import COMPUTING
from initviz.ui.diag_symmetry import SymmetryView
from initviz.ui.layer_model import layer_label

EXTRAS = ("symmetry", "similarity", "jacobian")


def experiment(init, activation="tanh", depth=4, units=32, features=32, batch=64):
    layer = {"units": units, "activation": activation, "init": init}
    return parse_experiment({"version": 1, "input": {"features": features, "batch": batch}, "layers": [layer] * depth})


def labels(exp):
    return [layer_label(i, layer) for i, layer in enumerate(exp.layers)]


@pytest.fixture(scope="module")
def random_case():
    exp = experiment("xavier_uniform")
    return compute_frame(exp, extras=EXTRAS, similarity_layer=2), labels(exp)


@pytest.fixture(scope="module")
def constant_case():
    exp = experiment({"name": "constant", "value": 0.1})
    return compute_frame(exp, extras=EXTRAS, similarity_layer=2), labels(exp)


@pytest.fixture
def view(qtbot):
    v = SymmetryView()
    qtbot.addWidget(v)
    v.resize(1100, 520)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_bars_draw_the_distinct_counts_and_units_of_every_layer(view, random_case):
    frame, names = random_case
    view.show_frame(frame, names)
    symmetry = frame.diagnostics.symmetry
    layers, distinct = view.distinct_curve_data()
    np.testing.assert_array_equal(layers, np.arange(len(symmetry)))
    np.testing.assert_allclose(distinct, [s.distinct for s in symmetry])
    np.testing.assert_allclose(view.units_data(), [s.units for s in symmetry])
    assert view.counts_text() == [f"{s.distinct}/{s.units}" for s in symmetry]
    assert view.row_labels()[0] == "0 · tanh · xavier_uniform"  # the units are in the count


def test_random_init_shows_its_matrix_and_all_neurons_distinct(view, random_case):
    frame, names = random_case
    view.show_frame(frame, names)
    d = frame.diagnostics
    np.testing.assert_array_equal(view.image_data(), d.similarity)
    assert view.shown_layer() == d.similarity_layer == 2
    assert view.title() == "layer 2: neuron-by-neuron similarity over the batch"
    assert view.caption() == "32 of 32 neurons distinct"
    assert view.placeholders() == ("", "")
    off_diagonal = d.similarity[~np.eye(32, dtype=bool)]
    assert np.abs(off_diagonal).max() < 0.99  # a real picture, not a constant one


def test_constant_init_reads_as_a_single_neuron(view, constant_case):
    frame, names = constant_case
    view.show_frame(frame, names)
    np.testing.assert_allclose(view.distinct_curve_data()[1], 1.0)
    np.testing.assert_allclose(view.image_data(), 1.0, atol=1e-6)
    assert view.caption() == ("1 distinct neuron of 32: the layer acts as a single neuron "
                              "(symmetry not broken)")


def test_missing_diagnostics_show_the_placeholder(view, random_case):
    frame, names = random_case
    view.show_frame(frame, names)
    view.show_frame(dataclasses.replace(frame, diagnostics=None), names)
    assert view.placeholders() == (COMPUTING, COMPUTING)
    assert view.caption() == COMPUTING
    assert view.image_data() is None
    assert view.distinct_curve_data()[1].size == 0
    assert view.counts_text() == view.row_labels() == []


def test_symmetry_without_a_matrix_draws_bars_and_waits_for_the_matrix(view):
    exp = experiment("xavier_uniform", depth=3)
    frame = compute_frame(exp, extras=("symmetry",))
    view.show_frame(frame, labels(exp))
    assert view.placeholders() == ("", COMPUTING)
    assert view.counts_text() == ["32/32"] * 3


def test_clicking_a_layer_requests_its_matrix(view, qtbot, random_case):
    frame, names = random_case
    view.show_frame(frame, names)
    plot = view.bar_plot()
    x_mid = sum(plot.vb.viewRange()[0]) / 2
    canvas = plot.scene().views()[0]
    point = canvas.mapFromScene(plot.vb.mapViewToScene(QPointF(x_mid, 3.0)))
    with qtbot.waitSignal(view.similarity_layer_requested) as blocker:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == [3]
    assert view.layer() == 3
    assert view.combo().currentIndex() == 3
    assert "layer 3 asked for" in view.title()  # the matrix shown is still layer 2's


def test_choosing_in_the_combo_requests_and_set_layer_is_silent(view, qtbot, random_case):
    frame, names = random_case
    view.show_frame(frame, names)
    with qtbot.assertNotEmitted(view.similarity_layer_requested):
        view.set_layer(1)
    assert view.combo().currentIndex() == 1
    assert view.layer() == 1
    with qtbot.waitSignal(view.similarity_layer_requested) as blocker:
        qtbot.keyClick(view.combo(), Qt.Key.Key_Down)
    assert blocker.args == [2]


def test_request_layer_emits(view, qtbot, random_case):
    view.show_frame(*random_case)
    with qtbot.waitSignal(view.similarity_layer_requested) as blocker:
        view.request_layer(2)
    assert blocker.args == [2]


def test_nan_units_show_in_the_image_and_the_caption(view, random_case):
    frame, names = random_case
    matrix = frame.diagnostics.similarity.copy()
    matrix[5, :] = matrix[:, 5] = np.nan
    nan_frame = dataclasses.replace(frame, diagnostics=dataclasses.replace(frame.diagnostics, similarity=matrix))
    view.show_frame(nan_frame, names)
    np.testing.assert_array_equal(view.image_data(), matrix)
    assert view.caption().endswith("1 unit with NaN/±inf activations (red)")


def test_exploding_layers_are_marked_non_finite(view):
    exp = experiment({"name": "normal", "std": 1e4}, "linear", depth=12, units=16)
    frame = compute_frame(exp, extras=EXTRAS, similarity_layer=11)
    view.show_frame(frame, labels(exp))
    assert np.isnan(view.image_data()).all()
    assert view.caption().startswith("no finite activations in layer 11")
    assert view.counts_text()[-1].endswith("NaN/±inf")


def test_one_unit_and_wide_layers(view):
    exp = parse_experiment({"version": 1, "input": {"features": 8, "batch": 32}, "layers": [
        {"units": 1024, "activation": "tanh", "init": "xavier_uniform"},
        {"units": 1, "activation": "tanh", "init": "xavier_uniform"}]})
    frame = compute_frame(exp, extras=EXTRAS, similarity_layer=1)
    view.show_frame(frame, labels(exp))
    assert view.caption() == "a single neuron: nothing to compare"
    np.testing.assert_array_equal(view.image_data(), [[1.0]])
    frame = compute_frame(exp, extras=EXTRAS, similarity_layer=0)
    view.show_frame(frame, labels(exp))
    assert view.image_data().shape == (SIMILARITY_MAX_UNITS, SIMILARITY_MAX_UNITS)
    assert f"matrix of the first {SIMILARITY_MAX_UNITS} units" in view.caption()
    assert view.counts_text()[0].endswith("/1,024")


def test_pictures_sit_side_by_side_when_wide_and_stack_when_tall(view, qtbot):
    view.resize(1100, 500)
    qtbot.waitUntil(view.is_side_by_side)
    view.resize(500, 900)
    qtbot.waitUntil(lambda: not view.is_side_by_side())


def test_needs_names_what_the_worker_must_compute(view):
    kinds, extras = view.needs()
    assert set(extras) == {"symmetry", "similarity"} and kinds == ("activations",)
    frame = compute_frame(experiment("xavier_uniform", depth=2), kinds=kinds, extras=extras)
    assert frame.diagnostics.symmetry is not None and frame.diagnostics.similarity is not None
