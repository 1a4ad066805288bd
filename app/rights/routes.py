"""Data-subject requests: a person's own requests and new ones, the practice admin's list, steps and erasure."""
from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from app.accounts import services as accounts
from app.accounts.access import role_required
from app.accounts.reauth import recent_password_required
from app.accounts.models import Role, User
from app.clients.sections import dossier_section
from app.extensions import db
from app.privacy.hub import privacy_block
from app.rights import erasure, services
from app.rights.forms import (
    EraseForm,
    IdentityForm,
    NewRequestForm,
    RefuseForm,
    RegisterForm,
)
from app.rights.models import DataRequest, RequestKind, RequestStatus
from app.web.forms import ActionForm
from app.web.htmx import page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("rights", __name__, url_prefix="/requests")

register_nav(NavItem("practice.rights.index", _l("Requests"), (Role.PRACTICE_ADMIN,), 30, "practice.rights.badge"))

SHOW = ("open", "closed")


def optional_url(endpoint: str, **values: Any) -> str | None:
    """The URL of endpoint if that page exists in this installation (features built in parallel), else None."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _role_label(person: User) -> str:
    return {Role.PRACTICE_ADMIN: _("Practice admin"), Role.COACH: _("Coach")}.get(person.role, _("Client"))


# --- the person's side ----------------------------------------------------------------------


def _mine_context(person: User) -> dict[str, Any]:
    return {
        "data_requests": services.requests_of(person),
        "today": services.today(),
        "export_url": optional_url("practice.archive.mine"),
    }


@privacy_block("requests", "rights/_privacy_block.html", 30, Role.ALL)
def _requests_block(person: User) -> dict[str, Any]:
    return _mine_context(person)


@bp.get("/mine")
@role_required(*Role.ALL)
def mine() -> str:
    """The person's own requests: what they asked, where it stands, when it is due, and any refusal reason."""
    return render_template("rights/mine.html", **_mine_context(current_user))


