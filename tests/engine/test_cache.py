"""Incremental recompute: an edit to layer k reuses every other draw and the forward pass below k."""

import numpy as np

from initviz.engine import network
from initviz.engine.cache import SimulationCache
from initviz.engine.frame import compute_frame
from initviz.model import parse_experiment
from initviz.model.experiment import Component, default_experiment


def edit_layer(exp, k, **changes):
    layers = list(exp.layers)
    layers[k] = layers[k].__class__(**{**layers[k].__dict__, **changes})
    return exp.replace(layers=tuple(layers))


def test_edit_to_layer_k_reuses_other_weights_and_the_forward_pass_below(monkeypatch):
    cache = SimulationCache()
    exp = default_experiment()
    before = network.simulate(exp, cache=cache)
    drawn = []
    real_draw = network.draw_layer
    monkeypatch.setattr(network, "draw_layer", lambda e, i, *rest: drawn.append(i) or real_draw(e, i, *rest))
    edited = edit_layer(exp, 6, init=Component("orthogonal"))
    after = network.simulate(edited, cache=cache)
    assert drawn == [6]
    for i in range(10):
        assert (after.layers[i].W is before.layers[i].W) == (i != 6)
        assert (after.layers[i].a is before.layers[i].a) == (i < 6)
    assert after.x is before.x and after.t is before.t
    fresh = network.simulate(edited)
    for ours, theirs in zip(after.layers, fresh.layers):
        for name in ("W", "z", "a", "da", "dW", "db"):
            assert np.array_equal(getattr(ours, name), getattr(theirs, name))


def test_seed_or_input_change_redraws_everything(monkeypatch):
    cache = SimulationCache()
    exp = default_experiment()
    network.simulate(exp, cache=cache)
    drawn = []
    real_draw = network.draw_layer
    monkeypatch.setattr(network, "draw_layer", lambda e, i, *rest: drawn.append(i) or real_draw(e, i, *rest))
    network.simulate(exp.replace(seed=1), cache=cache)
    assert drawn == list(range(10))


def test_cached_frames_equal_fresh_frames():
    cache = SimulationCache()
    exp = default_experiment()
    compute_frame(exp, cache=cache)
    edited = edit_layer(exp, 3, activation=Component("relu"))
    cached, fresh = compute_frame(edited, cache=cache), compute_frame(edited)
    assert cached.loss == fresh.loss
    for a, b in zip(cached.layers, fresh.layers):
        for kind in a.summaries:
            assert a.summaries[kind].stats == b.summaries[kind].stats
            assert np.array_equal(a.summaries[kind].histogram.counts, b.summaries[kind].histogram.counts)


def test_frame_summarises_only_the_kinds_asked_for_and_still_counts_every_nonfinite_value():
    exp = parse_experiment({"version": 1, "input": {"features": 16, "batch": 32},
                            "layers": [{"units": 16, "activation": "relu", "init": {"name": "normal", "std": 1e30}}] * 3})
    full = compute_frame(exp)
    shown = compute_frame(exp, kinds=("activations", "weights"))
    assert shown.kinds == ("weights", "activations")  # canonical order
    assert all(set(layer.summaries) == {"weights", "activations"} for layer in shown.layers)
    assert full.n_nonfinite > 0
    hidden_without_dw = sum(s.stats["n_nan"] + s.stats["n_inf"] for layer in full.layers
                            for kind, s in layer.summaries.items() if kind != "weight_grads")
    assert shown.n_nonfinite == hidden_without_dw  # dW is not even computed when not shown
    for a, b in zip(shown.layers, full.layers):
        for kind in shown.kinds:
            assert a.summaries[kind].stats == b.summaries[kind].stats


def test_unknown_kinds_are_refused_with_the_allowed_list():
    import pytest
    with pytest.raises(ValueError, match="kinds: unknown.*allowed: weights"):
        compute_frame(default_experiment(), kinds=("weights", "gradients"))


