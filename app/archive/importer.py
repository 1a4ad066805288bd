"""Importing an archive: a whole practice into a new practice, or one client into this practice.

Both are all or nothing: every record goes in within one transaction, or ArchiveError says
what was wrong and nothing stays behind (for a practice: no file, no key, no platform row).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from app.accounts.ids import next_person_id
from app.accounts.models import Role, User
from app.archive import scope
from app.archive.reader import Archive, ArchiveError, open_archive
from app.archive.records import file_column
from app.archive.values import BadValue, from_json
from app.audit.services import anchor_chain, audit, verify_chain
from app.extensions import db
from app.tenancy import services as tenancy
from app.tenancy.context import PracticeRef, use_practice
from app.timeutil import utcnow
from app.vault.tokens import digest, new_secret
from app.web.i18n import mark

log = logging.getLogger(__name__)

# Secret columns are never exported; a NOT NULL one is filled with a fresh secret's hash nobody knows.
SECRET_FILLERS = {"token_hash": lambda: digest(new_secret())}
# References kept without a foreign key: (table, column) -> the table they point at.
LOGICAL_REFERENCES = {("goals", "programme_id"): "programmes"}
FILE_FIELDS = ("file", "sha256")
_CHUNK = 500


def _tables_of(archive: Archive) -> list[sa.Table]:
    """The tables the archive's kinds go into, parents first; unknown kinds are refused."""
    tables = scope.practice_tables()
    known = {scope.kind_of(t.name) for t in tables if scope.belongs(t.name).how != scope.NEVER}
    unknown = sorted(set(archive.records) - known)
    if unknown:
        raise ArchiveError(
            mark("The archive holds records this installation does not know (%(kinds)s); update Koers first."),
            kinds=", ".join(unknown),
        )
    return [t for t in tables if scope.kind_of(t.name) in archive.records]


def _row(archive: Archive, table: sa.Table, record: dict[str, Any]) -> dict[str, Any]:
    """The column values of one record, checked against the table."""
    kind = scope.kind_of(table.name)
    row: dict[str, Any] = {}
    files = file_column(table)
    for name, value in record.items():
        if files is not None and name in FILE_FIELDS:
            continue
        if name not in table.c or name in scope.belongs(table.name).omit:
            raise ArchiveError(mark("Records of '%(kind)s' have a field this installation does not know: %(field)s."),
                               kind=kind, field=name)
        try:
            row[name] = from_json(table.c[name], value)
        except BadValue as problem:
            raise ArchiveError(mark("Record %(id)s of '%(kind)s': %(field)s is %(problem)s."),
                               id=record.get("id"), kind=kind, field=name, problem=str(problem)) from None
    if files is not None:
        row[files.name] = archive.file_bytes(kind, record)
    for name in scope.belongs(table.name).omit:
        column = table.c[name]
        if not column.nullable and name in SECRET_FILLERS:
            row[name] = SECRET_FILLERS[name]()
    return row


