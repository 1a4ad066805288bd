"""index.html inside an archive: everything in it, readable offline on a phone, in the exporter's language.

Built from the archive's own records (never from the database), so the page shows exactly
what the JSON holds. Kinds with their own layout are listed in SECTIONS; any other kind
(a table added later, say) is shown field by field, so nothing in the archive is left out.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Kinds shown inside another kind's section, not on their own.
NESTED = {"exercise_versions", "exercise_questions", "exercise_answers", "report_versions", "programme_steps",
          "goal_exercises", "audit_changes", "exercises"}

HEADINGS: dict[str, Any] = {
    "people": _l("People"),
    "client_profiles": _l("Dossier details"),
    "coach_assignments": _l("Coaches"),
    "programmes": _l("Programmes"),
    "exercise_assignments": _l("Exercises"),
    "session_reports": _l("Session reports"),
    "assessment_assignments": _l("Questionnaires"),
    "journal_entries": _l("Journal"),
    "goals": _l("Goals"),
    "messages": _l("Messages"),
    "documents": _l("Documents"),
    "consents": _l("Consents"),
    "consent_versions": _l("Consent texts"),
    "restrictions": _l("Restrictions"),
    "data_requests": _l("Requests"),
    "marketing_opt_ins": _l("News and marketing e-mail"),
    "notifications": _l("Notifications"),
    "audit_events": _l("Audit log: who viewed or changed what"),
}
# Page order: the coaching record first, the privacy records after, the audit log last.
ORDER = ["people", "client_profiles", "coach_assignments", "programmes", "exercise_assignments", "session_reports",
         "assessment_assignments", "journal_entries", "goals", "messages", "documents", "consents",
         "consent_versions", "restrictions", "data_requests", "marketing_opt_ins", "notifications"]
LAST = ["audit_events"]


@dataclass
class Entry:
    """One record on the page: a title, its fields, and records that belong to it."""

    title: str
    fields: list[tuple[str, str, bool]] = field(default_factory=list)  # (label, value, long text)
    children: list[Entry] = field(default_factory=list)
    link: str | None = None

    def add(self, label: Any, value: Any, long: bool = False) -> None:
        if value not in (None, ""):
            self.fields.append((str(label), str(value), long))


@dataclass
class Section:
    kind: str
    heading: str
    entries: list[Entry]


def _status(kind: str, value: Any) -> Any:
    """A status code in the reader's words, as the app shows it (the code itself when unknown)."""
    from app.assessments.models import AssessmentStatus
    from app.exercises.services import STATUS_LABELS as exercise_labels
    from app.goals.models import GoalStatus
    from app.programmes.forms import status_labels as programme_labels

    labels: dict[str, Any] = {
        "programmes": programme_labels(),
        "exercise_assignments": exercise_labels,
        "assessment_assignments": AssessmentStatus.LABELS,
        "goals": GoalStatus.LABELS,
    }.get(kind, {})
    return str(labels[value]) if value in labels else value


def _when(value: Any) -> str:
    if not value:
        return ""
    try:
        if isinstance(value, str) and "T" in value:
            return format_datetime(datetime.fromisoformat(value), "medium")
        return format_date(date.fromisoformat(value) if isinstance(value, str) else value, "long")
    except (TypeError, ValueError):
        return str(value)


