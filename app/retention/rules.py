"""The retention rules: each is registered once and run by the retention job, the command and tests."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

# (now, dry_run) -> counts of what was (or, in a dry run, would be) deleted, per kind; no personal data.
RuleRun = Callable[[datetime, bool], dict[str, int]]


@dataclass(frozen=True)
class RetentionRule:
    """One rule of the retention policy."""

    name: str  # a fixed id, e.g. "dossiers.expired"
    per_practice: bool  # True: run inside each practice in turn (its own transaction); False: once, on the platform store
    run: RuleRun
    order: int


_RULES: dict[str, RetentionRule] = {}


def retention_rule(name: str, *, per_practice: bool, order: int) -> Callable[[RuleRun], RuleRun]:
    """Register the decorated function as a retention rule."""

    def register(run: RuleRun) -> RuleRun:
        _RULES[name] = RetentionRule(name, per_practice, run, order)
        return run

    return register


def rules() -> list[RetentionRule]:
    """Every registered rule, in the order they run."""
    return sorted(_RULES.values(), key=lambda r: (r.order, r.name))