def test_weight_gradients_are_skipped_only_when_asked():
    exp = default_experiment()
    lean = network.simulate(exp, weight_grads=False)
    full = network.simulate(exp)
    assert all(layer.dW is None for layer in lean.layers)
    for a, b in zip(lean.layers, full.layers):
        assert np.array_equal(a.da, b.da) and np.array_equal(a.db, b.db)


def test_a_preview_simulates_the_first_rows_of_the_very_same_batch():
    import dataclasses
    import pytest
    exp = default_experiment()
    preview = compute_frame(exp, rows=64)
    alone = compute_frame(exp.replace(input=dataclasses.replace(exp.input, batch=64)))
    assert (preview.rows, preview.preview_of) == (64, exp.input.batch)
    assert preview.loss == alone.loss
    assert preview.layers[9].summaries["activation_grads"].stats == alone.layers[9].summaries["activation_grads"].stats
    whole = compute_frame(exp, rows=10_000)  # more rows than the batch: the whole batch
    assert (whole.rows, whole.preview_of) == (exp.input.batch, None)
    with pytest.raises(ValueError, match="rows: got 0"):
        compute_frame(exp, rows=0)


def _gain_edit(exp, gain, layers=None):
    from initviz.model.document import Document
    doc = Document(exp)
    doc.set_layer_param(list(range(len(exp.layers))) if layers is None else layers, "init", "gain", gain)
    return doc.experiment


def test_kept_unit_draws_make_a_gain_edit_a_rescale_with_identical_weights(monkeypatch):
    cache = SimulationCache(keep_unit_draws=True)
    exp = default_experiment()  # xavier_uniform: W = low + (high − low)·u
    network.simulate(exp, cache=cache)
    units = dict(cache._units)
    assert len(units) == 10 and all(not u.flags.writeable for u in units.values())
    drawn = []
    real = cache.unit_draws

    def counting(stream):
        memo = real(stream)
        return lambda name, make: memo(name, lambda: drawn.append(name) or make())
    monkeypatch.setattr(cache, "unit_draws", counting)
    for gain in (0.5, 1.7):
        edited = _gain_edit(exp, gain)
        after = network.simulate(edited, cache=cache)
        assert drawn == []  # every layer rescaled its kept unit draw, none was drawn again
        assert cache._units.keys() == units.keys() and all(cache._units[k] is units[k] for k in units)
        fresh = network.simulate(edited)  # no cache: drawn from the streams
        for ours, theirs in zip(after.layers, fresh.layers):
            assert np.array_equal(ours.W, theirs.W) and np.array_equal(ours.a, theirs.a)


def test_unit_draws_of_a_family_no_longer_used_are_forgotten():
    cache = SimulationCache(keep_unit_draws=True)
    exp = default_experiment()
    network.simulate(exp, cache=cache)
    normal = edit_layer(exp, 2, init=Component("kaiming_normal"))
    after = network.simulate(normal, cache=cache)
    names = sorted(name for (stream, name) in cache._units if stream[2] == 2)
    assert names == ["W/normal/float32"]
    assert np.array_equal(after.layers[2].W, network.simulate(normal).layers[2].W)
    assert len(cache._units) == 10


def test_without_keep_unit_draws_nothing_extra_is_held():
    cache = SimulationCache()
    network.simulate(default_experiment(), cache=cache)
    assert cache._units == {}


def test_unit_draws_over_the_byte_limit_are_not_kept(monkeypatch):
    monkeypatch.setattr(SimulationCache, "UNIT_BYTES_LIMIT", 3 * 256 * 256 * 4)
    cache = SimulationCache(keep_unit_draws=True)
    exp = default_experiment()
    result = network.simulate(exp, cache=cache)
    assert len(cache._units) == 3
    fresh = network.simulate(exp)
    assert all(np.array_equal(a.W, b.W) for a, b in zip(result.layers, fresh.layers))
