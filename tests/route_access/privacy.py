"""Routes of the privacy package."""
from __future__ import annotations

from datetime import date

from app.extensions import db
from app.privacy.models import Processor
from app.tenancy.context import use_practice
from tests.route_access import Route, everyone, for_roles, signed_in_only

ONE = "praktijk-een"


def setup(app, world) -> dict[str, int]:
    """A processor in praktijk-een's register."""
    with app.app_context(), use_practice(world.practices[ONE]):
        processor = Processor(name="Hosting BV", purpose="Hosting", location="NL", agreement_date=date(2024, 1, 1))
        db.session.add(processor)
        db.session.commit()
        return {"processor": processor.id}


def _processor(ids: dict[str, int]) -> dict[str, object]:
    return {"processor_id": ids["processor"]}


SETTINGS = {
    "legal_name": "Praktijk Een B.V.", "address": "Straat 1, Utrecht", "contact_email": "info@een.test",
    "officer_name": "Pim Privacy", "officer_email": "privacy@een.test", "dossier_retention_months": "24",
}
PROCESSOR = {"name": "Mail BV", "purpose": "Sending e-mail"}
admin_only = for_roles(coach=403, client=403, admin=200)

ROUTES = [
    # Public: anyone, signed in anywhere or not.
    Route("practice.privacy.statement", "GET", expect=everyone(200)),
    Route("practice.privacy.mine", "GET", expect=signed_in_only(200)),
    Route("practice.privacy.access_log", "GET", expect=for_roles(coach=403, client=200, admin=403)),
    Route("practice.privacy.settings", "GET", expect=admin_only),
    Route("practice.privacy.audit_log", "GET", expect=admin_only),
    Route("practice.privacy.processor_edit", "GET", values=_processor, expect=admin_only),
    Route("practice.privacy.settings", "POST", data=SETTINGS, expect=for_roles(coach=403, client=403, admin=303)),
    Route("practice.privacy.processor_create", "POST", data={f"new-{k}": v for k, v in PROCESSOR.items()},
          expect=for_roles(coach=403, client=403, admin=303)),
    Route("practice.privacy.processor_edit", "POST", values=_processor, data=PROCESSOR,
          expect=for_roles(coach=403, client=403, admin=303)),
    # Last: it removes the processor the routes above use.
    Route("practice.privacy.processor_delete", "POST", values=_processor,
          expect=for_roles(coach=403, client=403, admin=303)),
]
