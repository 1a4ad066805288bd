"""`flask practices export` and `flask practices import`: archives for operators, on the practices group."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.accounts import services as accounts
from app.accounts.models import Role
from app.archive import services
from app.extensions import db
from app.tenancy import services as tenancy
from app.tenancy.context import use_practice


@click.command("export")
@click.argument("slug")
@click.option("--client", "email", default=None, help="Only this client's data (their e-mail address).")
@click.option("--to", "dest", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The ZIP file to write (readable by you only).")
@click.option("--lang", default=None, help="Language of index.html inside the archive (nl or en).")
@with_appcontext
def export_command(slug: str, email: str | None, dest: Path, lang: str | None) -> None:
    """Write the archive of practice SLUG (or of one client) to a ZIP file."""
    practice = tenancy.find_practice(slug)
    if practice is None:
        raise click.ClickException(f"no practice with slug '{slug}'")
    if not dest.parent.is_dir():
        raise click.ClickException(f"the folder {dest.parent} does not exist")
    with use_practice(practice):
        if email is not None:
            client = accounts.user_by_email(email)
            if client is None or client.role != Role.CLIENT:
                raise click.ClickException(f"no client with e-mail address '{email}' in practice '{slug}'")
            services.export_client(client, dest, locale=lang)
        else:
            services.export_practice(dest, locale=lang)
        db.session.commit()
    click.echo(f"Wrote the archive of {'one client of ' if email else ''}'{slug}' to {dest}.")


@click.command("import")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "new_slug", required=True, help="The slug of the new practice.")
@click.option("--name", default=None, help="The new practice's name (default: the name in the archive).")
@with_appcontext
def import_command(archive: Path, new_slug: str, name: str | None) -> None:
    """Create practice NEW_SLUG from a practice archive, with every record and the audit log."""
    if not archive.is_file():
        raise click.ClickException(f"no file at {archive}")
    try:
        practice = services.import_practice_archive(archive, new_slug, name)
    except services.ArchiveError as error:
        raise click.ClickException(f"{error} Nothing was imported.") from None
    click.echo(f"Imported practice '{practice.slug}' ({practice.name}). Its people sign in after choosing "
               "a password with 'Forgot your password?'.")


def attach(group: click.Group) -> None:
    """Add the archive commands to the `practices` group."""
    group.add_command(export_command)
    group.add_command(import_command)
