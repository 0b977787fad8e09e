"""Guided lessons as data (no Qt): ordered steps, each loading a preset or changing one thing.

A :class:`Step` has a title, two or three sentences for students, one :class:`Action` and
``points_at``, the panel that shows what the text talks about (:data:`POINTS`). The content is
in :mod:`initviz.lesson_texts`.

A step's state is reproducible from the lesson alone (:func:`state_at`): the experiment of the
lesson's last preset at or before it, plus the edits of the steps since. :func:`go_to` moves a
real :class:`~initviz.model.document.Document` there with ordinary undo steps: the step's own
edit when the document shows the step before it unchanged, else one "Lesson: …" replace. So
Back (and a step after the user has been experimenting) shows exactly what that step showed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Union

from initviz.errors import ExperimentError
from initviz.model.document import Document
from initviz.model.experiment import Experiment

DIAGNOSE_TABS = ("Advisor", "Depth profile", "Phase diagram", "Symmetry", "Jacobian")
POINTS = ("histograms", "layers", "inspector", "experiment", "data", "training", "race",
          *(f"diagnose:{tab}" for tab in DIAGNOSE_TABS))
RUNS = ("training", "race")
MAX_TEXT_CHARS = 480
MAX_TITLE_CHARS = 60
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9“\"(]|\s*$)")


def _load_preset(name: str) -> Experiment:
    from initviz.presets import load_preset  # written beside this module; imported late so content loads alone
    return load_preset(name).experiment


@dataclass(frozen=True)
class LoadPreset:
    """Replace the experiment with preset ``name`` (one undo step)."""

    name: str

    def apply(self, document: Document, load: Callable[[str], Experiment] = _load_preset) -> None:
        document.replace(load(self.name), label=f"Lesson: preset {self.name}")

    def describe(self) -> str:
        return f"loads the preset {self.name}"


@dataclass(frozen=True)
class SetAllLayers:
    """Set ``field`` (activation, init or bias) of every layer to ``value`` (a name or ``{"name": …}``)."""

    field: str
    value: Any

    def apply(self, document: Document, load: Any = None) -> None:
        document.set_all_layers(self.field, self.value)

    def describe(self) -> str:
        name = self.value if isinstance(self.value, str) else self.value.get("name")
        return f"sets the {self.field} of every layer to {name}"


@dataclass(frozen=True)
class SetParam:
    """Set ``param`` of the ``field`` component of every layer that takes it (e.g. the init's gain)."""

    field: str
    param: str
    value: Any

    def apply(self, document: Document, load: Any = None) -> None:
        document.set_layer_param(range(len(document.experiment.layers)), self.field, self.param, self.value)

    def describe(self) -> str:
        return f"sets {self.field}.{self.param} = {self.value}"


@dataclass(frozen=True)
class SetDepth:
    """Make the stack ``layers`` deep: copies of the last hidden layer are inserted before the
    output layer, or hidden layers are removed from just above it (the output layer stays)."""

    layers: int

    def apply(self, document: Document, load: Any = None) -> None:
        stack = document.experiment.layers
        n = len(stack)
        if self.layers < 2 or n < 2:
            raise ExperimentError("lesson.depth",
                                  f"needs at least 2 layers before and after; got {n} → {self.layers}")
        if self.layers > n:
            document.insert_layers(n - 1, [stack[-2]] * (self.layers - n))
        elif self.layers < n:
            document.remove_layers(range(self.layers - 1, n - 1))

    def describe(self) -> str:
        return f"makes the net {self.layers} layers deep"


@dataclass(frozen=True)
class SetSetting:
    """Set one experiment-wide field (see ``Document.set_setting``), e.g. ``seed``."""

    field: str
    value: Any

    def apply(self, document: Document, load: Any = None) -> None:
        document.set_setting(self.field, self.value)

    def describe(self) -> str:
        return f"sets {self.field} = {self.value}"


@dataclass(frozen=True)
class Run:
    """Start ``what`` (training or race) on the experiment as it is; changes nothing in it."""

    what: str

    def apply(self, document: Document, load: Any = None) -> None:
        """Nothing to edit: the window starts the run (:attr:`Step.run`)."""

    def describe(self) -> str:
        return f"starts the {self.what}"


Action = Union[LoadPreset, SetAllLayers, SetParam, SetDepth, SetSetting, Run]


@dataclass(frozen=True)
class Step:
    """One step: ``text`` says in two or three sentences what to look at in ``points_at``."""

    title: str
    text: str
    action: Action
    points_at: str

    @property
    def run(self) -> str | None:
        """"training" or "race" when the step starts one, else None."""
        return self.action.what if isinstance(self.action, Run) else None


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    summary: str
    steps: tuple[Step, ...]


def sentences(text: str) -> int:
    """Sentences in ``text``: ends of . ! ? followed by a capital, a digit or the end (not 0.01)."""
    return len(_SENTENCE_END.findall(text.strip()))


def _start(lesson: Lesson, index: int) -> int:
    """The last preset step at or before ``index``."""
    if not 0 <= index < len(lesson.steps):
        raise ExperimentError("lesson.step", f"got {index}; {lesson.title!r} has steps 0 to {len(lesson.steps) - 1}")
    for k in range(index, -1, -1):
        if isinstance(lesson.steps[k].action, LoadPreset):
            return k
    raise ExperimentError("lesson.steps[0]", f"{lesson.title!r} must start by loading a preset")


def state_at(lesson: Lesson, index: int, load: Callable[[str], Experiment] = _load_preset) -> Experiment:
    """The experiment step ``index`` shows: its last preset plus the edits of the steps since."""
    start = _start(lesson, index)
    scratch = Document(load(lesson.steps[start].action.name))
    for step in lesson.steps[start + 1:index + 1]:
        step.action.apply(scratch, load)
    return scratch.experiment


def go_to(document: Document, lesson: Lesson, index: int, shown: int | None = None,
          load: Callable[[str], Experiment] = _load_preset) -> Experiment:
    """Bring ``document`` to what step ``index`` shows and return that experiment.

    ``shown`` is the step on screen before: when ``index`` is the next one and the document
    still shows ``shown`` unchanged, the step's own edit is applied (its ordinary undo label);
    otherwise the whole state is swapped in as one "Lesson: step k" undo step. The document
    lets go of its file: the lesson's experiment is not the user's, so Save asks where to put it
    instead of overwriting the file that was open (undo still brings the file's experiment back)."""
    step = lesson.steps[index]
    document.path = None
    if isinstance(step.action, LoadPreset):
        step.action.apply(document, load)
    elif shown is not None and shown == index - 1 and document.experiment == state_at(lesson, shown, load):
        step.action.apply(document, load)
    else:
        target = state_at(lesson, index, load)
        document.replace(target, label=f"Lesson: step {index + 1}, {step.title}")
    return document.experiment
