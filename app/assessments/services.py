"""Assessments: the practice's instruments, giving them to clients, answering, scoring and results.

Every read and change of answers, scores and the interpretation note is audited; the
audit detail holds ids and counts only.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.assessments import instruments as core
from app.assessments.instruments import Instrument
from app.assessments.models import (
    AssessmentAssignment,
    AssessmentStatus,
    PracticeInstrument,
    Source,
)
from app.audit.services import audit
from app.clients.access import can_view_client
from app.extensions import db
from app.notifications.models import NotificationKind
from app.notifications.services import notify
from app.timeutil import utcnow
from app.web.urls import practice_path

PAGE_SIZE = 10
NOTE_MAX_LENGTH = 10_000
# The scorer's refusal (named AnswerError in instruments.py; ScoringError in the first draft of its API).
ScoreRefused: type[ValueError] = getattr(core, "AnswerError", None) or getattr(core, "ScoringError")  # noqa: B009


class AssessmentError(ValueError):
    """A refused change; `status` is the HTTP answer, `messages` what the person reads."""

    def __init__(self, status: int, messages: list[str], numbers: list[int] | None = None) -> None:
        super().__init__("; ".join(messages))
        self.status = status
        self.messages = messages
        self.numbers = numbers or []


# --- reading instruments ----------------------------------------------------------------------


def text(texts: Mapping[str, str] | None, lang: str) -> str:
    """The text in lang, falling back to English, then any language present."""
    if not texts:
        return ""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def points(instrument: Instrument) -> tuple[int, ...]:
    """The answer points of the instrument, ascending."""
    return tuple(instrument.response_scale.points)


def point_labels(instrument: Instrument, lang: str) -> list[tuple[int, str]]:
    """Each answer point with its label in lang."""
    labels = instrument.response_scale.labels
    chosen = labels.get(lang) or labels.get("en") or ()
    return [(point, chosen[i] if i < len(chosen) else str(point)) for i, point in enumerate(points(instrument))]


def is_translated(instrument: Instrument, lang: str) -> bool:
    """True when the instrument carries a translation note for lang (its text there is a translation)."""
    return bool(instrument.translation_note and instrument.translation_note.get(lang))


def builtins() -> tuple[Instrument, ...]:
    """The instruments shipped with Koers."""
    try:
        return tuple(core.builtin_instruments())
    except ModuleNotFoundError:  # no builtin folder (yet): nothing shipped
        return ()


def _builtin(instrument_id: str) -> Instrument | None:
    return next((i for i in builtins() if i.id == instrument_id), None)


def _stored(instrument_id: str, version: int | None = None) -> PracticeInstrument | None:
    query = select(PracticeInstrument).where(PracticeInstrument.instrument_id == instrument_id)
    if version is not None:
        query = query.where(PracticeInstrument.version == version)
    return db.session.scalar(query.order_by(PracticeInstrument.version.desc()).limit(1))


def _parse_stored(row: PracticeInstrument) -> Instrument:
    return core.parse_instrument(row.definition)


@dataclass(frozen=True)
class Listed:
    """An instrument in the list: its newest version, where it comes from, and every version there is."""

    instrument: Instrument
    source: str
    versions: tuple[int, ...]


def instrument_version(instrument_id: str, version: int | None = None) -> tuple[Instrument, str] | None:
    """The instrument (newest version, or the one asked for) and its source; None when unknown."""
    shipped = _builtin(instrument_id)
    row = _stored(instrument_id, version)
    if version is not None:
        if row is not None:
            return _parse_stored(row), Source.PRACTICE
        if shipped is not None and shipped.version == version:
            return shipped, Source.BUILTIN
        return None
    if row is not None and (shipped is None or row.version > shipped.version):
        return _parse_stored(row), Source.PRACTICE
    return (shipped, Source.BUILTIN) if shipped is not None else None


def catalogue() -> list[Listed]:
    """Every instrument the practice can give: built-ins and imported ones, newest version each."""
    rows = db.session.execute(
        select(PracticeInstrument.instrument_id, PracticeInstrument.version).order_by(PracticeInstrument.version)
    ).all()
    stored: dict[str, list[int]] = {}
    for instrument_id, version in rows:
        stored.setdefault(instrument_id, []).append(version)
    ids = {i.id for i in builtins()} | set(stored)
    listed = []
    for instrument_id in sorted(ids):
        found = instrument_version(instrument_id)
        if found is None:
            continue
        shipped = _builtin(instrument_id)
        versions = sorted({*stored.get(instrument_id, []), *([shipped.version] if shipped else [])})
        listed.append(Listed(found[0], found[1], tuple(versions)))
    return listed


def import_instrument(actor: User, raw: bytes) -> Instrument:
    """Store a valid instrument file as the next version of its id (commit after); InstrumentError otherwise.

    The version is always one more than the highest known, whatever the file says: editing
    an instrument that has results means exporting, changing and importing it again.
    """
    parsed = core.parse_instrument(raw)
    highest = db.session.scalar(
        select(func.max(PracticeInstrument.version)).where(PracticeInstrument.instrument_id == parsed.id)
    ) or 0
    shipped = _builtin(parsed.id)
    version = max(highest, shipped.version if shipped else 0) + 1
    instrument = dataclasses.replace(parsed, version=version)
    row = PracticeInstrument(
        instrument_id=instrument.id, version=version, definition=core.instrument_to_json(instrument),
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit("instrument.imported", "practice_instrument", row.id, actor=actor,
          detail={"instrument_id": instrument.id, "version": version})
    return instrument


def export_text(instrument: Instrument) -> str:
    """The instrument as a file (the stored text for imported ones)."""
    row = _stored(instrument.id, instrument.version)
    return row.definition if row is not None else core.instrument_to_json(instrument)


# --- assignments ------------------------------------------------------------------------------


def get_assignment_or_404(assignment_id: int) -> AssessmentAssignment:
    """The assignment if the signed-in person may see its client; 404 for anything else."""
    assignment = db.session.get(AssessmentAssignment, assignment_id)
    if assignment is None:
        abort(404)
    client = db.session.get(User, assignment.client_id)
    if client is None or not can_view_client(current_user, client):
        abort(404)
    return assignment


def client_of(assignment: AssessmentAssignment) -> User:
    return db.session.get(User, assignment.client_id)  # type: ignore[return-value]


def instrument_of(assignment: AssessmentAssignment) -> Instrument:
    """The instrument version the assignment was given with, so old results keep rendering.

    Built-ins are not stored: a result of an older built-in version shows the shipped one.
    """
    if assignment.source == Source.PRACTICE:
        row = _stored(assignment.instrument_id, assignment.instrument_version)
        if row is not None:
            return _parse_stored(row)
    shipped = _builtin(assignment.instrument_id)
    if shipped is None:
        abort(404)
    return shipped


def assignments_of(client: User) -> list[AssessmentAssignment]:
    """The client's assessments, newest first (only ids, status and dates are read: not audited)."""
    return list(db.session.scalars(
        select(AssessmentAssignment).where(AssessmentAssignment.client_id == client.id)
        .order_by(AssessmentAssignment.created_at.desc(), AssessmentAssignment.id.desc())
    ))


