"""The open experiment as an editable document: commands, undo/redo and change events (no Qt).

Every edit builds a new frozen :class:`Experiment`, validates it *before* anything changes,
swaps it in, records one undo step and tells subscribers what changed with an :class:`Event`.
A view that mirrors the layer list by applying the events (``inserted``, ``removed``,
``moved``, ``changed``, ``reset``) always ends equal to ``document.experiment.layers``:
each event is emitted while ``document.experiment`` is the state right after that event.
"""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence, Union

from initviz.engine import activations, initializers
from initviz.errors import ExperimentError, join_path
from initviz.model.document_data import DATA_SETTINGS, TRAINING_SETTINGS, DataEdits, edit_data, edit_training
from initviz.model.experiment import Experiment, LayerSpec, parse_activation, parse_scheme, validated

KINDS = ("inserted", "removed", "moved", "changed", "settings", "reset")
LAYER_FIELDS = ("units", "activation", "init", "bias", "type")
COMPONENT_FIELDS = ("activation", "init", "bias")
SETTINGS = ("name", "seed", "dtype", "loss", "input.features", "input.batch", "input.distribution",
            *DATA_SETTINGS, *TRAINING_SETTINGS)
MAX_HISTORY = 1000
Rows = Union[int, Iterable[int]]  # one layer position or several


@dataclass(frozen=True)
class Event:
    """What changed. ``inserted``: positions in the new layer list; ``removed``: positions in
    the old list; ``changed``: layer positions (all ascending); ``moved``: ``new[k] = old[order[k]]``;
    ``settings``: a non-layer field (may change layer 0's fan_in); ``reset``: anything (also a
    data edit that resized the last layer to fit the data).
    ``continued``: the edit was merged into the open undo step (the rest of a slider drag)."""

    kind: str
    indices: tuple[int, ...] = ()
    order: tuple[int, ...] = ()
    continued: bool = False

    def inverse(self) -> "Event":
        """The event that undoes this one."""
        if self.kind == "inserted":
            return Event("removed", self.indices)
        if self.kind == "removed":
            return Event("inserted", self.indices)
        if self.kind == "moved":
            inverse = [0] * len(self.order)
            for new, old in enumerate(self.order):
                inverse[old] = new
            return Event("moved", order=tuple(inverse))
        return self


@dataclass
class _Step:
    """One undo step: the state before it and each (event, state after) part, in order."""

    label: str
    before: Experiment
    parts: list[tuple[Event, Experiment]]

    def add(self, event: Event, after: Experiment) -> None:
        """Append a part, folding same-kind changes into one so a slider drag stays one event."""
        last = self.parts[-1][0]
        if "reset" in (last.kind, event.kind):
            self.parts[-1] = (Event("reset"), after)
        elif last.kind == event.kind == "changed":
            self.parts[-1] = (Event("changed", tuple(sorted({*last.indices, *event.indices}))), after)
        elif last.kind == event.kind == "settings":
            self.parts[-1] = (event, after)
        else:
            self.parts.append((event, after))


def _plural(n: int, what: str = "layer") -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _changed(old: Experiment, new: Experiment) -> Event:
    """``changed`` for the layers that differ (same length), or ``settings`` if none do."""
    rows = tuple(i for i, (a, b) in enumerate(zip(old.layers, new.layers)) if a != b)
    return Event("changed", rows) if rows else Event("settings")


def _accepted_params(field: str, name: str) -> set[str]:
    if field == "activation":
        entry, _ = activations.resolve(name, {})
    else:
        entry, _ = initializers.resolve(name, {}, for_bias=field == "bias")
    return {p.name for p in entry.params}


