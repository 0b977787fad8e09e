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
    monkeypatch.setattr(network, "draw_layer", lambda e, i: drawn.append(i) or real_draw(e, i))
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
    monkeypatch.setattr(network, "draw_layer", lambda e, i: drawn.append(i) or real_draw(e, i))
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