def titles_of(assignments: list[AssessmentAssignment], lang: str) -> dict[int, str]:
    """Each assignment's instrument title in lang."""
    cache: dict[tuple[str, int, str], str] = {}
    titles = {}
    for a in assignments:
        key = (a.instrument_id, a.instrument_version, a.source)
        if key not in cache:
            cache[key] = text(instrument_of(a).title, lang)
        titles[a.id] = cache[key]
    return titles


def assign(actor: User, client: User, instrument_id: str, due_date: date | None = None) -> AssessmentAssignment:
    """Give the newest version of an instrument to a client; audited, client notified (commit after)."""
    if actor.role != Role.COACH or client.role != Role.CLIENT or not can_view_client(actor, client):
        raise AssessmentError(403, [_("You can give questionnaires only to your own clients.")])
    found = instrument_version(instrument_id)
    if found is None:
        raise AssessmentError(422, [_("Choose a questionnaire from the list.")])
    instrument, source = found
    assignment = AssessmentAssignment(
        client_id=client.id, instrument_id=instrument.id, instrument_version=instrument.version, source=source,
        assigned_by_id=actor.id, due_date=due_date, status=AssessmentStatus.OPEN,
    )
    db.session.add(assignment)
    db.session.flush()
    audit("assessment.assigned", "assessment_assignment", assignment.id, actor=actor,
          detail={"client_id": client.id, "instrument_id": instrument.id, "version": instrument.version})
    notify(client, NotificationKind.EXERCISE_ASSIGNED,
           practice_path("practice.assessments.show", assignment_id=assignment.id), actor=actor, about=client)
    return assignment


