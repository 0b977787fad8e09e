"""The command line: ``initviz [EXP.json]`` opens the app; ``stats``, ``dump``, ``render`` and
``train`` work headless over the same engine.

Bad input prints one line on stderr and exits with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import math
import re
import sys
import time
from typing import Any, Sequence

import numpy as np

import initviz
from initviz import pixels
from initviz.api import stats_document, theory_entry  # noqa: F401  (one JSON for `stats --json` and the API)
from initviz.engine import network, stats, theory
from initviz.engine.memory import DEFAULT_BUDGET_BYTES, tune_allocator
from initviz.errors import ExperimentError
from initviz.model import Experiment, default_experiment, load_experiment
from initviz.model.files import atomic_write_bytes
from initviz.presets import load_preset, read_index

EXIT_USAGE = 2
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3, "gib": 1024**3}


def parse_size(text: str) -> int:
    """'2GiB' -> 2147483648; plain numbers are bytes."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else None
    if not match or unit not in _SIZE_UNITS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; use e.g. 512MiB, 2GiB or a number of bytes")
    return math.ceil(float(match.group(1)) * _SIZE_UNITS[unit])


def _experiment(args: argparse.Namespace) -> Experiment:
    """EXP.json, or ``--preset NAME`` (never both), or the built-in default."""
    preset = getattr(args, "preset", None)
    if preset is None:
        return default_experiment() if args.experiment is None else load_experiment(args.experiment)
    if args.experiment is not None:
        raise ExperimentError("--preset", f"give an experiment file ({args.experiment}) or --preset {preset}, not both")
    try:
        return load_preset(preset).experiment
    except ExperimentError as err:
        raise ExperimentError("--preset", err.reason) from None


def _describe(component_json: Any) -> str:
    if isinstance(component_json, str):
        return component_json
    params = ",".join(f"{k}={v}" for k, v in component_json.items() if k != "name")
    return f"{component_json['name']}({params})"


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.3g}"


def _sqrt(value: Any) -> Any:
    return None if value is None else math.sqrt(max(value, 0.0))


def _theory_columns(layer: dict[str, Any]) -> str:
    t = layer["theory"]
    phase = t["phase"] if t["applies"] else "n/a"
    return (f" {_num(layer['preactivations']['std']):>9} {_num(_sqrt(t['preactivation_var'])):>9} "
            f"{_num(t['activation_std']):>9} {_num(_sqrt(t['grad_var'])):>9} {_num(t['chi']):>7} {phase:<9}")


THEORY_HEAD = f" {'z std':>9} {'z std*':>9} {'a std*':>9} {'da std*':>9} {'chi':>7} {'phase':<9}"


def _theory_notes(doc: dict[str, Any]) -> list[str]:
    notes = ["* mean-field prediction (Poole et al. 2016; Schoenholz et al. 2017); chi = σ_w²·E[φ'(z)²] at the "
             "layer's q, phase from χ₁ at the fixed point q*; da std* from the predicted loss gradient"]
    reasons = {t["reason"] for t in (layer["theory"] for layer in doc["layers"]) if not t["applies"]}
    return notes + [f"n/a: {reason}" for reason in sorted(reasons)]


def format_table(doc: dict[str, Any], seconds: float) -> str:
    """A readable per-layer table of ``stats_document`` output (with theory columns when the
    document carries predictions)."""
    with_theory = bool(doc["layers"]) and "theory" in doc["layers"][0]
    head = (f"{'layer':>5} {'units':>6} {'activation':<12} {'init':<34} {'W std':>9} {'a mean':>9} "
            f"{'a std':>9} {'sat%':>6} {'dead':>5} {'da std':>9} {'dW std':>9} {'non-finite':>10}"
            + (THEORY_HEAD if with_theory else ""))
    lines = [f"{doc['name']}  ({doc['dtype']}, seed {doc['seed']})  loss {_num(doc['loss'])}  "
             f"computed in {seconds * 1000:.0f} ms", head, "-" * len(head)]
    for layer in doc["layers"]:
        a = layer["activations"]
        sat = "—" if a["frac_saturated"] is None else f"{100 * a['frac_saturated']:.1f}"
        bad = sum(layer[k]["n_nan"] + layer[k]["n_inf"] for k in stats.KINDS)
        lines.append(
            f"{layer['index']:>5} {layer['units']:>6} {_describe(layer['activation']):<12.12} "
            f"{_describe(layer['init']):<34.34} {_num(layer['weights']['std']):>9} {_num(a['mean']):>9} "
            f"{_num(a['std']):>9} {sat:>6} {a['dead_units']:>5} {_num(layer['activation_grads']['std']):>9} "
            f"{_num(layer['weight_grads']['std']):>9} {bad:>10}" + (_theory_columns(layer) if with_theory else ""))
    return "\n".join(lines + (_theory_notes(doc) if with_theory else []))


