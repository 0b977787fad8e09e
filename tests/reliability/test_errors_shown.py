"""A failure in a background job or a file operation reaches the user with its reason, and
the app goes on (issue 7)."""

from initviz.ui import compute
from tests.ui.conftest import settings, window  # noqa: F401 (fixtures)


def test_a_crashing_simulation_is_shown_and_the_next_edit_recovers(qtbot, window, monkeypatch):
    real = compute.compute_frame

    def crashing(*args, **kwargs):
        raise RuntimeError("the engine fell over")
    monkeypatch.setattr(compute, "compute_frame", crashing)
    window.document.set_setting("seed", 3)
    expected = "simulation failed: RuntimeError: the engine fell over"
    qtbot.waitUntil(lambda: expected in window.compute_label.text(), timeout=30000)
    assert window.stale_banner.isVisibleTo(window) and expected in window.stale_banner.text()
    monkeypatch.setattr(compute, "compute_frame", real)
    window.document.set_setting("seed", 4)
    qtbot.waitUntil(lambda: not window.stale_banner.isVisibleTo(window), timeout=30000)
    assert window.histograms.frame().n_nonfinite == 0 and "⚠" not in window.compute_label.text()


def test_opening_a_missing_or_broken_file_is_shown_and_the_work_kept(window, tmp_path):
    window.document.set_setting("seed", 9)
    shown = []
    window.files.show_error = lambda title, text: shown.append((title, text))
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "initviz.experiment", "version": 1, "layers": [')
    assert not window.files.open(str(tmp_path / "missing.json"))
    assert not window.files.open(str(broken))
    assert [title for title, _ in shown] == ["Cannot open experiment"] * 2
    assert "cannot read" in shown[0][1] and "No such file" in shown[0][1]
    assert "not valid JSON" in shown[1][1]
    assert window.document.experiment.seed == 9 and window.document.dirty
