"""360-degree feedback: raters rate a client on a competency instrument through a single-use link.

Only a hash of each link secret is stored. A rater needs no account; the link opens their
form and nothing else. Others' answers are shown only as averages per scale, and only once
at least MIN_RATERS have answered, never per rater. Closing the round deletes the raters'
names and e-mail addresses. Every read and change is audited with ids and counts only.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.assessments import instruments as core
from app.assessments import services
from app.assessments.instruments import Instrument
from app.assessments.models import AssessmentAssignment, AssessmentRater, RaterRelation
from app.audit.services import audit
from app.clients.access import can_view_client
from app.extensions import db
from app.vault.tokens import digest, new_secret
from app.mail.addresses import InvalidAddress, normalise_address
from app.mail.services import send_after_commit
from app.tenancy.context import current_practice
from app.timeutil import utcnow
from app.web.urls import external_url

MIN_RATERS = 3
MAX_RATERS = 30
NAME_MAX_LENGTH = 200
COMPETENCY = "competency"


class RaterError(services.AssessmentError):
    """A refused rater action (status and messages as AssessmentError)."""



def link_ttl() -> timedelta:
    return timedelta(days=int(current_app.config.get("RATER_LINK_TTL_DAYS", 14)))


def supports_raters(assignment: AssessmentAssignment) -> bool:
    """360-degree feedback is for competency instruments only."""
    return services.instrument_of(assignment).kind == COMPETENCY


def may_manage(actor: User, assignment: AssessmentAssignment) -> bool:
    """The client themself or one of their coaches."""
    client = services.client_of(assignment)
    if client is None or not can_view_client(actor, client):
        return False
    return actor.id == client.id or actor.role == Role.COACH


def raters_of(assignment: AssessmentAssignment) -> list[AssessmentRater]:
    return list(db.session.scalars(
        select(AssessmentRater).where(AssessmentRater.assignment_id == assignment.id).order_by(AssessmentRater.id)
    ))


def is_closed(assignment: AssessmentAssignment) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(AssessmentRater)
        .where(AssessmentRater.assignment_id == assignment.id, AssessmentRater.closed_at.is_not(None))
    ) > 0


def answered_count(assignment: AssessmentAssignment) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AssessmentRater)
        .where(AssessmentRater.assignment_id == assignment.id, AssessmentRater.submitted_at.is_not(None))
    ) or 0


def read_raters(viewer: User, assignment: AssessmentAssignment) -> list[AssessmentRater]:
    """The invited raters (names and addresses are read: audited; commit after)."""
    rows = raters_of(assignment)
    audit("assessment.raters_read", "assessment_assignment", assignment.id, actor=viewer,
          detail={"raters": len(rows)})
    return rows


def _check_manager(actor: User, assignment: AssessmentAssignment) -> None:
    if not may_manage(actor, assignment):
        raise RaterError(403, [_("Only the client and their coach can invite people for feedback.")])
    if not supports_raters(assignment):
        raise RaterError(404, [_("Feedback from others is available for competency questionnaires only.")])


def invite(actor: User, assignment: AssessmentAssignment, name: str, email: str, relation: str) -> tuple[AssessmentRater, str]:
    """Invite a rater: store a hash of a fresh link secret and mail the link after commit (commit after)."""
    _check_manager(actor, assignment)
    if is_closed(assignment):
        raise RaterError(409, [_("This feedback round is closed; nobody can be invited any more.")])
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append(_("Enter the name of the person you invite."))
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(_("Keep the name under %(max)d characters.", max=NAME_MAX_LENGTH))
    address = ""
    try:
        address = normalise_address(email or "")
    except InvalidAddress:
        errors.append(_("Enter a valid e-mail address."))
    if relation not in RaterRelation.LABELS:
        errors.append(_("Choose how this person knows the client."))
    if errors:
        raise RaterError(422, errors)
    if len(raters_of(assignment)) >= MAX_RATERS:
        raise RaterError(422, [_("You can invite at most %(max)d people.", max=MAX_RATERS)])
    now = utcnow()
    secret = new_secret()
    rater = AssessmentRater(
        assignment_id=assignment.id, relation=relation, name=name, email=address, token_hash=digest(secret),
        invited_by_id=actor.id, created_at=now, expires_at=now + link_ttl(),
    )
    db.session.add(rater)
    db.session.flush()
    audit("assessment.rater_invited", "assessment_rater", rater.id, actor=actor,
          detail={"assignment_id": assignment.id})
    practice = current_practice()
    link = external_url("practice.assessments.rate", practice=practice.slug, token=secret)
    send_after_commit(address, "rater_invitation", practice_name=practice.name, link=link,
                      days=link_ttl().days)
    return rater, secret


def close_round(actor: User, assignment: AssessmentAssignment) -> int:
    """Close the round: unused links stop working, names and addresses are deleted; returns how many (commit after)."""
    _check_manager(actor, assignment)
    now = utcnow()
    rows = raters_of(assignment)
    for rater in rows:
        rater.name = None
        rater.email = None
        if rater.closed_at is None:
            rater.closed_at = now
    audit("assessment.raters_closed", "assessment_assignment", assignment.id, actor=actor,
          detail={"raters": len(rows), "answered": sum(1 for r in rows if r.submitted_at)})
    return len(rows)


# --- the rater's link ----------------------------------------------------------------------------


def rater_for(secret: str) -> AssessmentRater:
    """The rater whose link this is, if it can still be used; RaterError 404/410 saying why not."""
    rater = db.session.scalar(select(AssessmentRater).where(AssessmentRater.token_hash == digest(secret or "")))
    if rater is None:
        raise RaterError(404, [_("This link is not valid. Ask the person who invited you for a new one.")])
    reason, message = None, ""
    if rater.used_at is not None or rater.submitted_at is not None:
        reason, message = "used", _("This link has already been used: your answers were received. Thank you.")
    elif rater.closed_at is not None:
        reason, message = "closed", _("This feedback round has been closed; answers can no longer be given.")
    elif rater.expires_at <= utcnow():
        reason, message = "expired", _("This link has expired. Ask the person who invited you for a new one.")
    if reason:
        audit("assessment.rater_link_refused", "assessment_rater", rater.id, actor=None, detail={"reason": reason})
        raise RaterError(410, [message])
    return rater


def open_form(rater: AssessmentRater) -> None:
    """The rater opened their form (audited; commit after)."""
    audit("assessment.rater_form_opened", "assessment_rater", rater.id, actor=None,
          detail={"assignment_id": rater.assignment_id})


def parse_rating(instrument: Instrument, form: Mapping[str, str]) -> dict[str, int]:
    """Every item's answer from the form; RaterError 422 for unknown fields, bad values or missing items."""
    try:
        values = services.parse_answers(instrument, form)
    except services.AssessmentError as error:
        raise RaterError(422, error.messages) from None
    missing = [n for n, item in enumerate(instrument.items, start=1) if item.id not in values]
    if missing:
        raise RaterError(422, [_("Answer every item before you send. Not answered yet: %(numbers)s.",
                                 numbers=", ".join(str(n) for n in missing))], missing)
    return values


