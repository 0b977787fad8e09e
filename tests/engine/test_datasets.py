"""Data sets: generators against their formulas, the split, standardisation, seeds, errors, digits."""

from __future__ import annotations

import ast
import hashlib
import math
import socket

import numpy as np
import pytest

from initviz.engine import datasets, problems
from initviz.engine.datasets import DATASETS, load, resolve
from initviz.errors import ExperimentError

DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"  # resources/data/README.md
DIGITS_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
SMALL = {"digits": None}  # every other data set is tested at n = 300 to stay fast


def small_n(name: str) -> int | None:
    return SMALL.get(name, 300)


def generate_stream(seed: int) -> np.random.Generator:
    """The documented generation stream: SeedSequence(seed, spawn_key=(0,))."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))


def defaults(name: str, **changes) -> dict:
    return {**{p.name: p.default for p in DATASETS[name].params}, **changes}


# --- shapes, dtypes, determinism ------------------------------------------------------------

@pytest.mark.parametrize("name", list(DATASETS))
def test_shapes_and_dtypes_follow_the_contract(name):
    ds = load(name, n=small_n(name), test_fraction=0.25, seed=3)
    shape = resolve(name, n=small_n(name), test_fraction=0.25)
    n = shape.n
    assert ds.name == name and ds.description.startswith(name)
    assert len(ds.x_train) + len(ds.x_test) == n and len(ds.x_test) == round(n * 0.25) == shape.n_test
    assert ds.x_train.dtype == ds.x_test.dtype == np.float64
    assert ds.x_train.shape[1] == ds.x_test.shape[1] == ds.features == shape.features
    assert ds.outputs == shape.outputs
    if ds.n_classes is None:
        assert ds.y_train.dtype == np.float64 and ds.y_train.shape == (len(ds.x_train), ds.outputs)
        assert ds.y_test.shape == (len(ds.x_test), ds.outputs)
    else:
        assert ds.y_train.dtype == ds.y_test.dtype == np.int64
        assert ds.y_train.shape == (len(ds.x_train),) and ds.y_test.shape == (len(ds.x_test),)
        assert ds.n_classes == ds.outputs == shape.n_classes
        assert set(np.unique(ds.y_train)) == set(range(ds.n_classes))
    for array in (ds.x_train, ds.x_test, ds.y_train, ds.y_test):
        assert np.all(np.isfinite(array))


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    a, b = load(name, n=small_n(name), seed=5), load(name, n=small_n(name), seed=5)
    c = load(name, n=small_n(name), seed=6)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.x_train, c.x_train)


def test_generation_is_pinned():
    """Saved experiments train on exactly these numbers: a change here changes every saved
    file's data. If it is intended, update the numbers and say so in the change."""
    ds = load("spirals", n=60, seed=0)
    assert ds.y_train[:8].tolist() == [1, 2, 0, 0, 2, 2, 2, 1]
    assert ds.x_train[0].tolist() == pytest.approx([0.10741344770705773, 0.14547661392710823], rel=1e-9)
    assert ds.x_train[1].tolist() == pytest.approx([-1.6518388033266256, -1.1894481345449657], rel=1e-9)


def test_the_teacher_depends_on_teacher_seed_not_on_the_data_seed():
    p = defaults("teacher", features=3, outputs=2)
    x0, t0 = problems.teacher(generate_stream(0), 50, p)
    x1, t1 = problems.teacher(generate_stream(1), 50, p)
    assert not np.array_equal(x0, x1)
    teacher_rng = np.random.default_rng(np.random.SeedSequence(0, spawn_key=(problems.TEACHER_STREAM,)))
    layers = problems.teacher_network(teacher_rng, p)

    def forward(x):
        a = x
        for W, b in layers[:-1]:
            a = np.tanh(a @ W + b)
        return a @ layers[-1][0] + layers[-1][1]
    assert np.allclose(forward(x0), t0, rtol=0, atol=1e-12) and np.allclose(forward(x1), t1, rtol=0, atol=1e-12)
    _, other = problems.teacher(generate_stream(0), 50, {**p, "teacher_seed": 1})
    assert not np.allclose(other, t0)


