"""`flask audit verify SLUG`: check a practice's audit chain."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.audit.services import anchor_chain, verify_chain
from app.extensions import db
from app.tenancy.context import use_practice
from app.tenancy.services import find_practice

audit_cli = AppGroup("audit", help="Check the audit log.")


@audit_cli.command("verify")
@click.argument("slug")
def verify_command(slug: str) -> None:
    """Recompute the hash chain of SLUG's audit log; exit 1 at the first broken or missing row."""
    practice = find_practice(slug)
    if practice is None:
        raise click.ClickException(f"no practice with slug '{slug}'")
    with use_practice(practice):
        report = verify_chain()
        if report.ok:
            anchor_chain()  # a verified end of the chain becomes the new anchor
            db.session.commit()
    if report.ok:
        click.echo(f"{slug}: audit chain intact ({report.events} events)")
        return
    raise click.ClickException(f"{slug}: audit chain broken at event {report.first_broken_id}: {report.reason}")
