"""Which person an audit event is about, so a person's own access log can be read back."""
from __future__ import annotations

import importlib
from typing import Any

from app.extensions import db

# object_type -> (model path, attribute naming the person). The person is the client whose
# dossier holds the object; "client" and "user" events are about object_id itself.
_OWNED: dict[str, tuple[str, str]] = {
    "exercise_assignment": ("app.exercises.models:Assignment", "client_id"),
    "journal_entry": ("app.journal.models:JournalEntry", "client_id"),
    "goal": ("app.goals.models:Goal", "client_id"),
    "message": ("app.messages.models:Message", "client_id"),
    "session_report": ("app.reports.models:SessionReport", "client_id"),
    "programme": ("app.programmes.models:Programme", "client_id"),
    "assessment_assignment": ("app.assessments.models:AssessmentAssignment", "client_id"),
    "document": ("app.documents.models:Document", "client_id"),
}
_PERSONS = {"client", "user"}


def register_subject(object_type: str, model_path: str, attribute: str) -> None:
    """Declare that events on object_type are about the person in model.attribute."""
    _OWNED[object_type] = (model_path, attribute)


def _model(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def subject_of(object_type: str, object_id: int | None, detail: dict[str, Any] | None) -> int | None:
    """The id of the person an event on this object is about, or None."""
    if object_type in _PERSONS:
        return object_id
    if detail and isinstance(detail.get("client_id"), int):
        return detail["client_id"]
    if object_type == "assessment_rater" and object_id is not None:
        from app.assessments.models import AssessmentAssignment, AssessmentRater

        rater = db.session.get(AssessmentRater, object_id)
        assignment = db.session.get(AssessmentAssignment, rater.assignment_id) if rater else None
        return assignment.client_id if assignment else None
    owned = _OWNED.get(object_type)
    if owned is None or object_id is None:
        return None
    row = db.session.get(_model(owned[0]), object_id)
    return getattr(row, owned[1], None) if row is not None else None
