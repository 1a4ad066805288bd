"""How every practice table belongs in an archive: the one registry the exporter and importer follow.

Each practice table is declared here with the name its records get in the archive (its
*kind*) and how its rows belong to a client:

- ``client``: a column names the client (``client_id``, ``user_id``; for people, ``id``);
- ``child``: rows belong to the client of their parent row (an FK column and the parent table);
- ``content``: practice content (exercises, consent texts) taken into a client's archive only
  where the client's own rows refer to it (``referenced_by``), so the archive shows the
  questions as they were answered and the text as it was consented to;
- ``audit``: the audit log; a client's archive holds the events about them or by them;
- ``practice``: practice-wide; only in a practice archive;
- ``never``: never exported (``why`` says why).

A table missing from this registry fails tests/test_archive_scope.py: every new table has
to be declared before it can reach (or be kept out of) an archive.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.tenancy.session import TENANT_BIND_KEY

Condition = Callable[[sa.Table], sa.ColumnElement[bool]]


@dataclass(frozen=True)
class Belongs:
    """How one table enters an archive."""

    kind: str
    how: str
    column: str | None = None
    parent: str | None = None
    referenced_by: tuple[tuple[str, str], ...] = ()
    # For content: the column the referencing rows point at (the primary key unless said otherwise).
    key: str = "id"
    # A further condition for a client's archive (e.g. only reports shared with the client).
    only: Condition | None = None
    # Columns holding secrets (hashes of passwords and link secrets): never exported.
    omit: tuple[str, ...] = ()
    # Whether these rows come along when a client's archive is imported into another practice.
    client_import: bool = False
    # Why the rows stay out of an archive (never) or out of a client import (documentation).
    why: str = ""


CLIENT, CHILD, CONTENT, AUDIT, PRACTICE, NEVER = "client", "child", "content", "audit", "practice", "never"
HOWS = (CLIENT, CHILD, CONTENT, AUDIT, PRACTICE, NEVER)


def _shared(table: sa.Table) -> sa.ColumnElement[bool]:
    return table.c.visibility == "shared"


# table name -> how it belongs in an archive
REGISTRY: dict[str, Belongs] = {
    # accounts
    "users": Belongs("people", CLIENT, "id", omit=("password_hash",), client_import=True),
    "coach_assignments": Belongs("coach_assignments", CLIENT, "client_id",
                                 why="the coaches of the importing practice are chosen there"),
    "account_tokens": Belongs("account_tokens", NEVER,
                              why="one-time invitation and reset links: their hashes are secrets, and they expire"),
    "user_sessions": Belongs("user_sessions", NEVER,
                             why="sign-in sessions: their hashes are secrets, and they end"),
    "sign_in_attempts": Belongs("sign_in_attempts", NEVER,
                                why="throttling counts of failed sign-ins: hashed keys that age out in a day"),
    "client_profiles": Belongs("client_profiles", CLIENT, "user_id", client_import=True),
    # audit
    "audit_events": Belongs("audit_events", AUDIT,
                            why="a client's archive holds the events about them (subject) or done by them"),
    "audit_changes": Belongs("audit_changes", CHILD, "event_id", "audit_events"),
    # settings and notifications
    "practice_settings": Belongs("practice_settings", PRACTICE),
    "notifications": Belongs("notifications", CLIENT, "user_id",
                             why="their links point at pages of the practice they were made in"),
    # exercises
    "exercises": Belongs("exercises", CONTENT, referenced_by=(("exercise_versions", "exercise_id"),),
                         client_import=True),
    "exercise_versions": Belongs("exercise_versions", CONTENT,
                                 referenced_by=(("exercise_assignments", "version_id"),), client_import=True),
    "exercise_questions": Belongs("exercise_questions", CHILD, "version_id", "exercise_versions",
                                  client_import=True),
    "exercise_assignments": Belongs("exercise_assignments", CLIENT, "client_id", client_import=True),
    "exercise_answers": Belongs("exercise_answers", CHILD, "assignment_id", "exercise_assignments",
                                client_import=True),
    # session reports: a client's archive holds only what was shared with the client
    "session_reports": Belongs("session_reports", CLIENT, "client_id", only=_shared, client_import=True),
    "report_versions": Belongs("report_versions", CHILD, "report_id", "session_reports", only=_shared,
                               client_import=True),
    # documents, journal, messages, goals
    "documents": Belongs("documents", CLIENT, "client_id", client_import=True),
    "journal_entries": Belongs("journal_entries", CLIENT, "client_id", client_import=True),
    "messages": Belongs("messages", CLIENT, "client_id", client_import=True),
    "message_thread_reads": Belongs("message_thread_reads", CLIENT, "user_id",
                                    why="read markers point at message ids of the practice they were made in"),
    "goals": Belongs("goals", CLIENT, "client_id", client_import=True),
    "goal_exercises": Belongs("goal_exercises", CHILD, "goal_id", "goals", client_import=True),
    # programmes
    "programme_templates": Belongs("programme_templates", PRACTICE),
    "programme_template_steps": Belongs("programme_template_steps", PRACTICE),
    "programmes": Belongs("programmes", CLIENT, "client_id", client_import=True),
    "programme_steps": Belongs("programme_steps", CHILD, "programme_id", "programmes", client_import=True),
    # assessments
    # Questionnaires taken with an instrument the practice imported (not a built-in) bring it along.
    "practice_instruments": Belongs("practice_instruments", CONTENT,
                                    referenced_by=(("assessment_assignments", "instrument_id"),),
                                    key="instrument_id", client_import=True),
    "assessment_assignments": Belongs("assessment_assignments", CLIENT, "client_id", client_import=True),
    "assessment_raters": Belongs("assessment_raters", PRACTICE, omit=("token_hash",),
                                 why="raters are third parties and a client never sees single raters' answers"),
    # privacy (issue 5)
    "privacy_settings": Belongs("privacy_settings", PRACTICE),
    "processors": Belongs("processors", PRACTICE),
    "consent_versions": Belongs("consent_versions", CONTENT, referenced_by=(("consents", "version_id"),)),
    "consents": Belongs("consents", CLIENT, "user_id",
                        why="consent is given to one practice; the importing practice asks for its own"),
    "marketing_opt_ins": Belongs("marketing_opt_ins", CLIENT, "user_id",
                                 why="an opt-in is given to one practice"),
    "restrictions": Belongs("restrictions", CLIENT, "client_id",
                            why="a restriction is about the processing in the practice that made it"),
    "data_requests": Belongs("data_requests", CLIENT, "person_id",
                             why="requests are made to one practice and answered by it"),
    "export_jobs": Belongs("export_jobs", NEVER,
                           why="the exports' own bookkeeping; their files are temporary"),
    # dossier retention (issue 6)
    "dossier_policy": Belongs("dossier_policy", PRACTICE),
    "dossier_extensions": Belongs("dossier_extensions", CLIENT, "client_id",
                                  why="an extension is about how long the practice that gave it keeps the dossier"),
}


def practice_tables() -> list[sa.Table]:
    """Every table of a practice file, parents before children (foreign-key order)."""
    return list(db.metadatas[TENANT_BIND_KEY].sorted_tables)


def undeclared_tables() -> list[str]:
    """Practice tables nobody has said anything about (must be empty)."""
    return sorted(t.name for t in practice_tables() if t.name not in REGISTRY)


def belongs(table: str) -> Belongs:
    """The declaration of table; a KeyError names an undeclared table."""
    return REGISTRY[table]


def kind_of(table: str) -> str:
    """The name of table's records in an archive."""
    return REGISTRY[table].kind


def table_of_kind(kind: str) -> str | None:
    """The table whose records are called kind, or None."""
    for name, declared in REGISTRY.items():
        if declared.kind == kind:
            return name
    return None
