"""The Qt side of initviz: every PySide6 and pyqtgraph import lives in this package."""
