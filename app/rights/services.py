"""Data-subject requests: opening, the identity check, the statuses, due dates; every step audited.

A request is opened by the person on the web (their sign-in is the identity check) or
registered by a practice admin from an e-mail, letter or phone call. It is answered within
two weeks of receipt (due_on), moves received → identity confirmed → in progress → done, or
is refused with a reason the person reads. The person is mailed at every step, without
details; practice admins get a notice of every request made on the web.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import abort, current_app, has_request_context
from flask_babel import force_locale, get_timezone, to_user_timezone
from flask_babel import lazy_gettext as _  # raised messages are translated when shown
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.models import CoachAssignment, Role, User
from app.audit.services import audit
from app.audit.subjects import register_subject
from app.consent import services as consent
from app.consent.models import ConsentHow
from app.extensions import db
from app.mail.services import send_after_commit
from app.notifications.models import NotificationKind
from app.notifications.services import notify
from app.rights.models import (
    ANSWER_DAYS,
    METHOD_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    DataRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from app.privacy.services import privacy_settings
from app.restrictions.models import RestrictionReason
from app.restrictions.services import restrict
from app.tenancy.context import current_practice
from app.timeutil import utcnow
from app.web.urls import external_url, practice_path


# Events on a data request are about the person who asked.
register_subject("data_request", "app.rights.models:DataRequest", "person_id")

# Stored as the identity method when a signed-in person asks on the web; shown translated.
SIGNED_IN = "signed in with their own account"
DASHBOARD_LIMIT = 10


class RequestError(ValueError):
    """A request cannot change as asked; the message is for the person, status the HTTP answer."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


# --- dates --------------------------------------------------------------------------------


def today() -> date:
    """Today in the practice's time zone (as on the web); UTC in commands and jobs."""
    now = utcnow()
    return to_user_timezone(now).date() if has_request_context() else now.date()


def due_date(received_on: date) -> date:
    """The day a request received on received_on must be answered: two weeks later."""
    return received_on + timedelta(days=ANSWER_DAYS)


def _received_at(received_on: date) -> datetime:
    """When a request received on that day arrived: now for today, midday for an earlier day."""
    if received_on == today():
        return utcnow()
    zone = get_timezone() if has_request_context() else UTC
    return datetime.combine(received_on, time(12, 0), tzinfo=zone).astimezone(UTC)


# --- reading --------------------------------------------------------------------------------


def get_request_or_404(request_id: int) -> DataRequest:
    """The request with this id if the signed-in person may see it (admins: all; others: their own); 404 otherwise."""
    data_request = db.session.get(DataRequest, request_id)
    if data_request is None or not current_user.is_authenticated:
        abort(404)
    if current_user.role != Role.PRACTICE_ADMIN and data_request.person_id != current_user.id:
        abort(404)
    return data_request


def requests_of(person: User) -> list[DataRequest]:
    """The person's own requests, newest first."""
    return list(
        db.session.scalars(
            select(DataRequest).where(DataRequest.person_id == person.id).order_by(DataRequest.received_at.desc(), DataRequest.id.desc())
        )
    )


def open_requests() -> list[DataRequest]:
    """Every open request of the practice, the first one due first."""
    return list(
        db.session.scalars(
            select(DataRequest)
            .where(DataRequest.status.in_(RequestStatus.OPEN))
            .order_by(DataRequest.due_on, DataRequest.received_at, DataRequest.id)
        )
    )


def closed_requests(limit: int = 200) -> list[DataRequest]:
    """The most recently closed requests of the practice."""
    return list(
        db.session.scalars(
            select(DataRequest)
            .where(DataRequest.status.in_(RequestStatus.CLOSED))
            .order_by(DataRequest.closed_at.desc(), DataRequest.id.desc())
            .limit(limit)
        )
    )


def open_count() -> int:
    """How many requests are open."""
    return db.session.scalar(
        select(func.count()).select_from(DataRequest).where(DataRequest.status.in_(RequestStatus.OPEN))
    ) or 0


