"""Routes of the session reports package."""
from __future__ import annotations

from datetime import date

from app.accounts import services as accounts
from app.extensions import db
from app.reports import services as reports
from app.reports.models import ReportVersion
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles, own_client_expectations

ONE = "praktijk-een"
REPORT = {"session_date": "2026-03-02", "duration_minutes": "50", "kind": "intake", "visibility": "shared", "text": "Verslag"}


def setup(app, world) -> dict[str, int]:
    """A private and a shared report about carol, written by alice."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        values = {"session_date": date(2026, 3, 1), "duration_minutes": 60, "kind": "coaching", "text": "Verslag"}
        private = reports.create_report(alice, carol, {**values, "visibility": "private"})
        shared = reports.create_report(alice, carol, {**values, "visibility": "shared"})
        db.session.flush()
        version = db.session.query(ReportVersion).filter_by(report_id=private.id).one()
        db.session.commit()
        return {"carol": carol.id, "private": private.id, "shared": shared.id, "version": version.id}


def coach_only(coach: int | set[int]) -> dict[str, int | set[int]]:
    """A coach's page about carol: her coach gets `coach`, other coaches 404, clients and admins 403."""
    return {**own_client_expectations(coach=coach, client=403), "dave": 403, "admin": 403}


ROUTES = [
    Route("practice.reports.mine", expect=for_roles(403, 200, 403)),
    Route("practice.reports.new", values=lambda ids: {"client_id": ids["carol"]}, expect=coach_only(200)),
    Route("practice.reports.view", values=lambda ids: {"report_id": ids["private"]},
          expect={**own_client_expectations(coach=200, client=404), "admin": 403}),
    Route("practice.reports.view", values=lambda ids: {"report_id": ids["shared"]},
          expect={**own_client_expectations(coach=200, client=200), "admin": 403}),
    Route("practice.reports.edit", values=lambda ids: {"report_id": ids["private"]}, expect=coach_only(200)),
    Route("practice.reports.versions", values=lambda ids: {"report_id": ids["private"]}, expect=coach_only(200)),
    Route("practice.reports.version", values=lambda ids: {"report_id": ids["private"], "version_id": ids["version"]},
          expect=coach_only(200)),
    Route("practice.reports.new", "POST", values=lambda ids: {"client_id": ids["carol"]}, data=REPORT,
          expect=coach_only(303)),
    Route("practice.reports.edit", "POST", values=lambda ids: {"report_id": ids["private"]},
          data={**REPORT, "duration_minutes": "0"}, expect=coach_only(422)),
    Route("practice.reports.edit", "POST", values=lambda ids: {"report_id": ids["shared"]}, data=REPORT,
          expect=coach_only(303)),
]
