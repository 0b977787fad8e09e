"""The raw problems behind :mod:`initviz.engine.datasets`: generators and the shipped digits file.

Each generator takes a numpy ``Generator``, the number of examples ``n`` and its resolved
parameters, and returns ``(x, y)``: ``x`` float64 of shape ``(n, features)``; ``y`` int64 class
labels of shape ``(n,)`` with the classes as equal as ``n`` allows (sizes differ by at most 1),
or float64 targets of shape ``(n, outputs)`` for regression. Rows come out grouped by class;
the split in :mod:`~initviz.engine.datasets` shuffles them. Nothing here standardises.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from initviz.errors import ExperimentError

DATA_DIR = Path(__file__).resolve().parents[2] / "resources" / "data"
"""Shipped data files: ``resources/data`` of the source tree (the project runs from a checkout
or an editable install; the folder sits beside the package, as DESIGN.md lays it out)."""
DIGITS_FILE = "digits.csv.gz"
TEACHER_STREAM = 2  # after the data sets' generate (0) and split (1) streams
DIGITS_IMAGES, DIGITS_PIXELS, DIGITS_CLASSES, DIGITS_MAX = 1797, 64, 10, 16

Params = Mapping[str, Any]


def class_sizes(n: int, classes: int) -> list[int]:
    """``n`` examples over ``classes`` classes as evenly as possible: the first ``n % classes``
    classes get one more."""
    return [n // classes + (1 if c < n % classes else 0) for c in range(classes)]


def labels(sizes: list[int]) -> np.ndarray:
    """0,…,0, 1,…,1, … with ``sizes[c]`` copies of class c."""
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def spirals(rng: np.random.Generator, n: int, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """``arms`` interleaved spiral arms in the plane, one class per arm.

    Arm j: t ~ U(0, 1), r = t, θ = 2π(turns·t + j/arms), x = r(cos θ, sin θ) + noise·N(0, I₂)
    (after the CS231n "spiral" toy problem)."""
    sizes = class_sizes(n, p["arms"])
    y = labels(sizes)
    t = rng.uniform(0.0, 1.0, n)
    theta = 2.0 * math.pi * (p["turns"] * t + y / p["arms"])
    x = np.column_stack([t * np.cos(theta), t * np.sin(theta)])
    return x + p["noise"] * rng.standard_normal(x.shape), y


def moons(rng: np.random.Generator, n: int, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    Class 0: (cos t, sin t); class 1: (1 − cos t, ½ − sin t); t ~ U(0, π); plus noise·N(0, I₂)."""
    sizes = class_sizes(n, 2)
    y = labels(sizes)
    t = rng.uniform(0.0, math.pi, n)
    upper = y == 0
    x = np.column_stack([np.where(upper, np.cos(t), 1.0 - np.cos(t)),
                         np.where(upper, np.sin(t), 0.5 - np.sin(t))])
    return x + p["noise"] * rng.standard_normal(x.shape), y