def cmd_stats(args: argparse.Namespace) -> int:
    experiment = _experiment(args)
    start = time.perf_counter()
    result = network.simulate(experiment, memory_budget=args.memory_budget)
    doc = stats_document(experiment, result, theory.predict(experiment) if args.theory else None)
    seconds = time.perf_counter() - start
    print(json.dumps(doc, indent=2, allow_nan=False) if args.json else format_table(doc, seconds))
    return 0


def dump_arrays(result: network.SimulationResult) -> dict[str, np.ndarray]:
    """x, t, loss and per layer i: W{i}, b{i}, z{i}, a{i}, da{i}, dz{i}, dW{i}, db{i}."""
    arrays = {"x": result.x, "t": result.t, "loss": np.asarray(result.loss)}
    for i, layer in enumerate(result.layers):
        for name in ("W", "b", "z", "a", "da", "dz", "dW", "db"):
            arrays[f"{name}{i}"] = getattr(layer, name)
    return arrays


def cmd_dump(args: argparse.Namespace) -> int:
    result = network.simulate(_experiment(args), memory_budget=args.memory_budget)
    buffer = io.BytesIO()
    np.savez(buffer, **dump_arrays(result))
    atomic_write_bytes(args.output, buffer.getvalue())
    print(f"wrote {args.output} ({len(result.layers)} layers)")
    return 0


def parse_pixels(text: str) -> tuple[int, int]:
    """'1600x900' -> (1600, 900) (:func:`initviz.pixels.parse_pixels`), as an argparse type."""
    try:
        return pixels.parse_pixels(text)
    except ExperimentError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; use WIDTHxHEIGHT with sides from "
                                         f"{pixels.MIN_SIDE} to {pixels.MAX_SIDE}") from None


RENDER_VIEWS = ("histograms", "depth", "phase", "symmetry", "jacobian", "training", "race", "window")


def cmd_render(args: argparse.Namespace) -> int:
    from initviz.ui.app import render  # Qt only for the verbs that draw
    if not args.output.lower().endswith((".png", ".svg")):
        raise ExperimentError("--output", f"got {args.output!r}; render writes PNG or SVG files: end the name in "
                                          ".png or .svg")
    experiment = _experiment(args)
    network.check_memory(experiment, args.memory_budget)
    start = time.perf_counter()
    render(experiment, args.output, args.size, args.view, args.theme, args.steps)
    print(f"wrote {args.output} ({args.size[0]}x{args.size[1]}, {args.view}, {time.perf_counter() - start:.1f} s)")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from initviz.ui.app import run_gui
    return run_gui(_experiment(args), args.experiment, preset=args.preset)


def cmd_presets(args: argparse.Namespace) -> int:
    index = read_index()
    if args.json:
        print(json.dumps(index, indent=2, ensure_ascii=False))
    else:
        width = max(len(entry["name"]) for entry in index)
        print("\n".join(f"{entry['name']:<{width}}  {entry['title']}" for entry in index))
    return 0


class ProgressBar:
    """A plain progress bar on a terminal's stderr, redrawn at most 10 times a second."""

    WIDTH = 30

    def __init__(self, stream: Any = None, unit: str = "steps"):
        self.stream = stream or sys.stderr
        self.unit = unit
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        filled = self.WIDTH * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} {self.unit}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _pct(value: Any) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def _loss(value: Any) -> str:
    return "—" if value is None else ("NaN/inf" if not math.isfinite(value) else f"{value:.4g}")


