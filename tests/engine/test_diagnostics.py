"""Every diagnostic survives every activation on healthy, exploding, vanishing and constant nets."""

import numpy as np
import pytest

from initviz.engine import activations
from initviz.engine.diagnostics import EXTRAS
from initviz.engine.frame import compute_frame
from initviz.model import parse_experiment

INITS = ["xavier_uniform", {"name": "normal", "std": 1e30}, {"name": "normal", "std": 1e-30},
         {"name": "constant", "value": 0.0}, "orthogonal"]
BIASES = ["zeros", {"name": "uniform", "a": -1e200, "b": 1e200}]


@pytest.mark.parametrize("activation", activations.names())
def test_all_extras_on_extreme_nets_give_results_not_errors(activation):
    for init in INITS:
        for bias in BIASES:
            exp = parse_experiment({"version": 1, "input": {"features": 12, "batch": 16},
                                    "layers": [{"units": 12, "activation": activation, "init": init,
                                                "bias": bias}] * 4})
            healthy = init == "xavier_uniform" and bias == "zeros"
            extras = EXTRAS if healthy else tuple(e for e in EXTRAS if e != "phase")  # a χ₁ map per scale: slow
            frame = compute_frame(exp, extras=extras, similarity_layer=2)
            d = frame.diagnostics
            assert len(d.theory) == 4 and len(d.symmetry) == 4 and d.similarity.shape == (12, 12)
            if healthy:
                assert d.phase.chi1.shape == (len(d.phase.sigma_w2), len(d.phase.sigma_b2))
            assert d.singular_values.shape[0] == d.jacobian.rows and isinstance(d.advice, tuple)
            if init == {"name": "constant", "value": 0.0} and bias == "zeros":
                assert all(s.distinct == 1 for s in d.symmetry)
            if healthy:
                assert np.isfinite(d.jacobian.mean_sq)
