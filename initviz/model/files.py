"""Reading and writing experiment files: size-capped, strict JSON, atomic saves.

Saves go through :func:`initviz.atomic.atomic_write_bytes`, which stays importable from here."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from initviz.atomic import atomic_write_bytes
from initviz.errors import ExperimentError
from initviz.model.experiment import Experiment, parse_experiment, to_dict

MAX_FILE_BYTES = 5 * 1024 * 1024  # experiment files are a few kB; anything this large is not one


def _reject_constant(name: str) -> Any:
    raise ExperimentError("file", f"{name} is not allowed in an experiment file; use finite numbers")


def parse_json_text(text: str) -> Experiment:
    """Parse the text of an experiment file (strict JSON: no NaN/Infinity literals)."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise ExperimentError("file", f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise ExperimentError("file", "JSON nested too deeply") from None
    except ValueError as err:  # e.g. an integer literal beyond Python's digit limit
        raise ExperimentError("file", f"not a usable JSON number: {err}") from None
    return parse_experiment(data)


def decode_bytes(raw: bytes) -> str:
    """UTF-8 text (a UTF-8 byte-order mark is tolerated); anything else is refused."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ExperimentError("file", "the file is UTF-16 encoded; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ExperimentError("file", f"not UTF-8 text (byte {err.start})") from None


def read_experiment_file(path: str | os.PathLike) -> Experiment:
    """Load and validate an experiment file."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ExperimentError("file", f"{p.name} is {size} bytes; experiment files are at most {MAX_FILE_BYTES}")
        raw = p.read_bytes()
    except OSError as err:
        raise ExperimentError("file", f"cannot read {p}: {err.strerror or err}") from None
    return parse_json_text(decode_bytes(raw))


def load_experiment(source: Any) -> Experiment:
    """An :class:`Experiment` from a path, a JSON object (dict) or an Experiment."""
    if isinstance(source, Experiment):
        return source
    if isinstance(source, dict):
        return parse_experiment(source)
    if isinstance(source, (str, os.PathLike)):
        return read_experiment_file(source)
    raise ExperimentError("experiment", f"expected a path, a dict or an Experiment, got {type(source).__name__}")


def experiment_json(experiment: Experiment) -> str:
    """The file text of an experiment (2-space indented JSON, trailing newline)."""
    return json.dumps(to_dict(experiment), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def save_experiment(experiment: Experiment, path: str | os.PathLike) -> None:
    """Save atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, experiment_json(experiment).encode("utf-8"))
