"""`flask backup ...`: create, verify and restore encrypted backups of every store."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.backup import services

backup_cli = AppGroup("backup", help="Create, verify and restore encrypted backups (data keys are not in them).")


@backup_cli.command("create")
def create_command() -> None:
    """Snapshot the platform store and every practice into one encrypted archive; prints its path last."""
    try:
        created = services.create_backup()
    except services.BackupError as error:
        raise click.ClickException(str(error)) from None
    for slug in created.missing:
        click.echo(f"Warning: the file of practice '{slug}' is missing; it is not in this backup.", err=True)
    click.echo(services.describe(created.manifest))
    click.echo("The practices' data keys are not in the archive: keep a copy of instance/keys/ in a separate place.")
    click.echo(str(created.path))


@backup_cli.command("verify")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
def verify_command(archive: Path) -> None:
    """Decrypt ARCHIVE, check every checksum and run integrity_check on every file; exit 1 when anything fails."""
    try:
        manifest, problems = services.verify_backup(archive)
    except services.BackupError as error:
        raise click.ClickException(f"verification failed: {error}") from None
    if problems:
        for problem in problems:
            click.echo(f"FAILED {problem}", err=True)
        raise click.ClickException(f"verification failed: {len(problems)} problem(s) in {archive}")
    click.echo(services.describe(manifest))
    click.echo(f"OK: every checksum and integrity_check passed ({len(manifest['files'])} files).")


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "target", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new, empty instance folder to restore into.")
def restore_command(archive: Path, target: Path) -> None:
    """Restore ARCHIVE into a new instance folder, with this instance's key store and every later erasure re-applied."""
    try:
        restored = services.restore_backup(archive, target)
    except services.BackupError as error:
        raise click.ClickException(f"restore failed: {error}") from None
    click.echo(f"Restored {len(restored.practices)} practice(s): {', '.join(restored.practices) or '-'}")
    if restored.practices_removed:
        click.echo(f"Left out (erased since, or data key destroyed): {', '.join(restored.practices_removed)}")
    click.echo(f"Clients erased again from the erasure register: {restored.clients_erased_again}")
    click.echo("Copy instance/config.py if you use one, then start the app with KOERS_INSTANCE set to:")
    click.echo(str(restored.folder))
