"""Incremental recompute: an edit to layer k reuses every other draw and the forward pass below k."""

import numpy as np

from initviz.engine import network
from initviz.engine.cache import SimulationCache
from initviz.engine.frame import compute_frame
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
