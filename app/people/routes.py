"""The practice admin's people page: everyone in the practice, invitations, deactivation."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.accounts import services as accounts
from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.extensions import db
from app.mail.services import MailError
from app.people.forms import CoachesForm, InviteForm
from app.programmes import services as programmes
from app.rights import services as rights
from app.web.forms import ActionForm
from app.web.nav import NavItem, register_nav

bp = Blueprint("people", __name__, url_prefix="/admin/people")

register_nav(NavItem("practice.people.index", _l("People"), (Role.PRACTICE_ADMIN,), 10))


def get_person_for_admin(user_id: int) -> User:
    """The person with this id in this practice, for its practice admin; 404 otherwise."""
    if current_user.role != Role.PRACTICE_ADMIN:
        abort(404)
    user = accounts.user_by_id(user_id)
    if user is None:
        abort(404)
    return user


def _invite_form() -> InviteForm:
    form = InviteForm()
    if not form.is_submitted():
        form.locale.data = str(get_locale())  # the admin's own language, unless changed
    form.coaches.choices = [SelectChoice(c.id, c.full_name) for c in accounts.coaches()]
    return form


def _page(form: InviteForm, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "people/index.html",
            form=form,
            people=accounts.list_users(),
            pending=accounts.pending_invitation_user_ids(),
            action_form=ActionForm(),
            caseloads=accounts.caseload_counts(),
            unguided=accounts.clients_without_coach(),
            programme_counts=programmes.status_counts(),
            requests_overview=rights.overview(),
        ),
        status,
    )


@bp.get("/")
@role_required(Role.PRACTICE_ADMIN)
def index() -> tuple[str, int]:
    """Everyone in the practice, with the invitation form."""
    return _page(_invite_form())


@bp.post("/invite")
@role_required(Role.PRACTICE_ADMIN)
def invite() -> Response | tuple[str, int]:
    """Create a person and mail them an invitation link."""
    form = _invite_form()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        user, _link = accounts.invite_user(
            current_user, form.role.data, form.email.data, form.first_name.data, form.last_name.data,
            form.coaches.data or [], form.locale.data or str(get_locale()),
        )
    except accounts.AccountError as error:
        db.session.rollback()
        form.email.errors.append(str(error))
        return _page(form, 422)
    except MailError:
        flash(_("The person was added, but the invitation e-mail could not be sent. Use 'Send invitation again'."), "error")
        return redirect(url_for("practice.people.index"), 303)
    flash(_("Invitation sent to %(name)s.", name=user.full_name), "success")
    return redirect(url_for("practice.people.index"), 303)


@bp.post("/<int:user_id>/resend")
@role_required(Role.PRACTICE_ADMIN)
def resend(user_id: int) -> Response:
    """Send a fresh invitation link; earlier links stop working."""
    person = get_person_for_admin(user_id)
    if person.password_hash is not None:
        flash(_("%(name)s has already accepted the invitation.", name=person.full_name), "info")
        return redirect(url_for("practice.people.index"), 303)
    link = accounts.send_invitation(person, current_user)
    db.session.commit()
    try:
        accounts.mail_invitation(person, link)
    except MailError:
        flash(_("The invitation e-mail could not be sent. Try again in a few minutes."), "error")
    else:
        flash(_("A new invitation was sent to %(name)s.", name=person.full_name), "success")
    return redirect(url_for("practice.people.index"), 303)


@bp.post("/<int:user_id>/deactivate")
@role_required(Role.PRACTICE_ADMIN)
def deactivate(user_id: int) -> Response:
    """Block a person from signing in and end their sessions."""
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/activate")
@role_required(Role.PRACTICE_ADMIN)
def activate(user_id: int) -> Response:
    """Let a deactivated person sign in again."""
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool) -> Response:
    person = get_person_for_admin(user_id)
    try:
        accounts.set_active(current_user, person, active)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        if active:
            flash(_("%(name)s can sign in again.", name=person.full_name), "success")
        else:
            flash(_("%(name)s can no longer sign in.", name=person.full_name), "success")
    return redirect(url_for("practice.people.index"), 303)


@bp.route("/<int:user_id>/coaches", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
def coaches(user_id: int) -> Response | tuple[str, int]:
    """Choose the coaches who guide a client."""
    person = get_person_for_admin(user_id)
    if person.role != Role.CLIENT:
        abort(404)
    form = CoachesForm()
    form.coaches.choices = [SelectChoice(c.id, c.full_name) for c in accounts.coaches()]
    if request.method == "GET":
        form.coaches.data = [c.id for c in accounts.coaches_of(person)]
    if form.validate_on_submit():
        try:
            accounts.set_coaches(current_user, person, form.coaches.data or [])
        except accounts.AccountError as error:
            db.session.rollback()
            form.coaches.errors.append(str(error))
        else:
            flash(_("The coaches of %(name)s have been saved.", name=person.full_name), "success")
            return redirect(url_for("practice.people.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("people/coaches.html", form=form, person=person), status
