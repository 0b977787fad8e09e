"""The engine, the document model and the headless verbs never load Qt (DESIGN.md), and nothing
loads Dask until a sweep asks for a cluster."""

import subprocess
import sys

HEADLESS = ("initviz", "initviz.engine", "initviz.model", "initviz.cli", "initviz.api", "initviz.papers",
            "initviz.cli_reproduce", "initviz.sweep", "initviz.sweep.report", "initviz.cli_sweep",
            "initviz.presets", "initviz.lessons")


def test_headless_modules_load_no_qt_and_no_dask():
    code = (f"import sys, {', '.join(HEADLESS)}; initviz.cli.build_parser(); "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'pyqtgraph', 'dask', 'distributed') or m.startswith('initviz.ui')); "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