def people_of(requests: Iterable[DataRequest]) -> dict[int, User]:
    """The people these requests are about and who handled them, by id (one query)."""
    ids = {r.person_id for r in requests} | {r.identity_checked_by_id for r in requests} | {r.created_by_id for r in requests}
    ids.discard(None)
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


@dataclass(frozen=True)
class Overview:
    """The open requests for the practice admin's dashboard, the first one due first."""

    requests: list[DataRequest]
    people: dict[int, User]
    total: int
    overdue: int
    today: date


def overview(limit: int = DASHBOARD_LIMIT) -> Overview:
    """Open requests by due date with their people, how many there are and how many are overdue."""
    every = open_requests()
    now = today()
    shown = every[:limit]
    return Overview(shown, people_of(shown), len(every), sum(r.is_overdue(now) for r in every), now)


def identity_method_label(data_request: DataRequest) -> str | None:
    """How identity was confirmed, as shown (the automatic check in the reader's language)."""
    if data_request.identity_method == SIGNED_IN:
        return _("signed in with their own account")
    return data_request.identity_method


def read_request(data_request: DataRequest, actor: User) -> DataRequest:
    """A request opened by a practice admin, with the person's words: the read is audited (commit after)."""
    audit("data_request.read", "data_request", data_request.id, actor=actor, subject_id=data_request.person_id)
    return data_request


def open_corrections(client: User) -> list[DataRequest]:
    """The client's rectification requests that are not closed yet, oldest first."""
    return list(
        db.session.scalars(
            select(DataRequest)
            .where(
                DataRequest.person_id == client.id,
                DataRequest.kind == RequestKind.RECTIFICATION,
                DataRequest.status.in_(RequestStatus.OPEN),
            )
            .order_by(DataRequest.received_at)
        )
    )


def coaches_of(person: User) -> list[User]:
    """The coaches of a client (whom to ask for a correction of dossier data)."""
    if person.role != Role.CLIENT:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(CoachAssignment, CoachAssignment.coach_id == User.id)
            .where(CoachAssignment.client_id == person.id)
            .order_by(User.last_name, User.first_name)
        )
    )


# --- opening ----------------------------------------------------------------------------------


def _clean_text(value: str | None, limit: int, message: str) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise RequestError(message, 422)
    return text or None


