"""``initviz report``: the figures' numbers come from the CSV; the PNGs are written at the size asked."""

import math
import struct

import numpy as np
import pytest

from initviz.engine import mean_field
from initviz.errors import ExperimentError
from initviz.sweep import read_csv, report, sweep_to_csv
from initviz.sweep.table import compact
from initviz.ui.report_figures import write_report

from tests.sweep.helpers import tiny_spec

PHASE = tiny_spec(grid={"depth": [4], "sigma_w2": [0.5, 1.5, 3.0], "sigma_b2": [0.0, 0.2]})
DEPTHS = tiny_spec()  # init × depth × 2 seeds


@pytest.fixture(scope="module")
def csvs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    sweep_to_csv(PHASE, folder / "phase.csv", executor="inline")
    sweep_to_csv(DEPTHS, folder / "depths.csv", executor="inline")
    return folder


def png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_report_writes_the_figures_at_the_size_asked(qapp, csvs, tmp_path):
    out = tmp_path / "report"
    written = write_report(csvs / "phase.csv", out, (640, 420))
    names = [f.path.name for f in written.figures]
    assert names == ["std_vs_depth.png", "phase_heatmap.png"] and written.skipped == []
    for figure in written.figures:
        assert png_size(figure.path) == (640, 420)
    index = (out / "index.html").read_text()
    assert 'src="std_vs_depth.png"' in index and 'src="phase_heatmap.png"' in index


def test_heatmap_needs_two_values_of_each_sigma_and_says_so(qapp, csvs, tmp_path):
    written = write_report(csvs / "depths.csv", tmp_path / "r", (500, 300))
    assert [f.path.name for f in written.figures] == ["std_vs_depth.png"]
    assert len(written.skipped) == 1 and "sweep sigma_w2 and sigma_b2" in written.skipped[0]
    assert "Not drawn" in (tmp_path / "r" / "index.html").read_text()


def test_std_vs_depth_is_the_geometric_mean_over_seeds_per_scheme(csvs):
    results = report.load_results(csvs / "depths.csv")
    figure = report.depth_figure(results)
    assert figure.by_depth and [s.label for s in figure.activations] == ["init=xavier_normal", "init=he_normal"]
    rows = results.rows
    for series in figure.activations:
        init = series.label.split("=")[1]
        assert list(series.x) == [2, 4]
        for depth, y in zip(series.x, series.y):
            values = [r["a_std_last"] for r in rows if r["init"] == init and r["depth"] == depth]
            assert len(values) == 2 and y == pytest.approx(math.sqrt(values[0] * values[1]), rel=1e-12)


def test_without_a_depth_sweep_the_profiles_are_drawn(csvs):
    figure = report.depth_figure(report.load_results(csvs / "phase.csv"))
    assert not figure.by_depth and len(figure.gradients) == 6
    rows = read_csv(csvs / "phase.csv")[1]
    first = figure.gradients[0]
    assert list(first.x) == [1, 2, 3, 4]
    expected = np.sqrt(np.array(rows[0]["grad_std_profile"]) * np.array(rows[1]["grad_std_profile"]))
    assert first.label == "sigma_w2=0.5, sigma_b2=0.0" and np.allclose(first.y, expected, rtol=1e-12)


def test_phase_heatmap_holds_the_measured_growth_and_the_chi1_line(csvs):
    (figure,) = report.phase_figures(report.load_results(csvs / "phase.csv"))
    assert figure.activation == "tanh" and list(figure.sigma_w2) == [0.5, 1.5, 3.0]
    assert list(figure.sigma_b2) == [0.0, 0.2]
    rows = read_csv(csvs / "phase.csv")[1]
    for i, sw2 in enumerate(figure.sigma_w2):
        for j, sb2 in enumerate(figure.sigma_b2):
            values = [r["log10_grad_growth"] for r in rows if r["sigma_w2"] == sw2 and r["sigma_b2"] == sb2]
            assert len(values) == 2 and figure.growth[i, j] == pytest.approx(np.mean(values), rel=1e-12)
    ok = np.isfinite(figure.line_sigma_w2)
    assert ok.sum() > 100
    chi1 = mean_field.chi1("tanh", None, figure.line_sigma_w2[ok], figure.line_sigma_b2[ok])
    assert np.allclose(chi1, 1.0, atol=1e-9)
    assert figure.line_sigma_w2[0] == pytest.approx(1.0, rel=1e-6)  # σ_b² = 0: the edge of chaos is σ_w² = 1


def test_a_csv_not_from_a_sweep_is_refused(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ExperimentError) as info:
        report.load_results(tmp_path / "x.csv")
    assert info.value.path == "results" and "not a CSV written by initviz sweep" in info.value.reason
    (tmp_path / "y.csv").write_text("cell,a\n1,2,3\n")
    with pytest.raises(ExperimentError, match="line 2"):
        read_csv(tmp_path / "y.csv")


def grid_results(w_values, b_values):
    rows = [{"sigma_w2": w, "sigma_b2": b, "a_std_profile": [w, w / 2], "grad_std_profile": [b + 1, b + 2]}
            for w in w_values for b in b_values]
    return report.Results(["cell", "sigma_w2", "sigma_b2", "net_layers"], rows, ["sigma_w2", "sigma_b2"])


def test_a_big_grid_draws_one_named_slice_of_its_schemes():
    w_values, b_values = [0.25 * k for k in range(1, 13)], [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
    figure = report.depth_figure(grid_results(w_values, b_values))  # 84 schemes, as resources/sweeps/tanh_phase
    assert [s.label for s in figure.activations] == [f"sigma_w2={compact(w)}, sigma_b2=0.0" for w in w_values]
    assert figure.shown == "12 of 84 schemes: sigma_b2=0.0"
    assert list(figure.activations[3].y) == [1.0, 0.5]  # the cell's own profile
    thinned = report.depth_figure(grid_results([float(k) for k in range(30)], [0.0, 0.1]))
    assert len(thinned.activations) == report.MAX_LINES
    assert thinned.activations[0].label.startswith("sigma_w2=0.0") and thinned.activations[-1].label.startswith("sigma_w2=29.0")
    assert thinned.shown == "12 of 60 schemes: sigma_b2=0.0, 12 of the 30 values of sigma_w2"
    small = report.depth_figure(grid_results([1.0, 2.0], [0.0, 0.1]))
    assert len(small.activations) == 4 and small.shown == ""