def circles(rng: np.random.Generator, n: int, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles (as scikit-learn's ``make_circles``): class 0 of radius 1, class 1
    of radius ``factor``; angle θ ~ U(0, 2π); plus noise·N(0, I₂)."""
    sizes = class_sizes(n, 2)
    y = labels(sizes)
    theta = rng.uniform(0.0, 2.0 * math.pi, n)
    radius = np.where(y == 0, 1.0, p["factor"])
    x = np.column_stack([radius * np.cos(theta), radius * np.sin(theta)])
    return x + p["noise"] * rng.standard_normal(x.shape), y


def xor(rng: np.random.Generator, n: int, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Exclusive or: points uniform in a quadrant of [−1, 1]²; class 0 in the quadrants where
    x₁ and x₂ share a sign, class 1 where they differ; plus noise·N(0, I₂)
    (not linearly separable: Minsky & Papert 1969)."""
    sizes = class_sizes(n, 2)
    y = labels(sizes)
    s1 = rng.choice(np.array([-1.0, 1.0]), n)
    s2 = np.where(y == 0, s1, -s1)
    x = np.column_stack([s1, s2]) * rng.uniform(0.0, 1.0, (n, 2))
    return x + p["noise"] * rng.standard_normal(x.shape), y


def blobs(rng: np.random.Generator, n: int, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs (as scikit-learn's ``make_blobs``): class centres c_j ~ U(−5, 5)^features,
    examples c_j + spread·N(0, I)."""
    sizes = class_sizes(n, p["classes"])
    y = labels(sizes)
    centres = rng.uniform(-5.0, 5.0, (p["classes"], p["features"]))
    return centres[y] + p["spread"] * rng.standard_normal((n, p["features"])), y


def teacher_network(rng: np.random.Generator, p: Params) -> list[tuple[np.ndarray, np.ndarray]]:
    """The teacher's layers (W, b): ``depth`` tanh layers of ``hidden`` units, then a linear
    layer of ``outputs`` units. W ~ N(0, 1/fan_in) (LeCun et al. 1998), b ~ N(0, ½²)."""
    widths = [p["features"]] + [p["hidden"]] * p["depth"] + [p["outputs"]]
    return [(rng.standard_normal((fan_in, fan_out)) / math.sqrt(fan_in), 0.5 * rng.standard_normal(fan_out))
            for fan_in, fan_out in zip(widths[:-1], widths[1:])]


def teacher(rng: np.random.Generator, n: int, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Regression onto a fixed random network (the student–teacher set-up, Gardner & Derrida 1989).

    x ~ N(0, I_features); t = teacher(x) + noise·std(teacher(x))·N(0, I_outputs), the noise
    relative to the targets' own spread (per output, over these n examples). The teacher's
    weights come from ``SeedSequence(teacher_seed, spawn_key=(2,))`` alone, so every data seed
    sees the same teacher."""
    teacher_rng = np.random.default_rng(np.random.SeedSequence(p["teacher_seed"], spawn_key=(TEACHER_STREAM,)))
    layers = teacher_network(teacher_rng, p)
    x = rng.standard_normal((n, p["features"]))
    a = x
    for W, b in layers[:-1]:
        a = np.tanh(a @ W + b)
    W, b = layers[-1]
    t = a @ W + b
    if p["noise"] > 0:
        t = t + p["noise"] * t.std(axis=0) * rng.standard_normal(t.shape)
    return x, t


def digits_raw(data_dir: Path = DATA_DIR) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8×8 digit images as (int64 pixels (1797, 64) in 0..16, int64 labels (1797,)).

    The file is the test set of UCI "Optical Recognition of Handwritten Digits" (Alpaydin &
    Kaynak 1998; CC BY 4.0), one image per line: 64 pixels row by row, then the digit."""
    path = Path(data_dir) / DIGITS_FILE
    try:
        with gzip.open(path, "rt", encoding="ascii") as handle:
            table = np.loadtxt(handle, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, EOFError, ValueError) as err:
        raise ExperimentError("data.name", f"cannot read the digits data {path}: {err}; it ships with "
                                           "initviz in resources/data (run from a checkout or `pip install -e .`)"
                              ) from None
    if table.shape != (DIGITS_IMAGES, DIGITS_PIXELS + 1):
        raise ExperimentError("data.name", f"the digits data {path} has shape {table.shape}; "
                                           f"expected ({DIGITS_IMAGES}, {DIGITS_PIXELS + 1})")
    return table[:, :-1], table[:, -1]


def digits(rng: np.random.Generator, n: int, p: Params,
           data_dir: Path = DATA_DIR) -> tuple[np.ndarray, np.ndarray]:
    """The digits images as float64 pixels (0..16); all 1,797, or a stratified sample of ``n``."""
    pixels, y = digits_raw(data_dir)
    if n < len(y):
        keep = stratified_pick(y, n, rng)
        pixels, y = pixels[keep], y[keep]
    return pixels.astype(np.float64), y


def stratified_pick(y: np.ndarray, k: int, rng: np.random.Generator, min_left: int = 0) -> np.ndarray:
    """Sorted indices of ``k`` rows of ``y`` drawn per class in proportion to the class sizes
    (largest remainder), leaving at least ``min_left`` rows of each class unpicked."""
    classes, counts = np.unique(y, return_counts=True)
    quota = k * counts / len(y)
    take = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - take), kind="stable")
    take[order[:k - int(take.sum())]] += 1
    take = np.minimum(take, counts - min_left)
    picked = [rng.permutation(np.flatnonzero(y == c))[:m] for c, m in zip(classes, take)]
    return np.sort(np.concatenate(picked))