def test_teacher_noise_is_relative_to_the_targets_spread():
    p = defaults("teacher", features=4, noise=0.5)
    x, noisy = problems.teacher(generate_stream(2), 4000, p)
    x_again, clean = problems.teacher(generate_stream(2), 4000, {**p, "noise": 0.0})
    assert np.array_equal(x, x_again)  # the noise is drawn last
    ratio = (noisy - clean).std(axis=0) / clean.std(axis=0)
    assert ratio == pytest.approx([0.5], rel=0.06)


# --- generators against their formulas (raw, before standardising) --------------------------

def test_spirals_lie_on_their_arms():
    p = defaults("spirals", arms=4, turns=1.5, noise=0.0)
    x, y = problems.spirals(generate_stream(0), 400, p)
    r = np.hypot(x[:, 0], x[:, 1])
    theta = np.arctan2(x[:, 1], x[:, 0])
    offset = (theta / (2 * math.pi) - p["turns"] * r - y / p["arms"]) % 1.0
    assert np.all(np.minimum(offset, 1 - offset) < 1e-9)
    assert np.all(r <= 1.0)


def test_moons_circles_and_xor_follow_their_formulas():
    x, y = problems.moons(generate_stream(0), 200, {"noise": 0.0})
    upper, lower = x[y == 0], x[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0) and np.all(upper[:, 1] >= 0)
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0) and np.all(lower[:, 1] <= 0.5)
    x, y = problems.circles(generate_stream(0), 200, {"factor": 0.3, "noise": 0.0})
    assert np.allclose(np.hypot(x[:, 0], x[:, 1]), np.where(y == 0, 1.0, 0.3))
    x, y = problems.xor(generate_stream(0), 400, {"noise": 0.0})
    assert np.array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(np.int64))
    assert np.all(np.abs(x) <= 1.0)
    quadrants = np.unique(np.sign(x), axis=0, return_counts=True)[1]
    assert len(quadrants) == 4 and quadrants.min() > 70  # all four quadrants are used


def test_blobs_spread_around_their_centres():
    p = defaults("blobs", classes=4, features=5, spread=0.7)
    x, y = problems.blobs(generate_stream(1), 8000, p)
    centres = np.random.default_rng(np.random.SeedSequence(1, spawn_key=(0,))).uniform(-5, 5, (4, 5))
    for c in range(4):
        members = x[y == c]
        assert np.allclose(members.mean(axis=0), centres[c], atol=0.1)
        assert members.std(axis=0) == pytest.approx([0.7] * 5, rel=0.1)


@pytest.mark.parametrize("noise", [0.0, 0.2])
def test_noise_is_gaussian_with_the_given_std(noise):
    clean, _ = problems.circles(generate_stream(4), 20_000, {"factor": 0.5, "noise": 0.0})
    noisy, _ = problems.circles(generate_stream(4), 20_000, {"factor": 0.5, "noise": noise})
    # the same draws except the noise, which comes last from the stream
    assert (noisy - clean).std() == pytest.approx(noise, abs=0.005)


# --- balance, split, standardisation --------------------------------------------------------

@pytest.mark.parametrize("name, params, n", [("spirals", {"arms": 3}, 301), ("moons", {}, 301),
                                             ("blobs", {"classes": 7}, 500), ("xor", {}, 99)])
def test_classes_are_balanced_and_the_split_is_stratified(name, params, n):
    ds = load(name, params, n=n, test_fraction=0.3, seed=1)
    total = np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=ds.n_classes)
    assert total.max() - total.min() <= 1 and total.sum() == n
    test = np.bincount(ds.y_test, minlength=ds.n_classes)
    assert np.all(np.abs(test - 0.3 * total) < 1.0)  # every class in proportion, to the example
    assert test.sum() == round(0.3 * n)
    assert np.any(np.diff(ds.y_train) != 0) and not np.all(np.diff(ds.y_train) >= 0)  # shuffled, not grouped


def test_digits_split_keeps_the_real_class_proportions():
    ds = load("digits", test_fraction=0.2)
    test = np.bincount(ds.y_test, minlength=10)
    assert np.all(np.abs(test - 0.2 * np.array(DIGITS_CLASS_COUNTS)) < 1.0) and test.sum() == round(0.2 * 1797)


