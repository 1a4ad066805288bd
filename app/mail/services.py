"""The one way Koers sends mail: SMTP when configured, otherwise .eml files in instance/mail/."""
from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template

from app.timeutil import utcnow

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The mail server did not accept the message."""


def render_mail(template: str, **context: object) -> tuple[str, str]:
    """Subject and body of mail/<template>.txt: the first line is the subject."""
    text = render_template(f"mail/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def send_template(to: str, template: str, **context: object) -> None:
    """Render a mail template in the active locale and send it."""
    subject, body = render_mail(template, **context)
    send_mail(to, subject, body)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message; bodies carry links, never special personal data."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="koers.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    if cfg["MAIL_SMTP_HOST"]:
        _send_smtp(message)
    else:
        _write_eml(message)


def _send_smtp(message: EmailMessage) -> None:
    cfg = current_app.config
    security = cfg["MAIL_SMTP_SECURITY"]
    try:
        if security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg["MAIL_SMTP_HOST"], cfg["MAIL_SMTP_PORT"], timeout=cfg["MAIL_SMTP_TIMEOUT"],
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(cfg["MAIL_SMTP_HOST"], cfg["MAIL_SMTP_PORT"], timeout=cfg["MAIL_SMTP_TIMEOUT"])
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if cfg["MAIL_SMTP_USER"]:
                smtp.login(cfg["MAIL_SMTP_USER"], cfg["MAIL_SMTP_PASSWORD"])
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        # The error class only: server replies can echo the recipient's address.
        log.warning("mail could not be sent: %s", type(error).__name__)
        raise MailError(type(error).__name__) from error


def mail_dir() -> Path:
    """Where unsent mail is written in demo mode."""
    return Path(current_app.instance_path) / "mail"


def _write_eml(message: EmailMessage) -> None:
    folder = mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow().strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}.eml"
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    # The file name only: the log must not carry addresses.
    log.warning("no SMTP server configured; mail written to %s", path)


# Mail that belongs to a change waits for that change's commit: a rolled-back action sends nothing.
_OUTBOX = "koers_outbox"


def send_after_commit(to: str, template: str, **context: object) -> None:
    """Render a mail now (in the active locale) and send it once the session commits."""
    from app.extensions import db

    subject, body = render_mail(template, **context)
    db.session.info.setdefault(_OUTBOX, []).append((to, subject, body))


def _flush_outbox(session: object) -> None:
    queued = session.info.pop(_OUTBOX, [])  # type: ignore[attr-defined]
    for to, subject, body in queued:
        try:
            send_mail(to, subject, body)
        except MailError:
            pass  # already logged; the in-app notice remains


def _drop_outbox(session: object) -> None:
    session.info.pop(_OUTBOX, None)  # type: ignore[attr-defined]


def init_outbox(session_class: type) -> None:
    """Send queued mail after commit, drop it after rollback."""
    from sqlalchemy import event

    if not event.contains(session_class, "after_commit", _flush_outbox):
        event.listen(session_class, "after_commit", _flush_outbox)
        event.listen(session_class, "after_rollback", _drop_outbox)
