"""The data and training edits of :class:`~initviz.model.document.Document` (no Qt).

:class:`DataEdits` is a mixin of ``Document``: its methods read ``self._experiment`` and commit
through the document's ``_commit_edit`` (validate, fit the network to the data, record one undo
step, emit ``settings`` or ``reset``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from initviz.errors import ExperimentError
from initviz.model.experiment import (
    DEFAULT_LOSS, TRAINING_PARAMS, Component, DataSpec, Experiment, TrainingSpec, data_to_dict, fitted_to_data, parse_data,
    parse_training, task_of,
)

DATA_SETTINGS = ("data.name", "data.n", "data.test_fraction", "data.seed")
TRAINING_SETTINGS = tuple(f"training.{p.name}" for p in TRAINING_PARAMS)


class DataEdits:
    """``set_data``, ``set_data_param`` and ``set_training``, and the fit of the network to the data."""

    _experiment: Experiment
    _commit_edit: Callable[..., None]  # Document._commit_edit(candidate, label, merge_key, fit=False)

    def set_data(self, data: DataSpec | dict | None, label: str | None = None) -> None:
        """Replace the whole data section (a :class:`DataSpec` or its JSON form) and fit the
        network to it; ``None`` removes the data and the training settings with it (and
        cross_entropy, which needs data, becomes mse)."""
        exp = self._experiment
        if data is None:
            candidate = dataclasses.replace(exp, data=None, training=None)
        else:
            spec = data if isinstance(data, DataSpec) else parse_data(data)[0]
            candidate = dataclasses.replace(exp, data=spec)
        self._commit_edit(candidate, label or ("Remove data" if data is None else "Set data"), None, fit=True)

    def set_data_param(self, param: str, value: Any, merge_key: Any = None) -> None:
        """Set one parameter of the data set (``value=None``: back to its default) and fit the network."""
        exp = self._experiment
        if exp.data is None:
            raise ExperimentError("data", "no data set; set data.name first")
        params = {k: v for k, v in exp.data.params if k != param}
        if value is not None:
            params[param] = value
        spec = parse_data({**data_to_dict(exp.data), "params": params})[0]
        self._commit_edit(dataclasses.replace(exp, data=spec), f"Set data.params.{param}", merge_key, fit=True)

    def set_training(self, training: TrainingSpec | dict | None) -> None:
        """Replace the whole training section (a :class:`TrainingSpec` or its JSON form); ``None`` removes it."""
        spec = training if training is None or isinstance(training, TrainingSpec) else parse_training(training)
        label = "Remove training settings" if training is None else "Set training settings"
        self._commit_edit(dataclasses.replace(self._experiment, training=spec), label, None)

    def _fit_to_data(self, candidate: Experiment) -> Experiment:
        """``input.features`` and the last layer's units follow the data; when the kind of task
        changes (none/regression → classification or back), the loss becomes that task's usual
        one (cross_entropy / mse); cross_entropy gets a linear (identity) output layer, whose
        outputs are the logits."""
        fitted = fitted_to_data(candidate)
        old, new = (task_of(e.data.shape()) if e.data else None for e in (self._experiment, fitted))
        if new is not None and new != old:
            fitted = dataclasses.replace(fitted, loss=DEFAULT_LOSS[new])
            if fitted.loss == "cross_entropy" and fitted.layers[-1].activation.name != "identity":
                # softmax reads the last layer's output as logits: a tanh there caps them at ±1
                last = dataclasses.replace(fitted.layers[-1], activation=Component("identity"))
                fitted = dataclasses.replace(fitted, layers=fitted.layers[:-1] + (last,))
        return fitted


def edit_data(spec: DataSpec | None, key: str, value: Any) -> DataSpec:
    """``spec`` with ``key`` set; a new name starts a data section or drops the old set's params and n."""
    if key == "name":
        if spec is None:
            return DataSpec(value)
        return spec if value == spec.name else dataclasses.replace(spec, name=value, params=(), n=None)
    if spec is None:
        raise ExperimentError(f"data.{key}", "no data set; set data.name first")
    return dataclasses.replace(spec, **{key: value})


def edit_training(spec: TrainingSpec | None, key: str, value: Any) -> TrainingSpec:
    """``spec`` (or the defaults) with ``key`` set; steps and epochs exclude each other."""
    changes = {key: value}
    if key in ("steps", "epochs") and value is not None:
        changes["epochs" if key == "steps" else "steps"] = None
    return dataclasses.replace(spec or TrainingSpec(), **changes)
