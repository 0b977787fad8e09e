"""Issue 7: random valid experiments simulate without exception, every histogram accounts for
every value (finite + NaN + inf = count), and no warning escapes (RuntimeWarning is an error)."""

import warnings

from hypothesis import HealthCheck, given, settings, strategies as st

from initviz.engine import activations, initializers
from initviz.engine.frame import compute_frame
from initviz.engine.stats import KINDS
from initviz.model import parse_experiment

WEIGHT_SCHEMES = sorted(name for name, scheme in initializers.SCHEMES.items() if not scheme.for_bias)
SCALED = {"normal": "std", "uniform": None, "trunc_normal": "std", "constant": "value"}


@st.composite
def experiments(draw):
    depth = draw(st.integers(1, 12))
    features = draw(st.integers(1, 64))
    layers = []
    for _ in range(depth):
        name = draw(st.sampled_from(WEIGHT_SCHEMES))
        init: object = name
        if name in ("normal", "trunc_normal", "constant"):
            init = {"name": name, SCALED[name]: draw(st.sampled_from([1e-3, 0.1, 1.0, 10.0, 1e3]))}
        layers.append({"units": draw(st.integers(1, 512)), "activation": draw(st.sampled_from(activations.names())),
                       "init": init})
    return {"version": 1, "dtype": draw(st.sampled_from(["float32", "float64"])),
            "seed": draw(st.integers(0, 2**31)), "input": {"features": features, "batch": draw(st.integers(1, 64))},
            "layers": layers}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(experiments())
def test_random_valid_experiments_simulate_and_every_value_is_counted(data):
    exp = parse_experiment(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = compute_frame(exp)
    for layer in frame.layers:
        for kind in KINDS:
            s = layer.summaries[kind]
            h = s.histogram
            assert h.n_finite + h.n_nan + h.n_posinf + h.n_neginf == s.stats["count"]
            assert h.counts.sum() == h.n_binned <= h.n_finite
