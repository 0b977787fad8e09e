"""The compute controller: debounced, one worker, stale results dropped."""

from initviz.engine.frame import compute_frame
from initviz.model.experiment import default_experiment
from initviz.ui.compute import ComputeController


def test_twenty_rapid_edits_give_one_simulation_of_the_last_state(qtbot):
    controller = ComputeController(debounce_ms=50)
    shown = []
    controller.frame_ready.connect(shown.append)
    base = default_experiment()
    for seed in range(20):
        controller.request(base.replace(seed=seed))
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    qtbot.wait(200)
    assert controller.jobs_started == 1 and len(shown) == 1
    assert shown[0].loss == compute_frame(base.replace(seed=19)).loss
    controller.shutdown()


def test_stale_result_is_never_shown(qtbot):
    controller = ComputeController(debounce_ms=0)
    shown = []
    controller.frame_ready.connect(shown.append)
    wide = default_experiment()
    controller.request(wide)
    qtbot.waitUntil(lambda: controller.jobs_started == 1, timeout=5000)
    narrow = wide.replace(layers=wide.layers[:2])
    controller.request(narrow)  # supersedes the running job
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    controller.shutdown()
    qtbot.wait(100)
    assert len(shown) == 1 and len(shown[0].layers) == 2


def test_errors_are_reported_not_raised(qtbot):
    controller = ComputeController(debounce_ms=0)
    huge = default_experiment().replace(input=default_experiment().input.__class__(features=1_000_000, batch=1_000_000))
    with qtbot.waitSignal(controller.failed, timeout=10000) as blocker:
        controller.request(huge)
    assert "memory budget" in blocker.args[0]
    controller.shutdown()
