"""The advisor on real simulations: silent on the textbook-healthy nets, firing on the
textbook failures (Glorot & Bengio 2010, He et al. 2015, Klambauer et al. 2017) with the right
code, layers and number, and each fix making its diagnosis go away when re-simulated."""

import math
import re
from functools import lru_cache

import pytest

from initviz.engine import advisor, advisor_wording, rule_of_thumb
from initviz.engine.advisor import Edit, Fix, Thresholds, apply_fix_to_dict, diagnose
from initviz.engine.frame import compute_frame
from initviz.errors import ExperimentError
from initviz.model import default_experiment, parse_experiment, to_dict
from initviz.model.document import Document

HE = {"name": "kaiming_normal", "nonlinearity": "relu"}


def make(depth, activation, init, bias="zeros", width=128, features=128, batch=256):
    return parse_experiment({"dtype": "float32", "seed": 0, "input": {"features": features, "batch": batch},
                             "layers": [{"units": width, "activation": activation, "init": init, "bias": bias}
                                        for _ in range(depth)]})


CASES = {
    "he_relu_30": lambda: make(30, "relu", HE),
    "xavier_tanh_20": lambda: make(20, "tanh", "xavier_uniform"),
    "lecun_selu_30": lambda: make(30, "selu", "lecun_normal"),
    "default": default_experiment,
    "xavier_relu_30": lambda: make(30, "relu", "xavier_uniform"),
    "normal_tanh_20": lambda: make(20, "tanh", "normal"),
    "zeros_relu_10": lambda: make(10, "relu", "zeros"),
    "zeros_tanh_10": lambda: make(10, "tanh", "zeros"),
    "tiny_normal_tanh_10": lambda: make(10, "tanh", {"name": "normal", "std": 0.01}),
    "dead_relu_bias_10": lambda: make(10, "relu", HE, bias={"name": "constant", "value": -5}),
    "normal_relu_30": lambda: make(30, "relu", "normal"),
    "he_tanh_10": lambda: make(10, "tanh", "he_normal"),
    "xavier_sigmoid_10": lambda: make(10, "sigmoid", "xavier_uniform"),
}


def frame_of(experiment):
    return compute_frame(experiment, kinds=advisor.ADVISOR_KINDS)


@lru_cache(maxsize=None)
def simulated(name):
    experiment = CASES[name]()
    frame = frame_of(experiment)
    return experiment, frame, diagnose(experiment, frame)


def case(name):
    experiment, _, found = simulated(name)
    return experiment, found


def diagnose_fixed(experiment, fix):
    fixed = parse_experiment(apply_fix_to_dict(to_dict(experiment), fix))
    return diagnose(fixed, frame_of(fixed))


def codes(found):
    return [d.code for d in found]


def by_code(found, code):
    matches = [d for d in found if d.code == code]
    assert len(matches) == 1, codes(found)
    return matches[0]


def assert_reads_well(d):
    assert d.severity in ("error", "warning")
    assert d.title and d.layers == tuple(sorted(d.layers))
    assert re.search(r"\d", d.message)


@pytest.mark.parametrize("name", ["he_relu_30", "xavier_tanh_20", "lecun_selu_30", "default"])
def test_silent_on_healthy_nets(name):
    assert case(name)[1] == []


def test_xavier_relu_vanishes_and_mismatches_fix_is_he():
    experiment, found = case("xavier_relu_30")
    assert set(codes(found)) == {"vanishing_activations", "vanishing_gradients", "init_mismatch"}
    vanish = by_code(found, "vanishing_activations")
    assert vanish.value > 1e4  # He et al. 2015: 1/n variance shrinks a ReLU signal by 2^-14.5 in 30 layers
    assert advisor_wording.factor(vanish.value) in vanish.message and "layer 29" in vanish.message
    assert vanish.layers[-1] == 29 and 0 not in vanish.layers
    mismatch = by_code(found, "init_mismatch")
    assert mismatch.layers == tuple(range(30)) and mismatch.value == pytest.approx(1.0)
    assert by_code(found, "vanishing_gradients").value > 1e4
    for d in found:
        assert_reads_well(d)
        assert d.fix.edits == (Edit(tuple(range(30)), "init", HE),)
        assert d.fix.label == "Use He (kaiming_normal) for the 30 relu layers"


def test_normal_tanh_saturates_and_gradients_explode_fix_is_xavier():
    _, found = case("normal_tanh_20")
    assert set(codes(found)) == {"saturated", "exploding_gradients"}
    saturated = by_code(found, "saturated")
    assert saturated.layers == tuple(range(20)) and saturated.value > 0.8
    assert advisor_wording.percent(saturated.value) in saturated.message
    assert by_code(found, "exploding_gradients").value > 1e6
    for d in found:
        assert_reads_well(d)
        assert d.fix.edits == (Edit(tuple(range(20)), "init", "xavier_uniform"),)


