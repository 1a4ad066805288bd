"""`flask operators ...`: create and list the people who run this installation."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from app.console import operators

operators_cli = AppGroup("operators", help="Create and list operator accounts for the console.")


@operators_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The operator's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def create_command(email: str, name: str, password_stdin: bool) -> None:
    """Create operator EMAIL; asks for the password twice (or reads it from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    try:
        # The command speaks English, as the other `flask` commands do.
        with force_locale("en"):
            operator = operators.create_operator(email, name, password)
    except operators.OperatorError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created operator {operator.email}. Sign in at /platform/login.")


@operators_cli.command("list")
def list_command() -> None:
    """List every operator with their state and last sign-in."""
    found = operators.list_operators()
    if not found:
        click.echo("No operators yet. Create one with: flask --app wsgi operators create EMAIL --name NAME")
        return
    for operator in found:
        state = "active" if operator.active else "inactive"
        last = operator.last_sign_in_at.strftime("%Y-%m-%d %H:%M UTC") if operator.last_sign_in_at else "never signed in"
        click.echo(f"{operator.email}\t{state}\t{last}\t{operator.name}")
