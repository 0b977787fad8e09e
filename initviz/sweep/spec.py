"""The sweep file (``SWEEP.json``): a base experiment and a grid of field values.

```json
{"format": "initviz.sweep", "version": 1, "name": "Schemes by depth",
 "experiment": "net.json" | {"preset": "deep_tanh_xavier"} | {…an inline experiment…},
 "grid": {"activation": ["relu", "tanh"], "init": ["xavier_normal", "he_normal"], "depth": [2, 10, 50]},
 "seeds": [0, 1, 2]  or  "repeats": 3,
 "train": {"steps": 300}}
```

``experiment`` defaults to the built-in one. A path is relative to the sweep file's folder and
must name a regular file inside that folder (or below it): a sweep file read from elsewhere can
make initviz read nothing but its own experiment. Grid fields: :mod:`initviz.sweep.fields`.
``seeds`` (or ``repeats`` n: the experiment seed + 0 … n−1) adds a ``seed`` axis, innermost.
``train`` trains every cell for ``steps`` steps on the experiment's ``data`` section.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from initviz.errors import ExperimentError, join_path
from initviz.model import Experiment, default_experiment, parse_experiment, to_dict
from initviz.model.files import decode_bytes, read_experiment_file
from initviz.model.sections import MAX_STEPS
from initviz.sweep import fields

FORMAT = "initviz.sweep"
VERSION = 1
MAX_SPEC_BYTES = 1024 * 1024
MAX_CELLS = 100_000
MAX_VALUES = 10_000
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "examples"
"""Presets: the teaching presets (:mod:`initviz.presets`, ``initviz presets``), the experiment
files shipped in ``resources/examples`` (by file stem) and ``default``, the built-in experiment."""
TOP_KEYS = ("format", "version", "name", "experiment", "grid", "seeds", "repeats", "train")


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: ``grid`` is ((field, (values…)), …) with the seed axis of ``seeds`` /
    ``repeats`` already in it; ``train_steps`` None means simulate only."""

    base: Experiment
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
    train_steps: int | None = None
    name: str = "Untitled sweep"

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.grid)

    @property
    def n_cells(self) -> int:
        n = 1
        for _, values in self.grid:
            n *= len(values)
        return n

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, with the base experiment inline (what :meth:`sha256` hashes)."""
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": self.name,
                               "experiment": to_dict(self.base), "grid": {k: list(v) for k, v in self.grid}}
        if self.train_steps is not None:
            out["train"] = {"steps": self.train_steps}
        return out

    def sha256(self) -> str:
        """Fingerprint of everything the results depend on (a changed experiment file changes it)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode("ascii")).hexdigest()


def _teaching_presets() -> tuple[str, ...]:
    try:
        from initviz.presets import PRESET_NAMES
    except ImportError:  # a tree without the teaching presets still has the examples
        return ()
    return tuple(PRESET_NAMES)


def preset_names() -> list[str]:
    return ["default", *_teaching_presets(), *sorted(p.stem for p in EXAMPLES_DIR.glob("*.json"))]


def _preset(name: Any) -> Experiment:
    if name == "default":
        return default_experiment()
    if not isinstance(name, str) or name not in preset_names():
        raise ExperimentError("experiment.preset", f"got {name!r}; allowed: {', '.join(preset_names())}")
    if name in _teaching_presets():
        from initviz.presets import preset_path
        return read_experiment_file(preset_path(name))
    return read_experiment_file(EXAMPLES_DIR / f"{name}.json")


def _inside(folder: Path, text: Any) -> Path:
    """The regular file ``text`` names, relative to ``folder`` and inside it (symlinks resolved)."""
    if not isinstance(text, str) or not text or Path(text).is_absolute():
        raise ExperimentError("experiment", f"got {text!r}; allowed: a path relative to the sweep file's folder, "
                                            "a {\"preset\": name} object or an inline experiment")
    root = folder.resolve()
    target = (root / text).resolve()
    if target != root and root not in target.parents:
        raise ExperimentError("experiment", f"{text!r} leads outside the sweep file's folder {root}; put the "
                                            "experiment beside the sweep file, inline it, or name a preset")
    try:
        mode = target.stat().st_mode
    except OSError as err:
        raise ExperimentError("experiment", f"cannot read {text!r}: {err.strerror or err}") from None
    if not stat.S_ISREG(mode):
        raise ExperimentError("experiment", f"{text!r} is not a regular file")
    return target


def _experiment(data: Any, folder: Path) -> Experiment:
    if data is None:
        return default_experiment()
    if isinstance(data, str):
        return _prefixed(lambda: read_experiment_file(_inside(folder, data)), "experiment")
    if isinstance(data, dict) and "preset" in data:
        if len(data) != 1:
            raise ExperimentError("experiment", "a preset object holds only \"preset\"")
        return _preset(data["preset"])
    if isinstance(data, dict):
        return _prefixed(lambda: parse_experiment(data), "experiment")
    raise ExperimentError("experiment", f"expected a path, a {{\"preset\": name}} object or an inline experiment, "
                                        f"got {type(data).__name__}")


def _prefixed(load: Any, prefix: str) -> Any:
    try:
        return load()
    except ExperimentError as err:
        path = err.path if err.path.startswith(prefix) else join_path(prefix, err.path) if err.path else prefix
        raise ExperimentError(path, err.reason) from None


