"""``initviz reproduce TARGET|all [--seed N] [--json]`` and ``initviz reproduce --list``: paper
reproductions (:mod:`initviz.papers`) as tables or JSON.

Exit status 0 when every figure is within its tolerance, 1 when one is not, 2 for bad input
(an unknown target names the allowed ones).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from initviz import papers
from initviz.errors import ExperimentError

EXIT_OUTSIDE_TOLERANCE = 1


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed (a whole number ≥ 0)")
    return value


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``reproduce`` on the CLI's subparsers."""
    help_text = ("Run a paper's canonical setup and print the measured figures beside the paper's and the "
                 "theory's, each with its tolerance (exit status 1 if one is outside it).")
    p = sub.add_parser("reproduce", help=help_text, description=help_text)
    p.add_argument("target", nargs="?", metavar="TARGET",
                   help=f"one of {', '.join(papers.keys())}, or all")
    p.add_argument("--seed", type=_seed, default=0, metavar="N", help="seed of the weights and inputs (default 0)")
    p.add_argument("--json", action="store_true", help="print the rows (and citation) as JSON")
    p.add_argument("--list", action="store_true", help="list the targets with their citations")
    p.set_defaults(func=cmd_reproduce)
    return p


def _list(as_json: bool) -> str:
    targets = list(papers.TARGETS.values())
    if as_json:
        return json.dumps([{"key": t.key, "citation": str(t.citation), "claim": t.claim} for t in targets], indent=2,
                          ensure_ascii=False)
    width = max(len(t.key) for t in targets)
    return "\n".join(f"{t.key:<{width}}  {t.citation.authors} {t.citation.year}: {t.claim}" for t in targets)


def cmd_reproduce(args: argparse.Namespace) -> int:
    if args.list:
        print(_list(args.json))
        return 0
    if args.target is None:
        raise ExperimentError("target", f"missing; allowed: {', '.join(papers.keys())}, all (or --list)")
    keys = papers.keys() if args.target == "all" else [papers.get(args.target).key]
    reports = [papers.get(key).report(args.seed) for key in keys]
    if args.json:
        docs = [r.to_dict() for r in reports]
        print(json.dumps(docs if args.target == "all" else docs[0], indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print("\n\n".join(papers.format_report(r) for r in reports))
    return 0 if all(r.passed for r in reports) else EXIT_OUTSIDE_TOLERANCE
