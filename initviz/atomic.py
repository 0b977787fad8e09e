"""Atomic file writes, pure stdlib, for both the engine and the model (neither imports the other)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from initviz.errors import ExperimentError


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: an interrupted save
    leaves the old file intact and no temporary file behind. OS failures (read-only folder,
    full disk) become an :class:`ExperimentError`."""
    target = Path(path)
    try:
        _replace_atomically(target, data)
    except OSError as err:
        raise ExperimentError("file", f"cannot write {target}: {err.strerror or err}") from None


def _replace_atomically(target: Path, data: bytes) -> None:
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
