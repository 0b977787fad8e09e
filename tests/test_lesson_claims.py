"""Every number a lesson step quotes is what the app shows for that step, recomputed.

A claim is checked on the frame the app draws for the step's experiment (the same
``compute_frame`` the window's worker calls), rounded as the text rounds it: "0.093" means
within ±0.0005. Steps that start training or a race quote a whole run: those checks train
the net (minutes on 2 cores) and are marked ``soak`` (``make soak``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

import numpy as np
import pytest

from initviz import lessons
from initviz.engine import race, training
from initviz.engine.frame import compute_frame
from initviz.lesson_texts import LESSONS
from initviz.ui.race_worker import DEFAULT_SCHEMES

KINDS = ("weights", "preactivations", "activations", "activation_grads")  # the app's columns (+ z); like the
# app with ∂L/∂W hidden, the weight gradients are not computed, so they add no NaN to the count
BY_KEY = {lesson.key: lesson for lesson in LESSONS}
CLAIMS: dict[tuple[str, int], Callable] = {}  # (lesson, step number from 1) -> check(frame)
EXTRAS: dict[tuple[str, int], tuple[str, ...]] = {}  # what each check reads beside the histograms


def claim(key: str, number: int, extras: tuple[str, ...] = ("theory", "symmetry", "advice")):
    def register(check):
        CLAIMS[(key, number)], EXTRAS[(key, number)] = check, extras
        return check
    return register


def shows(value: float, text: str) -> bool:
    """``value`` reads as ``text`` to the digits written ("3.3e10": ±0.05e10; "1.56": ±0.005)."""
    quoted = Decimal(text.replace(",", ""))
    half = Decimal(10) ** quoted.as_tuple().exponent / 2
    return abs(Decimal(repr(float(value))) - quoted) <= half


def std(frame, kind: str, layers=None) -> np.ndarray:
    chosen = range(len(frame.layers)) if layers is None else layers
    return np.array([frame.layers[i].summaries[kind].stats["std"] for i in chosen], dtype=float)


def stat(frame, kind: str, key: str) -> list:
    return [layer.summaries[kind].stats[key] for layer in frame.layers]


def codes(frame) -> set[str]:
    return {d.code for d in frame.diagnostics.advice}


def per_layer_factor(a: np.ndarray) -> float:
    """The geometric mean of a[i+1] / a[i]: the same factor every layer gives a straight log line."""
    return float((a[-1] / a[0]) ** (1 / (len(a) - 1)))


# --- 1 · vanishing ---------------------------------------------------------------------------
@claim("vanishing", 1)
def _(f):
    a = std(f, "activations")
    assert all(7 < a[i] / a[i + 1] < 11 for i in range(9)) and shows(1 / per_layer_factor(a), "9")
    assert shows(a[0], "0.093") and shows(a[9], "3e-10") and np.allclose(std(f, "weights"), 0.01, rtol=0.02)


@claim("vanishing", 2)
def _(f):
    a, da = std(f, "activations"), std(f, "activation_grads")
    assert np.all(np.diff(a) < 0) and np.all(np.diff(da) > 0)
    assert shows(da[9], "1.5e-5") and shows(da[0], "4e-14")


@claim("vanishing", 3)
def _(f):
    a = std(f, "activations")
    assert shows(std(f, "weights")[0], "0.063") and shows(a[0], "0.58") and shows(a[9], "0.027")
    assert abs(per_layer_factor(a) - 2 ** -0.5) < 0.02 and "init_mismatch" in codes(f)


@claim("vanishing", 4)
def _(f):
    a, da = std(f, "activations"), std(f, "activation_grads")
    assert shows(np.sqrt(2 / 256), "0.088") and abs(std(f, "weights")[0] / np.sqrt(2 / 256) - 1) < 0.01
    assert shows(a.min(), "0.77") and shows(a.max(), "0.87")
    assert da.max() / da.min() < 4


# --- 2 · exploding ---------------------------------------------------------------------------
@claim("exploding", 1)
def _(f):
    a = std(f, "activations")
    assert all(9 < a[i + 1] / a[i] < 13 for i in range(9)) and 10.5 < per_layer_factor(a) < 12.5
    assert shows(np.sqrt(256 / 2), "11")  # "about 11×": √(fan_in·Var(W)/2) for ReLU
    assert shows(a[0], "9.3") and shows(a[9], "3.3e10") and shows(std(f, "preactivations")[0], "16")


@claim("exploding", 2)
def _(f):
    assert 900_000 < f.n_nonfinite < 1_000_000 and f.loss == np.inf and "nonfinite" in codes(f)
    bad = [n + i for n, i in zip(stat(f, "activation_grads", "n_nan"), stat(f, "activation_grads", "n_inf"))]
    assert [k for k, n in enumerate(bad) if n] == list(range(8))  # "in layers 0–7"
    assert sum(stat(f, "activations", "n_nan")) + sum(stat(f, "activations", "n_posinf")) == 0  # the gradients overflow
    assert sum(stat(f, "activation_grads", "n_nan")) > 0


@claim("exploding", 3)
def _(f):
    assert len(f.layers) == 24 and all(0.88 < s < 0.91 for s in stat(f, "activations", "frac_saturated"))
    assert "saturated" in codes(f)


@claim("exploding", 4)
def _(f):
    saturated, da = stat(f, "activations", "frac_saturated"), std(f, "activation_grads")
    assert shows(std(f, "weights")[0], "0.063") and shows(100 * saturated[0], "3.6") and not any(saturated[3:])
    assert da.max() / da.min() < 4


@claim("exploding", 5)
def _(f):
    da = std(f, "activation_grads")
    assert all(abs(layer.chi1 - 1) < 0.005 for layer in f.diagnostics.theory)
    assert shows(da.min(), "2.9e-5") and shows(da.max(), "3.5e-5")


@claim("exploding", 6)
def _(f):
    da = std(f, "activation_grads")
    assert shows(f.diagnostics.theory[0].chi1, "1.34") and f.diagnostics.theory[0].phase == "chaotic"
    assert shows(da[0] / da[29], "65")


# --- 3 · symmetry ----------------------------------------------------------------------------
@claim("symmetry", 1)
def _(f):
    assert [s.distinct for s in f.diagnostics.symmetry] == [1] * 6
    assert all(layer.summaries["activations"].stats["max"] == 0 == layer.summaries["activations"].stats["min"]
               for layer in f.layers[:5])


@claim("symmetry", 3)
def _(f):
    assert [s.distinct for s in f.diagnostics.symmetry[:5]] == [1] * 5 and "symmetric" in codes(f)


@claim("symmetry", 5)
def _(f):
    assert [s.distinct for s in f.diagnostics.symmetry[:5]] == [256] * 5


# --- 4 · training ----------------------------------------------------------------------------
@claim("training", 1)
def _(f):
    a = std(f, "activations", range(30))
    assert shows(a[0], "0.37") and shows(a[29], "1.6e-5") and abs(per_layer_factor(a) - 2 ** -0.5) < 0.03


@claim("training", 2)
def _(f):
    assert shows(std(f, "activation_grads")[0], "1e-8")


@claim("training", 3)
def _(f):
    a, da = std(f, "activations", range(30)), std(f, "activation_grads", range(30))
    assert shows(a.min(), "0.75") and shows(a.max(), "1.03") and da.max() / da.min() < 1.3


# --- 5 · remedies ----------------------------------------------------------------------------
@claim("remedies", 1)
def _(f):
    a, da = std(f, "activations"), std(f, "activation_grads")
    assert shows(a[0], "0.46") and shows(a[4], "0.046") and shows(1 / per_layer_factor(a), "1.8")
    assert shows(da[4] / da[0], "10")


@claim("remedies", 2)
def _(f):
    a, da = std(f, "activations"), std(f, "activation_grads")
    assert shows(a[0], "0.63") and shows(a[4], "0.32") and da.max() / da.min() < 2


@claim("remedies", 3)
def _(f):
    a = std(f, "activations")
    assert len(a) == 20 and shows(a.min(), "0.99") and shows(a.max(), "1.02")


@claim("remedies", 4)
def _(f):
    a = std(f, "activations")
    assert shows(a[0], "1.3") and shows(a[19], "6.9") and a[19] == a.max()


@claim("remedies", 5, extras=("jacobian",))
def _(f):
    spectrum = f.diagnostics.jacobian
    assert shows(spectrum.s_min, "1.000") and shows(spectrum.s_max, "1.000") and spectrum.in_band == 1


@claim("remedies", 6, extras=("jacobian",))
def _(f):
    spectrum, a = f.diagnostics.jacobian, std(f, "activations")
    assert spectrum.s_min < 0.05 and shows(spectrum.s_max, "7") and shows(100 * spectrum.in_band, "6")
    assert np.all(np.abs(a - 1) < 0.05)


@claim("remedies", 7)
def _(f):
    da = std(f, "activation_grads")
    assert shows(da[9] / da[0], "3.6e3") and "init_mismatch" in codes(f)  # "3,600×"
    mismatch = next(d for d in f.diagnostics.advice if d.code == "init_mismatch")
    assert "He" in mismatch.message


@claim("remedies", 8)
def _(f):
    a = std(f, "activations")
    assert shows(a.min(), "0.83") and shows(a.max(), "1.0")


@pytest.mark.parametrize("key,number", sorted(CLAIMS), ids=[f"{k}-{n}" for k, n in sorted(CLAIMS)])
def test_the_numbers_a_step_quotes_are_what_the_app_shows(key, number):
    experiment = lessons.state_at(BY_KEY[key], number - 1)
    with np.errstate(all="ignore"):
        frame = compute_frame(experiment, extras=EXTRAS[(key, number)], kinds=KINDS)
    CLAIMS[(key, number)](frame)


def test_every_step_that_quotes_a_number_is_checked():
    """A step whose text has a digit (beyond names like ∂L/∂a, 8×8, 2/fan_in) has a claim or a run."""
    for lesson in LESSONS:
        for k, step in enumerate(lesson.steps):
            if any(ch.isdigit() for ch in step.text) and not step.run:
                assert (lesson.key, k + 1) in CLAIMS, f"{lesson.key} step {k + 1} quotes numbers nobody checks"


# --- whole runs ------------------------------------------------------------------------------
def _trained(key: str, number: int) -> training.History:
    experiment = lessons.state_at(BY_KEY[key], number - 1)
    with np.errstate(all="ignore"):
        return training.train(experiment, training.load_dataset(experiment))


RUN_CLAIMS = {  # (lesson, step number) -> (final training-set loss, test accuracy) as the text rounds them
    ("symmetry", 2): ("2.30", "0.10"), ("symmetry", 4): ("1.55", "0.36"),
    ("training", 2): ("2.30", "0.10"), ("training", 4): ("0.1", "0.90"),
}


@pytest.mark.soak
@pytest.mark.parametrize("key,number", sorted(RUN_CLAIMS), ids=[f"{k}-{n}" for k, n in sorted(RUN_CLAIMS)])
def test_a_training_step_says_how_the_run_ends(key, number):
    history = _trained(key, number)
    loss, accuracy = RUN_CLAIMS[(key, number)]
    assert shows(history.eval_train_loss[-1], loss) and shows(history.test_acc[-1], accuracy)
    if key == "training" and number == 4:
        assert shows(history.train_loss[0], "2.9")


@pytest.mark.soak
def test_random_weights_train_the_digits_past_97_percent():
    history = _trained("symmetry", 6)
    assert shows(history.eval_train_loss[-1], "0.02") and history.test_acc[-1] >= 0.97
    assert list(history.distinct[-1][:5]) == [256] * 5


@pytest.mark.soak
def test_the_race_step_says_which_scheme_wins_and_which_stall():
    experiment = lessons.state_at(BY_KEY["training"], 4)
    with np.errstate(all="ignore"):
        result = race.race(experiment, training.load_dataset(experiment), race.parse_schemes(DEFAULT_SCHEMES))
    status = {entry.label: entry.status for entry in result.entries}
    assert status == {"zeros": "stalled", "normal(std=0.01)": "stalled", "normal(std=1)": "diverged",
                      "xavier_uniform": "stalled", "kaiming_normal": "reached", "lecun_normal": "stalled",
                      "orthogonal": "stalled"}
    he = next(entry for entry in result.entries if entry.label == "kaiming_normal")
    diverged = next(entry for entry in result.entries if entry.label == "normal(std=1)")
    assert abs(he.steps_to_target - 125) <= 10 and diverged.history.diverged_at <= 5  # "about 125", "at once"