def submit_rating(rater: AssessmentRater, form: Mapping[str, str]) -> None:
    """Store a rater's answers once; the link is then used up (commit after)."""
    assignment = db.session.get(AssessmentAssignment, rater.assignment_id)
    instrument = services.instrument_of(assignment)
    values = parse_rating(instrument, form)
    try:
        core.score(instrument, values)
    except services.ScoreRefused as error:
        raise RaterError(422, list(error.errors)) from None
    now = utcnow()
    rater.answers = values
    rater.used_at = rater.submitted_at = now
    audit("assessment.rater_answered", "assessment_rater", rater.id, actor=None,
          detail={"assignment_id": rater.assignment_id, "items": len(values)})


# --- the result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackRow:
    """One competency: the client's own score and the average of others (None when not shown)."""

    scale_id: str
    name: str
    self_score: float | None
    others: float | None
    low: float
    high: float


@dataclass(frozen=True)
class Feedback:
    rows: list[FeedbackRow]
    answered: int
    shown: bool


def feedback(viewer: User, assignment: AssessmentAssignment, lang: str) -> Feedback:
    """Self-rating next to the average of others per scale; others only from MIN_RATERS answers (audited)."""
    instrument = services.instrument_of(assignment)
    submitted = list(db.session.scalars(
        select(AssessmentRater).where(AssessmentRater.assignment_id == assignment.id,
                                      AssessmentRater.submitted_at.is_not(None))
    ))
    shown = len(submitted) >= MIN_RATERS
    averages: dict[str, float] = {}
    if shown:
        totals: dict[str, float] = {}
        for rater in submitted:
            for scale_id, value in core.score(instrument, rater.answers).items():
                totals[scale_id] = totals.get(scale_id, 0.0) + float(value)
        averages = {k: v / len(submitted) for k, v in totals.items()}
        audit("assessment.rater_answers_read", "assessment_assignment", assignment.id, actor=viewer,
              detail={"raters": len(submitted)})
    own: dict[str, float] = {}
    if not assignment.is_open:
        own, _note = services.read_result(viewer, assignment)
    rows = []
    for scale in instrument.scales:
        low, high = services.scale_range(instrument, scale.id)
        rows.append(FeedbackRow(scale.id, services.text(scale.name, lang), own.get(scale.id),
                                averages.get(scale.id) if shown else None, low, high))
    return Feedback(rows, len(submitted), shown)