@pytest.mark.parametrize("name", ["zeros_relu_10", "zeros_tanh_10"])
def test_zeros_init_is_symmetric_and_carries_no_signal(name):
    _, found = case(name)
    assert set(codes(found)) == {"symmetric", "vanishing_activations", "vanishing_gradients"}
    assert all(d.severity == "error" for d in found)
    assert by_code(found, "symmetric").layers == tuple(range(10))
    zero = by_code(found, "vanishing_activations")
    assert math.isinf(zero.value) and zero.layers == tuple(range(10)) and "exactly 0 in layer 0" in zero.message
    for d in found:
        assert_reads_well(d)
        assert d.fix.edits[0].layers == tuple(range(10)) and d.fix.edits[0].field == "init"


def test_tiny_normal_vanishes_with_the_scale_in_the_message():
    _, found = case("tiny_normal_tanh_10")
    assert set(codes(found)) == {"vanishing_activations", "vanishing_gradients"}
    vanish = by_code(found, "vanishing_activations")
    assert vanish.value > 1e6 and "normal(std=0.01)" in vanish.message and "0.0128" in vanish.message  # 128·0.01²
    assert vanish.fix.edits == (Edit(tuple(range(10)), "init", "xavier_uniform"),)


def test_negative_bias_kills_relus_and_the_fix_resets_the_bias():
    _, found = case("dead_relu_bias_10")
    dead = by_code(found, "dead_relu")
    assert dead.layers == tuple(range(10)) and dead.value == 1.0
    assert "128 of the 128 units" in dead.message and "mean -5" in dead.message
    assert dead.fix.edits == (Edit(tuple(range(10)), "bias", "zeros"),)
    assert "init_mismatch" not in codes(found)  # He suits ReLU: the bias alone is to blame


def test_overflow_is_an_error_with_the_scale_fix():
    _, found = case("normal_relu_30")
    assert found[0].code == "nonfinite" and found[0].severity == "error" and found[0].value > 0
    assert "float32" in found[0].message
    assert {"exploding_activations", "exploding_gradients"} <= set(codes(found))
    assert found[0].fix.edits == (Edit(tuple(range(30)), "init", HE),)


def test_he_for_tanh_is_a_mismatch_even_when_the_numbers_look_fine():
    _, found = case("he_tanh_10")
    assert codes(found) == ["init_mismatch"]
    assert found[0].value == pytest.approx(2.0) and "Xavier or LeCun" in found[0].message


def test_sigmoid_gradients_vanish_whatever_the_init_and_no_fix_is_offered():
    _, found = case("xavier_sigmoid_10")
    gradients = by_code(found, "vanishing_gradients")
    assert gradients.fix is None and "1/4" in gradients.message


FIXABLE = ["xavier_relu_30", "normal_tanh_20", "zeros_relu_10", "zeros_tanh_10", "tiny_normal_tanh_10",
           "dead_relu_bias_10", "normal_relu_30", "he_tanh_10"]
HEALTHY_AFTER_FIX = {"xavier_relu_30", "normal_tanh_20", "zeros_relu_10", "zeros_tanh_10", "tiny_normal_tanh_10",
                     "dead_relu_bias_10", "he_tanh_10"}


@pytest.mark.parametrize("name", FIXABLE)
def test_each_fix_removes_its_diagnosis(name):
    experiment, found = case(name)
    codes_by_fix = {}  # diagnoses often share a fix: simulate each distinct one once
    for d in found:
        assert d.fix is not None, d.code
        codes_by_fix.setdefault(repr(d.fix), (d.fix, set()))[1].add(d.code)
    for fix, fixed_codes in codes_by_fix.values():
        after = codes(diagnose_fixed(experiment, fix))
        assert not fixed_codes & set(after), (fix.label, after)
        if name in HEALTHY_AFTER_FIX:  # one textbook repair for all its diagnoses, leaving a healthy net
            assert len(codes_by_fix) == 1 and after == [], (fix.label, after)


def test_a_fix_is_one_undo_step_in_the_document():
    experiment, found = case("zeros_relu_10")
    document = Document(experiment)
    fix = Fix("both", (Edit((0, 1), "init", HE), Edit((2,), "bias", {"name": "constant", "value": 0.1})))
    for edit in fix.edits:
        document.set_layer_field(edit.layers, edit.field, edit.component, merge_key=("fix", id(fix)))
    assert document.experiment == parse_experiment(apply_fix_to_dict(to_dict(experiment), fix))
    document.undo()
    assert document.experiment == experiment and not document.can_undo


def test_apply_fix_copies_and_checks():
    data = to_dict(make(2, "relu", "zeros"))
    component = {"name": "kaiming_normal", "nonlinearity": "relu"}
    out = apply_fix_to_dict(data, Fix("x", (Edit((1,), "init", component),)))
    assert data["layers"][1]["init"] == "zeros" and out["layers"][1]["init"] == component
    assert out["layers"][1]["init"] is not component
    with pytest.raises(ExperimentError, match="layers\\[5\\]"):
        apply_fix_to_dict(data, Fix("x", (Edit((5,), "init", "zeros"),)))
    with pytest.raises(ExperimentError, match="allowed: init, bias, activation"):
        apply_fix_to_dict(data, Fix("x", (Edit((0,), "units", 3),)))


