"""``initviz render`` of every view (issue 8): PNG or SVG by suffix, the asked size, a theme,
and errors as one line with exit status 2."""

import json
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from initviz import cli
from tests.ui.test_export_views import SMALL, colours


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL))
    return str(path)


@pytest.mark.parametrize("view,suffix", [("histograms", "png"), ("depth", "svg"), ("phase", "png"),
                                         ("symmetry", "svg"), ("jacobian", "png"), ("training", "png"),
                                         ("race", "svg"), ("window", "png")])
def test_render_writes_each_view(qapp, small_file, tmp_path, capsys, view, suffix):
    out = tmp_path / f"{view}.{suffix}"
    args = ["render", small_file, "--view", view, "-o", str(out), "--size", "800x500", "--steps", "15"]
    assert cli.main(args + (["--theme", "dark"] if view == "phase" else [])) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (800x500, {view}, ")
    if suffix == "png":
        image = QImage(str(out))
        assert (image.width(), image.height()) == (800, 500) and colours(image) > 20
    else:
        root = ET.parse(out).getroot()
        assert (root.get("width"), root.get("height")) == ("800", "500") and len(root) > 3


def test_a_dark_render_is_dark(qapp, small_file, tmp_path):
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    for path, theme in ((light, "system"), (dark, "dark")):
        assert cli.main(["render", small_file, "--view", "depth", "-o", str(path), "--theme", theme]) == 0
    mean = lambda path: QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8).bits().tobytes()  # noqa: E731
    assert sum(mean(dark)) < 0.5 * sum(mean(light))


@pytest.mark.parametrize("args,needle", [
    (["--view", "training"], "data: the training and race views train the network"),
    (["--view", "race", "-o", "x.gif"], "render writes PNG or SVG files"),
])
def test_a_bad_render_exits_2_with_one_line(qapp, tmp_path, capsys, args, needle):
    argv = ["render", "-o", str(tmp_path / "x.png"), *args]  # a later -o wins
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("initviz: error: ") and needle in err and err.count("\n") == 1


@pytest.mark.parametrize("args,needle", [(["--view", "sideways"], "invalid choice: 'sideways'"),
                                         (["--size", "10x10"], "not a size"),
                                         (["--theme", "neon"], "invalid choice: 'neon'")])
def test_bad_render_options_are_refused_by_the_parser(qapp, tmp_path, capsys, args, needle):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["render", "-o", str(tmp_path / "x.png"), *args])
    assert exit_info.value.code == cli.EXIT_USAGE and needle in capsys.readouterr().err