def test_every_class_keeps_a_training_example():
    ds = load("spirals", {"arms": 5}, n=10, test_fraction=0.5)
    assert sorted(ds.y_train) == sorted(ds.y_test) == [0, 1, 2, 3, 4]
    y = np.array([0, 0, 1, 1, 1, 1, 1, 1, 1, 1])  # quotas 1.6 and 6.4 round to 2 + 6: class 0 would be empty
    train, test = datasets.stratified_split(y, 8, np.random.default_rng(0))
    assert sorted(y[train]) == [0, 1, 1] and sorted(y[test]) == [0] + [1] * 6
    assert sorted(np.concatenate([train, test])) == list(range(10))


def _assert_one_affine_map(train: np.ndarray, test: np.ndarray, raw: np.ndarray) -> None:
    """Each column of [train; test] is a ONE increasing affine map of the raw column, and train
    has mean 0 and std 1 (or is all 0 where the training column is constant): test was
    standardised with the training statistics."""
    standard = np.concatenate([train, test])
    for j in range(raw.shape[1]):
        r, s = np.sort(raw[:, j]), np.sort(standard[:, j])
        if np.ptp(r) == 0:
            assert np.all(s == 0.0)
            continue
        slope, intercept = np.polyfit(r, s, 1)
        assert np.allclose(s, slope * r + intercept, rtol=0, atol=1e-9) and slope > 0
        if np.all(train[:, j] == 0.0):  # constant in training: only centred
            assert slope == pytest.approx(1.0)
    assert np.allclose(train.mean(axis=0), 0.0, atol=1e-12)
    spread = train.std(axis=0)
    assert np.allclose(spread[spread > 0], 1.0)


@pytest.mark.parametrize("name, params", [("moons", {}), ("blobs", {"features": 6})])
def test_features_are_standardised_with_training_statistics(name, params):
    ds = load(name, params, n=200, test_fraction=0.3, seed=9)
    raw, _ = DATASETS[name].make(generate_stream(9), 200, defaults(name, **params))
    _assert_one_affine_map(ds.x_train, ds.x_test, raw)
    assert not np.allclose(ds.x_test.mean(axis=0), 0.0, atol=1e-6)  # test is not standardised by its own stats


def test_regression_targets_are_standardised_with_training_statistics():
    p = defaults("teacher", outputs=3)
    ds = load("teacher", {"outputs": 3}, n=200, seed=2)
    raw_x, raw_t = problems.teacher(generate_stream(2), 200, p)
    _assert_one_affine_map(ds.x_train, ds.x_test, raw_x)
    _assert_one_affine_map(ds.y_train, ds.y_test, raw_t)


def test_standardise_leaves_constant_columns_centred():
    train, test = datasets.standardise(np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[2.0, 7.0]]))
    assert train.tolist() == [[-1.0, 0.0], [1.0, 0.0]] and test.tolist() == [[0.0, 2.0]]


# --- the digits ------------------------------------------------------------------------------

