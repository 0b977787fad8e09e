"""Rescaling a scheme's variance (issue 5: a dragged point on the phase diagram picks σ_w²).

For every scheme of the registry the rescaled law must be the law of √factor·w: variance × factor
(1e-12 relative), mean × √factor; ``eye`` is refused; bad factors and overflow are errors naming
their field.
"""

from __future__ import annotations

import math

import pytest

from initviz.engine import initializers, rescale
from initviz.engine.initializers import SCHEMES, Context
from initviz.errors import ExperimentError

CTX = Context(fan_in=300, fan_out=200, activation_gain=1.3)
CASES = {
    "zeros": [{}],
    "ones": [{}],
    "constant": [{"value": -0.4}],
    "uniform": [{}, {"a": -0.2, "b": 0.5}],
    "normal": [{}, {"mean": 0.1, "std": 0.3}],
    "trunc_normal": [{}, {"mean": 0.2, "std": 0.5, "a": -0.4, "b": 1.0}],
    "xavier_uniform": [{}, {"gain": "auto"}],
    "xavier_normal": [{"gain": 2.0}],
    "kaiming_uniform": [{}, {"mode": "fan_out", "nonlinearity": "tanh"}],
    "kaiming_normal": [{"nonlinearity": "auto"}, {"a": 0.2}, {"nonlinearity": "selu", "mode": "fan_out"}],
    "lecun_uniform": [{}],
    "lecun_normal": [{}],
    "orthogonal": [{}, {"gain": "auto"}],
    "sparse": [{"sparsity": 0.3, "std": 0.02}],
    "variance_scaling": [{}, {"mode": "fan_avg", "distribution": "uniform", "scale": 2.0},
                         {"distribution": "untruncated_normal", "mode": "fan_out"}],
    "torch_default": [{}],
    "he_normal": [{}],
    "keras_he_uniform": [{}],
    "glorot_uniform": [{"gain": 0.5}],
}
REFUSED = {"eye"}
PARAMS = [(name, kwargs) for name, options in CASES.items() for kwargs in options]


def law(name, kwargs):
    scheme, p = initializers.resolve(name, kwargs)
    return scheme.law(p, CTX)


def test_every_scheme_has_a_rescaler_and_a_case():
    assert set(rescale.RESCALERS) == set(SCHEMES)
    assert set(SCHEMES) <= set(CASES) | REFUSED


@pytest.mark.parametrize("factor", [0.25, 3.7, 1e-6])
@pytest.mark.parametrize("name, kwargs", PARAMS, ids=[f"{n}-{'-'.join(map(str, k.values()))}" for n, k in PARAMS])
def test_rescaled_law_is_that_of_root_factor_times_w(name, kwargs, factor):
    before = law(name, kwargs)
    new_name, new_kwargs = rescale.with_variance_factor(name, kwargs, factor, activation_gain=CTX.activation_gain)
    after = law(new_name, new_kwargs)
    assert after.variance() == pytest.approx(factor * before.variance(), rel=1e-12, abs=0)
    assert after.second_moment() == pytest.approx(factor * before.second_moment(), rel=1e-12, abs=0)
    assert after.expectation() == pytest.approx(math.sqrt(factor) * before.expectation(), rel=1e-12, abs=1e-300)
    assert after.kind == before.kind and after.approximate == before.approximate


def test_knobs_are_kept_where_the_scheme_has_one():
    assert rescale.with_variance_factor("normal", {"std": 0.5}, 4.0) == ("normal", {"std": 1.0})
    assert rescale.with_variance_factor("xavier_uniform", {}, 4.0) == ("xavier_uniform", {"gain": 2.0})
    assert rescale.with_variance_factor("zeros", {}, 4.0) == ("zeros", {})
    assert rescale.with_variance_factor("ones", {}, 4.0) == ("constant", {"value": 2.0})
    assert rescale.with_variance_factor("kaiming_normal", {}, 0.5) == (
        "variance_scaling", {"scale": pytest.approx(1.0), "mode": "fan_in", "distribution": "untruncated_normal"})


def test_eye_is_refused_by_name():
    with pytest.raises(ExperimentError) as err:
        rescale.with_variance_factor("eye", {}, 2.0, path="layers[2].init")
    assert err.value.path == "layers[2].init.name" and "eye" in str(err.value)


@pytest.mark.parametrize("name, kwargs, field", [("xavier_normal", {"gain": "auto"}, "init.gain"),
                                                 ("orthogonal", {"gain": "auto"}, "init.gain"),
                                                 ("kaiming_uniform", {"nonlinearity": "auto"}, "init.nonlinearity")])
def test_auto_gain_needs_the_activation_gain(name, kwargs, field):
    with pytest.raises(ExperimentError) as err:
        rescale.with_variance_factor(name, kwargs, 2.0)
    assert err.value.path == field


@pytest.mark.parametrize("factor", [0, -1.0, math.nan, math.inf, -math.inf, True, "2", None])
def test_invalid_factors_name_the_field(factor):
    with pytest.raises(ExperimentError) as err:
        rescale.with_variance_factor("normal", {}, factor)
    assert err.value.path == "factor" and "finite number > 0" in str(err.value)


def test_overflow_names_the_parameter():
    with pytest.raises(ExperimentError) as err:
        rescale.with_variance_factor("normal", {"std": 1e200}, 1e300, path="layers[0].init")
    assert err.value.path == "layers[0].init.std"


def test_bad_scheme_is_an_experiment_error():
    with pytest.raises(ExperimentError):
        rescale.with_variance_factor("nonsense", {}, 2.0)
