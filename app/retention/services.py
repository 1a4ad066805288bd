"""The retention job: every retention rule, practice by practice, in one loop shared with the other jobs."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.extensions import db
from app.retention.rules import RetentionRule, rules
from app.scheduler.jobs import for_each_practice
from app.tenancy.services import find_practice
from app.timeutil import utcnow

JOB_ID = "retention.run"
PLATFORM = "platform"  # the key of platform rules' counts; a reserved slug, never a practice's

# Modules whose import registers retention rules (the rule registry fills on import).
RULE_MODULES = (
    "app.retention.housekeeping",
    "app.retention.special_data",
    "app.dossiers.services",
    "app.dossiers.rule",
    "app.billing.services",
    "app.accounts.rule",
)


def load_rules() -> list[RetentionRule]:
    """Import every module that registers rules, then return the rules in order."""
    for name in RULE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # a module that exists but fails to import is a bug
                raise
    return rules()


class UnknownPractice(ValueError):
    """No practice has this slug."""


class RuleFailed(Exception):
    """A rule raised; carries the rule's name and the error class, never its message."""

    def __init__(self, rule: str, error: BaseException) -> None:
        super().__init__(rule, type(error).__name__)
        self.summary = f"{type(error).__name__} in {rule}"


@dataclass
class RunReport:
    """What a retention run did (or would do): counts per practice and rule, no personal data."""

    now: datetime
    dry_run: bool
    practices: dict[str, Any] = field(default_factory=dict)  # slug -> {rule: {kind: n}} or "failed: ..."/"skipped: ..."
    platform: dict[str, Any] = field(default_factory=dict)  # rule -> {kind: n} or "failed: ..."

    @property
    def counts(self) -> dict[str, Any]:
        return {**self.practices, **({PLATFORM: self.platform} if self.platform else {})}

    @property
    def failures(self) -> list[str]:
        """Where something failed or was skipped: "slug: failed: X" / "platform/rule: failed: X"."""
        bad = [f"{slug}: {v}" for slug, v in self.practices.items() if isinstance(v, str)]
        bad += [f"{PLATFORM}/{rule}: {v}" for rule, v in self.platform.items() if isinstance(v, str)]
        return bad

    @property
    def outcome(self) -> str:
        from app.retention.runs import outcome_of

        return outcome_of(self.counts)


def run_retention(now: datetime | None = None, dry_run: bool = False, practice_slug: str | None = None) -> RunReport:
    """Run every retention rule as of now; dry_run changes nothing and sends nothing.

    Per-practice rules run in each practice in turn, all of one practice's rules in one
    transaction (committed after they all succeed, rolled back on an error or in a dry run).
    Platform rules then run once, each committed or rolled back on its own. With
    practice_slug, only that practice's per-practice rules run (no platform rules).
    Idempotent: what is done stays done, so a rerun finishes what a crash left.
    """
    now = now or utcnow()
    report = RunReport(now=now, dry_run=dry_run)
    all_rules = load_rules()
    practices = None
    if practice_slug is not None:
        practice = find_practice(practice_slug)
        if practice is None:
            raise UnknownPractice(practice_slug)
        practices = [practice]
    per_practice = [r for r in all_rules if r.per_practice]

    def work() -> dict[str, dict[str, int]]:
        counts = {}
        for rule in per_practice:
            try:
                counts[rule.name] = dict(rule.run(now, dry_run))
            except Exception as error:
                raise RuleFailed(rule.name, error) from error
        return counts

    report.practices = for_each_practice(work, dry_run=dry_run, practices=practices)
    if practice_slug is None:
        for rule in (r for r in all_rules if not r.per_practice):
            db.session.rollback()
            try:
                report.platform[rule.name] = dict(rule.run(now, dry_run))
                if dry_run:
                    db.session.rollback()
                else:
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 (recorded; the next rule still runs)
                db.session.rollback()
                report.platform[rule.name] = f"failed: {type(error).__name__}"
    return report


def run_recorded(now: datetime | None = None, dry_run: bool = False, practice_slug: str | None = None) -> tuple[RunReport | None, Any]:
    """run_retention under the job's lease, recorded in job_runs; (None, None) when another process holds it."""
    from app.retention.runs import record_run

    holder: dict[str, RunReport] = {}

    def job() -> dict[str, Any]:
        holder["report"] = run_retention(now, dry_run, practice_slug)
        return holder["report"].counts

    run = record_run(JOB_ID, job, dry_run=dry_run)
    return holder.get("report"), run