class Page:
    """The records of one archive, indexed for the sections."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.records: dict[str, list[dict[str, Any]]] = document["records"]
        self.people = {p["id"]: p for p in self.records.get("people", [])}
        self.practice_scope = document["scope"] == "practice"

    def rows(self, kind: str) -> list[dict[str, Any]]:
        return self.records.get(kind, [])

    def by(self, kind: str, column: str) -> dict[Any, list[dict[str, Any]]]:
        grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for row in self.rows(kind):
            grouped[row.get(column)].append(row)
        return grouped

    def index(self, kind: str) -> dict[Any, dict[str, Any]]:
        return {row.get("id"): row for row in self.rows(kind)}

    def name(self, person_id: Any) -> str:
        person = self.people.get(person_id)
        if person is None:
            return _("someone no longer in this archive") if person_id else ""
        return f"{person.get('first_name', '')} {person.get('last_name', '')}".strip() or person.get("email", "")

    def client_field(self, entry: Entry, row: dict[str, Any], column: str = "client_id") -> None:
        """In a practice archive, whose record this is."""
        if self.practice_scope:
            entry.add(_("Client"), self.name(row.get(column)))


ROLES = {"practice_admin": _l("Practice admin"), "coach": _l("Coach"), "client": _l("Client")}


def _person(page: Page, row: dict[str, Any]) -> Entry:
    entry = Entry(page.name(row["id"]))
    entry.add(_("Role"), ROLES.get(row.get("role"), row.get("role")))
    entry.add(_("E-mail address"), row.get("email"))
    entry.add(_("Phone number"), row.get("phone"))
    entry.add(_("Address"), row.get("address"), long=True)
    entry.add(_("Since"), _when(row.get("created_at")))
    return entry


def _programme(page: Page, row: dict[str, Any]) -> Entry:
    entry = Entry(row.get("title") or _("Programme"))
    page.client_field(entry, row)
    entry.add(_("Status"), _status("programmes", row.get("status")))
    entry.add(_("Starts"), _when(row.get("starts_on")))
    entry.add(_("Planned end"), _when(row.get("planned_end_on")))
    entry.add(_("Ended"), _when(row.get("ended_on")))
    entry.add(_("Notes"), row.get("notes"), long=True)
    steps = sorted(page.by("programme_steps", "programme_id").get(row["id"], []), key=lambda s: s.get("position", 0))
    for step in steps:
        child = Entry(_("Step %(number)s: %(title)s", number=step.get("position"), title=step.get("title") or step.get("kind")))
        child.add(_("Text"), step.get("body"), long=True)
        child.add(_("Read"), _when(step.get("read_at")))
        entry.children.append(child)
    return entry


def _answer_text(value: Any, kind: str | None) -> str:
    if value is None:
        return ""
    try:
        loaded = json.loads(value)
    except (TypeError, ValueError):
        return str(value)
    if isinstance(loaded, list):
        if kind == "ranking":
            return "\n".join(f"{number}. {item}" for number, item in enumerate(loaded, start=1))
        return ", ".join(str(item) for item in loaded)
    return str(loaded)


def _exercise(page: Page, row: dict[str, Any]) -> Entry:
    version = page.index("exercise_versions").get(row.get("version_id"), {})
    entry = Entry(version.get("title") or _("Exercise"))
    page.client_field(entry, row)
    entry.add(_("Status"), _status("exercise_assignments", row.get("status")))
    entry.add(_("Due"), _when(row.get("due_date")))
    entry.add(_("Handed in"), _when(row.get("submitted_at")))
    entry.add(_("Instructions"), version.get("instructions"), long=True)
    answers = {a.get("question_id"): a for a in page.by("exercise_answers", "assignment_id").get(row["id"], [])}
    questions = sorted(page.by("exercise_questions", "version_id").get(row.get("version_id"), []),
                       key=lambda q: q.get("position", 0))
    for question in questions:
        answer = answers.get(question.get("id"), {})
        child = Entry(question.get("prompt") or "")
        child.add(_("Answer"), _answer_text(answer.get("value"), question.get("kind")), long=True)
        child.add(_("Feedback from your coach") if not page.practice_scope else _("Feedback"),
                  answer.get("feedback"), long=True)
        entry.children.append(child)
    entry.add(_("Overall feedback"), row.get("overall_feedback"), long=True)
    return entry


def _report(page: Page, row: dict[str, Any]) -> Entry:
    entry = Entry(_("%(kind)s session on %(date)s", kind=row.get("kind"), date=_when(row.get("session_date"))))
    page.client_field(entry, row)
    entry.add(_("Written by"), page.name(row.get("author_id")))
    entry.add(_("Duration in minutes"), row.get("duration_minutes"))
    entry.add(_("Visibility"), row.get("visibility"))
    entry.add(_("Text"), row.get("text"), long=True)
    for version in page.by("report_versions", "report_id").get(row["id"], []):
        child = Entry(_("Version %(number)s", number=version.get("number")))
        child.add(_("Saved"), _when(version.get("created_at")))
        child.add(_("Text"), version.get("text"), long=True)
        entry.children.append(child)
    return entry


def _instrument(page: Page, row: dict[str, Any]) -> Any:
    """The instrument a questionnaire was taken with, read from the archive or the built-ins."""
    from app.assessments import instruments as core
    from app.assessments.services import builtins

    for stored in page.rows("practice_instruments"):
        if stored.get("instrument_id") == row.get("instrument_id") and stored.get("version") == row.get("instrument_version"):
            try:
                return core.parse_instrument(stored.get("definition") or "")
            except (ValueError, core.InstrumentError):
                return None
    return next((i for i in builtins() if i.id == row.get("instrument_id") and i.version == row.get("instrument_version")), None)


def _assessment(page: Page, row: dict[str, Any], lang: str) -> Entry:
    from app.assessments.services import text

    instrument = _instrument(page, row)
    entry = Entry(text(instrument.title, lang) if instrument else str(row.get("instrument_id")))
    page.client_field(entry, row)
    entry.add(_("Version"), row.get("instrument_version"))
    entry.add(_("Status"), _status("assessment_assignments", row.get("status")))
    entry.add(_("Submitted"), _when(row.get("submitted_at")))
    names = {s.id: text(s.name, lang) for s in instrument.scales} if instrument else {}
    try:
        scores = json.loads(row.get("scores") or "{}")
    except ValueError:
        scores = {}
    for scale, score in scores.items():
        entry.children.append(Entry(names.get(scale, scale), [(_("Score"), str(score), False)]))
    entry.add(_("Your coach's interpretation") if not page.practice_scope else _("Interpretation"),
              row.get("note"), long=True)
    return entry


def _journal(page: Page, row: dict[str, Any]) -> Entry:
    entry = Entry(_when(row.get("entry_date")))
    page.client_field(entry, row)
    entry.add(_("Mood (1-5)"), row.get("mood"))
    entry.add(_("Shared with your coach"), _when(row.get("shared_at")))
    entry.add(_("Text"), row.get("text"), long=True)
    return entry


def _goal(page: Page, row: dict[str, Any]) -> Entry:
    entry = Entry(row.get("title") or _("Goal"))
    page.client_field(entry, row)
    entry.add(_("Status"), _status("goals", row.get("status")))
    entry.add(_("Target date"), _when(row.get("target_date")))
    entry.add(_("Description"), row.get("description"), long=True)
    exercises = page.index("exercises")
    linked = [exercises.get(link.get("exercise_id"), {}).get("title") or f"#{link.get('exercise_id')}"
              for link in page.by("goal_exercises", "goal_id").get(row["id"], [])]
    entry.add(_("Linked exercises"), ", ".join(linked))
    return entry


def _message(page: Page, row: dict[str, Any]) -> Entry:
    entry = Entry(_("%(name)s on %(when)s", name=page.name(row.get("author_id")), when=_when(row.get("created_at"))))
    page.client_field(entry, row)
    entry.add(_("Message"), row.get("body"), long=True)
    return entry


def _document(page: Page, row: dict[str, Any]) -> Entry:
    entry = Entry(row.get("filename") or _("Document"), link=row.get("file"))
    page.client_field(entry, row)
    entry.add(_("Type"), row.get("content_type"))
    entry.add(_("Size in bytes"), row.get("size"))
    entry.add(_("Uploaded by"), page.name(row.get("uploaded_by_id")))
    entry.add(_("Uploaded"), _when(row.get("created_at")))
    return entry


def _event(page: Page, row: dict[str, Any]) -> Entry:
    entry = Entry(f"{_when(row.get('at'))}: {row.get('action')}")
    who = page.name(row.get("actor_id")) if row.get("actor_id") else ""
    entry.add(_("By"), f"{who} ({ROLES.get(row.get('actor_role'), row.get('actor_role'))})".strip())
    entry.add(_("About"), page.name(row.get("subject_id")) if row.get("subject_id") else "")
    entry.add(_("What"), f"{row.get('object_type')} {row.get('object_id') or ''}".strip())
    for change in page.by("audit_changes", "event_id").get(row.get("id"), []):
        entry.children.append(Entry(str(change.get("field")), [
            (_("Before"), str(change.get("before") or ""), True), (_("After"), str(change.get("after") or ""), True)]))
    return entry


def _generic(page: Page, kind: str, row: dict[str, Any]) -> Entry:
    entry = Entry(f"#{row['id']}" if "id" in row else kind.replace("_", " "))
    for name, value in row.items():
        if name == "id":
            continue
        if name.endswith("_id") and isinstance(value, int) and (name in ("user_id", "client_id", "person_id")
                                                               or name.endswith("by_id")):
            value = page.name(value)
        elif name.endswith(("_at", "_on", "_date")):
            value = _when(value) or value
        entry.add(name.replace("_", " "), value if not isinstance(value, dict | list) else json.dumps(value),
                  long=isinstance(value, str) and len(value) > 80)
    return entry


BUILDERS = {
    "people": _person, "programmes": _programme, "exercise_assignments": _exercise, "session_reports": _report,
    "journal_entries": _journal, "goals": _goal, "messages": _message, "documents": _document, "audit_events": _event,
}


def sections(page: Page, lang: str) -> list[Section]:
    """Every kind in the archive as a section of the page, in reading order."""
    kinds = [k for k in page.records if k not in NESTED]
    ordered = [k for k in ORDER if k in kinds] + [k for k in kinds if k not in ORDER and k not in LAST] + [
        k for k in LAST if k in kinds]
    found = []
    for kind in ordered:
        if kind == "assessment_assignments":
            entries = [_assessment(page, row, lang) for row in page.rows(kind)]
        elif kind in BUILDERS:
            entries = [BUILDERS[kind](page, row) for row in page.rows(kind)]
        else:
            entries = [_generic(page, kind, row) for row in page.rows(kind)]
        heading = HEADINGS.get(kind) or kind.replace("_", " ").capitalize()
        found.append(Section(kind, str(heading), entries))
    return found


def render_index(document: dict[str, Any], locale: str) -> str:
    """The offline page of an archive, in locale."""
    lang = locale if locale in current_app.config["LANGUAGES"] else current_app.config["DEFAULT_LOCALE"]
    with force_locale(lang):
        page = Page(document)
        subject = document.get("subject")
        template = current_app.jinja_env.get_template("archive/index.html")
        return template.render(
            lang=lang,
            document=document,
            subject_name=page.name(subject["id"]) if subject else None,
            practice_name=document["practice"]["name"],
            exported_at=_when(document["exported_at"]),
            sections=sections(page, lang),
        )
