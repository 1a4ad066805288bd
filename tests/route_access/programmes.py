"""Routes of the programmes package: templates (coaches), a client's programme, "my programme"."""
from __future__ import annotations

from datetime import date

from app.accounts import services as accounts
from app.extensions import db
from app.programmes import library, services
from app.tenancy.context import use_practice
from tests.route_access import Route, for_roles, own_client_expectations

ONE = "praktijk-een"


def setup(app, world) -> dict[str, int]:
    """A template with two steps, and a programme of carol's with two information steps."""
    with app.app_context(), use_practice(world.practices[ONE]):
        alice = accounts.user_by_id(world.ids["alice"])
        carol = accounts.user_by_id(world.ids["carol"])
        template = library.create_template(alice, "Loopbaan", "")
        first = library.add_template_step(template, {"kind": "info", "title": "Welkom", "unlock": "always"})
        library.add_template_step(template, {"kind": "info", "title": "Daarna", "unlock": "previous"})
        programme = services.start_programme(
            alice, carol, {"title": "Traject", "status": "active", "starts_on": date(2026, 1, 5)}
        )
        step = services.add_step(alice, programme, {"kind": "info", "title": "Lees dit", "unlock": "always"})
        services.add_step(alice, programme, {"kind": "info", "title": "En dit", "unlock": "always"})
        db.session.commit()
        return {
            "template": template.id, "template_step": first.id, "programme": programme.id,
            "step": step.id, "carol": carol.id,
        }


_coaches = for_roles(200, 403, 403)
_programme = lambda ids: {"programme_id": ids["programme"]}
_step = lambda ids: {"programme_id": ids["programme"], "step_id": ids["step"]}
_template = lambda ids: {"template_id": ids["template"]}
_template_step = lambda ids: {"template_id": ids["template"], "step_id": ids["template_step"]}

ROUTES = [
    Route("practice.programmes.templates", expect=_coaches),
    Route("practice.programmes.edit_template", values=_template, expect=_coaches),
    Route("practice.programmes.edit_template_step", values=_template_step, expect=_coaches),
    Route("practice.programmes.start", values=lambda ids: {"client_id": ids["carol"]},
          expect=own_client_expectations(coach=200, client=403)),
    Route("practice.programmes.manage", values=_programme, expect=own_client_expectations(coach=200, client=403)),
    Route("practice.programmes.mine", expect=for_roles(403, 200, 403)),
    Route("practice.programmes.templates", "POST", data={"name": ""}, expect=for_roles(422, 403, 403)),
    Route("practice.programmes.edit_template", "POST", values=_template, data={"name": ""},
          expect=for_roles(422, 403, 403)),
    Route("practice.programmes.add_template_step", "POST", values=_template, data={"kind": "info", "title": ""},
          expect=for_roles(422, 403, 403)),
    Route("practice.programmes.edit_template_step", "POST", values=_template_step,
          data={"edit-kind": "info", "edit-title": "", "edit-unlock": "always"}, expect=for_roles(422, 403, 403)),
    Route("practice.programmes.move_template_step", "POST", values=_template_step, data={"direction": "down"},
          expect=for_roles(303, 403, 403)),
    Route("practice.programmes.remove_template_step", "POST", values=_template_step,
          expect=for_roles(303, 403, 403)),
    Route("practice.programmes.delete_template", "POST", values=_template, expect=for_roles(303, 403, 403)),
    Route("practice.programmes.start", "POST", values=lambda ids: {"client_id": ids["carol"]}, data={"title": ""},
          expect=own_client_expectations(coach=422, client=403)),
    Route("practice.programmes.manage", "POST", values=_programme, data={"title": ""},
          expect=own_client_expectations(coach=422, client=403)),
    Route("practice.programmes.add_step", "POST", values=_programme, data={"kind": "info", "title": ""},
          expect=own_client_expectations(coach=422, client=403)),
    Route("practice.programmes.mark_read", "POST", values=_step, expect=own_client_expectations(coach=403, client=303)),
    Route("practice.programmes.move_step", "POST", values=_step, data={"direction": "down"},
          expect=own_client_expectations(coach=303, client=403)),
    Route("practice.programmes.remove_step", "POST", values=_step, expect=own_client_expectations(coach=303, client=403)),
]
