"""`flask demo`: create or reset the demo practice."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.demo.services import DEMO_SLUG, demo_exists, reset_demo


# with_appcontext: `flask` pushes a context itself, but app.test_cli_runner() only does so for wrapped commands.
@click.command("demo")
@with_appcontext
@click.option("--if-missing", is_flag=True, help="Only create it when there is no demo practice yet.")
@click.option("--password", default=None, help="Password for the demo accounts (default: KOERS_DEMO_PASSWORD or generated).")
def demo_command(if_missing: bool, password: str | None) -> None:
    """Create (or reset, wiping its data) the demo practice and print its sign-in details once."""

    if if_missing and demo_exists():
        click.echo(f"Demo practice '{DEMO_SLUG}' exists; its sign-in details were printed when it was made.")
        click.echo("Reset it (new password, data wiped) with: .venv/bin/flask --app wsgi demo")
        return
    logins = reset_demo(password)
    click.echo("")
    click.echo(f"Demo practice ready: {logins.url}")
    for email in logins.emails:
        click.echo(f"  {email}")
    click.echo(f"  password for all three: {logins.password}")
    if logins.more_accounts:
        click.echo(f"  and {logins.more_accounts} more demo accounts (a second coach and clients, @demo.test) with the same password")
    click.echo(f"Operator console: {logins.console_url}")
    click.echo(f"  {logins.operator_email} (same password)")
    click.echo("These details are shown only now.")
    click.echo("")
