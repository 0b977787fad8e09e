"""The advisor view: cards mirror the engine's diagnoses, a shared fix shows one button, a
click is one undo step that really fixes the net, refusals stay inline, and frames with the
same findings keep the widgets."""

import copy
import dataclasses
import os

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QColor

from initviz.engine import advisor_wording as say
from initviz.engine.frame import compute_frame
from initviz.model import parse_experiment
from initviz.model.document import Document
from initviz.ui.diag_advisor import AdvisorView
from initviz.ui.diag_advisor_card import SEVERITY, AdvisorCard, common_tail
from initviz.ui.layer_model import layer_label

HE_LABEL = "Use He (kaiming_normal) for the 30 relu layers"
VANISHING_CODES = {"vanishing_activations", "vanishing_gradients", "init_mismatch"}


def make(depth=30, activation="relu", init="xavier_uniform", bias="zeros", batch=128):
    return parse_experiment({"input": {"features": 64, "batch": batch}, "layers": [
        {"units": 64, "activation": activation, "init": init, "bias": bias} for _ in range(depth)]})


def labels(experiment):
    return [layer_label(i, layer) for i, layer in enumerate(experiment.layers)]


def advise(experiment):
    return compute_frame(experiment, extras=("advice",))


def assert_nothing_clipped(view):
    """Every word-wrapped text is as tall as its width needs (a scroll area gives one-line room)."""
    QCoreApplication.processEvents()  # the layout requests a text change posted
    labels = [view.placeholder] + [lab for c in view.cards() for lab in (c.title, c.message, c.layers, c.fix_note)]
    for label in labels:
        if label.isVisibleTo(view):
            assert label.height() >= label.heightForWidth(label.width()), label.text()


def save_shot(widget, tmp_path, name):
    """A true screenshot (FACTS.md); also to $INITVIZ_SCREENSHOTS when set, for people to look at."""
    assert_nothing_clipped(widget)
    image = widget.grab()
    assert not image.isNull()
    for folder in filter(None, (str(tmp_path), os.environ.get("INITVIZ_SCREENSHOTS"))):
        os.makedirs(folder, exist_ok=True)
        assert image.save(os.path.join(folder, name))
    return image.toImage()


@pytest.fixture(scope="module")
def xavier_relu():  # frames are immutable: simulate once
    experiment = make()
    return experiment, advise(experiment)


@pytest.fixture
def view(qtbot, xavier_relu):
    experiment, frame = xavier_relu
    widget = AdvisorView(Document(experiment))
    widget.resize(560, 1100)
    qtbot.addWidget(widget)
    widget.show()
    widget.show_frame(frame, labels(experiment))
    return widget


