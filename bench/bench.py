"""initviz benchmark: `make bench` prints a table and writes bench-results/bench.json.

Figures are ratios of medians measured in one run; the machine is shared and noisy.
`--quick` does fewer repeats (for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import engine_bench  # noqa: E402
import gui_bench  # noqa: E402
from initviz.engine.memory import tune_allocator  # noqa: E402


def table(title: str, rows: list[dict], columns: list[str]) -> str:
    def fmt(v):
        return f"{v:.3g}" if isinstance(v, float) else str(v)
    cells = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = [title, "  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-o", "--output", default="bench-results/bench.json")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    tuned = tune_allocator()  # as the app and the CLI do at start-up
    results = {
        "machine": {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count(),
                    "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "allocator_tuned": tuned},
        "engine": engine_bench.engine_rows(repeats),
        "memory": engine_bench.peak_memory_rows(),
        "torch": engine_bench.torch_rows(repeats),
        "gui": gui_bench.gui_figures(repeats * 5, 2.0 if args.quick else 4.0),
    }
    print(table("Engine: forward+backward ÷ its GEMMs; statistics (all 5 kinds / the 3 shown by default) ÷ "
                "forward+backward", results["engine"],
                ["depth", "width", "batch", "dtype", "activation", "fwd_bwd_ms", "gemm_ms", "fwd_bwd_over_gemm",
                 "stats_over_fwd_bwd", "stats_shown_over_fwd_bwd"]))
    print()
    print(table("Peak memory of one simulation (tracemalloc)", results["memory"],
                ["depth", "width", "batch", "peak_mib", "result_mib", "peak_over_result", "estimate_mib"]))
    print()
    if results["torch"] is None:
        print("PyTorch: not installed (make parity installs it) — no comparison")
    else:
        print(table("Whole simulation (weights drawn) ÷ PyTorch CPU autograd, float32", results["torch"],
                    ["depth", "width", "batch", "activation", "initviz_ms", "torch_ms", "initviz_over_torch"]))
    print()
    gui = results["gui"]
    print(f"GUI: start-up to first frame {gui['startup_to_first_frame_ms']:.0f} ms")
    print(table("Applying a frame (setData + repaint, offscreen 1600x1000)", gui["apply"],
                ["panels", "apply_ms_median", "apply_ms_p95"]))
    print(table("Edit-to-frame while dragging every layer's gain at 60 Hz", gui["drag"],
                ["experiment", "dragged", "edits", "frames", "previews", "latency_ms_median", "latency_ms_p95",
                 "settle_ms", "gui_blocked_ms_max"]))
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