def _insert(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        # Rows of one kind may leave out different nullable fields; each statement gets the same keys.
        columns = sorted({key for row in chunk for key in row})
        db.session.execute(sa.insert(table), [{c: row.get(c) for c in columns} for row in chunk])


def _refused_by_database(error: Exception, kind: str) -> ArchiveError:
    # The statement's values are hidden (hide_parameters): the message names the constraint only.
    reason = str(getattr(error, "orig", error)).splitlines()[0]
    return ArchiveError(mark("The records of '%(kind)s' do not fit together (%(reason)s)."), kind=kind, reason=reason)


# --- a whole practice ---------------------------------------------------------------------------


def _fill_practice(archive: Archive, tables: list[sa.Table]) -> str:
    """Put every record of the archive in the new (current) practice and commit; returns ""."""
    try:
        # The fresh file's seeded rows (the settings row, a default consent text) make way for the archive's.
        for table in reversed(tables):
            db.session.execute(table.delete())
        count = 0
        for table in tables:
            kind = scope.kind_of(table.name)
            rows = [_row(archive, table, record) for record in archive.records[kind]]
            try:
                _insert(table, rows)
                db.session.flush()
            except (IntegrityError, StatementError) as error:
                raise _refused_by_database(error, kind) from None
            count += len(rows)
        report = verify_chain()
        if not report.ok:
            raise ArchiveError(mark("The audit log in the archive does not verify: event %(id)s %(reason)s."),
                               id=report.first_broken_id, reason=report.reason)
        audit("archive.imported", "practice", None, detail={"scope": "practice", "records": count})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return ""


def import_practice_archive(path: Path | str | IO[bytes], new_slug: str, name: str | None = None) -> PracticeRef:
    """Create practice new_slug from a practice archive, keeping every id; ArchiveError when it cannot.

    The people come from the archive (no first admin is invited); they have no password
    until they choose one through "forgot password". Everything is re-encrypted with the
    new practice's key, and the audit log is taken over as stored, so it verifies.
    """
    with open_archive(Path(path) if isinstance(path, str) else path) as archive:
        if archive.scope != "practice":
            raise ArchiveError(mark("This is the archive of one client, not of a practice: import it on the "
                                    "practice's export page."))
        tables = _tables_of(archive)
        practice_name = name or archive.document["practice"]["name"]
        try:
            ref, _link = tenancy.create_practice(new_slug, practice_name, None, fill=lambda: _fill_practice(archive, tables))
        except tenancy.PracticeError as error:
            raise ArchiveError(mark("The practice cannot be created: %(reason)s."), reason=str(error)) from None
    # The imported chain's newest event, anchored outside the file like every practice's.
    with use_practice(ref):
        anchor_chain()
        db.session.commit()
    log.info("practice %s imported from an archive", ref.slug)
    return ref


# --- one client into this practice ------------------------------------------------------------------


class _Remap:
    """Old ids of the archive to the new ids they got in this practice."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, Any], Any] = {}

    def targets(self, table: sa.Table) -> dict[str, str]:
        """Column -> table it points at, for every reference of table."""
        found = {c.name: next(iter(c.foreign_keys)).column.table.name for c in table.columns if c.foreign_keys}
        found.update({column: target for (name, column), target in LOGICAL_REFERENCES.items() if name == table.name})
        return found

    def apply(self, table: sa.Table, row: dict[str, Any]) -> dict[str, Any] | None:
        """row with its references moved to the new ids; None when a required one has nothing to point at."""
        for column, target in self.targets(table).items():
            old = row.get(column)
            if old is None:
                continue
            new = self.ids.get((target, old))
            if new is None and not table.c[column].nullable:
                return None
            row[column] = new
        return row


def _client_row(table: sa.Table, row: dict[str, Any], subject_id: int, now: Any) -> dict[str, Any] | None:
    """What changes when a record moves to another practice, or None when it stays behind."""
    if table.name == "users":
        if row.get("id") != subject_id:
            return None  # coaches and others appear by name only; they are not people of this practice
        if row.get("role") != Role.CLIENT:
            raise ArchiveError(mark("The person in this archive is not a client."))
        return {**row, "password_hash": None}
    if table.name == "exercises":
        # Kept for the answers given to them, out of this practice's library.
        return {**row, "archived_at": row.get("archived_at") or now}
    return row


def import_client_archive(source: Path | IO[bytes], actor: User, coach: User | None = None) -> User:
    """Make the client of an archive a client of this practice, with everything of theirs; commits.

    Ids are new; references to people not in the archive become empty, and records that
    cannot exist without them stay behind. The client gets an invitation to set a password.
    """
    from app.accounts import services as accounts

    with open_archive(source) as archive:
        if archive.scope != "client":
            raise ArchiveError(mark("This is the archive of a whole practice: an operator imports it as a new "
                                    "practice with the command line."))
        tables = [t for t in _tables_of(archive) if scope.belongs(t.name).client_import]
        subject_id = archive.document["subject"]["id"]
        email = next((p.get("email") for p in archive.records.get("people", []) if p.get("id") == subject_id), None)
        if not isinstance(email, str):
            raise ArchiveError(mark("The archive does not hold its client's details."))
        if accounts.user_by_email(email) is not None:
            raise ArchiveError(mark("Someone in this practice already uses the e-mail address of this archive's "
                                    "client; nothing was imported."))
        try:
            client, count = _fill_client(archive, tables, subject_id)
            if coach is not None:
                accounts.assign_coach(coach, client)
            audit("archive.imported", "client", client.id, actor=actor, detail={"scope": "client", "records": count})
            link = accounts.send_invitation(client, actor)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    accounts.mail_invitation(client, link)
    return client


def _fill_client(archive: Archive, tables: list[sa.Table], subject_id: int) -> tuple[User, int]:
    remap = _Remap()
    now = utcnow()
    count = 0
    for table in tables:
        kind = scope.kind_of(table.name)
        keys = list(table.primary_key.columns)
        own_id = keys[0] if len(keys) == 1 and not keys[0].foreign_keys else None
        for record in archive.records[kind]:
            row = _client_row(table, _row(archive, table, record), subject_id, now)
            if row is None or remap.apply(table, row) is None:
                continue
            if table.name == "practice_instruments" and _instrument_exists(table, row):
                continue
            old_id = row.pop(own_id.name) if own_id is not None else None
            if table.name == "users":
                row["id"] = next_person_id(db.session.connection(bind_arguments={"mapper": User}))
            try:
                result = db.session.execute(sa.insert(table).values(**row))
            except (IntegrityError, StatementError) as error:
                raise _refused_by_database(error, kind) from None
            if own_id is not None:
                remap.ids[(table.name, old_id)] = result.inserted_primary_key[0]
            count += 1
    client = db.session.get(User, remap.ids.get(("users", subject_id)))
    if client is None:
        raise ArchiveError(mark("The archive does not hold its client's details."))
    return client, count


def _instrument_exists(table: sa.Table, row: dict[str, Any]) -> bool:
    """The practice already has this instrument version (the same id and version mean the same file)."""
    found = db.session.execute(
        sa.select(table.c.id).where(table.c.instrument_id == row["instrument_id"], table.c.version == row["version"])
    ).first()
    return found is not None
