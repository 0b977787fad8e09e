"""Atomic file writes, pure stdlib, for both the engine and the model (neither imports the other)."""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

from initviz.errors import ExperimentError


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: an interrupted save
    leaves the old file intact and no temporary file behind (one left by a killed process is
    removed by the next save to the same file). OS failures (read-only folder,
    full disk) become an :class:`ExperimentError`."""
    target = Path(path)
    try:
        _replace_atomically(target, data)
    except OSError as err:
        raise ExperimentError("file", f"cannot write {target}: {err.strerror or err}") from None


def _temp_prefix(target: Path, pid: int) -> str:
    return f".{target.name}.{pid}."


def remove_stale_temps(target: Path) -> None:
    """Delete temporary files that a killed process left beside ``target`` (their pid is gone)."""
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = tmp.name[len(target.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_exists(int(pid)):
            try:
                tmp.unlink()
            except OSError:
                pass


def pid_exists(pid: int) -> bool:
    """True when a process with this id runs (any owner)."""
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes
        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
        return bool(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    return True


def _replace_atomically(target: Path, data: bytes) -> None:
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    remove_stale_temps(target)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target, os.getpid()), suffix=".tmp", dir=target.parent)
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
