"""One wording for a background job that failed: the experiment's own error as it is, anything
else as its last traceback line — shown to the user, and the app goes on."""

from __future__ import annotations

import traceback

from initviz.errors import ExperimentError


def failure_message(err: BaseException, what: str | None = None) -> str:
    """``str(err)`` for an :class:`ExperimentError`; else "<what> failed: <ExcType: detail>"."""
    if isinstance(err, ExperimentError):
        return str(err)
    detail = traceback.format_exception_only(type(err), err)[-1].strip()
    return f"{what} failed: {detail}" if what else detail
