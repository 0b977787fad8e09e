"""The public API's long-running part: training, races, sweeps, presets and paper
reproductions (re-exported by :mod:`initviz.api` and :mod:`initviz`; see the README's "Python API").
Heavy modules are imported when called, and never as ``initviz.sweep``-style attributes of the
package, which are modules."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.errors import ExperimentError
from initviz.model import Experiment, TrainingSpec, load_experiment
from initviz.model.builders import stack  # noqa: F401  (the docstring examples use it)


def _with_training(exp: Experiment, steps: int | None, settings: dict[str, Any]) -> Experiment:
    """``exp`` with ``steps`` and the named training settings replacing its ``training`` section."""
    spec = exp.training or TrainingSpec()
    fields = {f.name for f in dataclasses.fields(TrainingSpec)}
    for key in settings:
        if key not in fields:
            raise ExperimentError(f"training.{key}", f"unknown setting; allowed: {', '.join(sorted(fields))}")
    if steps is not None:
        settings = {**settings, "steps": steps, "epochs": None}
    if not settings and exp.training is None:
        return exp
    return exp.replace(training=dataclasses.replace(spec, **settings))


def train(experiment: Any, steps: int | None = None, *, progress: Callable[[int, int], None] | None = None,
          memory_budget: int = DEFAULT_BUDGET_BYTES, **settings: Any) -> Any:
    """Train the experiment's network on its ``data`` (see :func:`stack`'s ``data=``) and return
    the History: ``train_loss`` per step, ``eval_steps``, ``eval_train_loss``, ``test_loss``,
    ``train_acc``, ``test_acc``, ``update_ratio`` (evaluations × layers), ``stat(kind, name)``,
    ``to_dict()`` (JSON-ready) and ``to_arrays()`` (numpy). ``steps`` and any training setting
    (``optimizer``, ``learning_rate``, ``batch_size``, ``momentum``, ``snapshot_every``,
    ``seed``, …) override the experiment's ``training`` section. ``progress(done, total)`` is
    called as steps complete.

    >>> exp = stack(4, 32, "relu", "he_normal", data="spirals", training={"optimizer": "adam"})
    >>> history = train(exp, steps=200, learning_rate=0.01)
    >>> history.train_loss.shape, bool(history.test_loss[-1] < history.test_loss[0])
    ((200,), True)
    """
    from initviz.engine import training
    exp = _with_training(load_experiment(experiment), steps, settings)
    return training.train(exp, training.load_dataset(exp), progress=progress, memory_budget=memory_budget,
                          label=exp.name)


def race(experiment: Any, schemes: Sequence[Any], steps: int | None = None, *, target_loss: float | None = None,
         progress: Callable[[int, int], None] | None = None, memory_budget: int = DEFAULT_BUDGET_BYTES,
         **settings: Any) -> Any:
    """Train the same net, data and seeds once per weight init in ``schemes`` (names, dicts
    such as ``{"name": "normal", "std": 0.01}``, or a comma-separated string like the CLI's).
    Returns a RaceResult: ``entries`` (label, history, steps_to_target, final losses and
    accuracies, ``status``: reached | slow | stalled | diverged), ``table()`` and ``to_dict()``.

    >>> exp = stack(6, 32, "relu", data="moons", training={"optimizer": "adam"})
    >>> result = race(exp, ["zeros", "he_normal"], steps=150)
    >>> [entry.status for entry in result.entries]
    ['stalled', 'reached']
    """
    from initviz.engine import race as _race, training
    exp = _with_training(load_experiment(experiment), steps, settings)
    parsed = _race.parse_schemes(schemes) if isinstance(schemes, str) else list(schemes)
    return _race.race(exp, training.load_dataset(exp), parsed, progress=progress, target_loss=target_loss,
                      memory_budget=memory_budget)


def reproduce(target: str, seed: int = 0) -> list[dict[str, Any]]:
    """Run a paper reproduction (``initviz reproduce``) and return its rows as plain dicts:
    ``quantity, measured, paper, theory, tolerance, relative, within_tolerance, note``.
    Targets: :func:`reproductions`.

    >>> rows = reproduce("he2015")
    >>> rows[1]["quantity"], rows[1]["paper"], all(r["within_tolerance"] for r in rows)
    ('1/n (Xavier): log2 std(z^30)/std(z^1)', -14.5, True)
    """
    from initviz import papers as targets
    return [row.to_dict() for row in targets.get(target).run(seed)]


def reproductions() -> list[dict[str, Any]]:
    """The paper reproductions: ``key``, ``citation`` (one line) and ``claim`` of each.

    >>> [t["key"] for t in reproductions()][:3]
    ['glorot2010', 'saxe2013', 'he2015']
    """
    from initviz import papers as targets
    return [{"key": t.key, "citation": str(t.citation), "claim": t.claim} for t in targets.TARGETS.values()]


def load_preset(name: str) -> Any:
    """A shipped preset (``initviz presets`` lists them): a Preset with ``name``, ``title``,
    ``explanation``, ``look_at`` and its ``experiment``.

    >>> load_preset("he2015_xavier").experiment.layers[0].init.name
    'xavier_normal'
    """
    from initviz.presets import load_preset as _load
    return _load(name)


def list_presets() -> list[Any]:
    """Every shipped preset (Preset objects, see :func:`load_preset`), in teaching order.

    >>> [p.name for p in list_presets()][:2]
    ['zero_init', 'too_small']
    """
    from initviz.presets import list_presets as _list
    return _list()


def load_sweep(source: Any) -> Any:
    """A validated sweep (SweepSpec: ``base`` experiment, ``grid``, ``train_steps``, ``n_cells``)
    from a SWEEP.json path or a dict in that file's form (see the README's "Sweeps").

    >>> load_sweep({"grid": {"depth": [2, 10], "init": ["xavier_normal", "he_normal"]}}).n_cells
    4
    """
    from initviz.sweep import load_sweep as _load
    return _load(source)


def run_sweep(spec: Any = None, *, experiment: Any = None, grid: dict[str, Sequence[Any]] | None = None,
              seeds: Sequence[int] | None = None, train_steps: int | None = None, jobs: int | None = None,
              progress: Callable[[int, int], None] | None = None, **options: Any) -> list[dict[str, Any]]:
    """Run a sweep and return one plain dict per cell, in grid order: the swept values, then the
    metrics (``initviz sweep`` writes the same rows as CSV). Give a sweep file or dict as
    ``spec``, or build one from ``experiment`` (anything :func:`load_experiment` takes), ``grid``
    (field → values), ``seeds`` and ``train_steps``. ``jobs`` worker processes (None: one per
    core); other keywords go to ``initviz.sweep.run_sweep``: ``executor="inline"`` computes in
    this process, ``"local"`` or a scheduler address on Dask; ``resume_from``, ``memory_budget``.

    >>> rows = run_sweep(experiment=stack(2, 64, "relu"), executor="inline",
    ...                  grid={"init": ["xavier_normal", "he_normal"], "depth": [2, 20]})
    >>> [(r["init"], r["depth"]) for r in rows][:2]
    [('xavier_normal', 2), ('xavier_normal', 20)]
    """
    from initviz.model import to_dict
    from initviz.sweep import run_sweep as _run
    if spec is None:
        spec = {"grid": dict(grid or {})}
        if experiment is not None:
            spec["experiment"] = to_dict(load_experiment(experiment))
        if seeds is not None:
            spec["seeds"] = list(seeds)
        if train_steps is not None:
            spec["train"] = {"steps": train_steps}
    elif experiment is not None or grid is not None or seeds is not None or train_steps is not None:
        raise ExperimentError("spec", "give a sweep spec or experiment/grid/seeds/train_steps, not both")
    return _run(spec, jobs=jobs, progress=progress, **options)