# --- answering --------------------------------------------------------------------------------


def page_count(instrument: Instrument) -> int:
    return max(1, -(-len(instrument.items) // PAGE_SIZE))


def page_items(instrument: Instrument, page: int) -> list[tuple[int, Any]]:
    """The items of one page (from 1), each with its number."""
    start = (page - 1) * PAGE_SIZE
    return [(start + i + 1, item) for i, item in enumerate(instrument.items[start:start + PAGE_SIZE])]


def first_open_page(instrument: Instrument, answers: Mapping[str, int]) -> int:
    """Where to resume: the first page with an item not answered yet."""
    for index, item in enumerate(instrument.items):
        if item.id not in answers:
            return index // PAGE_SIZE + 1
    return page_count(instrument)


def read_answers(viewer: User, assignment: AssessmentAssignment) -> dict[str, int]:
    """The client's answers; the read is audited (commit after)."""
    answers = assignment.answers
    audit("assessment.answers_read", "assessment_assignment", assignment.id, actor=viewer,
          detail={"answered": len(answers)})
    return answers


def parse_answers(instrument: Instrument, form: Mapping[str, str]) -> dict[str, int]:
    """The answers in a form (fields "a-<item id>"); AssessmentError (400/422) names what is wrong."""
    known = {item.id: number for number, item in enumerate(instrument.items, start=1)}
    allowed = set(points(instrument))
    values: dict[str, int] = {}
    errors: list[str] = []
    for field, raw in form.items():
        if field in ("csrf_token", "page", "action"):
            continue
        if not field.startswith("a-") or field[2:] not in known:
            raise AssessmentError(400, [_("The form contains a field this questionnaire does not have.")])
        number = known[field[2:]]
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or value not in allowed:
            errors.append(_("Item %(number)d: choose one of the answers %(low)d to %(high)d.",
                            number=number, low=min(allowed), high=max(allowed)))
            continue
        values[field[2:]] = value
    if errors:
        raise AssessmentError(422, errors)
    return values


def save_answers(actor: User, assignment: AssessmentAssignment, form: Mapping[str, str]) -> dict[str, int]:
    """Save the answers in form (all or nothing); returns those saved (commit after)."""
    if actor.id != assignment.client_id:
        raise AssessmentError(403, [_("Only the client answers a questionnaire.")])
    if not assignment.is_open:
        raise AssessmentError(409, [_("You have already submitted this questionnaire; your answers can no longer change.")])
    values = parse_answers(instrument_of(assignment), form)
    if values:
        answers = assignment.answers
        changed = {k: v for k, v in values.items() if answers.get(k) != v}
        if changed:
            assignment.answers = {**answers, **changed}
            assignment.updated_at = utcnow()
            audit("assessment.answers_saved", "assessment_assignment", assignment.id, actor=actor,
                  detail={"items": len(changed)})
    return values


def submit(actor: User, assignment: AssessmentAssignment) -> dict[str, float]:
    """Score the answers and lock them (commit after); AssessmentError 409 when already done, 422 when incomplete."""
    if actor.id != assignment.client_id:
        raise AssessmentError(403, [_("Only the client answers a questionnaire.")])
    if not assignment.is_open:
        raise AssessmentError(409, [_("You have already submitted this questionnaire; nothing was changed.")])
    instrument = instrument_of(assignment)
    answers = read_answers(actor, assignment)
    missing = [n for n, item in enumerate(instrument.items, start=1) if item.id not in answers]
    if missing:
        raise AssessmentError(422, [_("Answer every item before you submit. Not answered yet: %(numbers)s.",
                                      numbers=", ".join(str(n) for n in missing))], missing)
    try:
        scores = core.score(instrument, answers)
    except ScoreRefused as error:
        raise AssessmentError(422, list(error.errors)) from None
    assignment.scores = {k: float(v) for k, v in scores.items()}
    assignment.status = AssessmentStatus.SUBMITTED
    assignment.submitted_at = assignment.updated_at = utcnow()
    audit("assessment.submitted", "assessment_assignment", assignment.id, actor=actor,
          detail={"instrument_id": assignment.instrument_id, "version": assignment.instrument_version})
    return scores


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleResult:
    """One scale's score, its possible range and its band description."""

    scale_id: str
    name: str
    score: float
    low: float
    high: float
    band: str | None


def read_result(viewer: User, assignment: AssessmentAssignment) -> tuple[dict[str, float], str | None]:
    """The scores and the note; the read is audited (commit after)."""
    audit("assessment.result_read", "assessment_assignment", assignment.id, actor=viewer)
    return assignment.scores, assignment.note


def scale_range(instrument: Instrument, scale_id: str) -> tuple[float, float]:
    low, high = min(points(instrument)), max(points(instrument))
    scale = instrument.scale(scale_id)
    if scale.scoring == "sum":
        count = sum(1 for item in instrument.items if item.scale == scale_id)
        return float(low * count), float(high * count)
    return float(low), float(high)


def results(instrument: Instrument, scores: Mapping[str, float], lang: str) -> list[ScaleResult]:
    """The scales in instrument order with their score."""
    rows = []
    for scale in instrument.scales:
        if scale.id not in scores:
            continue
        value = scores[scale.id]
        band = next((b for b in getattr(scale, "bands", ()) if b.min <= value <= b.max), None)
        low, high = scale_range(instrument, scale.id)
        rows.append(ScaleResult(scale.id, text(scale.name, lang), value, low, high,
                                text(band.description, lang) if band else None))
    return rows


def set_note(actor: User, assignment: AssessmentAssignment, note: str) -> bool:
    """Save the coach's interpretation note; True when it changed (commit after)."""
    if actor.role != Role.COACH:
        raise AssessmentError(403, [_("Only the coach writes the interpretation.")])
    if assignment.is_open:
        raise AssessmentError(409, [_("The client has not submitted this questionnaire yet.")])
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise AssessmentError(422, [_("Keep the note under %(max)d characters.", max=NOTE_MAX_LENGTH)])
    if (assignment.note or "") == note:
        return False
    assignment.note = note or None
    assignment.updated_at = utcnow()
    audit("assessment.note_saved", "assessment_assignment", assignment.id, actor=actor)
    return True


def comparable(first: AssessmentAssignment, second: AssessmentAssignment) -> bool:
    """Two submitted results of the same client and instrument whose scales match."""
    if first.is_open or second.is_open or first.client_id != second.client_id:
        return False
    if first.instrument_id != second.instrument_id:
        return False
    return [s.id for s in instrument_of(first).scales] == [s.id for s in instrument_of(second).scales]
