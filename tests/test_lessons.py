"""The guided lessons as data: valid content, reproducible steps, exact Back, and true texts."""

from __future__ import annotations

import dataclasses

import pytest

from initviz import lessons
from initviz.lesson_texts import LESSONS
from initviz.model.document import Document
from initviz.model.experiment import default_experiment
from initviz.presets import load_preset

STEPS = [(lesson, k) for lesson in LESSONS for k in range(len(lesson.steps))]
STEP_IDS = [f"{lesson.key}-{k + 1}" for lesson, k in STEPS]


def changed_things(old, new) -> set[str]:
    """What differs between two experiments: "depth", "layers.<field>", or a top-level field."""
    things = {f.name for f in dataclasses.fields(old)
              if f.name != "layers" and getattr(old, f.name) != getattr(new, f.name)}
    if len(old.layers) != len(new.layers):
        return things | {"depth"}
    for a, b in zip(old.layers, new.layers):
        things |= {f"layers.{f.name}" for f in dataclasses.fields(a) if getattr(a, f.name) != getattr(b, f.name)}
    return things


def test_sentences_are_counted_as_a_reader_would():
    assert lessons.sentences("Weights of N(0, 0.01²) are small. Each row is 0.37× the one above.") == 2
    assert lessons.sentences("One. Two! Three?") == 3
    assert lessons.sentences("He doubles it to 2/fan_in (a gain of √2).") == 1


def test_the_lessons_cover_the_four_problems_and_their_remedies():
    keys = [lesson.key for lesson in LESSONS]
    assert len(set(keys)) == len(keys)
    assert {"vanishing", "exploding", "symmetry", "training"} <= set(keys)
    actions = [step.action for lesson in LESSONS for step in lesson.steps]
    presets = {a.name for a in actions if isinstance(a, lessons.LoadPreset)}
    inits = {a.value if isinstance(a.value, str) else a.value["name"]
             for a in actions if isinstance(a, lessons.SetAllLayers) and a.field == "init"}
    assert {"zero_init", "too_small", "too_large", "he2015_xavier", "selu_lecun", "orthogonal_linear"} <= presets
    assert {"xavier_normal", "he_normal"} <= inits | presets
    assert {"race", "training"} <= {a.what for a in actions if isinstance(a, lessons.Run)}


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_lesson_texts_fit_the_rules(lesson):
    assert isinstance(lesson.steps[0].action, lessons.LoadPreset)
    assert 1 <= lessons.sentences(lesson.summary) <= 3 and len(lesson.summary) <= lessons.MAX_TEXT_CHARS
    for step in lesson.steps:
        assert 2 <= lessons.sentences(step.text) <= 3, step.text
        assert len(step.text) <= lessons.MAX_TEXT_CHARS and 0 < len(step.title) <= lessons.MAX_TITLE_CHARS
        assert step.points_at in lessons.POINTS
        if step.run:
            assert step.run in lessons.RUNS and step.points_at == step.run
        if isinstance(step.action, lessons.LoadPreset):
            assert load_preset(step.action.name).name == step.action.name


@pytest.mark.parametrize("lesson,k", STEPS, ids=STEP_IDS)
def test_every_step_applies_to_its_state_and_changes_one_thing(lesson, k):
    state = lessons.state_at(lesson, k)
    step = lesson.steps[k]
    if isinstance(step.action, lessons.LoadPreset):
        assert state == Document(load_preset(step.action.name).experiment).experiment
    elif isinstance(step.action, lessons.Run):
        assert state == lessons.state_at(lesson, k - 1)
        assert state.data is not None  # something to train on
    else:
        assert len(changed_things(lessons.state_at(lesson, k - 1), state)) == 1


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_forward_then_back_shows_each_step_exactly(lesson):
    document = Document(default_experiment())
    n = len(lesson.steps)
    expected = [lessons.state_at(lesson, k) for k in range(n)]
    for k in range(n):
        assert lessons.go_to(document, lesson, k, shown=k - 1 if k else None) == expected[k]
        assert document.experiment == expected[k]
    for k in range(n - 2, -1, -1):
        assert lessons.go_to(document, lesson, k, shown=k + 1) == expected[k]
    for _ in range(200):  # every move was an undo step: undoing them all gives the start back
        if not document.can_undo:
            break
        document.undo()
    assert document.experiment == default_experiment()


def test_an_edit_step_is_its_own_undo_step_and_a_step_after_experimenting_is_exact():
    lesson = LESSONS[0]
    k = next(k for k, s in enumerate(lesson.steps) if isinstance(s.action, lessons.SetAllLayers))
    document = Document(default_experiment())
    for j in range(k):
        lessons.go_to(document, lesson, j, shown=j - 1 if j else None)
    lessons.go_to(document, lesson, k, shown=k - 1)
    assert document.undo_text == "Set init of all layers"
    document.undo()
    assert document.experiment == lessons.state_at(lesson, k - 1)
    document.set_layer_field(0, "units", 33)  # the student experiments, then presses Next
    lessons.go_to(document, lesson, k, shown=k - 1)
    assert document.experiment == lessons.state_at(lesson, k)
    assert document.undo_text.startswith(f"Lesson: step {k + 1}")


def test_set_depth_keeps_the_output_layer_and_refuses_a_stack_too_small():
    document = Document(default_experiment())
    last = document.experiment.layers[-1]
    lessons.SetDepth(14).apply(document)
    assert len(document.experiment.layers) == 14 and document.experiment.layers[-1] == last
    lessons.SetDepth(3).apply(document)
    assert len(document.experiment.layers) == 3 and document.experiment.layers[-1] == last
    with pytest.raises(lessons.ExperimentError, match="lesson.depth"):
        lessons.SetDepth(1).apply(document)


def test_a_step_out_of_range_is_refused_with_the_range():
    with pytest.raises(lessons.ExperimentError, match="has steps 0 to"):
        lessons.state_at(LESSONS[0], len(LESSONS[0].steps))


def test_a_lesson_lets_go_of_the_open_file_so_save_cannot_overwrite_it(tmp_path):
    from initviz.model.experiment import to_dict
    mine = default_experiment().replace(name="my net", seed=7)
    path = tmp_path / "mine.json"
    document = Document(mine, str(path))
    lessons.go_to(document, LESSONS[0], 0)
    assert document.path is None  # Save now asks where; the user's file is not the lesson's
    while document.can_undo:
        document.undo()
    assert to_dict(document.experiment) == to_dict(mine)  # undo still brings the user's net back
