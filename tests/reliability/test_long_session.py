"""Long sessions: a full grid repainted and the network recomputed over and over, with memory
and Python object counts flat (issue 7). ``make test`` runs a short session; ``make soak`` the
1,000-round one."""

import gc
import os
import sys
from pathlib import Path

import pytest

import initviz
from initviz.engine.frame import compute_frame
from initviz.engine.stats import KINDS
from initviz.ui.histograms import HistogramPanel
from initviz.ui.layer_model import layer_label
from tests.ui.conftest import close_window, open_window, settings  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")


def footprint() -> tuple[int, int]:
    """(live Python objects, resident bytes) after a full collection."""
    gc.collect()
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return len(gc.get_objects()), resident_pages * os.sysconf("SC_PAGE_SIZE")


def assert_flat(samples: list[tuple[int, int]], what: str) -> None:
    """After warm-up (the first sample), objects grow by at most 0.5 % (or 300) and memory by at
    most 40 MB; and the second half grows no more than the first (no steady leak)."""
    (obj0, rss0), (obj1, rss1), (obj2, rss2) = samples
    assert obj2 - obj0 <= max(300, obj0 // 200), f"{what}: objects {obj0} -> {obj1} -> {obj2}"
    assert rss2 - rss0 <= 40 * 2**20, f"{what}: resident memory {rss0 >> 20} -> {rss1 >> 20} -> {rss2 >> 20} MiB"
    assert (obj2 - obj1) <= max(150, obj0 // 400), f"{what}: still growing: {obj0} -> {obj1} -> {obj2}"


def full_grid_experiment(seed: int) -> initviz.Experiment:
    """12 layers × 5 columns = 60 histogram cells (the largest full grid before the compact view)."""
    return initviz.load_experiment({"seed": seed, "input": {"features": 128, "batch": 256},
                                    "layers": [{"units": 128, "activation": "tanh", "init": "xavier_normal"}
                                               for _ in range(12)]})


def repaint_session(qapp, rounds: int) -> list[tuple[int, int]]:
    exps = [full_grid_experiment(seed) for seed in (0, 1)]
    frames = [compute_frame(exp, kinds=KINDS) for exp in exps]
    labels = [layer_label(i, layer) for i, layer in enumerate(exps[0].layers)]
    panel = HistogramPanel()
    panel.set_kinds(KINDS)
    panel.resize(1600, 1000)
    panel.show()
    samples, marks = [], {rounds // 5, rounds // 2 + rounds // 10, rounds - 1}
    try:
        for i in range(rounds):
            panel.show_frame(frames[i % 2], labels)
            panel.grab()  # a real paint of all 60 cells
            qapp.processEvents()
            if i in marks:
                samples.append(footprint())
    finally:
        panel.close()
        panel.deleteLater()
    return samples


def recompute_session(qtbot, settings, rounds: int) -> list[tuple[int, int]]:
    win = open_window(qtbot, settings, initviz.default_experiment())
    samples, marks = [], {rounds // 5, rounds // 2 + rounds // 10, rounds - 1}
    try:
        for i in range(rounds):
            with qtbot.waitSignal(win.compute.frame_ready, timeout=30000):
                win.document.set_setting("seed", 1 + i % 5, merge_key="soak")  # one undo step throughout
            if i in marks:
                samples.append(footprint())
        assert win.histograms.frame().n_nonfinite == 0 and win.document.can_undo
    finally:
        close_window(win)
    return samples


def test_repaints_keep_memory_flat(qapp):
    assert_flat(repaint_session(qapp, 120), "120 repaints of 60 cells")


def test_recomputes_keep_memory_flat(qtbot, settings):
    assert_flat(recompute_session(qtbot, settings, 40), "40 recomputes")


@pytest.mark.soak
def test_a_thousand_repaints(qapp):
    assert_flat(repaint_session(qapp, 1000), "1000 repaints of 60 cells")


@pytest.mark.soak
def test_a_thousand_recomputes(qtbot, settings):
    assert_flat(recompute_session(qtbot, settings, 1000), "1000 recomputes")