def format_history(history: Any, header: str) -> str:
    """Losses and accuracies at every evaluation, then each layer at the end of the run."""
    head = f"{'step':>7} {'train loss':>11} {'train acc':>9} {'test loss':>11} {'test acc':>9}"
    lines = [header, head, "-" * len(head)]
    for e, step in enumerate(history.eval_steps):
        lines.append(f"{step:>7} {_loss(history.eval_train_loss[e]):>11} {_pct(history.train_acc[e]):>9} "
                     f"{_loss(history.test_loss[e]):>11} {_pct(history.test_acc[e]):>9}")
    layer_head = (f"{'layer':>7} {'units':>6} {'W std':>9} {'a std':>9} {'da std':>9} {'update:data':>11} "
                  f"{'distinct':>8}")
    lines += ["", f"per layer at step {history.eval_steps[-1]} (probe batch; update:data = std(ΔW)/std(W), "
                  "~1e-3 is healthy)", layer_head, "-" * len(layer_head)]
    last = history.snapshots[-1]
    for i, units in enumerate(history.units):
        std = {k: (last[i][k].stats["std"] if k in last[i] else None)
               for k in ("weights", "activations", "activation_grads")}
        ratio = history.update_ratio[-1, i]
        lines.append(f"{i:>7} {units:>6} {_num(std['weights']):>9} {_num(std['activations']):>9} "
                     f"{_num(std['activation_grads']):>9} {_num(None if math.isnan(ratio) else ratio):>11} "
                     f"{history.distinct[-1, i]:>8}")
    lines.append("")
    if history.diverged:
        lines.append(f"diverged at step {history.diverged_at}: the loss became NaN/inf; training stopped")
    lines.append(f"{len(history.steps)} steps in {history.seconds:.2f} s")
    return "\n".join(lines)


def format_race(result: Any, header: str) -> str:
    """One line per scheme: steps to the target loss, final losses and accuracy, status."""
    head = f"{'scheme':<28} {'steps to target':>15} {'train loss':>11} {'test loss':>11} {'test acc':>9}  status"
    lines = [header, f"target loss {result.target_loss:.4g} (half the chance loss {result.chance_loss:.4g})",
             head, "-" * len(head)]
    for e in result.entries:
        status = f"diverged at step {e.history.diverged_at}" if e.diverged else e.status
        reached = "—" if e.steps_to_target is None else str(e.steps_to_target)
        lines.append(f"{e.label:<28.28} {reached:>15} {_loss(e.final_train_loss):>11} {_loss(e.final_test_loss):>11} "
                     f"{_pct(e.final_test_acc):>9}  {status}")
    return "\n".join(lines)


def _training_header(experiment: Experiment, dataset: Any, spec: Any, steps: int) -> str:
    return (f"{experiment.name}: {dataset.description}\n{spec.optimizer}, learning rate {spec.learning_rate:g}, "
            f"batch {spec.batch_size}, {steps} steps, loss {experiment.loss}, seed {experiment.seed}, "
            f"batch order seed {spec.seed}")