def _new_page(form: NewRequestForm, status: int = 200) -> Response:
    explanations = {kind: RequestKind.EXPLANATIONS[kind] for kind in RequestKind.ALL}
    return make_response(
        render_template(
            "rights/new.html",
            form=form,
            explanations=explanations,
            export_url=optional_url("practice.archive.mine"),
            account_url=optional_url("practice.accounts.account"),
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*Role.ALL)
def new() -> Response:
    """A person asks the practice to use one of their rights; their sign-in confirms who they are."""
    form = NewRequestForm()
    if not form.validate_on_submit():
        return _new_page(form, 422 if form.is_submitted() else 200)
    try:
        services.ask(current_user, form.kind.data, form.note.data)
    except services.RequestError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _new_page(form, error.status)
    db.session.commit()
    flash(_("Your request has been sent. The practice answers within two weeks; you will get an e-mail when there is news."), "success")
    return redirect(url_for("practice.rights.mine"), 303)


# --- the practice admin's side -----------------------------------------------------------------


@bp.get("/badge")
@role_required(Role.PRACTICE_ADMIN)
def badge() -> str:
    """The number of open requests for the menu (polled by htmx); empty when there are none."""
    return render_template("rights/_badge.html", count=services.open_count())


@bp.get("/")
@role_required(Role.PRACTICE_ADMIN)
def index() -> Response:
    """Every open request by due date (overdue ones marked), or the closed ones."""
    show = request.args.get("show", "open")
    show = show if show in SHOW else "open"
    listed = services.open_requests() if show == "open" else services.closed_requests()
    return page_or_fragment(
        "rights/index.html", "rights/_list.html",
        data_requests=listed, people=services.people_of(listed), today=services.today(), show=show,
    )


def _register_form() -> RegisterForm:
    form = RegisterForm()
    people = [(p.id, f"{p.full_name} ({_role_label(p)}, {p.email})") for p in accounts.list_users()]
    form.set_people(people)
    if not form.is_submitted():
        form.received_on.data = services.today()
    return form


@bp.route("/register", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
def register() -> Response:
    """Record a request received by e-mail, letter or phone, for anyone in the practice."""
    form = _register_form()
    if form.validate_on_submit():
        person = db.session.get(User, form.person_id.data)
        try:
            data_request = services.open_request(
                person, form.kind.data, form.channel.data, current_user, form.note.data,  # type: ignore[arg-type]
                received_on=form.received_on.data, identity_method=form.identity_method.data,
            )
        except services.RequestError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            return make_response(render_template("rights/register.html", form=form), error.status)
        db.session.commit()
        flash(_("The request has been registered."), "success")
        return redirect(url_for("practice.rights.detail", request_id=data_request.id), 303)
    status = 422 if form.is_submitted() else 200
    return make_response(render_template("rights/register.html", form=form), status)


def _context_links(data_request: DataRequest, person: User | None) -> dict[str, Any]:
    """Where the admin does the work a request asks for."""
    is_client = person is not None and person.role == Role.CLIENT
    links: dict[str, Any] = {"export": None, "restrictions": None, "erase": None, "coaches": []}
    if person is None:
        return links
    if data_request.kind in (RequestKind.ACCESS, RequestKind.EXPORT) and is_client:
        links["export"] = optional_url("practice.archive.client_export", client_id=person.id)
    if data_request.kind == RequestKind.RECTIFICATION:
        links["coaches"] = services.coaches_of(person)
    if data_request.kind in RequestKind.RESTRICTING or data_request.kind == RequestKind.WITHDRAWAL:
        links["restrictions"] = optional_url("practice.restrictions.index")
    if data_request.kind == RequestKind.ERASURE and is_client:
        links["erase"] = url_for("practice.rights.erase", client_id=person.id)
    return links


def _detail(data_request: DataRequest, status: int = 200, **forms: Any) -> Response:
    people = services.people_of([data_request])
    person = people.get(data_request.person_id) if data_request.person_id else None
    services.read_request(data_request, current_user)
    page = render_template(
        "rights/detail.html",
        data_request=data_request,
        person=person,
        people=people,
        role_label=_role_label(person) if person else None,
        identity_method=services.identity_method_label(data_request),
        today=services.today(),
        links=_context_links(data_request, person),
        identity_form=forms.get("identity_form") or IdentityForm(formdata=None),
        refuse_form=forms.get("refuse_form") or RefuseForm(formdata=None),
        action_form=ActionForm(),
        step_error=forms.get("step_error"),
    )
    db.session.commit()  # the audited read (after rendering: a commit expires the rows)
    return make_response(page, status)


@bp.get("/<int:request_id>")
@role_required(Role.PRACTICE_ADMIN)
def detail(request_id: int) -> Response:
    """One request with its identity check, its steps and where to do the work."""
    return _detail(services.get_request_or_404(request_id))


def _step(request_id: int, do: Any, form: Any = None, form_name: str | None = None) -> Response:
    """Run one step of a request; a refused step shows the request again with the reason and a 4xx."""
    data_request = services.get_request_or_404(request_id)
    form = form or ActionForm()
    if not form.validate_on_submit():
        db.session.rollback()
        forms = {form_name: form} if form_name else {"step_error": _("The form has expired. Please try again.")}
        return _detail(data_request, 422, **forms)
    try:
        do(data_request)
    except services.RequestError as error:
        db.session.rollback()
        data_request = services.get_request_or_404(request_id)
        return _detail(data_request, error.status, step_error=str(error))
    db.session.commit()
    flash(_("The request is now: %(status)s.", status=RequestStatus.LABELS[data_request.status]), "success")
    return redirect(url_for("practice.rights.detail", request_id=request_id), 303)


@bp.post("/<int:request_id>/identity")
@role_required(Role.PRACTICE_ADMIN)
def confirm_identity(request_id: int) -> Response:
    """Record how the person's identity was confirmed."""
    form = IdentityForm()
    return _step(request_id, lambda r: services.confirm_identity(r, current_user, form.method.data), form, "identity_form")


@bp.post("/<int:request_id>/start")
@role_required(Role.PRACTICE_ADMIN)
def start(request_id: int) -> Response:
    """Start working on the request."""
    return _step(request_id, lambda r: services.start(r, current_user))


@bp.post("/<int:request_id>/done")
@role_required(Role.PRACTICE_ADMIN)
def complete(request_id: int) -> Response:
    """Mark the request done."""
    return _step(request_id, lambda r: services.complete(r, current_user))


@bp.post("/<int:request_id>/refuse")
@role_required(Role.PRACTICE_ADMIN)
def refuse(request_id: int) -> Response:
    """Refuse the request, with the reason the person reads."""
    form = RefuseForm()
    return _step(request_id, lambda r: services.refuse(r, current_user, form.reason.data), form, "refuse_form")


# --- erasure ---------------------------------------------------------------------------------


def get_client_for_erasure_or_404(client_id: int) -> User:
    """A client of this practice, for its practice admin; 404 for anyone else or anything else."""
    if current_user.role != Role.PRACTICE_ADMIN:
        abort(404)
    client = db.session.get(User, client_id)
    if client is None or client.role != Role.CLIENT:
        abort(404)
    return client


@bp.route("/erase/<int:client_id>", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
@recent_password_required
def erase(client_id: int) -> Response:
    """Show what erasing a client deletes (counts only) and erase them once their full name is typed."""
    client = get_client_for_erasure_or_404(client_id)
    form = EraseForm()
    status = 200
    if form.validate_on_submit():
        try:
            erasure.erase_client(client, current_user, form.typed_name.data)
        except erasure.ErasureError as error:
            db.session.rollback()
            form.typed_name.errors = [*form.typed_name.errors, str(error)]
            status = 422
        else:
            flash(_("The client and all their data have been erased."), "success")
            return redirect(url_for("practice.rights.index"), 303)
    elif form.is_submitted():
        status = 422
    page = render_template("rights/erase.html", client=client, preview=erasure.preview(client), form=form)
    return make_response(page, status)


@dossier_section("corrections", _l("Correction requests"), "rights/_corrections_section.html", order=90)
def _corrections_section(client: User, viewer: User) -> dict[str, Any]:
    """The client's open requests to correct dossier data, for the coaches who do the correcting."""
    return {"corrections": services.open_corrections(client)}
