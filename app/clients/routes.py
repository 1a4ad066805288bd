"""Client list, new clients, the dossier page and its sections, and correcting details."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.accounts import services as accounts
from app.accounts.access import role_required
from app.accounts.models import Role
from app.audit.services import audit
from app.clients import services
from app.clients.access import get_client_or_404
from app.clients.forms import ContactDetailsForm, NewClientForm
from app.clients.sections import dossier_section, section, sections
from app.extensions import db
from app.mail.services import MailError
from app.web.htmx import page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("clients", __name__, url_prefix="/clients")

register_nav(NavItem("practice.clients.index", _l("Clients"), (Role.COACH,), 20))


@bp.get("/")
@role_required(Role.COACH)
def index() -> Response:
    """The coach's clients, searchable without a page reload."""
    query = request.args.get("q", "")[:100]
    page = request.args.get("page", 1, type=int) or 1
    clients, total = services.search_clients(current_user, query, page)
    pages = max(1, -(-total // services.PAGE_SIZE))
    return page_or_fragment(
        "clients/index.html", "clients/_client_rows.html",
        clients=clients, total=total, query=query, page=min(page, pages), pages=pages,
    )


def _coach_choices(form: NewClientForm) -> None:
    form.coaches.choices = [SelectChoice(c.id, c.full_name) for c in accounts.coaches()]


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.COACH, Role.PRACTICE_ADMIN)
def new() -> Response | tuple[str, int]:
    """Create a client (a coach is assigned to the clients they create) and invite them."""
    form = NewClientForm()
    _coach_choices(form)
    if form.validate_on_submit():
        try:
            client = services.create_client(current_user, form.data, form.coaches.data or [])
            link = accounts.send_invitation(client, current_user) if form.send_invitation.data else None
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            if link:
                try:
                    accounts.mail_invitation(client, link)
                except MailError:
                    flash(_("The client was added, but the invitation e-mail could not be sent."), "error")
            flash(_("%(name)s has been added.", name=client.full_name), "success")
            if current_user.role == Role.COACH:
                return redirect(url_for("practice.clients.dossier", client_id=client.id), 303)
            return redirect(url_for("practice.people.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("clients/new.html", form=form), status


@bp.get("/<int:client_id>")
@role_required(Role.COACH)
def dossier(client_id: int) -> str:
    """The client's dossier on one page; each section loads as its own fragment."""
    client = get_client_or_404(client_id)
    return render_template("clients/dossier.html", client=client, sections=sections())


@bp.get("/<int:client_id>/sections/<name>")
@role_required(Role.COACH)
def dossier_fragment(client_id: int, name: str) -> Response:
    """One section of the dossier; reading it is audited."""
    client = get_client_or_404(client_id)
    part = section(name)
    if part is None:
        abort(404)
    context = part.load(client, current_user)
    audit("dossier.read", "client", client.id, detail={"section": name})
    response = page_or_fragment(
        "clients/section_page.html", part.template, client=client, section=part, **context
    )
    # After rendering: a commit expires every loaded row, and rendering would load each again.
    db.session.commit()
    return response


@bp.route("/<int:client_id>/details", methods=["GET", "POST"])
@role_required(Role.COACH)
def details(client_id: int) -> Response | str | tuple[str, int]:
    """Correct a client's contact details and dossier facts."""
    client = get_client_or_404(client_id)
    profile = services.profile_of(client)
    form = ContactDetailsForm(obj=client)
    if request.method == "GET":
        form.date_of_birth.data = profile.birth_date
        form.referral_notes.data = profile.referral_notes
        audit("details.read", "client", client.id)
        db.session.commit()
    if form.validate_on_submit():
        try:
            changed = services.correct_details(current_user, client, form.data)
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            flash(_("The details have been saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("practice.clients.dossier", client_id=client.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("clients/details.html", form=form, client=client), status


@dossier_section("details", _l("Details"), "clients/_details.html", order=10)
def _details_section(client: accounts.User, viewer: accounts.User) -> dict[str, object]:
    profile = services.profile_of(client)
    return {"profile": profile, "coaches": accounts.coaches_of(client), "date_of_birth": profile.birth_date}
