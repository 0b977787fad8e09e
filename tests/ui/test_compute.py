"""The compute controller: debounced, one worker, coalesced requests, stale results dropped."""

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
    qtbot.waitUntil(lambda: not controller.busy, timeout=20000)
    assert controller.jobs_started == 1 and len(shown) == 1
    assert shown[0].loss == compute_frame(base.replace(seed=19)).loss
    controller.shutdown()


def test_requests_while_busy_coalesce_and_the_last_state_wins(qtbot):
    controller = ComputeController(debounce_ms=0)
    shown = []
    controller.frame_ready.connect(shown.append)
    base = default_experiment()
    controller.request(base)
    qtbot.waitUntil(lambda: controller.jobs_started == 1, timeout=5000)
    for n in range(2, 9):  # arrive while the first job runs
        controller.request(base.replace(layers=base.layers[:n]))
    qtbot.waitUntil(lambda: not controller.busy, timeout=30000)
    assert controller.jobs_started <= 3  # the first, then one job of the latest state
    assert len(shown[-1].layers) == 8
    assert [len(f.layers) for f in shown] in ([10, 8], [8])


def test_a_result_older_than_the_one_shown_is_dropped(qtbot):
    controller = ComputeController(debounce_ms=0)
    shown = []
    controller.frame_ready.connect(shown.append)
    frame = compute_frame(default_experiment())
    controller.shown_generation = 5
    controller._on_finished(4, frame)  # a late result of an older request
    controller._on_finished(6, frame)
    assert shown == [frame] and controller.shown_generation == 6
    controller.shutdown()


def test_slow_job_is_cancelled_by_a_newer_request(qtbot):
    controller = ComputeController(debounce_ms=0, cancel_after_ms=0)
    shown = []
    controller.frame_ready.connect(shown.append)
    base = default_experiment()
    deep = base.replace(layers=base.layers * 10)
    controller.request(deep)
    qtbot.waitUntil(lambda: controller.jobs_started == 1, timeout=5000)
    qtbot.wait(20)
    controller.request(base.replace(layers=base.layers[:2]))
    qtbot.waitUntil(lambda: not controller.busy, timeout=30000)
    assert [len(f.layers) for f in shown] == [2]


def test_errors_are_reported_not_raised(qtbot):
    controller = ComputeController(debounce_ms=0)
    huge = default_experiment().replace(input=default_experiment().input.__class__(features=1_000_000, batch=1_000_000))
    with qtbot.waitSignal(controller.failed, timeout=10000) as blocker:
        controller.request(huge)
    assert "memory budget" in blocker.args[0]
    controller.shutdown()


def test_a_drag_gets_previews_on_the_first_rows_then_the_full_batch(qtbot):
    controller = ComputeController(debounce_ms=0, preview_budget_ms=1)  # every net is "slow" here
    shown = []
    controller.frame_ready.connect(shown.append)
    base = default_experiment()
    controller.request(base)  # a lone edit: the whole batch, and its time is remembered
    qtbot.waitUntil(lambda: not controller.busy, timeout=20000)
    assert shown[-1].preview_of is None and shown[-1].rows == base.input.batch
    for seed in range(1, 6):
        controller.request(base.replace(seed=seed), interactive=True)
        qtbot.waitUntil(lambda: controller.shown_generation == controller.generation, timeout=20000)
    qtbot.waitUntil(lambda: not controller.busy, timeout=20000)
    previews = [f for f in shown[1:] if f.preview_of is not None]
    assert previews and all(f.preview_of == base.input.batch and f.rows == ComputeController.MIN_PREVIEW_ROWS
                            for f in previews)
    last = base.replace(seed=5)
    assert shown[-1].preview_of is None and shown[-1].loss == compute_frame(last).loss  # refined when edits stop
    rows = ComputeController.MIN_PREVIEW_ROWS
    expected = compute_frame(last.replace(input=last.input.__class__(last.input.features, rows)))
    preview_of_last = [f for f in previews if f.loss == expected.loss]
    assert preview_of_last, "the preview is the simulation of the first rows of the batch"
    assert preview_of_last[0].layers[2].summaries["activations"].stats == \
        expected.layers[2].summaries["activations"].stats
    controller.shutdown()


def test_nets_that_fit_the_budget_are_never_previewed(qtbot):
    controller = ComputeController(debounce_ms=0, preview_budget_ms=60_000)
    shown = []
    controller.frame_ready.connect(shown.append)
    base = default_experiment()
    for seed in range(4):
        controller.request(base.replace(seed=seed), interactive=True)
        qtbot.waitUntil(lambda: not controller.busy, timeout=20000)
    assert all(f.preview_of is None for f in shown)
    controller.shutdown()
