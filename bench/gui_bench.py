"""GUI figures, offscreen: applying a frame to N panels, edit-to-frame latency during a gain
drag (of every layer, and of the middle layer alone, which the incremental recompute
serves), the longest the GUI thread was blocked while computing, and start-up to first frame."""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from initviz.engine.frame import compute_frame  # noqa: E402
from initviz.engine.memory import freeze_startup_objects  # noqa: E402
from initviz.model.experiment import Component, Experiment, InputSpec, LayerSpec, default_experiment  # noqa: E402
from initviz.ui.histograms import HistogramPanel  # noqa: E402
from initviz.ui.app import without_offscreen_noise  # noqa: E402
from initviz.ui.main_window import MainWindow  # noqa: E402
from initviz.ui.thread_priority import lower_other_threads  # noqa: E402

PANEL_CASES = {10: (10, ("activations",)), 30: (10, ("weights", "activations", "activation_grads")),
               60: (12, ("weights", "preactivations", "activations", "activation_grads", "weight_grads"))}


def wide_experiment() -> Experiment:
    layer = LayerSpec(512, Component("tanh"), Component("xavier_uniform"))
    return Experiment(layers=(layer,) * 50, name="50 x 512", input=InputSpec(512, 512))


def apply_rows(app: QApplication, repeats: int) -> list[dict[str, Any]]:
    rows = []
    for panels, (depth, kinds) in PANEL_CASES.items():
        base = default_experiment()
        exp = base.replace(layers=(base.layers[0],) * depth)
        frames = [compute_frame(exp.replace(seed=s)) for s in range(2)]
        labels = [f"layer {i}" for i in range(depth)]
        panel = HistogramPanel()
        panel.set_mode("grid")
        panel.set_kinds(kinds)
        panel.resize(1600, 1000)
        panel.show()
        times = []
        for k in range(repeats + 5):
            start = time.perf_counter()
            panel.show_frame(frames[k % 2], labels)
            panel.repaint()
            app.processEvents()
            if k >= 5:
                times.append((time.perf_counter() - start) * 1000)
        panel.close()
        panel.deleteLater()
        app.processEvents()
        rows.append({"panels": panels, "apply_ms_median": statistics.median(times),
                     "apply_ms_p95": sorted(times)[int(0.95 * len(times)) - 1]})
    return rows


def drag_latency(app: QApplication, experiment: Experiment, seconds: float, folder: str,
                 layers: str = "all") -> dict[str, Any]:
    """Drag every layer's gain at 60 Hz through the document (as the slider does) and time
    each edit until the first frame that shows it (a preview on the first rows of the batch
    while the drag is on); ``settle_ms``: from the last edit to the full-batch frame of it.
    A 5 ms heartbeat measures how long the GUI thread was blocked."""
    settings = QSettings(os.path.join(folder, f"bench-{id(experiment)}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(experiment, settings)
    window.resize(1600, 1000)
    window.show()
    freeze_startup_objects()  # as the app does after showing its window
    wait_for_frame(app, window)
    doc = window.document
    n = len(experiment.layers)
    indices = list(range(n)) if layers == "all" else [n // 2]
    edit_times: dict[int, float] = {}
    latencies: list[float] = []
    previews, settled_ms = [0], [None]

    def shown(frame) -> None:  # a def, not a lambda: PySide6 dropped some calls of a lambda slot here
        now, generation = time.perf_counter(), window.compute.shown_generation
        previews[0] += frame.preview_of is not None
        if frame.preview_of is None and generation == window.compute.generation and not ticker.isActive():
            settled_ms[0] = 1000 * (now - edit_times[generation])  # the full batch after the last edit
        if frame.preview_of is not None or generation not in seen:
            latencies.append(now - edit_times[generation])
        seen.add(generation)
    seen: set[int] = set()
    window.live.frame_shown.connect(shown)
    gaps, last = [], [time.perf_counter()]

    def heartbeat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
    beat = QTimer(interval=5)
    beat.timeout.connect(heartbeat)
    beat.start()
    key, state, loop = object(), {"step": 0, "start": time.perf_counter()}, QEventLoop()

    def drag_step() -> None:  # what a slider does: one edit per mouse move, ~60 per second
        if time.perf_counter() - state["start"] >= seconds:
            ticker.stop()
            settle.start()
            return
        gain = 0.6 + 0.8 * (state["step"] % 60) / 60
        doc.set_layer_param(indices, "init", "gain", round(gain, 4), merge_key=key)
        edit_times[window.compute.generation] = time.perf_counter()
        state["step"] += 1

    def settled() -> None:
        if not window.compute.busy or time.perf_counter() - state["start"] > seconds + 10:
            settle.stop()
            loop.quit()
    ticker = QTimer(interval=16)
    ticker.timeout.connect(drag_step)
    settle = QTimer(interval=20)
    settle.timeout.connect(settled)
    ticker.start()
    loop.exec()  # a real event loop: the GUI thread idles between events, as in the app
    step = state["step"]
    beat.stop()
    window.document.mark_saved()
    window.close()
    window.compute.shutdown()
    window.deleteLater()
    app.processEvents()
    gc.unfreeze()  # the next case freezes its own window
    ms = sorted(1000 * v for v in latencies)
    return {"experiment": experiment.name, "dragged": "every layer" if layers == "all" else f"layer {n // 2}",
            "edits": step, "frames": len(ms), "previews": previews[0],
            "latency_ms_median": statistics.median(ms) if ms else None,
            "latency_ms_p95": ms[int(0.95 * len(ms)) - 1] if ms else None,
            "gui_blocked_ms_max": 1000 * max(gaps[1:]) if len(gaps) > 1 else None,
            "settle_ms": settled_ms[0]}


def wait_for_frame(app: QApplication, window: MainWindow, timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while window.histograms.frame() is None and time.perf_counter() < end:
        app.processEvents()


def startup_ms(app: QApplication, folder: str) -> float:
    start = time.perf_counter()
    window = MainWindow(default_experiment(), QSettings(os.path.join(folder, "start.ini"), QSettings.Format.IniFormat))
    window.show()
    freeze_startup_objects()
    wait_for_frame(app, window)
    window.repaint()
    elapsed = (time.perf_counter() - start) * 1000
    window.close()
    window.compute.shutdown()
    window.deleteLater()
    app.processEvents()
    gc.unfreeze()
    return elapsed


def gui_figures(repeats: int, drag_seconds: float) -> dict[str, Any]:
    lower_other_threads()  # as the app does at start-up: numpy's BLAS helpers yield to the GUI thread
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder, without_offscreen_noise():  # a window per case, each would say so
        return {
            "startup_to_first_frame_ms": startup_ms(app, folder),
            "apply": apply_rows(app, repeats),
            "drag": [drag_latency(app, exp, drag_seconds, folder, layers)
                     for exp in (default_experiment(), wide_experiment()) for layers in ("all", "middle")],
        }
