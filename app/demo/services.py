"""The demo practice: three personas to try Koers with, and content to see the whole product (content.py)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app

from app.accounts import services as accounts
from app.accounts.models import Role
from app.accounts.passwords import hash_password
from app.clients import services as clients
from app.console.events import console_event
from app.console.models import Operator
from app.console.operators import operator_by_email
from app.demo import content
from app.extensions import db
from app.tenancy import services as tenancy
from app.tenancy.context import use_practice
from app.tenancy.sqlite import writing

DEMO_SLUG = "demo"
DEMO_NAME = "Demopraktijk Koers"
DEMO_OPERATOR = "operator@demo.test"
PERSONAS = (
    (Role.PRACTICE_ADMIN, "admin@demo.test", "Ilse", "Bakker"),
    (Role.COACH, "coach@demo.test", "Sanne", "Jansen"),
    (Role.CLIENT, "client@demo.test", "Daan", "de Boer"),
)


@dataclass(frozen=True)
class DemoLogins:
    """What to print once: where to sign in and with what."""

    url: str
    emails: tuple[str, ...]
    password: str
    # How many more demo accounts (a second coach and more clients) share the password.
    more_accounts: int = 0
    # The operator console of the installation, with a demo operator sharing the password.
    console_url: str = ""
    operator_email: str = DEMO_OPERATOR


def demo_exists() -> bool:
    """True when the demo practice is there."""
    return tenancy.find_practice(DEMO_SLUG) is not None


def reset_demo(password: str | None = None) -> DemoLogins:
    """Create the demo practice, replacing any earlier one with all its data."""
    if demo_exists():
        tenancy.delete_practice(DEMO_SLUG)
    else:
        # A file or key left over from an interrupted creation would block a new one.
        tenancy.remove_practice_files(DEMO_SLUG)
    # str(): KOERS_* values are parsed as JSON, so a numeric password would arrive as an int.
    password = str(password or current_app.config.get("DEMO_PASSWORD") or _generated_password())
    practice, _link = tenancy.create_practice(DEMO_SLUG, DEMO_NAME, PERSONAS[0][1], is_demo=True)
    try:
        with use_practice(practice):
            # Every demo account has the same password: hashed once (argon2 is slow on purpose).
            password_hash = hash_password(password)
            admin = accounts.user_by_email(PERSONAS[0][1])
            admin.first_name, admin.last_name = PERSONAS[0][2], PERSONAS[0][3]
            content.use_hash(admin, password_hash)
            coach = accounts.create_user(Role.COACH, PERSONAS[1][1], PERSONAS[1][2], PERSONAS[1][3])
            content.use_hash(coach, password_hash)
            client = clients.create_client(
                coach,
                {"email": PERSONAS[2][1], "first_name": PERSONAS[2][2], "last_name": PERSONAS[2][3], **content.DAAN_DETAILS},
                [coach.id],
            )
            content.use_hash(client, password_hash)
            more = content.fill(content.Demo(admin, {"sanne": coach}, {"daan": client}), password_hash)
            db.session.commit()
    except BaseException:
        # A half-made demo would pass for a finished one under --if-missing.
        tenancy.delete_practice(DEMO_SLUG)
        raise
    _demo_operator(password)
    base = current_app.config["BASE_URL"].rstrip("/")
    return DemoLogins(
        url=f"{base}/{DEMO_SLUG}/login", emails=tuple(p[1] for p in PERSONAS), password=password,
        more_accounts=more, console_url=f"{base}/platform/login",
    )


def _demo_operator(password: str) -> None:
    """A demo operator for the console, with the demo password (made or reset)."""
    with writing():
        operator = operator_by_email(DEMO_OPERATOR)
        if operator is None:
            operator = Operator(email=DEMO_OPERATOR, name="Demo Operator", active=True)
            db.session.add(operator)
        operator.password_hash = hash_password(password)
        db.session.flush()
        console_event("operator.demo_reset", "operator", operator.id, operator=operator)
        db.session.commit()


def _generated_password() -> str:
    """Four groups of random letters: strong, and easy to type from a terminal."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
