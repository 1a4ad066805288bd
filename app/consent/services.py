"""Consent: the practice's versioned consent text, each person's consent and its withdrawal,
and the marketing opt-in of practice admins and coaches. Every change is audited.
"""
from __future__ import annotations

import logging
from types import SimpleNamespace

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from app.accounts.models import Role, User
from app.audit.services import audit
from app.consent.models import (
    BODY_MAX_LENGTH,
    Consent,
    ConsentHow,
    ConsentVersion,
    MarketingOptIn,
)
from app.extensions import db
from app.tenancy.context import current_practice
from app.timeutil import utcnow
from app.web.urls import practice_path

log = logging.getLogger(__name__)

# The data-subject request channel that matches how a withdrawal reached the practice.
_CHANNELS = {ConsentHow.WEB: "web", ConsentHow.PAPER: "letter", ConsentHow.EMAIL: "email"}


_SYSTEM = SimpleNamespace(id=None, role="system")


class ConsentError(ValueError):
    """Consent could not be given, withdrawn or published as asked (the message says why, translated)."""


# --- the consent text ----------------------------------------------------------------------------


def newest_version() -> ConsentVersion | None:
    """The newest published version of the consent text, or None before the first."""
    return db.session.scalar(select(ConsentVersion).order_by(ConsentVersion.number.desc()).limit(1))


def versions() -> list[ConsentVersion]:
    """Every published version, newest first."""
    return list(db.session.scalars(select(ConsentVersion).order_by(ConsentVersion.number.desc())))


def _privacy_page() -> str | None:
    """The path of the practice's public privacy page, if Koers has one."""
    try:
        return practice_path("practice.privacy.statement")
    except BuildError:
        return None


def default_body(locale: str) -> str:
    """The product's own consent text (Markdown) in locale, for the current practice."""
    with force_locale(locale):
        return render_template(
            "consent/default_text.txt", practice_name=current_practice().name, privacy_url=_privacy_page()
        ).strip() + "\n"


def current_version() -> ConsentVersion:
    """The version people are asked to consent to; version 1 is made from the default text on first need."""
    version = newest_version()
    if version is None:
        version = ConsentVersion(
            number=1, body_nl=default_body("nl"), body_en=default_body("en"), published_at=utcnow(), published_by_id=None
        )
        db.session.add(version)
        db.session.flush()
        # Koers itself publishes it, whoever's request needed it first.
        audit("consent_version.published", "consent_version", version.id, actor=_SYSTEM,
              detail={"number": 1, "default": True})
    return version


