"""The editable document: each edit, undo/redo, merging, refusals, dirty flag, and events that
let a mirror of the layer list stay equal to the document through any sequence of edits."""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from initviz.errors import ExperimentError
from initviz.model.document import Document, Event
from initviz.model.experiment import Component, Experiment, InputSpec, LayerSpec, validated


def make_experiment(*units: int) -> Experiment:
    return validated(Experiment(layers=tuple(LayerSpec(u) for u in units), input=InputSpec(features=4, batch=2)))


class Mirror:
    """A copy of the layer list kept in sync only through the document's events."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.layers = list(doc.experiment.layers)
        self.events: list[Event] = []
        doc.subscribe(self.apply)

    def apply(self, event: Event) -> None:
        self.events.append(event)
        current = self.doc.experiment.layers
        if event.kind == "removed":
            for i in sorted(event.indices, reverse=True):
                del self.layers[i]
        elif event.kind == "inserted":
            for i in event.indices:
                self.layers.insert(i, current[i])
        elif event.kind == "moved":
            self.layers = [self.layers[k] for k in event.order]
        elif event.kind == "changed":
            for i in event.indices:
                self.layers[i] = current[i]
        elif event.kind == "reset":
            self.layers = list(current)
        else:
            assert event.kind == "settings"


@pytest.fixture
def doc() -> Document:
    return Document(make_experiment(10, 20, 30, 40, 50))


def units(doc: Document) -> list[int]:
    return [layer.units for layer in doc.experiment.layers]


# --- single edits ----------------------------------------------------------------------------

def test_set_layer_field_units_emits_changed_and_undoes(doc):
    mirror = Mirror(doc)
    doc.set_layer_field([3, 1], "units", 7)
    assert units(doc) == [10, 7, 30, 7, 50]
    assert mirror.events == [Event("changed", (1, 3))]
    assert doc.undo_text == "Set units of 2 layers" and doc.can_undo and not doc.can_redo
    doc.undo()
    assert units(doc) == [10, 20, 30, 40, 50] and mirror.events[-1] == Event("changed", (1, 3))
    assert doc.redo_text == "Set units of 2 layers"
    doc.redo()
    assert units(doc) == [10, 7, 30, 7, 50] and mirror.layers == list(doc.experiment.layers)


@pytest.mark.parametrize("value", [Component("kaiming_normal", (("mode", "fan_out"),)),
                                   {"name": "kaiming_normal", "mode": "fan_out"}])
def test_set_layer_field_component_forms(doc, value):
    doc.set_layer_field([0, 2], "init", value)
    assert doc.experiment.layers[0].init == Component("kaiming_normal", (("mode", "fan_out"),))
    assert doc.experiment.layers[2].init.kwargs == {"mode": "fan_out"}
    assert doc.experiment.layers[1].init == Component("xavier_uniform")


def test_set_layer_field_name_and_bias(doc):
    doc.set_layer_field(4, "activation", "relu")
    doc.set_layer_field(4, "bias", {"name": "constant", "value": 1})
    layer = doc.experiment.layers[4]
    assert layer.activation == Component("relu") and layer.bias == Component("constant", (("value", 1.0),))


def test_set_all_layers(doc):
    doc.set_all_layers("init", "lecun_normal")
    assert {layer.init for layer in doc.experiment.layers} == {Component("lecun_normal")}
    assert doc.undo_text == "Set init of all layers"


def test_set_layer_param_only_on_layers_that_take_it(doc):
    doc.set_layer_field([1], "init", "lecun_normal")  # takes no gain
    mirror = Mirror(doc)
    doc.set_layer_param([0, 1, 2], "init", "gain", 2.5)
    layers = doc.experiment.layers
    assert layers[0].init.kwargs == {"gain": 2.5} and layers[2].init.kwargs == {"gain": 2.5}
    assert layers[1].init == Component("lecun_normal")
    assert mirror.events == [Event("changed", (0, 2))] and doc.undo_text == "Set init.gain of 2 layers"
    doc.set_layer_param([0], "init", "gain", None)
    assert doc.experiment.layers[0].init == Component("xavier_uniform")


def test_set_layer_param_activation(doc):
    doc.set_layer_field([0, 1], "activation", "leaky_relu")
    doc.set_layer_param([0, 1, 2], "activation", "negative_slope", 0.2)
    assert [layer.activation.kwargs for layer in doc.experiment.layers[:3]] == [{"negative_slope": 0.2}] * 2 + [{}]


def test_set_layer_param_nobody_takes_it(doc):
    doc.set_layer_field([0], "init", "lecun_normal")
    with pytest.raises(ExperimentError) as err:
        doc.set_layer_param([0], "init", "gain", 2.0)
    assert "init" in err.value.path and "lecun_normal" in str(err.value)


def test_set_layers_replaces_whole_specs(doc):
    mirror = Mirror(doc)
    doc.set_layers([4, 0], [LayerSpec(1), LayerSpec(5, Component("relu"))], label="Paste")
    assert units(doc) == [1, 20, 30, 40, 5] and doc.experiment.layers[4].activation == Component("relu")
    assert mirror.events == [Event("changed", (0, 4))] and doc.undo_text == "Paste"
    with pytest.raises(ExperimentError):
        doc.set_layers([0, 1], [LayerSpec(3)])


def test_insert_and_undo_emit_inserted_then_removed(doc):
    mirror = Mirror(doc)
    assert doc.insert_layers(2, [LayerSpec(1), LayerSpec(2)]) == (2, 3)
    assert units(doc) == [10, 20, 1, 2, 30, 40, 50] and mirror.events == [Event("inserted", (2, 3))]
    assert doc.insert_layers(99, [LayerSpec(3)]) == (7,)
    doc.undo()
    doc.undo()
    assert mirror.events[-1] == Event("removed", (2, 3)) and units(doc) == [10, 20, 30, 40, 50]
    assert mirror.layers == list(doc.experiment.layers)


def test_remove_and_undo(doc):
    mirror = Mirror(doc)
    doc.remove_layers([4, 0, 2])
    assert units(doc) == [20, 40] and mirror.events == [Event("removed", (0, 2, 4))]
    assert doc.undo_text == "Remove 3 layers"
    doc.undo()
    assert units(doc) == [10, 20, 30, 40, 50] and mirror.events[-1] == Event("inserted", (0, 2, 4))
    assert mirror.layers == list(doc.experiment.layers)


def test_duplicate_inserts_copies_after_last_selected(doc):
    assert doc.duplicate_layers([0, 2]) == (3, 4)
    assert units(doc) == [10, 20, 30, 10, 30, 40, 50]


@pytest.mark.parametrize("rows, to, expected, new_rows", [
    ([0], 2, [20, 30, 10, 40, 50], (2,)),
    ([1, 3], 0, [20, 40, 10, 30, 50], (0, 1)),
    ([0, 4], 2, [20, 30, 10, 50, 40], (2, 3)),
    ([3, 4], 99, [10, 20, 30, 40, 50], (3, 4)),
    ([2], -5, [30, 10, 20, 40, 50], (0,)),
])
def test_move_layers(doc, rows, to, expected, new_rows):
    mirror = Mirror(doc)
    assert doc.move_layers(rows, to) == new_rows
    assert units(doc) == expected and mirror.layers == list(doc.experiment.layers)
    if expected == [10, 20, 30, 40, 50]:
        assert not doc.can_undo and mirror.events == []
    else:
        doc.undo()
        assert units(doc) == [10, 20, 30, 40, 50] and mirror.layers == list(doc.experiment.layers)


def test_move_event_order_and_inverse(doc):
    mirror = Mirror(doc)
    doc.move_layers([0], 2)
    assert mirror.events == [Event("moved", order=(1, 2, 0, 3, 4))]
    doc.undo()
    assert mirror.events[-1] == Event("moved", order=(2, 0, 1, 3, 4))


def test_move_up_and_down_keep_gaps_and_stop_at_edges(doc):
    assert doc.move_up([1, 3]) == (0, 2) and units(doc) == [20, 10, 40, 30, 50]
    assert doc.move_up([0, 2]) == (0, 2) and doc.undo_text == "Move 2 layers"
    doc.undo()
    assert doc.move_down([3, 4]) == (3, 4) and units(doc) == [10, 20, 30, 40, 50]
    assert doc.move_down([2, 3]) == (3, 4) and units(doc) == [10, 20, 50, 30, 40]


def test_set_setting_emits_settings(doc):
    mirror = Mirror(doc)
    doc.set_setting("input.features", 9)
    doc.set_setting("seed", 5)
    doc.set_setting("name", "x")
    assert doc.experiment.input.features == 9 and doc.experiment.fans(0) == (9, 10)
    assert (doc.experiment.seed, doc.experiment.name) == (5, "x")
    assert mirror.events == [Event("settings")] * 3 and doc.undo_text == "Set name"
    doc.undo()
    doc.undo()
    doc.undo()
    assert doc.experiment.input.features == 4 and doc.experiment.seed == 0


def test_replace_is_one_step_or_resets_history(doc):
    mirror = Mirror(doc)
    first = doc.experiment
    doc.replace(make_experiment(3))
    assert units(doc) == [3] and mirror.events == [Event("reset")] and doc.undo_text == "Replace experiment"
    doc.undo()
    assert doc.experiment == first and mirror.layers == list(first.layers)
    doc.replace(make_experiment(8, 9), reset_history=True)
    assert units(doc) == [8, 9] and not doc.can_undo and not doc.can_redo and mirror.events[-1] == Event("reset")


# --- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize("edit", [
    lambda d: d.set_layer_field([1], "units", 0),
    lambda d: d.set_layer_field([1], "units", "many"),
    lambda d: d.set_layer_field([1], "color", 3),
    lambda d: d.set_layer_field([1], "init", "bogus"),
    lambda d: d.set_layer_field([1], "bias", "xavier_uniform"),
    lambda d: d.set_layer_field([9], "units", 3),
    lambda d: d.set_layer_param([1], "init", "gain", -1.0),
    lambda d: d.set_layer_param([1], "init", "gain", "big"),
    lambda d: d.set_layer_param([1], "units", "gain", 1.0),
    lambda d: d.remove_layers(range(5)),
    lambda d: d.insert_layers(0, [LayerSpec(-1)]),
    lambda d: d.set_setting("dtype", "float16"),
    lambda d: d.set_setting("input.batch", 0),
    lambda d: d.set_setting("colour", 1),
    lambda d: d.replace(make_experiment(1).__class__(layers=())),
])
def test_invalid_edits_change_nothing(doc, edit):
    doc.set_layer_field([0], "units", 11)
    mirror = Mirror(doc)
    before = doc.experiment
    with pytest.raises(ExperimentError):
        edit(doc)
    assert doc.experiment == before and mirror.events == [] and doc.undo_text == "Set units of 1 layer"
    assert not doc.can_redo


def test_remove_every_layer_names_layers(doc):
    with pytest.raises(ExperimentError) as err:
        doc.remove_layers([0, 1, 2, 3, 4])
    assert err.value.path == "layers"


def test_no_op_edits_record_nothing(doc):
    mirror = Mirror(doc)
    doc.set_layer_field([0], "units", 10)
    doc.set_setting("seed", 0)
    doc.move_layers([1, 2], 1)
    doc.remove_layers([])
    doc.insert_layers(0, [])
    assert not doc.can_undo and mirror.events == []


# --- history ---------------------------------------------------------------------------------

def test_slider_drag_merges_into_one_step(doc):
    mirror = Mirror(doc)
    for k in range(20):
        doc.set_layer_param([0, 1], "init", "gain", 1.0 + k / 10, merge_key="gain-slider")
    assert doc.experiment.layers[0].init.kwargs == {"gain": 2.9}
    assert [e.continued for e in mirror.events] == [False] + [True] * 19  # views can tell a drag goes on
    doc.undo()
    assert doc.experiment == make_experiment(10, 20, 30, 40, 50) and not doc.can_undo
    assert mirror.events[-1] == Event("changed", (0, 1))
    doc.redo()
    assert doc.experiment.layers[1].init.kwargs == {"gain": 2.9} and not doc.can_redo


def test_merged_changes_of_different_rows_undo_as_one_event(doc):
    mirror = Mirror(doc)
    doc.set_layer_field([0], "units", 1, merge_key="k")
    doc.set_layer_field([3], "units", 2, merge_key="k")
    doc.set_layer_field([1, 3], "units", 3, merge_key="k")
    doc.undo()
    assert mirror.events[-1] == Event("changed", (0, 1, 3)) and mirror.layers == list(doc.experiment.layers)
    doc.redo()
    assert mirror.events[-1] == Event("changed", (0, 1, 3)) and units(doc) == [1, 3, 30, 3, 50]


def test_merge_stops_at_other_edits_and_undo(doc):
    doc.set_setting("seed", 1, merge_key="seed")
    doc.set_setting("seed", 2, merge_key="seed")
    doc.set_setting("name", "n")
    doc.set_setting("seed", 3, merge_key="seed")
    doc.undo()
    doc.set_setting("seed", 4, merge_key="seed")
    doc.set_setting("seed", 5, merge_key="seed")
    doc.undo()
    assert doc.experiment.seed == 2 and doc.experiment.name == "n"
    doc.undo()
    doc.undo()
    assert doc.experiment.seed == 0 and not doc.can_undo


def test_merged_step_of_mixed_edits_stays_mirrorable(doc):
    mirror = Mirror(doc)
    doc.insert_layers(0, [LayerSpec(1)])  # not merged: no key
    doc.set_layer_field([0], "units", 2, merge_key="k")
    doc.insert_layers(0, [LayerSpec(3)])
    doc.set_layer_field([0, 1], "units", 4, merge_key="k")
    doc.set_setting("seed", 9, merge_key="k")
    doc.set_layer_field([2], "units", 6, merge_key="k")
    assert doc.experiment.seed == 9 and units(doc)[:3] == [4, 4, 6]
    doc.undo()
    assert mirror.layers == list(doc.experiment.layers) and units(doc)[:2] == [3, 2] and doc.experiment.seed == 0
    for _ in range(3):
        doc.undo()
        assert mirror.layers == list(doc.experiment.layers)
    assert doc.experiment == make_experiment(10, 20, 30, 40, 50)
    for _ in range(4):
        doc.redo()
        assert mirror.layers == list(doc.experiment.layers)


def test_new_edit_clears_redo(doc):
    doc.set_setting("seed", 1)
    doc.undo()
    assert doc.can_redo
    doc.set_setting("seed", 2)
    assert not doc.can_redo and doc.redo_text == ""
    doc.redo()
    assert doc.experiment.seed == 2


def test_history_is_bounded():
    doc = Document(make_experiment(3), max_history=5)
    for seed in range(1, 9):
        doc.set_setting("seed", seed)
    while doc.can_undo:
        doc.undo()
    assert doc.experiment.seed == 3


def test_clear_history_and_unsubscribe(doc):
    seen = []
    unsubscribe = doc.subscribe(seen.append)
    doc.set_setting("seed", 1)
    unsubscribe()
    doc.set_setting("seed", 2)
    assert seen == [Event("settings")]
    doc.clear_history()
    assert not doc.can_undo and not doc.can_redo and doc.undo_text == ""


def test_dirty_flag(doc):
    assert not doc.dirty and doc.path is None
    doc.set_setting("seed", 1)
    assert doc.dirty
    doc.undo()
    assert not doc.dirty
    doc.redo()
    doc.mark_saved("/tmp/a.json")
    assert not doc.dirty and doc.path == "/tmp/a.json"
    doc.undo()
    assert doc.dirty
    doc.redo()
    assert not doc.dirty
    doc.path = "/tmp/b.json"
    assert doc.path == "/tmp/b.json"


def test_events_are_emitted_after_the_change(doc):
    seen = []
    doc.subscribe(lambda event: seen.append((event.kind, doc.experiment.seed)))
    doc.set_setting("seed", 4)
    doc.undo()
    assert seen == [("settings", 4), ("settings", 0)]


# --- property: a mirror fed only by events always equals the document ------------------------

KEYS = st.sampled_from([None, "a", "a", "b"])


def random_edit(data, doc: Document) -> None:
    n = len(doc.experiment.layers)
    rows = data.draw(st.lists(st.integers(0, n - 1), max_size=3), label="rows")
    op = data.draw(st.sampled_from([
        "units", "init", "gain", "insert", "remove", "duplicate", "move", "up", "down",
        "setting", "all", "replace", "undo", "redo", "invalid"]), label="op")
    if op == "units":
        doc.set_layer_field(rows, "units", data.draw(st.integers(1, 6)), data.draw(KEYS))
    elif op == "init":
        doc.set_layer_field(rows, "init", data.draw(st.sampled_from(["xavier_uniform", "lecun_normal", "he_normal"])))
    elif op == "gain":
        try:
            doc.set_layer_param(rows, "init", "gain", data.draw(st.sampled_from([0.5, 1.0, 2.0])), data.draw(KEYS))
        except ExperimentError:  # none of the rows takes a gain
            pass
    elif op == "insert":
        specs = [LayerSpec(u) for u in data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))]
        doc.insert_layers(data.draw(st.integers(-1, n + 1)), specs)
    elif op == "remove" and len(set(rows)) < n:
        doc.remove_layers(rows)
    elif op == "duplicate":
        doc.duplicate_layers(rows)
    elif op == "move":
        doc.move_layers(rows, data.draw(st.integers(-1, n + 1)))
    elif op in ("up", "down"):
        (doc.move_up if op == "up" else doc.move_down)(rows)
    elif op == "setting":
        doc.set_setting("input.features", data.draw(st.integers(1, 6)), data.draw(KEYS))
    elif op == "all":
        doc.set_all_layers("activation", data.draw(st.sampled_from(["tanh", "relu"])), data.draw(KEYS))
    elif op == "replace":
        doc.replace(make_experiment(*data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))))
    elif op == "undo":
        doc.undo()
    elif op == "redo":
        doc.redo()
    elif op == "invalid":
        before = doc.experiment
        with pytest.raises(ExperimentError):
            doc.set_layer_field(rows or [0], "units", 0, data.draw(KEYS))
        assert doc.experiment == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), start=st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_event_mirror_matches_document_through_any_edits(data, start):
    initial = make_experiment(*start)
    doc = Document(initial)
    mirror = Mirror(doc)
    for _ in range(data.draw(st.integers(0, 25), label="steps")):
        count = len(mirror.events)
        random_edit(data, doc)
        assert mirror.layers == list(doc.experiment.layers)
        for event in mirror.events[count:]:
            assert list(event.indices) == sorted(set(event.indices))
    while doc.can_redo:
        doc.redo()
    final = doc.experiment
    while doc.can_undo:
        doc.undo()
        assert mirror.layers == list(doc.experiment.layers)
    assert doc.experiment == initial and not doc.dirty
    while doc.can_redo:
        doc.redo()
        assert mirror.layers == list(doc.experiment.layers)
    assert doc.experiment == final
