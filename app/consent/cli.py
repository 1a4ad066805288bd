"""`flask practices news`: news and offers by e-mail, only to practice admins and coaches who opted in."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from app.consent.services import marketing_recipients
from app.extensions import db
from app.mail.services import MailError, render_mail, send_mail
from app.tenancy import services as tenancy
from app.tenancy.context import current_practice, use_practice
from app.web.urls import external_url

MAX_BODY_BYTES = 100_000


def send_news(subject: str, body: str) -> tuple[int, int]:
    """Mail subject and body to the current practice's opted-in admins and coaches: (sent, failed)."""
    sent = failed = 0
    for person in marketing_recipients():
        with force_locale(person.locale or current_app.config["DEFAULT_LOCALE"]):
            _subject, text = render_mail(
                "news", subject=subject, body=body, practice_name=current_practice().name,
                link=external_url("practice.accounts.login", practice=current_practice().slug),
            )
        try:
            send_mail(person.email, subject, text)
        except MailError:
            failed += 1  # logged without the address by the mail service
        else:
            sent += 1
    return sent, failed


@click.command("news")
@with_appcontext
@click.option("--subject", required=True, help="The subject line of the mail.")
@click.option("--body-file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A UTF-8 text file with the body of the mail.")
@click.option("--practice", "slug", default=None, help="Only this practice.")
def news_command(subject: str, body_file: Path, slug: str | None) -> None:
    """Mail news to the practice admins and coaches who opted in (nobody else)."""
    subject = subject.strip()
    if not subject or "\n" in subject or "\r" in subject or len(subject) > 200:
        raise click.ClickException("the subject must be one line of 1 to 200 characters")
    try:
        raw = body_file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {body_file}: {error.strerror}") from None
    if len(raw) > MAX_BODY_BYTES:
        raise click.ClickException(f"the body file is larger than {MAX_BODY_BYTES} bytes")
    try:
        body = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise click.ClickException("the body file is not UTF-8 text") from None
    if not body:
        raise click.ClickException("the body file is empty")
    if slug is not None and tenancy.find_practice(slug) is None:
        raise click.ClickException(f"no practice with slug '{slug}'")
    total = 0
    for practice in tenancy.list_practices():
        if slug not in (None, practice.slug):
            continue
        with use_practice(practice):
            sent, failed = send_news(subject, body)
            db.session.rollback()
        total += sent
        click.echo(f"{practice.slug}: {sent} sent" + (f", {failed} failed" if failed else ""))
    click.echo(f"{total} sent in total")