def cmd_train(args: argparse.Namespace) -> int:
    from initviz.engine import race, training
    experiment = _experiment(args)
    dataset = training.load_dataset(experiment)
    spec = training.settings_of(experiment)
    if args.steps is not None:
        spec = dataclasses.replace(spec, steps=args.steps, epochs=None)
    steps = training.total_steps(spec, dataset.x_train.shape[0])
    header = _training_header(experiment, dataset, spec, steps)
    bar = ProgressBar() if sys.stderr.isatty() else None
    try:
        if args.schemes is not None:
            result = race.race(experiment, dataset, race.parse_schemes(args.schemes), spec, progress=bar,
                               target_loss=args.target_loss, memory_budget=args.memory_budget)
        else:
            result = training.train(experiment, dataset, spec, progress=bar, memory_budget=args.memory_budget,
                                    label=experiment.name)
    finally:
        if bar:
            bar.close()
    if args.json:
        doc = result.to_dict() if args.schemes is not None else {"header": header, **result.to_dict()}
        print(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print(format_race(result, header) if args.schemes is not None else format_history(result, header))
    if args.output:
        result.to_npz(args.output)
        print(f"wrote {args.output}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ≥ 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="initviz", description="A laboratory for weight initialization.",
        usage="initviz [-h] [--version] [COMMAND] [EXP.json | --preset NAME] [options]",
        epilog="Without a COMMAND, initviz opens the desktop app: `initviz`, `initviz EXP.json`, "
               "`initviz --preset NAME`. `initviz COMMAND -h` shows a command's options.")
    parser.add_argument("--version", action="version", version=f"initviz {initviz.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog="initviz")  # "usage: initviz stats …"

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("experiment", nargs="?", metavar="EXP.json", help="experiment file (default: built-in)")
        p.add_argument("--preset", metavar="NAME", help="a shipped preset instead of EXP.json (initviz presets lists them)")
        p.add_argument("--memory-budget", type=parse_size, default=DEFAULT_BUDGET_BYTES, metavar="SIZE",
                       help="refuse simulations needing more than this (default 2GiB)")
        return p

    p = add("stats", "Simulate one forward and backward pass and print per-layer statistics.")
    p.add_argument("--json", action="store_true", help="print the statistics as JSON")
    p.add_argument("--theory", action="store_true",
                   help="add each layer's mean-field prediction (q, chi, phase, ...; the gradient chain starts "
                        "from the predicted loss gradient, not the measured one)")
    p.set_defaults(func=cmd_stats)
    p = add("dump", "Simulate and write every tensor to an .npz file for a notebook.")
    p.add_argument("-o", "--output", required=True, metavar="RUN.npz", help="where to write")
    p.set_defaults(func=cmd_dump)
    p = add("render", "Draw a view (histograms, a Diagnose tab, training, race, or the whole window) to a PNG or "
                      "SVG file, with no display.")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png", help="where to write (.png or .svg)")
    p.add_argument("--size", type=parse_pixels, default=(1600, 900), metavar="WxH",
                   help="pixels, whatever the screen's scale (default 1600x900)")
    p.add_argument("--view", choices=RENDER_VIEWS, default="histograms",
                   help="what to draw; training and race train the network first (needs a \"data\" section)")
    p.add_argument("--theme", choices=("system", "projector", "dark"), default="system",
                   help="colours: system (default), projector (light, high contrast) or dark")
    p.add_argument("--steps", type=_positive_int, metavar="N",
                   help="training and race views: train N steps (default: the file's, at most 300)")
    p.set_defaults(func=cmd_render)
    p = add("train", "Train the network on the experiment's data set and print losses, accuracies and "
                     "per-layer statistics (needs a \"data\" section; without \"training\": SGD, learning rate "
                     "0.01, batch 64, 1000 steps).")
    p.add_argument("--schemes", metavar="A,B,C",
                   help="race these weight inits (every layer's init replaced), e.g. "
                        "zeros,normal(std=0.01),normal,xavier_uniform,he_normal,lecun_normal,orthogonal")
    p.add_argument("--steps", type=_positive_int, metavar="N", help="train N steps (instead of the file's)")
    p.add_argument("--target-loss", type=float, metavar="L",
                   help="the race's target loss (default: half the chance loss)")
    p.add_argument("--json", action="store_true", help="print the history (or the race) as JSON")
    p.add_argument("-o", "--output", metavar="HISTORY.npz", help="write the history (or every run of the race)")
    p.set_defaults(func=cmd_train)
    p = add("gui", "Open the desktop app (the default when no command is given).")
    p.set_defaults(func=cmd_gui)
    p = sub.add_parser("presets", help="List the shipped presets (open one with --preset NAME).",
                       description="List the shipped presets: name and title, in teaching order.")
    p.add_argument("--json", action="store_true", help="print the whole index: name, title, explanation, look_at")
    p.set_defaults(func=cmd_presets)
    from initviz import cli_sweep  # here, not at the top: cli_sweep imports this module
    cli_sweep.add_parsers(sub)
    from initviz import cli_reproduce
    cli_reproduce.add_parser(sub)
    return parser


COMMANDS = ("stats", "dump", "render", "train", "gui", "sweep", "report", "presets", "reproduce")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = argv[0] if argv else ""
    if not argv or (first not in COMMANDS and (not first.startswith("-") or first.split("=")[0] == "--preset")):
        argv = ["gui", *argv]  # `initviz`, `initviz EXP.json` and `initviz --preset NAME` open the app
    args = build_parser().parse_args(argv)
    tune_allocator()
    try:
        return args.func(args)
    except ExperimentError as err:
        print(f"initviz: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("initviz: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `initviz stats | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
