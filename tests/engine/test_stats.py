"""Statistics and histograms against numpy references, with inf/NaN and sampling."""

import numpy as np
import pytest

from initviz.engine import network, stats
from initviz.model import parse_experiment


def test_summary_matches_numpy_on_finite_data():
    v = np.random.default_rng(0).normal(0.3, 2.0, size=(500, 40)).astype(np.float32)
    v[0, :7] = 0
    s = stats.summarize(v, bins=32)
    assert s.stats["count"] == v.size
    assert s.stats["mean"] == pytest.approx(float(v.astype(np.float64).mean()), rel=1e-9)
    assert s.stats["std"] == pytest.approx(float(v.astype(np.float64).std()), rel=1e-9)
    assert s.stats["min"] == float(v.min()) and s.stats["max"] == float(v.max())
    fine_bin = (float(v.max()) - float(v.min())) / (32 * stats.FINE_PER_BIN)
    assert s.stats["p01"] == pytest.approx(float(np.quantile(v, 0.01)), abs=fine_bin)
    assert s.stats["p99"] == pytest.approx(float(np.quantile(v, 0.99)), abs=fine_bin)
    assert s.stats["frac_zero"] == pytest.approx(7 / v.size)
    counts, edges = np.histogram(v.astype(np.float64), bins=32, range=(float(v.min()), float(v.max())))
    np.testing.assert_allclose(s.histogram.edges, edges)
    # bin membership can differ only for values within rounding of an edge
    assert np.abs(s.histogram.counts - counts).sum() <= 2
    assert s.histogram.counts.sum() == v.size and not s.histogram.sampled


def test_nonfinite_values_are_counted_not_binned():
    v = np.array([1.0, 2.0, np.nan, np.inf, -np.inf, -np.inf, 3.0], dtype=np.float32)
    s = stats.summarize(v, bins=4)
    assert (s.stats["n_nan"], s.stats["n_posinf"], s.stats["n_neginf"], s.stats["n_inf"]) == (1, 1, 2, 3)
    assert s.stats["mean"] == pytest.approx(2.0) and s.stats["min"] == 1.0 and s.stats["max"] == 3.0
    assert s.histogram.counts.sum() == 3 == s.histogram.n_finite


def test_extreme_spans_are_binned_correctly():
    v = np.array([-3e38, -1.5e38, 0.5e38, 2.5e38, 3e38], dtype=np.float32)
    s = stats.summarize(v, bins=6)
    np.testing.assert_array_equal(s.histogram.counts, [1, 1, 0, 1, 0, 2])
    assert s.stats["std"] is not None and s.stats["n_inf"] == 0


def test_all_nan_tensor_gives_empty_histogram_and_no_moments():
    s = stats.summarize(np.full((4, 4), np.nan, dtype=np.float32))
    assert s.stats["mean"] is None and s.stats["std"] is None and s.stats["p01"] is None
    assert s.stats["n_nan"] == 16 and s.histogram.counts.sum() == 0


def test_constant_tensor_gets_one_narrow_bin():
    s = stats.summarize(np.full(100, 0.25), bins=8)
    assert s.stats["std"] == 0.0
    assert s.histogram.counts.max() == 100
    assert s.histogram.edges[0] < 0.25 < s.histogram.edges[-1]


def test_huge_tensor_is_sampled_to_the_cap_with_a_fixed_stream():
    v = np.random.default_rng(1).standard_normal(100_000)
    a, b = stats.summarize(v, cap=10_000), stats.summarize(v, cap=10_000)
    assert a.histogram.sampled and a.histogram.n_binned == 10_000 and a.histogram.n_finite == 100_000
    np.testing.assert_array_equal(a.histogram.counts, b.histogram.counts)
    assert a.stats["std"] == pytest.approx(float(v.std()))  # moments use every value
    assert a.stats["p99"] == pytest.approx(2.326, abs=0.1)


def test_activation_extras_dead_units_and_saturation():
    exp = parse_experiment({"dtype": "float64", "input": {"features": 50, "batch": 200},
                            "layers": [{"units": 30, "activation": "tanh", "init": {"name": "normal", "std": 3.0}},
                                       {"units": 20, "activation": "relu", "init": "he_normal",
                                        "bias": {"name": "constant", "value": -100.0}}]})
    result = network.simulate(exp)
    tanh_layer, relu_layer = stats.result_summaries(result)
    a = result.layers[0].a
    assert tanh_layer["activations"].stats["frac_saturated"] == pytest.approx(float(np.mean(np.abs(a) > 0.97)))
    assert tanh_layer["activations"].stats["frac_saturated"] > 0.5
    assert relu_layer["activations"].stats["dead_units"] == 20
    assert relu_layer["activations"].stats["frac_saturated"] is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_count_nonfinite_matches_a_full_count(dtype):
    v = np.random.default_rng(3).normal(size=1000).astype(dtype)
    assert stats.count_nonfinite(v) == 0
    v[[3, 50, 700]] = [np.nan, np.inf, -np.inf]
    assert stats.count_nonfinite(v) == 3
    big = np.full(10, np.finfo(dtype).max, dtype=dtype)  # finite values whose sum overflows
    assert stats.count_nonfinite(big) == 0


