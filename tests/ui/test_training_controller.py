"""TrainingController: runs in the background in chunks, gives the engine's numbers, pauses,
resumes, steps and stops at once, drops stale runs, and reports errors and divergence."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from initviz.engine import training
from initviz.model.document import Document
from initviz.model.experiment import default_experiment
from initviz.ui.training_controller import TrainingController, training_key

from tests.ui.test_training_helpers import spirals

WAIT = 60000  # ms: generous, the machine may be busy; no test sleeps


@pytest.fixture
def make(qtbot):
    """``make(experiment or document, **options)`` -> a controller, shut down after the test."""
    made = []

    def build(source, **options):
        document = source if hasattr(source, "subscribe") else Document(source)
        controller = TrainingController(document, **options)
        made.append(controller)
        return controller

    yield build
    for controller in made:
        controller.shutdown()


def engine_history(experiment):
    """The same run, uninterrupted, straight from the engine."""
    return training.train(experiment, training.load_dataset(experiment))


def assert_same_run(history, reference):
    np.testing.assert_array_equal(history.steps, reference.steps)
    np.testing.assert_array_equal(history.train_loss, reference.train_loss)
    np.testing.assert_array_equal(history.eval_steps, reference.eval_steps)
    for name in ("eval_train_loss", "test_loss", "train_acc", "test_acc", "update_ratio"):
        np.testing.assert_array_equal(getattr(history, name), getattr(reference, name))


def finished(controller):
    return lambda: controller.state in ("finished", "diverged", "failed") and controller.worker_idle


def test_a_run_reports_progress_and_ends_with_the_engines_numbers(qtbot, make):
    experiment = spirals(steps=120)
    controller = make(experiment)
    progress, states = [], []
    controller.progress.connect(lambda *args: progress.append(args))
    controller.state_changed.connect(states.append)
    controller.start()
    assert controller.state == "starting"
    qtbot.waitUntil(finished(controller), timeout=WAIT)
    assert states == ["starting", "running", "finished"]
    assert_same_run(controller.history, engine_history(experiment))
    steps = [p[1] for p in progress]
    assert steps == sorted(steps) and steps[-1] == 120
    assert {p[0] for p in progress} == {1} and {p[2] for p in progress} == {120}
    assert controller.info.total_steps == 120 and controller.info.has_regions
    assert sorted(controller.regions) == list(range(len(controller.history.eval_steps)))
    assert [r.step for _, r in sorted(controller.regions.items())] == list(controller.history.eval_steps)
    assert "Finished 120 steps" in controller.status


def test_regions_are_the_network_at_each_snapshot(qtbot, make):
    experiment = spirals(steps=40)
    controller = make(experiment, grid_resolution=24)
    controller.start()
    qtbot.waitUntil(finished(controller), timeout=WAIT)
    trainer = training.Trainer(experiment, training.load_dataset(experiment))
    trainer.step(20)
    grid = training.decision_grid(trainer, *controller.info.extent, resolution=24)
    np.testing.assert_array_equal(controller.regions[1].predicted, grid.predicted)


def test_pause_stops_the_count_and_resume_ends_like_an_uninterrupted_run(qtbot, make):
    experiment = spirals(steps=1000, snapshot_every=25)
    controller = make(experiment, chunk_ms=5)
    controller.start()
    qtbot.waitUntil(lambda: controller.step_count >= 30, timeout=WAIT)
    controller.pause()
    assert controller.state == "paused"  # at once; the worker ends after its current step
    qtbot.waitUntil(lambda: controller.worker_idle, timeout=WAIT)
    paused_at = controller.step_count
    assert 30 <= paused_at < 1000
    QApplication.processEvents()
    assert controller.step_count == paused_at and len(controller.history.steps) == paused_at
    assert f"Paused at step {paused_at}" in controller.status
    controller.start()
    assert controller.state == "running"
    qtbot.waitUntil(finished(controller), timeout=WAIT)
    assert controller.state == "finished" and controller.run_id == 1
    assert_same_run(controller.history, engine_history(experiment))


def test_step_takes_exactly_one_step_and_step_snapshot_goes_to_the_next_snapshot(qtbot, make):
    controller = make(spirals(steps=100, snapshot_every=20))
    controller.step()
    qtbot.waitUntil(lambda: controller.state == "paused" and controller.worker_idle, timeout=WAIT)
    assert controller.step_count == 1 and len(controller.history.steps) == 1
    controller.step()
    qtbot.waitUntil(lambda: controller.state == "paused" and controller.worker_idle, timeout=WAIT)
    assert controller.step_count == 2
    controller.step_snapshot()
    qtbot.waitUntil(lambda: controller.state == "paused" and controller.worker_idle, timeout=WAIT)
    assert controller.step_count == 20
    assert list(controller.history.eval_steps) == [0, 20]
    controller.step_snapshot()
    qtbot.waitUntil(lambda: controller.state == "paused" and controller.worker_idle, timeout=WAIT)
    assert controller.step_count == 40 and controller.run_id == 1
    controller.step(1000)  # past the end: the run finishes
    qtbot.waitUntil(finished(controller), timeout=WAIT)
    assert controller.state == "finished" and controller.step_count == 100


def test_stop_ends_the_run_and_start_begins_a_new_one(qtbot, make):
    controller = make(spirals(steps=5000), chunk_ms=5)
    controller.start()
    qtbot.waitUntil(lambda: controller.step_count > 0, timeout=WAIT)
    controller.stop()
    assert controller.state == "stopped"
    qtbot.waitUntil(lambda: controller.worker_idle, timeout=WAIT)
    stopped_at = controller.step_count
    assert "Stopped at step" in controller.status
    seen = []
    controller.history_changed.connect(lambda run_id, history: seen.append((run_id, len(history.steps))))
    controller.start()
    assert controller.run_id == 2 and controller.history is None
    qtbot.waitUntil(lambda: controller.step_count > 0, timeout=WAIT)
    controller.stop()
    qtbot.waitUntil(lambda: controller.worker_idle, timeout=WAIT)
    assert seen[0] == (2, 0)  # the new run starts from step 0; nothing of run 1 came through
    assert {run_id for run_id, _ in seen} == {2} and stopped_at > 0


def test_an_edit_during_a_run_stops_it_and_marks_it_stale(qtbot, make):
    document = Document(spirals(steps=5000))
    controller = make(document, chunk_ms=5)
    controller.start()
    qtbot.waitUntil(lambda: controller.step_count > 0, timeout=WAIT)
    document.set_setting("name", "renamed")  # not part of the training: the run goes on
    document.set_setting("input.batch", 32)  # the histogram batch: not part of the training either
    assert controller.state == "running"
    document.set_setting("training.learning_rate", 0.5)
    assert controller.state == "stale"
    assert "edited during the run" in controller.status
    qtbot.waitUntil(lambda: controller.worker_idle, timeout=WAIT)
    frozen = controller.step_count
    QApplication.processEvents()
    assert controller.step_count == frozen  # updates of the stale run are dropped
    controller.start()  # trains the edited experiment
    assert controller.run_id == 2
    qtbot.waitUntil(lambda: controller.info is not None, timeout=WAIT)
    assert controller.info.experiment.training.learning_rate == 0.5
    controller.stop()


def test_editing_after_a_pause_or_a_finished_run_marks_it_stale(qtbot, make):
    document = Document(spirals(steps=20))
    controller = make(document)
    controller.step()
    qtbot.waitUntil(lambda: controller.state == "paused" and controller.worker_idle, timeout=WAIT)
    document.set_layer_field(0, "units", 8)
    assert controller.state == "stale" and "edited during the run" in controller.status
    controller.start()
    qtbot.waitUntil(finished(controller), timeout=WAIT)
    document.set_setting("seed", 8)
    assert controller.state == "stale" and "as it was before" in controller.status


def test_training_key_ignores_the_name_and_the_histogram_batch():
    experiment = spirals()
    same = dataclasses.replace(experiment, name="other",
                               input=dataclasses.replace(experiment.input, batch=7, distribution="uniform"))
    assert training_key(same) == training_key(experiment)
    assert training_key(dataclasses.replace(experiment, seed=1)) != training_key(experiment)


def test_a_diverging_run_is_reported(qtbot, make):
    controller = make(spirals(steps=200, lr=1e6, optimizer="sgd"))
    with qtbot.waitSignal(controller.diverged, timeout=WAIT) as blocker:
        controller.start()
    run_id, step = blocker.args
    assert run_id == 1 and step == controller.history.diverged_at
    assert controller.state == "diverged"
    assert controller.status.startswith("⚠ Diverged at step") and "η = 1e6" in controller.status
    assert np.isnan(controller.history.train_loss[-1])


def test_no_data_is_shown_as_an_error_not_raised(qtbot, make):
    document = Document(default_experiment())
    controller = make(document)
    assert controller.status.startswith("⚠ No data set")
    with qtbot.waitSignal(controller.failed, timeout=WAIT) as blocker:
        controller.start()
    assert blocker.args[0] == 1 and blocker.args[1].startswith("data: missing")
    assert controller.state == "failed" and controller.status.startswith("⚠ Cannot train — data: missing")
    document.set_setting("data.name", "moons")  # the edit fixes it: the status says what Start will do
    assert controller.state == "idle" and controller.status.startswith("Ready: Start (F5) trains on moons")


def test_a_shape_mismatch_and_the_memory_budget_are_shown(qtbot, make):
    experiment = spirals()
    wrong = dataclasses.replace(experiment, input=dataclasses.replace(experiment.input, features=3))
    stand_in = SimpleNamespace(experiment=wrong, subscribe=lambda callback: (lambda: None))
    controller = make(stand_in)
    with qtbot.waitSignal(controller.failed, timeout=WAIT) as blocker:
        controller.start()
    assert blocker.args[1].startswith("input.features: got 3")
    small = make(experiment, memory_budget=1000)
    with qtbot.waitSignal(small.failed, timeout=WAIT) as blocker:
        small.start()
    assert "memory budget" in blocker.args[1] and small.state == "failed"