def test_distinct_neurons_decide_symmetry_when_given():
    experiment, frame, _ = simulated("he_relu_30")
    counts = [128] * 30
    counts[4] = 1
    found = diagnose(experiment, frame, distinct_neurons=counts)
    assert codes(found) == ["symmetric"] and found[0].layers == (4,) and found[0].value == 1
    assert "1 distinct neuron" in found[0].message
    assert found[0].fix is None  # layer 4 already has He: re-drawing it is no fix
    zeros = make(3, "tanh", "zeros")
    found = diagnose(zeros, frame_of(zeros), distinct_neurons=[1, 1, 1])
    assert by_code(found, "symmetric").fix.edits == (Edit((0, 1, 2), "init", "xavier_uniform"),)
    dead, dead_frame, without = simulated("dead_relu_bias_10")  # layers 1-9 are all 0: one distinct neuron,
    assert codes(diagnose(dead, dead_frame, distinct_neurons=[7] + [1] * 9)) == codes(without)  # but no signal
    with pytest.raises(ValueError, match="one per layer"):
        diagnose(experiment, frame, distinct_neurons=[1])


def test_thresholds_and_missing_kinds():
    experiment, frame, _ = simulated("xavier_tanh_20")
    assert codes(diagnose(experiment, frame, thresholds=Thresholds(vanishing_factor=2.0))) == ["vanishing_activations"]
    weights_only = compute_frame(experiment, kinds=("weights",))
    assert diagnose(experiment, weights_only) == []
    with pytest.raises(ValueError, match="frame has 20 layers"):
        diagnose(make(3, "tanh", "xavier_uniform"), frame)


@pytest.mark.parametrize("activation, init, matched", [
    ("relu", HE, True), ("relu", "he_uniform", True), ("relu", "xavier_normal", False),
    ("relu", {"name": "xavier_uniform", "gain": "auto"}, True), ("relu", "lecun_normal", False),
    ({"name": "leaky_relu", "negative_slope": 0.2}, {"name": "kaiming_normal", "a": 0.2}, True),
    ("relu", "keras_he_normal", True), ("relu", {"name": "normal", "std": 0.125}, True),  # 128·0.125² = 2
    ("tanh", "xavier_uniform", True), ("tanh", "lecun_uniform", True), ("tanh", "torch_default", False),
    ("tanh", {"name": "kaiming_normal", "nonlinearity": "tanh"}, True), ("tanh", "he_normal", False),
    ("sigmoid", "he_normal", False), ("selu", "lecun_normal", True), ("selu", "keras_lecun_normal", True),
    ("selu", {"name": "kaiming_normal", "nonlinearity": "selu"}, False), ("identity", "he_normal", False),
    ("gelu", "xavier_normal", False), ("gelu", "he_normal", True), ("tanh", "orthogonal", True),
    ("elu", "he_normal", True), ("elu", {"name": "kaiming_normal", "nonlinearity": "auto"}, True),
    ("silu", {"name": "kaiming_normal", "nonlinearity": "auto"}, False),  # gain² 2.8: explodes (146x in 20 layers)
    ("relu", "zeros", False), ("relu", {"name": "kaiming_normal", "mode": "fan_out"}, True),
    ("selu", {"name": "kaiming_normal", "nonlinearity": "linear", "mode": "fan_out"}, False),
    ("selu", "xavier_normal", False),  # fan_avg: right only when fan_in = fan_out
])
def test_rule_of_thumb_table(activation, init, matched):
    experiment = make(2, activation, init, width=128, features=64)
    layer = rule_of_thumb.analyse(experiment, Thresholds().gain_tolerance)[1]
    assert layer.matched is matched
    assert layer.mismatch is (layer.named and not matched)


def test_an_init_tuned_to_the_edge_of_chaos_is_not_called_a_mismatch():
    """tanh with σ_w² = 1.76, σ_b² = 0.05 (critical: χ₁ ≈ 1) breaks the Xavier/LeCun rule of thumb on
    purpose; the same weights without the bias (chaotic) are still a mismatch."""
    from initviz.engine import theory
    from initviz.presets import load_preset
    exp = load_preset("edge_of_chaos").experiment
    assert {t.phase for t in theory.predict(exp)} == {"critical"}
    assert "init_mismatch" not in [d.code for d in advisor.diagnose(exp, compute_frame(exp))]
    data = to_dict(exp)
    for layer in data["layers"]:
        layer["bias"] = "zeros"
    no_bias = parse_experiment(data)
    assert "init_mismatch" in [d.code for d in advisor.diagnose(no_bias, compute_frame(no_bias))]
