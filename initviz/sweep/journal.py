"""The journal of a running sweep: what makes an interrupted sweep resume where it stopped.

Beside the output (``results.csv.partial.jsonl``): a header line with the sweep's fingerprint
(:meth:`SweepSpec.sha256`, which covers the experiment too), then one JSON line per finished
cell ``{"index", "key", "row"}``, each written with flush + fsync as the cell finishes, so a
crash or Ctrl+C loses at most the cells still running. A restarted sweep skips the cells found
here. A journal of another sweep (the spec or its experiment changed) is refused unless the run
is asked to restart; a torn last line (the process died mid-write) is cut off. The finished
sweep writes its CSV and removes the journal.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

from initviz.atomic import atomic_write_bytes
from initviz.errors import ExperimentError

FORMAT = "initviz.sweep.journal"
SUFFIX = ".partial.jsonl"


def journal_path(output: str | os.PathLike) -> Path:
    """Where the journal of a sweep writing ``output`` lives."""
    output = Path(output)
    return output.with_name(output.name + SUFFIX)


class Journal:
    """Finished cells of one sweep (``finished``: index -> row), appended as they come."""

    def __init__(self, path: str | os.PathLike, fingerprint: str, keys: Sequence[str], restart: bool = False):
        self.path = Path(path)
        self.fingerprint = fingerprint
        self.keys = list(keys)
        self.finished: dict[int, dict[str, Any]] = {}
        if restart or not self.path.exists():
            header = {"format": FORMAT, "version": 1, "sweep_sha256": fingerprint, "cells": len(self.keys)}
            atomic_write_bytes(self.path, (json.dumps(header) + "\n").encode("utf-8"))
        else:
            self._load()

    def _refuse(self, why: str) -> ExperimentError:
        return ExperimentError("output", f"{self.path} {why}; run again with --restart (restart=True) to discard it "
                                         "and start over, or write to another output")

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except OSError as err:
            raise ExperimentError("output", f"cannot read {self.path}: {err.strerror or err}") from None
        *complete, tail = raw.split(b"\n")  # a non-empty tail is a line torn mid-write
        try:
            header = json.loads(complete[0]) if complete else None
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise self._refuse("is not a sweep journal")
        if header.get("sweep_sha256") != self.fingerprint:
            raise self._refuse("holds a partial run of a different sweep (the sweep file or its experiment "
                               "changed since)")
        for line in complete[1:]:
            if line:
                entry = self._entry(line)
                self.finished[entry["index"]] = entry["row"]
        if tail:
            self._truncate(len(raw) - len(tail))

    def _entry(self, line: bytes) -> dict[str, Any]:
        try:
            entry = json.loads(line)
            index, key, row = entry["index"], entry["key"], entry["row"]
        except (ValueError, TypeError, KeyError):
            raise self._refuse("is damaged (a line is not a finished cell)") from None
        if not (isinstance(index, int) and 0 <= index < len(self.keys) and self.keys[index] == key
                and isinstance(row, dict)):
            raise self._refuse("names cells this sweep does not have")
        return entry

    def _truncate(self, size: int) -> None:
        try:
            with open(self.path, "r+b") as handle:
                handle.truncate(size)
        except OSError as err:
            raise ExperimentError("output", f"cannot repair {self.path}: {err.strerror or err}") from None

    def append(self, index: int, row: dict[str, Any]) -> None:
        """Record a finished cell durably (flush + fsync) before anything else happens."""
        line = json.dumps({"index": index, "key": self.keys[index], "row": row}, ensure_ascii=False) + "\n"
        try:
            with open(self.path, "ab") as handle:
                handle.write(line.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as err:
            raise ExperimentError("output", f"cannot write {self.path}: {err.strerror or err}") from None
        self.finished[index] = row

    def remove(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as err:
            raise ExperimentError("output", f"cannot remove {self.path}: {err.strerror or err}") from None
