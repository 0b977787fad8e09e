"""Sweeps import neither Qt nor Dask until a verb needs them."""

import subprocess
import sys


def test_sweep_package_and_cli_load_no_qt_and_no_dask():
    code = ("import sys, initviz.sweep, initviz.sweep.report, initviz.cli; initviz.cli.build_parser(); "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'pyqtgraph', 'dask', 'distributed') or m.startswith('initviz.ui')); "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