def test_cards_show_every_diagnosis_with_its_number_and_layers(view, xavier_relu, tmp_path):
    experiment, frame = xavier_relu
    advice = frame.diagnostics.advice
    assert VANISHING_CODES <= {d.code for d in advice}
    cards = view.cards()
    assert [c.title.text() for c in cards] == [d.title for d in advice]
    assert [c.message.text() for c in cards] == [d.message for d in advice]
    assert [c.severity.text() for c in cards] == [SEVERITY[d.severity][0] for d in advice]
    vanishing = cards[[d.code for d in advice].index("vanishing_activations")]
    d = vanishing.diagnosis
    assert f"×{say.factor(d.value)} smaller" in vanishing.message.text()  # "×57,000 smaller"
    first, last = d.layers[0], d.layers[-1]
    assert f"Layers {first}–{last}" in vanishing.layers.text()
    assert " · relu · xavier_uniform · 64" in vanishing.layers.text()  # what the layers' labels share
    assert labels(experiment)[first] in vanishing.layers.toolTip()
    assert vanishing.message.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert view.header.text().startswith(f"{len(advice)} findings")
    for card in cards:  # readable on a projector
        for label in (card.title, card.message, card.layers, card.fix_note):
            assert label.font().pointSizeF() >= 11
    image = save_shot(view, tmp_path, "advisor_failing.png")
    edge = cards[0].mapTo(view, QPoint(2, cards[0].height() // 2))
    assert image.pixelColor(edge) == QColor(SEVERITY[advice[0].severity][1])  # the severity colour


def test_a_shared_fix_gets_one_button_and_the_other_cards_point_to_it(view, xavier_relu):
    advice = xavier_relu[1].diagnostics.advice
    assert {d.fix.label for d in advice} == {HE_LABEL}  # three findings, one cure
    cards = view.cards()
    assert [c.fix_label for c in cards] == [HE_LABEL] + [""] * (len(cards) - 1)
    for card in cards[1:]:
        assert not card.fix_button.isVisibleTo(card)
        assert card.fix_note.isVisibleTo(card)
        assert HE_LABEL in card.fix_note.text() and cards[0].title.text() in card.fix_note.text()
    assert "1 one-click fix" in view.header.text()


def test_clicking_the_fix_is_one_undo_step_that_cures_the_net(qtbot, view, xavier_relu, tmp_path):
    experiment, _ = xavier_relu
    document = view._document
    button = view.cards()[0].fix_button
    with qtbot.waitSignal(view.fix_applied) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    label = f"Advisor: {HE_LABEL}"
    assert blocker.args == [label]
    fixed = document.experiment
    assert {(layer.init.name, layer.init.kwargs.get("nonlinearity")) for layer in fixed.layers} == \
        {("kaiming_normal", "relu")}
    assert document.undo_text == label
    assert not button.isEnabled() and "Applied" in view.cards()[0].status.text()
    assert "checking again" in view.header.text()

    after = advise(fixed)  # the fix really removes what it was for
    assert not VANISHING_CODES & {d.code for d in after.diagnostics.advice}
    view.show_frame(after, labels(fixed))
    if not after.diagnostics.advice:
        assert view.cards() == [] and view.placeholder.text().startswith("✓ No problems found")
        save_shot(view, tmp_path, "advisor_after_fix.png")

    document.undo()  # ONE undo restores the whole experiment
    assert document.experiment == experiment and not document.can_undo
    document.redo()
    assert document.experiment == fixed


def test_a_refused_fix_shows_inline_and_changes_nothing(qtbot, view):
    document = view._document
    document.remove_layers(range(20, 30))  # the shown advice still names layers 20–29
    assert "checking again" in view.header.text()
    before = document.experiment
    card = view.cards()[0]
    with qtbot.assertNotEmitted(view.fix_applied):
        qtbot.mouseClick(card.fix_button, Qt.MouseButton.LeftButton)
    assert card.error.isVisibleTo(card)
    assert card.error.text().startswith("Refused — layers[20]")
    assert document.experiment == before and document.undo_text == "Remove 10 layers"  # whole or not at all


def test_the_same_findings_keep_their_widgets(view, xavier_relu):
    experiment, frame = xavier_relu
    cards = view.cards()
    view.show_frame(frame, labels(experiment))
    view.show_frame(copy.deepcopy(frame), labels(experiment))  # equal advice in new objects, as recomputed
    assert all(a is b for a, b in zip(view.cards(), cards)) and len(view.cards()) == len(cards)

    bigger = experiment.replace(input=dataclasses.replace(experiment.input, batch=64))
    frame2 = advise(bigger)  # as in a drag: same findings, other numbers
    assert [d.code for d in frame2.diagnostics.advice] == [d.code for d in frame.diagnostics.advice]
    assert [d.message for d in frame2.diagnostics.advice] != [d.message for d in frame.diagnostics.advice]
    view.show_frame(frame2, labels(bigger))
    assert_nothing_clipped(view)
    assert all(a is b for a, b in zip(view.cards(), cards))
    assert [c.message.text() for c in view.cards()] == [d.message for d in frame2.diagnostics.advice]
    assert len(view.findChildren(AdvisorCard)) == len(cards)


def test_computing_healthy_and_back(view, xavier_relu, tmp_path):
    view.show_frame(None, [])
    assert view.header.text() == "computing…" and view.cards() == []
    assert view.placeholder.isVisibleTo(view) and "Computing" in view.placeholder.text()

    healthy = make(init="kaiming_normal")  # He + ReLU: the advisor stays silent
    frame = advise(healthy)
    assert frame.diagnostics.advice == ()
    view.show_frame(frame, labels(healthy))
    text = view.placeholder.text()
    assert text.startswith("✓ No problems found: across the 30 layers")
    assert "vanishing signals" in text and "dead ReLUs" in text and "suits its activation" in text
    assert view.header.text().startswith("No problems found")
    save_shot(view, tmp_path, "advisor_healthy.png")

    experiment, failing = xavier_relu
    view.show_frame(failing, labels(experiment))
    assert len(view.cards()) == len(failing.diagnostics.advice) and not view.placeholder.isVisibleTo(view)


def test_errors_come_first_and_a_bias_fix_is_shared_too(qtbot, tmp_path):
    experiment = make(depth=10, init="kaiming_normal", bias={"name": "constant", "value": -5})
    frame = advise(experiment)
    view = AdvisorView(Document(experiment))
    qtbot.addWidget(view)
    view.show_frame(frame, labels(experiment))
    severities = [c.severity.text() for c in view.cards()]
    assert severities == sorted(severities)  # "Error" < "Warning"
    assert severities[0] == "Error"
    owners = [c for c in view.cards() if c.fix_label]
    assert [c.fix_label for c in owners] == ["Set the bias of layers 0–9 to zeros"]
    with qtbot.waitSignal(view.fix_applied):
        view.apply_fix(owners[0].diagnosis.fix, owners[0])
    assert {layer.bias.name for layer in view._document.experiment.layers} == {"zeros"}


def test_common_tail_stops_at_a_separator():
    assert common_tail(["12 · relu · he · 64", "13 · relu · he · 64"]) == " · relu · he · 64"
    assert common_tail(["1 · relu · 64", "2 · relu · 164"]) == ""  # not "64": it starts inside a number
    assert common_tail(["a · tanh", "b · relu"]) == ""


def test_a_deleted_view_stops_listening_to_the_document(qtbot, xavier_relu):
    import shiboken6
    document = Document(xavier_relu[0])
    view = AdvisorView(document)
    view.show_frame(xavier_relu[1], labels(xavier_relu[0]))
    shiboken6.delete(view)
    document.set_layer_field(0, "units", 32)  # would raise on a deleted widget
    assert document.experiment.layers[0].units == 32 and not document._subscribers


def test_a_frame_without_advice_keeps_the_findings_marked_as_rechecking(view, xavier_relu):
    experiment, frame = xavier_relu
    cards = view.cards()
    plain = compute_frame(experiment.replace(layers=experiment.layers[:2]))  # no "advice" extra asked for
    assert plain.diagnostics is None
    view.show_frame(plain, labels(experiment)[:2])
    assert view.cards() == cards and view.header.text().endswith("checking again…")  # no blank flash
    view.show_frame(frame, labels(experiment))
    assert view.cards() == cards and not view.header.text().endswith("checking again…")
    view.show_frame(None, [])  # nothing to show (e.g. the simulation failed): say so
    assert view.cards() == [] and view.header.text() == "computing…"
