"""The "reproduce" export: the experiment file plus a short script that regenerates, with the
public API, the per-layer numbers the app shows (std of weights, activations and gradients
∂L/∂a, and the loss). Same file, same seed: the same numbers, bit for bit.

No Qt here: the app's File ▸ Export ▸ Reproduce script… and tests both call
:func:`write_reproduction`.
"""

from __future__ import annotations

import os
import re

import initviz
from initviz.model.experiment import Experiment
from initviz.model.files import atomic_write_bytes, experiment_json

TEMPLATE = '''"""Regenerate the numbers initviz {version} showed for "{name}".

Run it (python {script}) or paste it into a notebook cell next to {json}: one forward and
backward pass of the experiment in that file, then per layer the std of the weights W, the
activations a and the gradients dL/da (and the loss), as initviz's histograms show them.
"""
import os

import initviz
from initviz.engine import stats

path = "{json}"
if "__file__" in globals():  # run as a script: the experiment file lies beside it
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), path)

exp = initviz.load_experiment(path)
result = initviz.simulate(exp)  # same file and seed: the same numbers
kinds = ("weights", "activations", "activation_grads")
summaries = stats.result_summaries(result, kinds)


def num(value):
    return "-" if value is None else f"{{value:.6g}}"


print(f"loss {{num(float(result.loss))}}")
print(f"{{'layer':>5}}  {{'std W':>12}}  {{'std a':>12}}  {{'std dL/da':>12}}")
for i, layer in enumerate(summaries):
    w, a, da = (num(layer[kind].stats["std"]) for kind in kinds)
    print(f"{{i:>5}}  {{w:>12}}  {{a:>12}}  {{da:>12}}")
'''


def slug(name: str) -> str:
    """A file-name-safe version of an experiment name: "Deep tanh, Xavier" -> "deep_tanh_xavier"."""
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return text[:60] or "experiment"


def script_text(experiment: Experiment, json_name: str, script_name: str) -> str:
    return TEMPLATE.format(version=initviz.__version__, name=experiment.name.replace('"', "'"),
                           json=json_name, script=script_name)


def write_reproduction(experiment: Experiment, script_path: str) -> tuple[str, str]:
    """Write ``script_path`` (a .py file) and the experiment as JSON beside it (same stem, without
    a ``reproduce_`` prefix); returns both paths. Atomic writes; errors are ExperimentError."""
    folder, script = os.path.split(os.path.abspath(script_path))
    stem = os.path.splitext(script)[0]
    json_name = (stem[len("reproduce_"):] if stem.startswith("reproduce_") and len(stem) > 10 else stem) + ".json"
    if json_name == script:
        json_name = stem + "_experiment.json"
    json_path = os.path.join(folder, json_name)
    atomic_write_bytes(json_path, experiment_json(experiment).encode("utf-8"))
    atomic_write_bytes(script_path, script_text(experiment, json_name, script).encode("utf-8"))
    return json_path, os.path.abspath(script_path)
