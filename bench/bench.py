"""initviz benchmark: `make bench` prints a table and writes bench-results/bench.json.

Figures are ratios of medians measured in one run; the machine is shared and noisy.
`--quick` does fewer repeats (for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
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


BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def own_kernel_rows(quick: bool) -> dict | None:
    """Engine and PyTorch figures again in a child process without this machine's forced
    OpenBLAS kernel (``OPENBLAS_CORETYPE=Haswell`` halves GEMM speed, FACTS.md); None when no
    kernel is forced."""
    if not os.environ.get("OPENBLAS_CORETYPE"):
        return None
    env = {k: v for k, v in os.environ.items() if k not in BLAS_OVERRIDES}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder, "engine.json")
        subprocess.run([sys.executable, __file__, "--engine-only", "-o", str(out)] + (["--quick"] if quick else []),
                       env=env, check=True)
        return json.loads(out.read_text())


def engine_tables(results: dict, heading: str) -> None:
    print(table(f"Engine{heading}: forward+backward ÷ its GEMMs; statistics (all 5 kinds / the 3 shown by default) ÷ "
                "forward+backward", results["engine"],
                ["depth", "width", "batch", "dtype", "activation", "fwd_bwd_ms", "gemm_ms", "fwd_bwd_over_gemm",
                 "stats_over_fwd_bwd", "stats_shown_over_fwd_bwd"]))
    print()
    if results["torch"] is None:
        print("PyTorch: not installed (make parity installs it) — no comparison")
    else:
        print(table(f"Whole simulation (weights drawn) ÷ PyTorch CPU autograd, float32{heading}", results["torch"],
                    ["depth", "width", "batch", "activation", "initviz_ms", "torch_ms", "initviz_over_torch"]))
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--engine-only", action="store_true", help="engine and PyTorch figures only (JSON)")
    parser.add_argument("-o", "--output", default="bench-results/bench.json")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    tuned = tune_allocator()  # as the app and the CLI do at start-up
    machine = {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count(),
               "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "allocator_tuned": tuned}
    if args.engine_only:
        Path(args.output).write_text(json.dumps({"machine": machine, "engine": engine_bench.engine_rows(repeats),
                                                 "torch": engine_bench.torch_rows(repeats)}))
        return 0
    results = {
        "machine": machine,
        "engine": engine_bench.engine_rows(repeats),
        "memory": engine_bench.peak_memory_rows(),
        "torch": engine_bench.torch_rows(repeats),
        "gui": gui_bench.gui_figures(repeats * 5, 2.0 if args.quick else 4.0),
        "own_kernel": own_kernel_rows(args.quick),
    }
    forced = results["machine"]["OPENBLAS_CORETYPE"]
    engine_tables(results, f" (OPENBLAS_CORETYPE={forced}, as this machine sets it)" if forced else "")
    if results["own_kernel"] is not None:
        engine_tables(results["own_kernel"], " (OpenBLAS's own kernel: OPENBLAS_CORETYPE unset)")
    print(table("Peak memory of one simulation (tracemalloc)", results["memory"],
                ["depth", "width", "batch", "peak_mib", "result_mib", "peak_over_result", "estimate_mib"]))
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
