"""The presets: named experiments a lecturer can open without preparing anything (no Qt).

Each preset is an ordinary experiment file, ``resources/presets/<name>.json``; its title, its
explanation for students and what to look at live in ``resources/presets/index.json``, a list of
``{name, title, explanation, look_at}`` in teaching order. The experiment's own ``name`` is the
preset's title. Numbers quoted in the explanations are checked by ``tests/test_preset_claims.py``.

>>> from initviz.presets import load_preset
>>> load_preset("he2015_he").experiment.layers[0].init.name
'he_normal'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from initviz.errors import ExperimentError
from initviz.model.experiment import Experiment
from initviz.model.files import load_experiment

PRESETS_DIR = Path(__file__).resolve().parents[1] / "resources" / "presets"
"""``resources/presets`` of the source tree, beside the package (as ``resources/data``, see
:data:`initviz.engine.problems.DATA_DIR`)."""
INDEX_FILE = "index.json"
INDEX_KEYS = ("name", "title", "explanation", "look_at")

PRESET_NAMES: tuple[str, ...] = (
    "zero_init", "too_small", "too_large", "xavier_tanh", "glorot2010_standard", "glorot2010_normalized",
    "he2015_xavier", "he2015_he", "selu_lecun", "orthogonal_linear", "edge_of_chaos", "torch_default",
)
"""Every preset, in teaching order: the four problems (symmetry, vanishing, exploding), then the
remedies and the papers behind them."""


@dataclass(frozen=True)
class Preset:
    """A named experiment with a title, a short explanation for students (2–4 sentences with
    the numbers they will see and the source) and one sentence saying what to look at."""

    name: str
    title: str
    explanation: str
    look_at: str
    experiment: Experiment


def preset_path(name: str) -> Path:
    """The experiment file of preset ``name`` (checked: an unknown name is refused)."""
    _check_name(name)
    return PRESETS_DIR / f"{name}.json"


def _check_name(name: Any) -> None:
    if name not in PRESET_NAMES:
        raise ExperimentError("preset", f"unknown preset {name!r}; allowed: {', '.join(PRESET_NAMES)}")


def read_index() -> list[dict[str, str]]:
    """The entries of ``index.json`` in teaching order, each ``{name, title, explanation, look_at}``;
    a damaged index (missing entries, wrong order, empty text) is refused with the reason."""
    path = PRESETS_DIR / INDEX_FILE
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ExperimentError("preset", f"cannot read the preset index {path}: {err}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ExperimentError("preset", f"{path} must be a list of objects")
    names = tuple(e.get("name") for e in entries)
    if names != PRESET_NAMES:
        raise ExperimentError("preset", f"{path} lists {list(names)}; expected {list(PRESET_NAMES)}")
    for entry in entries:
        if set(entry) != set(INDEX_KEYS) or not all(isinstance(v, str) and v.strip() for v in entry.values()):
            raise ExperimentError("preset", f"{path}: entry {entry.get('name')!r} needs exactly the non-empty "
                                            f"texts {', '.join(INDEX_KEYS)}")
    return entries


def _build(entry: dict[str, str]) -> Preset:
    name = entry["name"]
    try:
        experiment = load_experiment(preset_path(name))
    except ExperimentError as err:
        raise ExperimentError("preset", f"{name}: {err}") from None
    return Preset(name, entry["title"], entry["explanation"], entry["look_at"], experiment)


def load_preset(name: str) -> Preset:
    """The preset called ``name``; an unknown name raises
    ``ExperimentError("preset", "unknown preset 'x'; allowed: ...")``."""
    _check_name(name)
    return _build(next(e for e in read_index() if e["name"] == name))


def list_presets() -> list[Preset]:
    """Every preset, loaded and validated, in teaching order."""
    return [_build(entry) for entry in read_index()]
