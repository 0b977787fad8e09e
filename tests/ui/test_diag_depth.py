"""The depth profile: measured std per layer beside the mean-field theory."""

import math

import numpy as np
import pytest

from initviz.engine.frame import compute_frame
from initviz.model import parse_experiment
from initviz.ui.diag_depth import NEEDS_EXTRAS, NEEDS_KINDS, DepthProfileView


def experiment(activation, init, depth=12, width=128):
    return parse_experiment({"version": 1, "input": {"features": width, "batch": 256},
                             "layers": [{"units": width, "activation": activation, "init": init}] * depth})


def shown(qtbot, exp):
    view = DepthProfileView()
    qtbot.addWidget(view)
    frame = compute_frame(exp, kinds=NEEDS_KINDS, extras=NEEDS_EXTRAS)
    view.show_frame(frame, [str(i) for i in range(len(exp.layers))])
    return view, frame


def test_curves_are_the_frame_statistics_and_the_theory(qtbot):
    view, frame = shown(qtbot, experiment("relu", "xavier_uniform"))
    acts = [layer.summaries["activations"].stats["std"] for layer in frame.layers]
    np.testing.assert_allclose(view.curve_data("activations"), acts)
    ratio = [layer.summaries["weight_grads"].stats["std"] / layer.summaries["weights"].stats["std"]
             for layer in frame.layers]
    np.testing.assert_allclose(view.curve_data("grad_data"), ratio)
    theory = frame.diagnostics.theory
    np.testing.assert_allclose(view.curve_data("activations_theory"), [t.activation_std for t in theory])
    np.testing.assert_allclose(view.curve_data("gradients_theory"), [math.sqrt(t.grad_var) for t in theory])
    # Xavier with ReLU: variance halves per layer, and the theory says so within a few percent
    assert acts[-1] / acts[0] == pytest.approx(2 ** -5.5, rel=0.3)
    assert view.curve_data("activations")[-1] / view.curve_data("activations_theory")[-1] == pytest.approx(1, abs=0.15)
    assert "ordered" in view.note.text()
    row = view.table_text()[0]
    assert row[1] == f"{acts[0]:.3g}" and row[3].startswith("×") and row[-1] == "ordered"


def test_constant_init_says_why_there_is_no_theory_and_zero_spread_leaves_gaps(qtbot):
    view, frame = shown(qtbot, experiment("tanh", {"name": "constant", "value": 0.05}, depth=4, width=16))
    assert "Theory not drawn" in view.note.text()
    assert np.isnan(view.curve_data("activations_theory")).all()
    assert not view.curves["activations_theory"].isVisible()
    assert np.isnan(view.curve_data("grad_data")).all() or np.isfinite(view.curve_data("grad_data")).all()


def test_a_frame_without_theory_yet_says_computing(qtbot):
    view = DepthProfileView()
    qtbot.addWidget(view)
    view.show_frame(compute_frame(experiment("tanh", "xavier_uniform", depth=3, width=16)), ["0", "1", "2"])
    assert "computing" in view.note.text()
    assert view.table_text()[0][2] == "—"
