"""Routes of the documents package."""
from __future__ import annotations

import io

from app.accounts import services as accounts
from app.documents import services as documents
from app.extensions import db
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles, own_client_expectations

ONE = "praktijk-een"
PDF = b"%PDF-1.4\n%%EOF\n"


def setup(app, world) -> dict[str, int]:
    """A document carol uploaded and one alice uploaded to carol's dossier."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        by_client = documents.store_document(carol, carol, "cv.pdf", PDF)
        by_coach = documents.store_document(alice, carol, "verslag.pdf", PDF)
        db.session.commit()
        return {"carol": carol.id, "by_client": by_client.id, "by_coach": by_coach.id}


def _file() -> dict[str, object]:
    return {"file": (io.BytesIO(PDF), "cv.pdf")}


class _Upload(dict):
    """Form data with a fresh file each time the walker copies it (a stream is read only once)."""

    def __init__(self) -> None:
        super().__init__(file=None)

    def __iter__(self):
        return iter(("file",))

    def __getitem__(self, key):
        return _file()[key]


coach_only = {**own_client_expectations(coach=200, client=403), "dave": 403, "admin": 403}
uploader_only_client = {**own_client_expectations(coach=403, client=200), "admin": 403}
uploader_only_coach = {**own_client_expectations(coach=200, client=403), "admin": 403}


def _status(expect: dict, ok: int) -> dict:
    return {name: (ok if status == 200 else status) for name, status in expect.items()}


ROUTES = [
    Route("practice.documents.mine", expect=for_roles(403, 200, 403)),
    Route("practice.documents.upload", values=lambda ids: {"client_id": ids["carol"]}, expect=coach_only),
    Route("practice.documents.download", values=lambda ids: {"document_id": ids["by_client"]},
          expect={**own_client_expectations(coach=200, client=200), "admin": 403}),
    Route("practice.documents.delete", values=lambda ids: {"document_id": ids["by_client"]}, expect=uploader_only_client),
    Route("practice.documents.delete", values=lambda ids: {"document_id": ids["by_coach"]}, expect=uploader_only_coach),
    Route("practice.documents.mine", "POST", data=_Upload(), expect=for_roles(403, 303, 403)),
    Route("practice.documents.upload", "POST", values=lambda ids: {"client_id": ids["carol"]}, data=_Upload(),
          expect=_status(coach_only, 303)),
    Route("practice.documents.delete", "POST", values=lambda ids: {"document_id": ids["by_client"]},
          expect=_status(uploader_only_client, 303)),
    Route("practice.documents.delete", "POST", values=lambda ids: {"document_id": ids["by_coach"]},
          expect=_status(uploader_only_coach, 303)),
]
