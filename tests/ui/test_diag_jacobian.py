"""JacobianView draws the singular values of frame.diagnostics on a log-σ axis, with a readout."""

import dataclasses
import math

import numpy as np
import pytest

from initviz.engine.diagnostics import Diagnostics
from initviz.engine.frame import compute_frame
from initviz.engine.jacobian import spectrum_summary
from initviz.model import parse_experiment
from initviz.ui import histogram_style as hs
from initviz.ui.diag_jacobian import (MIN_DECADES, JacobianView, decade_text, readout_lines, sigma_histogram)
from initviz.ui.diag_plot import COMPUTING


def experiment(init, activation="tanh", depth=4, units=32):
    layer = {"units": units, "activation": activation, "init": init}
    return parse_experiment({"version": 1, "input": {"features": 32, "batch": 64}, "layers": [layer] * depth})


@pytest.fixture(scope="module")
def random_frame():
    return compute_frame(experiment("xavier_uniform"), extras=("jacobian",))


@pytest.fixture(scope="module")
def constant_frame():
    return compute_frame(experiment({"name": "constant", "value": 0.1}), extras=("jacobian",))


def with_sigma(frame, s):
    """``frame`` carrying these singular values (and their real summary)."""
    s = np.asarray(s, dtype=np.float64)
    return dataclasses.replace(frame, diagnostics=Diagnostics(singular_values=s, jacobian=spectrum_summary(s)))


@pytest.fixture
def view(qtbot):
    v = JacobianView()
    qtbot.addWidget(v)
    v.resize(900, 480)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_histogram_holds_every_finite_singular_value(view, random_frame):
    view.show_frame(random_frame, [])
    s = random_frame.diagnostics.singular_values
    edges, counts = view.histogram_data()
    assert counts.sum() + view.zero_count() == random_frame.diagnostics.jacobian.count == s.size
    assert view.zero_count() == int((s == 0).sum())
    positive = np.log10(s[s > 0])
    assert edges[0] <= positive.min() and positive.max() <= edges[-1]
    assert np.histogram(positive, bins=edges)[0].tolist() == counts.tolist()


def test_readout_shows_the_spectrum_numbers(view, random_frame):
    view.show_frame(random_frame, [])
    j = random_frame.diagnostics.jacobian
    text = view.readout()
    assert text == "\n".join(readout_lines(j))
    for number in (j.mean_sq, j.relative_spread, j.s_max):
        assert hs.format_number(number) in text
    assert f"in [0.5, 2]: {hs.percent(j.in_band)}" in text
    assert f"{j.rows} Jacobians measured · {j.nonfinite_rows} non-finite · {j.count} σ" in text
    assert view.badge() == "" and view.placeholder() == ""


def test_constant_init_puts_its_zero_singular_values_in_their_own_bar(view, constant_frame):
    view.show_frame(constant_frame, [])
    s = constant_frame.diagnostics.singular_values
    assert view.zero_count() == int((s == 0).sum()) > 0
    assert view.tick_texts()[0] == "0"
    low, high = view.x_range()
    assert low < math.floor(np.log10(s[s > 0].min()))  # the zero bar sits left of every decade


def test_missing_diagnostics_show_the_placeholder(view, random_frame):
    view.show_frame(random_frame, [])
    view.show_frame(dataclasses.replace(random_frame, diagnostics=None), [])
    assert view.placeholder() == COMPUTING
    assert view.readout() == COMPUTING
    assert view.histogram_data() is None and view.zero_count() == 0


def test_all_non_finite_jacobians(view, random_frame):
    view.show_frame(with_sigma(random_frame, np.full((8, 32), np.nan)), [])
    assert view.histogram_data() is None
    assert view.placeholder() == "no finite Jacobian: all 8 have NaN or ±inf"
    assert view.badge() == "8 of 8 Jacobians NaN/±inf"
    assert "8 Jacobians measured · 8 non-finite · 0 σ" in view.readout()


def test_some_non_finite_rows_are_left_out_and_counted(view, random_frame):
    s = np.array([[2.0, 1.0, 0.5], [np.nan] * 3, [1e30, 1e-30, 0.0]])
    view.show_frame(with_sigma(random_frame, s), [])
    _, counts = view.histogram_data()
    assert counts.sum() == 5 and view.zero_count() == 1
    assert view.badge() == "1 of 3 Jacobians NaN/±inf"
    low, high = view.x_range()
    assert low < -30 and high >= 30  # huge and tiny σ both on the axis


def test_exploding_network_end_to_end(view):
    frame = compute_frame(experiment({"name": "normal", "std": 1e3}, "linear", depth=12), extras=("jacobian",))
    view.show_frame(frame, [])
    assert view.badge() == f"{frame.diagnostics.jacobian.nonfinite_rows} of 8 Jacobians NaN/±inf"
    assert frame.diagnostics.jacobian.nonfinite_rows > 0


def test_sigma_histogram_bins_decades_and_keeps_zeros_apart():
    hist = sigma_histogram(np.array([[1.0, 1.0, 0.0, 10.0], [np.nan, 1.0, 1.0, 1.0]]))
    assert (hist.rows, hist.nonfinite_rows, hist.zeros, hist.finite) == (2, 1, 1, 4)
    assert (hist.low, hist.high) == MIN_DECADES
    np.testing.assert_allclose(hist.edges[[0, -1]], np.add(MIN_DECADES, (-1 / 16, 1 / 16)))
    np.testing.assert_allclose(np.diff(hist.edges), 1 / 8)
    ones = np.searchsorted(hist.edges, 0.0, side="right") - 1
    assert hist.edges[ones] == pytest.approx(-1 / 16)  # σ = 1 is a bin centre: a spike there fills one bin
    assert hist.counts[ones] == 2 and hist.counts.sum() == 3
    huge = sigma_histogram(np.array([[1e300, 1e-300]]))
    assert (huge.low, huge.high) == (-300, 300) and len(huge.counts) <= 240 and huge.counts.sum() == 2


def test_decade_text():
    assert [decade_text(k) for k in (-4, -3, -1, 0, 2, 3, 6)] == ["1e−4", "0.001", "0.1", "1", "100", "1000", "1e6"]


def test_needs_names_what_the_worker_must_compute(view):
    kinds, extras = view.needs()
    frame = compute_frame(experiment("xavier_uniform", depth=2), kinds=kinds, extras=extras)
    view.show_frame(frame, [])
    assert view.histogram_data() is not None