def test_constant_tensor_has_exactly_zero_spread():
    s = stats.summarize(np.full((64, 8), 0.1, dtype=np.float32))
    assert s.stats["std"] == 0.0 and s.stats["min"] == s.stats["max"]


def test_spans_beyond_float64_are_binned_without_nan():
    v = np.array([-1.7e308, -1e308, 0.0, 1e308, 1.7e308])
    s = stats.summarize(v, bins=4)
    np.testing.assert_array_equal(s.histogram.counts, [2, 0, 1, 2])  # bins 0.85e308 wide
    assert s.stats["n_inf"] == 0 and s.histogram.counts.sum() == 5


@pytest.mark.parametrize("values", [
    np.array([1e-43, 2e-43, 3e-43, 4e-43], dtype=np.float32),  # a vanished float32 net: 1024/span overflows float32
    np.array([5e-324, 1e-323, 1.5e-323, 2e-323]),  # float64 subnormals: 1024/span overflows float64
    np.array([0.0, 1e-38, 2e-38, 3e-38], dtype=np.float32),
], ids=["float32-subnormal", "float64-subnormal", "float32-tiny"])
def test_tiny_spans_are_binned_without_nan(values):
    s = stats.summarize(values, bins=4)
    assert s.histogram.counts.sum() == 4 and (s.histogram.counts >= 0).all()
    assert s.stats["min"] == float(values.min()) and s.stats["max"] == float(values.max())
    assert s.histogram.counts[0] >= 1 and s.histogram.counts[-1] >= 1


def test_a_vanishing_float32_relu_net_is_summarised():
    exp = parse_experiment({"version": 1, "input": {"features": 64, "batch": 64},
                            "layers": [{"units": 32, "activation": "relu",
                                        "init": {"name": "normal", "std": 0.01}}] * 30})
    for layer in stats.result_summaries(network.simulate(exp)):
        for summary in layer.values():
            assert summary.histogram.counts.sum() == summary.histogram.n_binned


def test_preview_moments_of_a_huge_tensor_come_from_its_sample_counts_and_extremes_from_every_value():
    v = np.random.default_rng(2).normal(0.5, 3.0, size=(400, 500)).astype(np.float32)
    v[0, :5] = [np.nan, np.inf, -np.inf, 0.0, 0.0]
    exact = stats.summarize(v, cap=1 << 14)
    preview = stats.summarize(v, cap=1 << 14, sampled_moments=True)
    for key in ("count", "min", "max", "n_nan", "n_posinf", "n_neginf", "n_inf", "frac_zero"):
        assert preview.stats[key] == exact.stats[key]
    finite = v[np.isfinite(v)]
    sample = finite[stats._sample_indices(finite.size, 1 << 14)].astype(np.float64)
    assert preview.stats["mean"] == pytest.approx(sample.mean(), rel=1e-9)
    assert preview.stats["std"] == pytest.approx(sample.std(), rel=1e-9)
    assert preview.stats["std"] == pytest.approx(3.0, rel=0.03)  # a 16k sample: within a few %
    np.testing.assert_array_equal(preview.histogram.counts, exact.histogram.counts)
    small = np.arange(100, dtype=np.float32)  # under the cap: exact either way
    assert stats.summarize(small, cap=1 << 14, sampled_moments=True).stats == stats.summarize(small).stats


def test_quantiles_read_off_counts_are_linear_within_the_bin_that_holds_them():
    counts = np.array([0, 4, 0, 0, 6, 0])  # edges 0..6
    assert stats._quantiles_from_counts(counts, 0.0, 6.0, (0.0, 0.25, 0.5, 0.7, 1.0)) == pytest.approx(
        [1.0, 1 + 2.5 / 4, 4 + 1 / 6, 4.5, 5.0])


def test_a_preview_never_calls_a_tensor_constant_that_is_not():
    a = np.zeros((64, 4096), dtype=np.float32)
    sampled_columns = set((stats._sample_indices(a.size, 1 << 14) % 4096).tolist())
    missed = min(set(range(4096)) - sampled_columns)
    a[:, missed] = 1.0  # one live unit, which the fixed 16 k sample misses
    s = stats.summarize(a, cap=1 << 14, sampled_moments=True)
    assert s.stats["std"] == pytest.approx(float(a.astype(np.float64).std()), rel=1e-9) and s.stats["std"] > 0