class Document(DataEdits):
    """The experiment being edited, its file path, undo history and subscribers (data and training
    edits: :class:`~initviz.model.document_data.DataEdits`)."""

    def __init__(self, experiment: Experiment, path: str | None = None, max_history: int = MAX_HISTORY):
        self._experiment = validated(experiment)
        self._saved: Experiment | None = self._experiment
        self.path = path
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []
        self._open_key: Any = None  # merge key of the top undo step while it may still grow
        self._max_history = max(1, max_history)
        self._subscribers: list[Callable[[Event], None]] = []

    # --- state ---------------------------------------------------------------------------
    @property
    def experiment(self) -> Experiment:
        return self._experiment

    @property
    def dirty(self) -> bool:
        """True when the experiment differs from the one last saved or loaded."""
        return self._experiment != self._saved

    def mark_saved(self, path: str | None = None) -> None:
        """Make the current experiment the clean point (after Save / Open); optionally set the path."""
        self._saved = self._experiment
        self._open_key = None
        if path is not None:
            self.path = path

    def mark_unsaved(self) -> None:
        """The current experiment is saved nowhere (work recovered after a crash): it stays dirty
        until saved."""
        self._saved = None

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback(event)`` after every change; returns the unsubscribe function."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)
        return unsubscribe

    def _emit(self, event: Event) -> None:
        for callback in list(self._subscribers):
            callback(event)

    # --- history ------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_text(self) -> str:
        return self._undo[-1].label if self._undo else ""

    @property
    def redo_text(self) -> str:
        return self._redo[-1].label if self._redo else ""

    def clear_history(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._open_key = None

    def undo(self) -> None:
        """Revert the last step, part by part in reverse; nothing happens when there is none."""
        if not self._undo:
            return
        step = self._undo.pop()
        self._redo.append(step)
        self._open_key = None
        for k in reversed(range(len(step.parts))):
            self._experiment = step.parts[k - 1][1] if k else step.before
            self._emit(step.parts[k][0].inverse())

    def redo(self) -> None:
        """Re-apply the last undone step; nothing happens when there is none."""
        if not self._redo:
            return
        step = self._redo.pop()
        self._undo.append(step)
        self._open_key = None
        for event, after in step.parts:
            self._experiment = after
            self._emit(event)

    def _commit(self, new: Experiment, event: Event, label: str, merge_key: Any = None) -> None:
        """Swap in an already validated experiment, record it and emit ``event``."""
        if merge_key is not None and merge_key == self._open_key and self._undo:
            self._undo[-1].add(event, new)
            event = dataclasses.replace(event, continued=True)
        else:
            self._undo.append(_Step(label, self._experiment, [(event, new)]))
            del self._undo[:-self._max_history]
        self._redo.clear()
        self._open_key = merge_key
        self._experiment = new
        self._emit(event)

    # --- helpers ------------------------------------------------------------------------
    def _rows(self, indices: Rows) -> tuple[int, ...]:
        """Sorted unique layer positions; an unknown position raises ExperimentError."""
        try:
            items = [operator.index(indices)]
        except TypeError:
            items = list(indices)
        n = len(self._experiment.layers)
        rows = set()
        for item in items:
            i = operator.index(item)
            if not 0 <= i < n:
                raise ExperimentError(join_path("layers", i), f"no such layer; the experiment has {_plural(n)}")
            rows.add(i)
        return tuple(sorted(rows))

    def _with_layers(self, layers: Sequence[LayerSpec]) -> Experiment:
        return validated(dataclasses.replace(self._experiment, layers=tuple(layers)))

    def _edit_layers(self, rows: tuple[int, ...], make: Callable[[int, LayerSpec], LayerSpec],
                     label: str, merge_key: Any) -> None:
        layers = list(self._experiment.layers)
        for i in rows:
            layers[i] = make(i, layers[i])
        new = self._with_layers(layers)
        if new != self._experiment:
            self._commit(new, _changed(self._experiment, new), label, merge_key)

    # --- layer edits --------------------------------------------------------------------
    def set_layer_field(self, indices: Rows, field: str, value: Any, merge_key: Any = None,
                        label: str | None = None) -> None:
        """Set ``units``, ``activation``, ``init``, ``bias`` or ``type`` on the selected layers.
        A component may be a :class:`Component`, a name or a ``{"name": ...}`` dict."""
        if field not in LAYER_FIELDS:
            raise ExperimentError(field, f"unknown layer field; allowed: {', '.join(LAYER_FIELDS)}")
        rows = self._rows(indices)
        if not rows:
            return
        if field in COMPONENT_FIELDS:
            data = value.to_json() if hasattr(value, "to_json") else value
            path = join_path(join_path("layers", rows[0]), field)
            value = parse_activation(data, path) if field == "activation" else \
                parse_scheme(data, path, for_bias=field == "bias")
        label = label or f"Set {field} of {_plural(len(rows))}"
        self._edit_layers(rows, lambda i, layer: dataclasses.replace(layer, **{field: value}), label, merge_key)

    def set_all_layers(self, field: str, value: Any, merge_key: Any = None) -> None:
        """Set one field on every layer (e.g. the init scheme of the whole stack)."""
        self.set_layer_field(range(len(self._experiment.layers)), field, value, merge_key,
                             label=f"Set {field} of all layers")

    def set_layer_param(self, indices: Rows, field: str, param: str, value: Any,
                        merge_key: Any = None) -> None:
        """Set ``param`` of the activation/init/bias of each selected layer that takes it;
        ``value=None`` removes the explicit value (back to the default)."""
        if field not in COMPONENT_FIELDS:
            raise ExperimentError(field, f"has no parameters; allowed: {', '.join(COMPONENT_FIELDS)}")
        rows = self._rows(indices)
        if not rows:
            return
        layers = self._experiment.layers
        takers = tuple(i for i in rows if param in _accepted_params(field, getattr(layers[i], field).name))
        if not takers:
            names = sorted({getattr(layers[i], field).name for i in rows})
            raise ExperimentError(join_path(field, param), f"not a parameter of {', '.join(names)}")

        def make(i: int, layer: LayerSpec) -> LayerSpec:
            component = getattr(layer, field)
            params = {k: v for k, v in component.params if k != param}
            if value is not None:
                params[param] = value
            path = join_path(join_path("layers", i), field)
            data = {"name": component.name, **params}
            parsed = parse_activation(data, path) if field == "activation" else \
                parse_scheme(data, path, for_bias=field == "bias")
            return dataclasses.replace(layer, **{field: parsed})
        self._edit_layers(takers, make, f"Set {field}.{param} of {_plural(len(takers))}", merge_key)

    def set_layers(self, indices: Rows, specs: Sequence[LayerSpec], label: str = "Set layers") -> None:
        """Replace whole layers; ``specs[k]`` goes to the k-th smallest selected position."""
        rows, specs = self._rows(indices), list(specs)
        if len(rows) != len(specs):
            raise ExperimentError("layers", f"got {_plural(len(specs), 'spec')} for {_plural(len(rows))}")
        by_row = dict(zip(rows, specs))
        self._edit_layers(rows, lambda i, layer: by_row[i], label, None)

    def insert_layers(self, at: int, specs: Sequence[LayerSpec]) -> tuple[int, ...]:
        """Insert layers before position ``at`` (clamped); returns their new positions."""
        specs, layers = list(specs), list(self._experiment.layers)
        if not specs:
            return ()
        at = min(max(operator.index(at), 0), len(layers))
        new = self._with_layers(layers[:at] + specs + layers[at:])
        rows = tuple(range(at, at + len(specs)))
        self._commit(new, Event("inserted", rows), f"Insert {_plural(len(specs))}")
        return rows

    def duplicate_layers(self, indices: Rows) -> tuple[int, ...]:
        """Copy the selected layers, in order, right after the last of them; returns the copies' positions."""
        rows = self._rows(indices)
        if not rows:
            return ()
        layers = list(self._experiment.layers)
        at = rows[-1] + 1
        new = self._with_layers(layers[:at] + [layers[i] for i in rows] + layers[at:])
        copies = tuple(range(at, at + len(rows)))
        self._commit(new, Event("inserted", copies), f"Duplicate {_plural(len(rows))}")
        return copies

    def remove_layers(self, indices: Rows) -> None:
        """Delete the selected layers; refuses to delete them all."""
        rows = self._rows(indices)
        if not rows:
            return
        layers = self._experiment.layers
        if len(rows) == len(layers):
            raise ExperimentError("layers", "cannot remove every layer; an experiment needs at least 1 layer")
        keep = set(range(len(layers))) - set(rows)
        new = self._with_layers([layers[i] for i in sorted(keep)])
        self._commit(new, Event("removed", rows), f"Remove {_plural(len(rows))}")

    def _permute(self, order: Sequence[int], count: int) -> None:
        order = tuple(order)
        if order == tuple(range(len(order))):
            return
        layers = self._experiment.layers
        new = self._with_layers([layers[i] for i in order])
        self._commit(new, Event("moved", order=order), f"Move {_plural(count)}")

    def move_layers(self, indices: Rows, to: int) -> tuple[int, ...]:
        """Move the selected rows into one block, in their order, starting at row ``to`` of the
        new list (clamped); returns their new positions. A no-op move records nothing."""
        rows = self._rows(indices)
        if not rows:
            return ()
        selected = set(rows)
        rest = [i for i in range(len(self._experiment.layers)) if i not in selected]
        to = min(max(operator.index(to), 0), len(rest))
        self._permute(rest[:to] + list(rows) + rest[to:], len(rows))
        return tuple(range(to, to + len(rows)))

    def move_up(self, indices: Rows) -> tuple[int, ...]:
        """Shift every selected row up by one (gaps kept); a no-op if row 0 is selected.
        Returns the selection's new positions."""
        return self._shift(self._rows(indices), -1)

    def move_down(self, indices: Rows) -> tuple[int, ...]:
        """Shift every selected row down by one (gaps kept); a no-op if the last row is selected."""
        return self._shift(self._rows(indices), +1)

    def _shift(self, rows: tuple[int, ...], step: int) -> tuple[int, ...]:
        n = len(self._experiment.layers)
        if not rows or (rows[0] == 0 if step < 0 else rows[-1] == n - 1):
            return rows
        order = list(range(n))
        for i in (rows if step < 0 else reversed(rows)):
            order[i], order[i + step] = order[i + step], order[i]
        self._permute(order, len(rows))
        return tuple(i + step for i in rows)

    # --- experiment-wide edits ----------------------------------------------------------
    def set_setting(self, field: str, value: Any, merge_key: Any = None) -> None:
        """Set name, seed, dtype, loss, input.features/batch/distribution, data.name/n/
        test_fraction/seed or training.<any of TRAINING_PARAMS> (see :data:`SETTINGS`).

        ``data.name`` on an experiment without data adds a data section; changing it drops the
        old data set's ``params`` and ``n``. A data edit fits the network to the data
        (:meth:`_fit_to_data`). ``training.*`` on an experiment without training starts from
        ``TrainingSpec()``; setting ``steps`` clears ``epochs`` and the other way round."""
        if field not in SETTINGS:
            raise ExperimentError(field, f"unknown setting; allowed: {', '.join(SETTINGS)}")
        exp = self._experiment
        section, _, key = field.partition(".")
        if section == "input":
            candidate = dataclasses.replace(exp, input=dataclasses.replace(exp.input, **{key: value}))
        elif section == "data":
            candidate = dataclasses.replace(exp, data=edit_data(exp.data, key, value))
        elif section == "training":
            candidate = dataclasses.replace(exp, training=edit_training(exp.training, key, value))
        else:
            candidate = dataclasses.replace(exp, **{field: value})
        self._commit_edit(candidate, f"Set {field}", merge_key, fit=section == "data")

    def _commit_edit(self, candidate: Experiment, label: str, merge_key: Any, fit: bool = False) -> None:
        """Validate and commit a non-layer edit: ``settings``, or ``reset`` when fitting the
        network to new data changed a layer."""
        exp = self._experiment
        new = validated(self._fit_to_data(candidate) if fit else candidate)
        if new != exp:
            self._commit(new, Event("reset" if new.layers != exp.layers else "settings"), label, merge_key)

    def replace(self, experiment: Experiment, label: str = "Replace experiment", *, reset_history: bool = False) -> None:
        """Swap in a whole experiment (New, Open, a preset) and emit ``reset``. It is one undo step,
        unless ``reset_history`` clears the history instead. The clean point is not moved:
        call :meth:`mark_saved` after opening a file."""
        new = validated(experiment)
        if reset_history:
            self.clear_history()
            self._experiment = new
            self._emit(Event("reset"))
        elif new != self._experiment:
            self._commit(new, Event("reset"), label)
