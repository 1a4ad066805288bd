"""`flask practices ...`: create, list and migrate practices."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.tenancy import services
from app.tenancy.models import PracticeStatus

practices_cli = AppGroup("practices", help="Create, list and migrate practices.")


@practices_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The practice's name as people see it.")
@click.option("--admin-email", required=True, help="E-mail address of the first practice admin.")
def create_command(slug: str, name: str, admin_email: str) -> None:
    """Create practice SLUG and print an invitation link for its first admin."""
    try:
        practice, link = services.create_practice(slug, name, admin_email)
    except services.PracticeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created practice '{practice.slug}' ({practice.name}).")
    click.echo(f"Invitation link for the first practice admin (valid once): {link}")


@practices_cli.command("list")
def list_command() -> None:
    """List every practice with its status and schema state."""
    practices = services.list_practices(include_erased=True)
    if not practices:
        click.echo("No practices yet. Create one with: flask --app wsgi practices create SLUG --name NAME --admin-email EMAIL")
        return
    for practice in practices:
        if practice.status == PracticeStatus.ERASED:
            click.echo(f"{practice.slug}\t{practice.status}\tfile and data key destroyed\t{practice.name}")
            continue
        try:
            pending = services.pending_migrations(practice.slug)
        except services.PracticeFileMissing:
            schema = "FILE MISSING (restore it from a backup)"
        else:
            schema = f"{len(pending)} migration(s) pending" if pending else "schema current"
        click.echo(f"{practice.slug}\t{practice.status}\t{schema}\t{practice.name}")


@practices_cli.command("migrate")
@click.option("--practice", "slug", default=None, help="Only this practice.")
def migrate_command(slug: str | None) -> None:
    """Apply pending schema migrations to every practice file."""
    services.migrate_platform()
    if slug is not None and services.find_practice(slug) is None:
        raise click.ClickException(f"no practice with slug '{slug}'")
    targets = [p.slug for p in services.list_practices() if slug in (None, p.slug)]
    failed = 0
    for target in targets:
        try:
            applied = services.migrate_practice(target)
        except Exception as error:  # one broken file must not stop the others
            failed += 1
            click.echo(f"{target}: FAILED ({type(error).__name__}: {error}); nothing of it was applied", err=True)
            continue
        click.echo(f"{target}: {', '.join(applied) if applied else 'up to date'}")
    if failed:
        raise click.ClickException(f"{failed} practice(s) could not be migrated")


# News mail to those who opted in lives with the consent package; it is an operator's command on practices.
from app.consent.cli import news_command  # noqa: E402

practices_cli.add_command(news_command)

# Archives of a practice (`practices export`, `practices import`) live with the archive package.
from app.archive.cli import attach as _attach_archive_commands  # noqa: E402

_attach_archive_commands(practices_cli)