def open_request(
    person: User,
    kind: str,
    channel: str,
    actor: User | None,
    note: str | None = None,
    *,
    received_on: date | None = None,
    identity_method: str | None = None,
) -> DataRequest:
    """Record a request of person (commit after).

    Asked on the web by the person themself, their sign-in confirms their identity at once.
    A practice admin registering a request may record how identity was checked. A restriction
    or objection of a client restricts their dossier at once. Refused input raises RequestError.
    """
    if kind not in RequestKind.ALL:
        raise RequestError(_("Choose one of the kinds of request."), 422)
    if channel not in RequestChannel.ALL:
        raise RequestError(_("Choose how the request was received."), 422)
    received_on = received_on or today()
    if received_on > today():
        raise RequestError(_("The date of receipt cannot be in the future."), 422)
    note = _clean_text(note, NOTE_MAX_LENGTH, _("Keep the note under %(max)d characters.", max=NOTE_MAX_LENGTH))
    method = _clean_text(
        identity_method, METHOD_MAX_LENGTH,
        _("Keep the identity check under %(max)d characters.", max=METHOD_MAX_LENGTH),
    )
    data_request = DataRequest(
        person_id=person.id,
        kind=kind,
        channel=channel,
        status=RequestStatus.RECEIVED,
        received_at=_received_at(received_on),
        due_on=due_date(received_on),
        note=note,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(data_request)
    db.session.flush()
    audit(
        "data_request.opened", "data_request", data_request.id, actor=actor, subject_id=person.id,
        detail={"kind": kind, "channel": channel},
    )
    if channel == RequestChannel.WEB and actor is not None and actor.id == person.id:
        _confirm(data_request, None, SIGNED_IN, actor)  # the system: they signed in to ask
    elif method:
        _confirm(data_request, actor, method, actor)
    if kind in RequestKind.RESTRICTING and person.role == Role.CLIENT:
        _restrict_dossier(person, kind, actor)
    if kind == RequestKind.RECTIFICATION and person.role == Role.CLIENT:
        _tell_coaches(data_request, person, actor)
    if channel == RequestChannel.WEB:
        _tell_admins(data_request, actor)
    _mail_person(data_request, person)
    return data_request


def ask(person: User, kind: str, note: str | None = None) -> DataRequest:
    """The signed-in person asks on the web (commit after).

    A client withdrawing consent this way withdraws it at once, as on their privacy page: the
    consent package records the withdrawal, restricts the dossier and opens the request.
    """
    if kind == RequestKind.WITHDRAWAL and person.role == Role.CLIENT:
        withdrawn = _withdraw_consent(person, note)
        if withdrawn is not None:
            return withdrawn
    return open_request(person, kind, RequestChannel.WEB, person, note)


def _withdraw_consent(client: User, note: str | None) -> DataRequest | None:
    """Withdraw the client's consent in force and return the request that opened; None when there is none."""
    clean = _clean_text(note, NOTE_MAX_LENGTH, _("Keep the note under %(max)d characters.", max=NOTE_MAX_LENGTH))
    try:
        consent.withdraw_consent(client, ConsentHow.WEB, client)
    except consent.ConsentError:
        return None  # nothing in force: the request stands on its own
    db.session.flush()
    opened = db.session.scalar(
        select(DataRequest)
        .where(DataRequest.person_id == client.id, DataRequest.kind == RequestKind.WITHDRAWAL)
        .order_by(DataRequest.id.desc())
        .limit(1)
    )
    if opened is None:
        return None
    opened.note = clean
    return opened


def _restrict_dossier(client: User, kind: str, actor: User | None) -> None:
    """Pause the client's dossier at once."""
    restrict(client, RestrictionReason.OBJECTION if kind == RequestKind.OBJECTION else RestrictionReason.REQUEST, actor)


def _tell_coaches(data_request: DataRequest, client: User, actor: User | None) -> None:
    """A correction of dossier data is the coaches' work: each gets a notice pointing at the dossier."""
    url = practice_path("practice.clients.dossier_fragment", client_id=client.id, name="corrections")
    for coach in coaches_of(client):
        if coach.active:
            notify(coach, NotificationKind.DATA_REQUEST, url, actor=actor, about=client)


def _tell_admins(data_request: DataRequest, actor: User | None) -> None:
    """A notice (and, if they want, a mail) for every practice admin: a request came in on the web."""
    admins = db.session.scalars(select(User).where(User.role == Role.PRACTICE_ADMIN, User.active.is_(True)))
    url = practice_path("practice.rights.detail", request_id=data_request.id)
    told = set()
    for admin in admins:
        told.add(admin.email)
        if actor is None or admin.id != actor.id:
            notify(admin, NotificationKind.DATA_REQUEST, url, actor=actor)
    officer = _privacy_officer_email()
    if officer and officer.lower() not in told:
        with force_locale(current_app.config["DEFAULT_LOCALE"]):
            send_after_commit(
                officer,
                "data_request_officer",
                practice_name=current_practice().name,
                link=external_url("practice.rights.index", practice=current_practice().slug),
            )


def _privacy_officer_email() -> str | None:
    """The privacy officer's address from the practice's privacy settings, when it is kept."""
    return (privacy_settings().officer_email or "").strip() or None


def _mail_person(data_request: DataRequest, person: User | None = None) -> None:
    """Tell the person there is news about their request: a link, never the kind or any detail."""
    person = person or (db.session.get(User, data_request.person_id) if data_request.person_id else None)
    if person is None or not person.active:
        return
    with force_locale(person.locale or current_app.config["DEFAULT_LOCALE"]):
        send_after_commit(
            person.email,
            "data_request",
            practice_name=current_practice().name,
            link=external_url("practice.rights.mine", practice=current_practice().slug),
        )


# --- the steps --------------------------------------------------------------------------------


def _require(data_request: DataRequest, allowed: tuple[str, ...], message: str) -> None:
    if data_request.status in RequestStatus.CLOSED:
        raise RequestError(_("This request is already closed."), 409)
    if data_request.status not in allowed:
        raise RequestError(message, 409)


def _confirm(data_request: DataRequest, checked_by: User | None, method: str, actor: User | None) -> None:
    data_request.identity_method = method
    data_request.identity_checked_by_id = checked_by.id if checked_by is not None else None
    data_request.identity_checked_at = utcnow()
    data_request.status = RequestStatus.IDENTITY_CONFIRMED
    audit(
        "data_request.identity_confirmed", "data_request", data_request.id, actor=actor,
        subject_id=data_request.person_id, detail={"by": "system" if checked_by is None else "admin"},
    )


def confirm_identity(data_request: DataRequest, actor: User, method: str) -> None:
    """Record how the person's identity was confirmed, by actor, now (commit after)."""
    _require(data_request, (RequestStatus.RECEIVED,), _("The identity of this person has already been confirmed."))
    clean = _clean_text(
        method, METHOD_MAX_LENGTH, _("Keep the identity check under %(max)d characters.", max=METHOD_MAX_LENGTH)
    )
    if not clean:
        raise RequestError(_("Say how the person's identity was confirmed."), 422)
    _confirm(data_request, actor, clean, actor)
    _mail_person(data_request)


def start(data_request: DataRequest, actor: User) -> None:
    """Start working on a request whose person's identity is confirmed (commit after)."""
    _require(
        data_request, (RequestStatus.IDENTITY_CONFIRMED,),
        _("Confirm the person's identity first.") if data_request.status == RequestStatus.RECEIVED
        else _("This request is already in progress."),
    )
    data_request.status = RequestStatus.IN_PROGRESS
    audit("data_request.started", "data_request", data_request.id, actor=actor, subject_id=data_request.person_id)
    _mail_person(data_request)


def complete(data_request: DataRequest, actor: User) -> None:
    """Mark a request in progress as done (commit after)."""
    _require(data_request, (RequestStatus.IN_PROGRESS,), _("Start the request before marking it done."))
    _close(data_request, RequestStatus.DONE)
    audit("data_request.done", "data_request", data_request.id, actor=actor, subject_id=data_request.person_id)
    _mail_person(data_request)


def refuse(data_request: DataRequest, actor: User, reason: str) -> None:
    """Refuse an open request with a reason the person reads (commit after)."""
    _require(data_request, RequestStatus.OPEN, _("This request is already closed."))
    clean = _clean_text(reason, REASON_MAX_LENGTH, _("Keep the reason under %(max)d characters.", max=REASON_MAX_LENGTH))
    if not clean:
        raise RequestError(_("Give the reason for the refusal; the person will read it."), 422)
    data_request.refusal_reason = clean
    _close(data_request, RequestStatus.REFUSED)
    audit("data_request.refused", "data_request", data_request.id, actor=actor, subject_id=data_request.person_id)
    _mail_person(data_request)


def _close(data_request: DataRequest, status: str) -> None:
    data_request.status = status
    data_request.closed_at = utcnow()


def close_for_erasure(person: User, actor: User) -> int:
    """Before a client is erased: their open requests are done, the texts of all of them cleared (commit after).

    The requests stay as proof that they were made and handled (kind, dates, who checked
    identity and when); the person's words, the identity method and any refusal reason go.
    """
    handled = 0
    for data_request in requests_of(person):
        if data_request.is_open:
            _close(data_request, RequestStatus.DONE)
            audit(
                "data_request.done", "data_request", data_request.id, actor=actor, subject_id=person.id,
                detail={"by": "erasure"},
            )
            handled += 1
        data_request.note = None
        data_request.identity_method = None
        data_request.refusal_reason = None
    db.session.flush()
    return handled