def test_digits_load_offline_with_1797_images_of_64_pixels(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the digits must load without network access")
    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    pixels, labels = problems.digits_raw()
    assert pixels.shape == (1797, 64) and labels.shape == (1797,)
    assert pixels.dtype == labels.dtype == np.int64
    assert pixels.min() == 0 and pixels.max() == 16
    assert np.bincount(labels).tolist() == DIGITS_CLASS_COUNTS
    ds = load("digits")
    assert (len(ds.x_train) + len(ds.x_test), ds.features, ds.n_classes) == (1797, 64, 10)
    _assert_one_affine_map(ds.x_train, ds.x_test, pixels.astype(np.float64))  # all 1797, split and standardised


def test_digits_file_is_the_documented_one():
    digest = hashlib.sha256((problems.DATA_DIR / problems.DIGITS_FILE).read_bytes()).hexdigest()
    assert digest == DIGITS_SHA256
    readme = (problems.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert DIGITS_SHA256 in readme and "CC BY 4.0" in readme and "10.24432/C50P49" in readme


def test_digits_subsample_is_stratified():
    ds = load("digits", n=500, test_fraction=0.2, seed=1)
    counts = np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=10)
    assert counts.sum() == 500 and np.all(np.abs(counts - 500 * np.array(DIGITS_CLASS_COUNTS) / 1797) < 1.0)


def test_a_missing_digits_file_is_a_clear_error(tmp_path):
    with pytest.raises(ExperimentError, match="resources/data") as info:
        problems.digits_raw(tmp_path)
    assert info.value.path == "data.name"


# --- errors ----------------------------------------------------------------------------------

BAD = [
    ("mnist", None, None, 0.2, "data.name", "spirals, moons, circles, xor, blobs, teacher, digits"),
    (3, None, None, 0.2, "data.name", "allowed"),
    ("spirals", {"noise": -1}, None, 0.2, "data.params.noise", "[0.0, inf)"),
    ("spirals", {"noise": "lots"}, None, 0.2, "data.params.noise", "finite number"),
    ("spirals", {"arms": 1}, None, 0.2, "data.params.arms", "[2, 20]"),
    ("spirals", {"arms": 2.5}, None, 0.2, "data.params.arms", "whole number"),
    ("spirals", {"classes": 3}, None, 0.2, "data.params.classes", "allowed parameters: arms, turns, noise"),
    ("spirals", [3], None, 0.2, "data.params", "object"),
    ("circles", {"factor": 1.0}, None, 0.2, "data.params.factor", "(0.0, 1.0)"),
    ("blobs", {"features": 0}, None, 0.2, "data.params.features", "[1, 10000]"),
    ("teacher", {"outputs": 2.5}, None, 0.2, "data.params.outputs", "whole number"),
    ("digits", {"noise": 0.1}, None, 0.2, "data.params.noise", "allowed parameters: none"),
    ("digits", None, 1798, 0.2, "data.n", "[20, 1797]"),
    ("spirals", None, 5, 0.2, "data.n", "[6, 1000000]"),
    ("spirals", None, 10.5, 0.2, "data.n", "whole number"),
    ("blobs", {"features": 10_000}, 2001, 0.2, "data.n", "at most 2000 examples of 10000 values"),
    ("teacher", {"hidden": 1000}, 20_001, 0.2, "data.n", "at most 20000 examples of 1000 values"),
    ("teacher", {"hidden": 2000}, None, 0.2, "data.params.hidden", "[1, 1024]"),
    ("moons", None, None, 0.0, "data.test_fraction", "(0.0, 1.0)"),
    ("moons", None, None, 1, "data.test_fraction", "(0.0, 1.0)"),
    ("moons", None, None, True, "data.test_fraction", "finite number"),
    ("moons", None, 10, 0.01, "data.test_fraction", "at least 1 test example"),
    ("moons", None, 10, 0.9, "data.test_fraction", "every class left to train on"),
]


@pytest.mark.parametrize("name, params, n, fraction, path, allowed", BAD, ids=[f"{b[4]}:{b[5]}" for b in BAD])
def test_bad_specifications_name_the_field_and_what_is_allowed(name, params, n, fraction, path, allowed):
    for call in (lambda: resolve(name, params, n, fraction), lambda: load(name, params, n, fraction)):
        with pytest.raises(ExperimentError) as info:
            call()
        assert info.value.path == path and allowed in str(info.value)


def test_bad_data_seed():
    with pytest.raises(ExperimentError) as info:
        load("moons", seed=-1)
    assert info.value.path == "data.seed"


def test_registry_entries_declare_what_they_are():
    for name, entry in DATASETS.items():
        assert entry.name == name and entry.description and entry.formula and entry.source
        assert entry.task in datasets.TASKS
    assert [e.task for e in DATASETS.values()].count("regression") == 1


@pytest.mark.parametrize("module", [datasets, problems])
def test_data_modules_stay_pure_numpy(module):
    tree = ast.parse(open(module.__file__, encoding="utf-8").read())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.split(".")[0] in ("PySide6", "pyqtgraph")
                or m.startswith(("initviz.model", "initviz.ui"))}
