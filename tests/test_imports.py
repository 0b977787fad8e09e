"""The engine and the document model never load Qt (DESIGN.md)."""

import subprocess
import sys


def test_engine_and_model_do_not_import_qt():
    code = ("import sys, initviz, initviz.engine, initviz.model, initviz.cli; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph') or m.startswith('initviz.ui')); "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
