"""Paper reproductions: each target runs a paper's canonical setup and puts the measured figures
beside what the paper reports and what theory predicts, each within a stated tolerance.

    >>> from initviz import papers
    >>> [row.within_tolerance for row in papers.get("he2015").run(seed=0)][:2]
    [True, True]

Pure numpy (no Qt). ``initviz reproduce TARGET`` prints the table.
"""

from __future__ import annotations

from initviz.errors import ExperimentError
from initviz.papers import glorot2010, he2015, klambauer2017, mishkin2016, saxe2013, schoenholz2017
from initviz.papers.base import Citation, Report, Row, Target
from initviz.papers.table import format_report

TARGETS: dict[str, Target] = {t.key: t for t in (  
    glorot2010.TARGET, saxe2013.TARGET, he2015.TARGET, mishkin2016.TARGET, schoenholz2017.TARGET,
    klambauer2017.TARGET)}


def keys() -> list[str]:
    """The target names, in publication order."""
    return list(TARGETS)


def get(key: str) -> Target:
    """The target ``key``; an unknown name raises ExperimentError naming the allowed ones."""
    if not isinstance(key, str) or key not in TARGETS:
        raise ExperimentError("target", f"unknown {key!r}; allowed: {', '.join(TARGETS)}")
    return TARGETS[key]


__all__ = ["Citation", "Report", "Row", "TARGETS", "Target", "format_report", "get", "keys"]
