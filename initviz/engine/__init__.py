"""The simulation engine: pure numpy, never imports Qt or the document model."""

from initviz.engine.network import LayerResult, SimulationResult, simulate
from initviz.engine.stats import Histogram, TensorSummary, layer_summaries, result_summaries, summarize

__all__ = [
    "Histogram", "LayerResult", "SimulationResult", "TensorSummary", "layer_summaries",
    "result_summaries", "simulate", "summarize",
]