def _values(path: str, values: Any, check: Any, what: str) -> tuple[Any, ...]:
    """A non-empty list of distinct values, each passed through ``check``."""
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_VALUES:
        raise ExperimentError(path, f"expected a non-empty list of {what} (at most {MAX_VALUES})")
    out, seen = [], set()
    for i, value in enumerate(values):
        value = check(value, join_path(path, i))
        key = json.dumps(value, sort_keys=True)
        if key in seen:
            raise ExperimentError(join_path(path, i), f"{value!r} appears twice; each value once")
        seen.add(key)
        out.append(value)
    return tuple(out)


def _axis(name: str, values: Any) -> tuple[str, tuple[Any, ...]]:
    path = join_path("grid", name)
    return name, _values(path, values, fields.field_checker(name, path), fields.values_text(name))


def _seed_axis(data: dict, base: Experiment) -> tuple[Any, ...] | None:
    if "seeds" in data and "repeats" in data:
        raise ExperimentError("repeats", "give seeds or repeats, not both")
    seed = fields.FIELDS["seed"]
    if "seeds" in data:
        return _values("seeds", data["seeds"], seed.check, seed.values)
    if "repeats" in data:
        n = fields.whole_number(1, MAX_VALUES)(data["repeats"], "repeats")
        return tuple(base.seed + r for r in range(n))
    return None


def _grid(data: dict, base: Experiment) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    grid = data.get("grid", {})
    if not isinstance(grid, dict):
        raise ExperimentError("grid", f"expected an object of field: [values], got {type(grid).__name__}")
    axes = [_axis(str(name), values) for name, values in grid.items()]
    for a, b in fields.CONFLICTS:
        if a in grid and b in grid:
            raise ExperimentError(join_path("grid", a), f"sets what {b!r} sets (every layer's init); sweep one of them")
    seeds = _seed_axis(data, base)
    if seeds is not None:
        if "seed" in grid:
            raise ExperimentError("grid.seed", "the grid sweeps seed already; drop seeds/repeats")
        axes.append(("seed", seeds))
    if not axes:
        raise ExperimentError("grid", "empty: give at least one field with its values, e.g. \"depth\": [2, 10, 50]")
    return tuple(axes)


def _train(data: dict, base: Experiment) -> int | None:
    if "train" not in data:
        return None
    train = data["train"]
    if not isinstance(train, dict) or set(train) != {"steps"}:
        raise ExperimentError("train", "expected {\"steps\": N}")
    steps = fields.whole_number(1, MAX_STEPS)(train["steps"], "train.steps")
    if base.data is None:
        raise ExperimentError("train", "training needs a \"data\" section in the experiment, e.g. "
                                       "{\"preset\": \"spirals_deep_relu_he\"}")
    return steps


def parse_sweep(data: Any, folder: str | os.PathLike | None = None) -> SweepSpec:
    """Validate a decoded sweep object; paths in it are relative to ``folder`` (default: here)."""
    if not isinstance(data, dict):
        raise ExperimentError("sweep", f"expected an object, got {type(data).__name__}")
    for key in data:
        if key not in TOP_KEYS:
            raise ExperimentError(str(key), f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    if data.get("format", FORMAT) != FORMAT:
        raise ExperimentError("format", f"got {data['format']!r}; allowed: {FORMAT!r}")
    version = data.get("version", VERSION)
    if isinstance(version, bool) or version not in range(1, VERSION + 1):
        raise ExperimentError("version", f"got {version!r}; allowed: a whole number from 1 to {VERSION}")
    name = data.get("name", "Untitled sweep")
    if not isinstance(name, str) or len(name) > 500:
        raise ExperimentError("name", f"expected a string of at most 500 characters, got {name!r:.60}")
    base = _experiment(data.get("experiment"), Path(folder) if folder is not None else Path.cwd())
    spec = SweepSpec(base=base, grid=_grid(data, base), train_steps=_train(data, base), name=name)
    if spec.n_cells > MAX_CELLS:
        raise ExperimentError("grid", f"{spec.n_cells} cells; at most {MAX_CELLS} in one sweep")
    return spec


def _reject_constant(name: str) -> Any:
    raise ExperimentError("sweep", f"{name} is not allowed in a sweep file; use finite numbers")


def load_sweep(source: Any, folder: str | os.PathLike | None = None) -> SweepSpec:
    """A :class:`SweepSpec` from a SWEEP.json path, a dict (paths relative to ``folder``, default
    the working folder) or a SweepSpec."""
    if isinstance(source, SweepSpec):
        return source
    if isinstance(source, dict):
        return parse_sweep(source, folder)
    if not isinstance(source, (str, os.PathLike)):
        raise ExperimentError("sweep", f"expected a path, a dict or a SweepSpec, got {type(source).__name__}")
    path = Path(source)
    try:
        if path.stat().st_size > MAX_SPEC_BYTES or not path.is_file():
            raise ExperimentError("sweep", f"{path.name} is not a sweep file (a regular file of at most "
                                           f"{MAX_SPEC_BYTES} bytes)")
        raw = path.read_bytes()
    except OSError as err:
        raise ExperimentError("sweep", f"cannot read {path}: {err.strerror or err}") from None
    try:
        data = json.loads(decode_bytes(raw), parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise ExperimentError("sweep", f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except (RecursionError, ValueError) as err:
        raise ExperimentError("sweep", f"not usable JSON: {err}") from None
    return parse_sweep(data, path.parent)