def publish_version(actor: User, body_nl: str, body_en: str) -> ConsentVersion:
    """Publish a new version (both languages, Markdown); every client is asked again (commit after)."""
    body_nl, body_en = (body_nl or "").strip(), (body_en or "").strip()
    if not body_nl or not body_en:
        raise ConsentError(_("Write the consent text in both languages."))
    if len(body_nl) > BODY_MAX_LENGTH or len(body_en) > BODY_MAX_LENGTH:
        raise ConsentError(_("Keep each text under %(max)d characters.", max=BODY_MAX_LENGTH))
    current = current_version()
    if current.body_nl.strip() == body_nl and current.body_en.strip() == body_en:
        raise ConsentError(_("The text has not changed, so there is nothing to publish."))
    version = ConsentVersion(
        number=current.number + 1, body_nl=body_nl + "\n", body_en=body_en + "\n",
        published_at=utcnow(), published_by_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    audit("consent_version.published", "consent_version", version.id, actor=actor, detail={"number": version.number})
    return version


# --- consent records -----------------------------------------------------------------------------


def consent_history(person: User) -> list[Consent]:
    """Every consent the person gave, newest first (withdrawn ones included)."""
    return list(
        db.session.scalars(select(Consent).where(Consent.user_id == person.id).order_by(Consent.id.desc()))
    )


def current_consent(person: User) -> Consent | None:
    """The person's consent to the newest version that is still in force, or None."""
    newest = select(func.max(ConsentVersion.number)).scalar_subquery()
    return db.session.scalar(
        select(Consent)
        .join(ConsentVersion, ConsentVersion.id == Consent.version_id)
        .where(Consent.user_id == person.id, Consent.withdrawn_at.is_(None), ConsentVersion.number == newest)
        .order_by(Consent.id.desc())
        .limit(1)
    )


def has_current_consent(person: User) -> bool:
    """True when the person consented to the newest version and did not withdraw it."""
    return current_consent(person) is not None


def consents_in_force(person: User) -> list[Consent]:
    """The person's consents (to any version) not withdrawn."""
    return [c for c in consent_history(person) if c.withdrawn_at is None]


def version_numbers(consents: list[Consent]) -> dict[int, int]:
    """Version id -> number for these consents (one query)."""
    ids = {c.version_id for c in consents}
    if not ids:
        return {}
    return dict(db.session.execute(select(ConsentVersion.id, ConsentVersion.number).where(ConsentVersion.id.in_(ids))).all())


def _check_how(how: str) -> None:
    if how not in ConsentHow.ALL:
        raise ValueError(f"unknown way of consenting {how!r}")


def give_consent(person: User, how: str, actor: User | None, version_id: int | None = None) -> Consent:
    """Record person's consent to the current version (idempotent; audited; commit after).

    With version_id (the version the person read), a newer version published meanwhile is refused.
    Giving consent again lifts a restriction that was started because consent was withdrawn.
    """
    _check_how(how)
    if person.role != Role.CLIENT:
        raise ConsentError(_("Only clients are asked for this consent."))
    current = current_version()
    if version_id is not None and version_id != current.id:
        raise ConsentError(_("The consent text changed while you were reading it. Read the new text first."))
    existing = current_consent(person)
    if existing is not None:
        return existing
    consent = Consent(
        user_id=person.id, version_id=current.id, given_at=utcnow(), given_how=how,
        recorded_by_id=actor.id if actor else None,
    )
    db.session.add(consent)
    db.session.flush()
    audit("consent.given", "consent", consent.id, actor=actor,
          detail={"version": current.number, "how": how}, subject_id=person.id)
    from app.restrictions.models import RestrictionReason
    from app.restrictions.services import active_restriction, lift

    restriction = active_restriction(person)
    if restriction is not None and restriction.reason == RestrictionReason.CONSENT_WITHDRAWN:
        lift(person, actor or person, _("Consent was given again."), reason=RestrictionReason.CONSENT_WITHDRAWN)
    return consent


def withdraw_consent(person: User, how: str, actor: User | None) -> list[Consent]:
    """Withdraw every consent of person in force, restrict the dossier and open a withdrawal request.

    Audited; commit after. Raises ConsentError when there is nothing to withdraw.
    """
    _check_how(how)
    in_force = consents_in_force(person)
    if not in_force:
        raise ConsentError(_("There is no consent to withdraw."))
    now = utcnow()
    for consent in in_force:
        consent.withdrawn_at = now
        consent.withdrawn_how = how
        consent.withdrawn_recorded_by_id = actor.id if actor else None
    db.session.flush()
    audit("consent.withdrawn", "user", person.id, actor=actor,
          detail={"consents": [c.id for c in in_force], "how": how}, subject_id=person.id)
    from app.restrictions.models import RestrictionReason
    from app.restrictions.services import restrict

    restrict(person, RestrictionReason.CONSENT_WITHDRAWN, actor)
    _open_withdrawal_request(person, _CHANNELS[how], actor)
    return in_force


def _open_withdrawal_request(person: User, channel: str, actor: User | None) -> None:
    """The practice handles a withdrawal as a data-subject request (the rights package)."""
    # Imported here: the rights package imports this one.
    from app.rights.services import RequestKind, open_request

    open_request(person, RequestKind.WITHDRAWAL, channel, actor)


# --- marketing opt-in ----------------------------------------------------------------------------

MARKETING_ROLES = (Role.PRACTICE_ADMIN, Role.COACH)


def marketing_opt_in(person: User) -> MarketingOptIn | None:
    """The person's opt-in in force, or None (they get no news)."""
    return db.session.scalar(
        select(MarketingOptIn)
        .where(MarketingOptIn.user_id == person.id, MarketingOptIn.opted_out_at.is_(None))
        .order_by(MarketingOptIn.id.desc())
        .limit(1)
    )


def marketing_history(person: User) -> list[MarketingOptIn]:
    """Every opt-in period of the person, newest first."""
    return list(
        db.session.scalars(
            select(MarketingOptIn).where(MarketingOptIn.user_id == person.id).order_by(MarketingOptIn.id.desc())
        )
    )


def set_marketing(person: User, wanted: bool, actor: User | None = None) -> bool:
    """Opt person in or out of news mail; True when that changed (audited; commit after)."""
    if person.role not in MARKETING_ROLES:
        raise ConsentError(_("News by e-mail is only for practice admins and coaches."))
    current = marketing_opt_in(person)
    if wanted and current is None:
        row = MarketingOptIn(user_id=person.id, opted_in_at=utcnow())
        db.session.add(row)
        db.session.flush()
        audit("marketing.opted_in", "user", person.id, actor=actor or person)
        return True
    if not wanted and current is not None:
        current.opted_out_at = utcnow()
        db.session.flush()
        audit("marketing.opted_out", "user", person.id, actor=actor or person)
        return True
    return False


def marketing_recipients() -> list[User]:
    """The active practice admins and coaches of the current practice who opted in, by id."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role.in_(MARKETING_ROLES),
                User.active.is_(True),
                select(MarketingOptIn.id)
                .where(MarketingOptIn.user_id == User.id, MarketingOptIn.opted_out_at.is_(None))
                .exists(),
            )
            .order_by(User.id)
        )
    )


def default_locale() -> str:
    return str(current_app.config["DEFAULT_LOCALE"])
