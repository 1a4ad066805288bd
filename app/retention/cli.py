"""`flask retention run`: run the retention rules by hand, or preview them."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import click
from flask import g
from flask.cli import AppGroup

from app.retention.services import RunReport, UnknownPractice, run_recorded
from app.tenancy.services import find_practice
from app.tenancy.slugs import is_valid_slug

retention_cli = AppGroup("retention", help="The retention rules: what is kept how long, and deleting what is due.")


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.ClickException(f"--as-of must be a date as YYYY-MM-DD, not '{value}'") from None
    # Midday UTC: the day's due work is shown whatever hour the run would start.
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def echo_report(report: RunReport) -> None:
    """Counts per practice and rule, then the platform rules."""
    click.echo(f"Retention run as of {report.now:%Y-%m-%d %H:%M} UTC" + (" (dry run: nothing changed)" if report.dry_run else ""))
    scopes = list(report.practices.items()) + ([("platform", report.platform)] if report.platform else [])
    for scope, results in scopes:
        if isinstance(results, str):
            click.echo(f"{scope}: {results}")
            continue
        for rule, counts in results.items():
            if isinstance(counts, str):
                click.echo(f"{scope} {rule}: {counts}")
            else:
                shown = ", ".join(f"{kind}={n}" for kind, n in counts.items()) or "nothing"
                click.echo(f"{scope} {rule}: {shown}")
    click.echo(f"Outcome: {report.outcome}")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted, change nothing, send nothing.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="With --dry-run: preview what will be due on that day.")
@click.option("--practice", "practice_slug", metavar="SLUG", help="Only this practice's rules (no platform rules).")
def run_command(dry_run: bool, as_of: str | None, practice_slug: str | None) -> None:
    """Run every retention rule now (as the daily job does), or preview it with --dry-run."""
    g.koers_origin = "cli"
    if as_of is not None and not dry_run:
        raise click.ClickException("--as-of only previews: use it with --dry-run")
    now = _as_of(as_of)
    if practice_slug is not None and (not is_valid_slug(practice_slug) or find_practice(practice_slug) is None):
        raise click.ClickException(f"no practice with slug '{practice_slug}'")
    try:
        # Recorded in job_runs (dry runs marked as such), under the job's lease like the scheduled run.
        report, _run = run_recorded(now, dry_run=dry_run, practice_slug=practice_slug)
        if report is None:
            raise click.ClickException("the retention job is running in another process; try again later")
    except UnknownPractice:
        raise click.ClickException(f"no practice with slug '{practice_slug}'") from None
    echo_report(report)
    if report.failures:
        raise SystemExit(1)
