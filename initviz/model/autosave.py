"""Autosave of unsaved work and its recovery after a crash (no Qt).

Each running app keeps its unsaved experiment in ``FOLDER/autosave-<pid>.json``: a small JSON
wrapper (format ``initviz.autosave``) around an ordinary experiment document, with the file the
work belongs to and when it was written. A clean exit removes it. A file left by a process that is
gone (killed, crashed, power cut) is an *orphan*, offered for recovery at the next start.

A process counts as alive only when its pid exists *and* (on Linux) started when the file says:
a reused pid does not hide a crashed session's work.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from initviz.atomic import atomic_write_bytes, pid_exists
from initviz.errors import ExperimentError
from initviz.model.experiment import Experiment, parse_experiment, to_dict
from initviz.model.files import MAX_FILE_BYTES, decode_bytes

FORMAT = "initviz.autosave"
PREFIX = "autosave-"


def process_start(pid: int) -> str | None:
    """The start time of ``pid`` in clock ticks since boot (Linux ``/proc``), or None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22: starttime, after the "(comm)" field


def process_alive(pid: int, started: str | None) -> bool:
    """True when the process that wrote an autosave file still runs."""
    if pid == os.getpid():
        return True
    if not pid_exists(pid):
        return False
    now = process_start(pid)
    return started is None or now is None or now == started


@dataclass(frozen=True)
class Recovery:
    """Unsaved work found in an autosave file."""

    file: Path
    experiment: Experiment
    path: str | None  # the file the work belonged to; None for an untitled experiment
    saved_at: float   # seconds since the epoch
    pid: int

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))
        where = self.path or "an unsaved experiment"
        return f"“{self.experiment.name}” ({where}), autosaved {when}"


class AutosaveStore:
    """The autosave folder of one app process."""

    def __init__(self, folder: str | os.PathLike, pid: int | None = None):
        self.folder = Path(folder)
        self.pid = os.getpid() if pid is None else pid
        self.file = self.folder / f"{PREFIX}{self.pid}.json"

    def write(self, experiment: Experiment, path: str | None) -> None:
        """Autosave ``experiment`` atomically; an OS failure raises :class:`ExperimentError`."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ExperimentError("autosave", f"cannot create {self.folder}: {err.strerror or err}") from None
        doc = {"format": FORMAT, "version": 1, "pid": self.pid, "started": process_start(self.pid),
               "path": path, "saved_at": time.time(), "experiment": to_dict(experiment)}
        atomic_write_bytes(self.file, json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8"))

    def discard(self) -> None:
        """Remove this process's autosave (after a save, a discard or a clean exit)."""
        self.file.unlink(missing_ok=True)

    def orphans(self) -> list[Recovery]:
        """Autosaves of processes that are gone, newest first. Unreadable ones are renamed
        ``*.unreadable`` (kept for the curious, never offered again)."""
        found = []
        for file in sorted(self.folder.glob(f"{PREFIX}*.json")):
            try:
                doc = json.loads(decode_bytes(_read_capped(file)))
                pid, started = doc["pid"], doc.get("started")
                if not isinstance(pid, int) or process_alive(pid, started):
                    continue
                found.append(Recovery(file, parse_experiment(doc["experiment"]), _text_or_none(doc.get("path")),
                                      float(doc["saved_at"]), pid))
            except (OSError, ValueError, KeyError, TypeError, RecursionError, ExperimentError):
                _set_aside(file)
        return sorted(found, key=lambda r: -r.saved_at)

    @staticmethod
    def remove(recovery: Recovery) -> None:
        recovery.file.unlink(missing_ok=True)


def _read_capped(file: Path) -> bytes:
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ValueError("too large")
    return file.read_bytes()


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _set_aside(file: Path) -> None:
    try:
        file.replace(file.with_suffix(".unreadable"))
    except OSError:
        pass
