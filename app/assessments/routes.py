"""Assessments: the instruments (practice admin), giving them (coach), answering and results."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.assessments import chart, services
from app.assessments.instruments import InstrumentError
from app.assessments.models import AssessmentAssignment, AssessmentStatus
from app.clients.access import get_client_or_404
from app.clients.sections import dossier_section
from app.extensions import db
from app.programmes import services as programmes
from app.web.htmx import is_htmx
from app.web.nav import NavItem, register_nav

bp = Blueprint("assessments", __name__, url_prefix="/assessments")

register_nav(NavItem("practice.assessments.instruments", _l("Instruments"), (Role.PRACTICE_ADMIN,), 40))
register_nav(NavItem("practice.assessments.mine", _l("Assessments"), (Role.CLIENT,), 25))

MAX_UPLOAD = 1024 * 1024


def _lang() -> str:
    return str(get_locale() or "en")[:2]


def _common(**extra: Any) -> dict[str, Any]:
    return {"lang": _lang(), "text": services.text, "status_labels": AssessmentStatus.LABELS,
            "format_score": chart.format_score, **extra}


# --- instruments (practice admin; coaches read the list to give them) --------------------------


def _instruments_page(status: int = 200, errors: list[str] | None = None) -> Response:
    return make_response(render_template(
        "assessments/instruments.html", listed=services.catalogue(), errors=errors or [],
        can_import=current_user.role == Role.PRACTICE_ADMIN, **_common()), status)


@bp.get("/instruments")
@role_required(Role.PRACTICE_ADMIN, Role.COACH)
def instruments() -> Response:
    """Built-in and imported instruments."""
    return _instruments_page()


@bp.post("/instruments")
@role_required(Role.PRACTICE_ADMIN)
def import_instrument() -> Response:
    """Import an instrument file; an id that exists gets the next version. A file with errors is refused whole."""
    upload = request.files.get("file")
    raw = upload.read(MAX_UPLOAD + 1) if upload else b""
    if not raw:
        return _instruments_page(422, [_("Choose an instrument file (JSON) to import.")])
    if len(raw) > MAX_UPLOAD:
        return _instruments_page(422, [_("The file is larger than 1 MB.")])
    try:
        instrument = services.import_instrument(current_user, raw)
    except InstrumentError as error:
        db.session.rollback()
        return _instruments_page(422, list(error.errors))
    db.session.commit()
    flash(_("Imported “%(title)s” as version %(version)d.", title=services.text(instrument.title, _lang()),
            version=instrument.version), "success")
    return redirect(url_for(".instruments"), 303)


@bp.get("/instruments/<instrument_id>/export")
@role_required(Role.PRACTICE_ADMIN, Role.COACH)
def export(instrument_id: str) -> Response:
    """The instrument (newest version, or ?version=n) as a JSON download."""
    version = request.args.get("version", type=int)
    if version is not None and not 0 < version < 1_000_000:
        abort(404)
    found = services.instrument_version(instrument_id, version)
    if found is None:
        abort(404)
    instrument = found[0]
    response = make_response(services.export_text(instrument))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="{instrument.id}-v{instrument.version}.json"'
    return response


# --- giving an instrument to a client (coach) --------------------------------------------------


@bp.route("/clients/<int:client_id>/assign", methods=["GET", "POST"])
@role_required(Role.COACH)
def assign(client_id: int) -> Response:
    """Give a client the newest version of an instrument, with an optional due date."""
    client = get_client_or_404(client_id)
    errors: list[str] = []
    if request.method == "POST":
        due: date | None = None
        raw_due = request.form.get("due_date", "").strip()
        if raw_due:
            try:
                due = date.fromisoformat(raw_due)
            except ValueError:
                errors.append(_("Enter the due date as a date."))
            else:
                if not date(2000, 1, 1) <= due <= date(2100, 12, 31):
                    errors.append(_("Enter the due date as a date."))
        if not errors:
            try:
                services.assign(current_user, client, request.form.get("instrument_id", ""), due)
            except services.AssessmentError as error:
                db.session.rollback()
                errors = error.messages
            else:
                db.session.commit()
                flash(_("The questionnaire has been given to the client."), "success")
                return redirect(url_for("practice.clients.dossier", client_id=client.id) + "#assessments", 303)
    return make_response(render_template(
        "assessments/assign.html", client=client, listed=services.catalogue(), errors=errors,
        today=date.today(), **_common()), 422 if errors else 200)


# --- the client's questionnaires ---------------------------------------------------------------


@bp.get("/")
@role_required(Role.CLIENT)
def mine() -> str:
    """The client's questionnaires (those of programme steps that are still locked wait in the programme)."""
    locked = programmes.locked_questionnaire_ids(current_user)
    assignments = [a for a in services.assignments_of(current_user) if a.id not in locked]
    return render_template("assessments/mine.html", assignments=assignments,
                           titles=services.titles_of(assignments, _lang()), **_common())


@bp.get("/<int:assignment_id>")
@role_required(Role.CLIENT, Role.COACH)
def show(assignment_id: int) -> Response:
    """A questionnaire: its result once submitted; before that the client resumes where they stopped."""
    assignment = services.get_assignment_or_404(assignment_id)
    if not assignment.is_open:
        return _result_page(assignment)
    instrument = services.instrument_of(assignment)
    if current_user.id == assignment.client_id:
        page = services.first_open_page(instrument, assignment.answers)
        return redirect(url_for(".take", assignment_id=assignment.id, page=page), 303)
    return make_response(render_template(
        "assessments/waiting.html", assignment=assignment, instrument=instrument,
        client=services.client_of(assignment), **_common()))


def _take_page(assignment: AssessmentAssignment, page: int, status: int = 200, **extra: Any) -> Response:
    instrument = services.instrument_of(assignment)
    answers = services.read_answers(current_user, assignment)
    db.session.commit()
    context = _common(
        assignment=assignment, instrument=instrument, page=page, pages=services.page_count(instrument),
        items=services.page_items(instrument, page), answers=answers, scale=services.point_labels(instrument, _lang()),
        answered=sum(1 for item in instrument.items if item.id in answers), total=len(instrument.items),
    )
    context.update({"errors": [], "missing": [], **extra})
    return make_response(render_template("assessments/take.html", **context), status)


def _own_open(assignment_id: int) -> AssessmentAssignment:
    assignment = services.get_assignment_or_404(assignment_id)
    if current_user.id != assignment.client_id:
        abort(404)
    if assignment.id in programmes.locked_questionnaire_ids(current_user):
        abort(make_response(render_template("assessments/locked.html", **_common()), 409))
    return assignment


@bp.get("/<int:assignment_id>/pages/<int:page>")
@role_required(Role.CLIENT)
def take(assignment_id: int, page: int) -> Response:
    """One page of ten items; every answer is saved as it is chosen."""
    assignment = _own_open(assignment_id)
    if not assignment.is_open:
        return redirect(url_for(".show", assignment_id=assignment.id), 303)
    if not 1 <= page <= services.page_count(services.instrument_of(assignment)):
        abort(404)
    return _take_page(assignment, page)


@bp.post("/<int:assignment_id>/pages/<int:page>")
@role_required(Role.CLIENT)
def save(assignment_id: int, page: int) -> Response:
    """Save answers: one (htmx, on change) or a whole page (the page's button); all or nothing."""
    assignment = _own_open(assignment_id)
    instrument = services.instrument_of(assignment)
    if not 1 <= page <= services.page_count(instrument):
        abort(404)
    form = {k: v for k, v in request.form.items()}
    try:
        saved = services.save_answers(current_user, assignment, form)
    except services.AssessmentError as error:
        db.session.rollback()
        if is_htmx():
            response = make_response(render_template(
                "assessments/_save_state.html", state_id=_state_id(instrument, form), ok=False,
                messages=error.messages), error.status)
            response.vary.add("HX-Request")
            return response
        if error.status == 409:
            flash(error.messages[0], "error")
            return redirect(url_for(".show", assignment_id=assignment.id), 303)
        return _take_page(assignment, page, error.status, errors=error.messages)
    db.session.commit()
    if is_htmx():
        response = make_response(render_template(
            "assessments/_save_state.html", state_id=_state_id(instrument, form), ok=True, messages=[]))
        response.vary.add("HX-Request")
        return response
    pages = services.page_count(instrument)
    if request.form.get("action") == "next" and page < pages:
        return redirect(url_for(".take", assignment_id=assignment.id, page=page + 1), 303)
    flash(_("Your answers on this page have been saved.") if saved else _("Nothing was changed."), "success")
    return redirect(url_for(".take", assignment_id=assignment.id, page=page), 303)


def _state_id(instrument: Any, form: dict[str, str]) -> str:
    """The save-state element of the (first) item in the form: named by its number, never its answer."""
    numbers = {item.id: n for n, item in enumerate(instrument.items, start=1)}
    for field in form:
        if field.startswith("a-") and field[2:] in numbers:
            return f"state-{numbers[field[2:]]}"
    return "state-page"


@bp.post("/<int:assignment_id>/submit")
@role_required(Role.CLIENT)
def submit(assignment_id: int) -> Response:
    """Submit: every item must have an answer; the scores are computed and stored with the version."""
    assignment = _own_open(assignment_id)
    try:
        services.submit(current_user, assignment)
    except services.AssessmentError as error:
        db.session.rollback()
        if error.status == 422 and error.numbers:
            page = (error.numbers[0] - 1) // services.PAGE_SIZE + 1
            return _take_page(assignment, page, 422, errors=error.messages, missing=error.numbers)
        if error.status == 409:
            return make_response(render_template(
                "assessments/refused.html", assignment=assignment, messages=error.messages, **_common()), 409)
        return _take_page(assignment, 1, error.status, errors=error.messages)
    db.session.commit()
    flash(_("You submitted the questionnaire. Your coach can now see the result."), "success")
    return redirect(url_for(".show", assignment_id=assignment.id), 303)


# --- results ------------------------------------------------------------------------------------


def _result_page(assignment: AssessmentAssignment, status: int = 200, **extra: Any) -> Response:
    instrument = services.instrument_of(assignment)
    scores, note = services.read_result(current_user, assignment)
    db.session.commit()
    rows = services.results(instrument, scores, _lang())
    bars, height = chart.bars([rows])
    others = [a for a in services.assignments_of(services.client_of(assignment))
              if a.id != assignment.id and not a.is_open and a.instrument_id == assignment.instrument_id]
    context = _common(
        assignment=assignment, instrument=instrument, rows=rows, chart=bars, chart_height=height,
        note=note, note_draft=None, note_errors=[], others=others, client=services.client_of(assignment),
        translated=services.is_translated(instrument, _lang()), is_coach=current_user.role == Role.COACH,
    )
    context.update(extra)
    return make_response(render_template("assessments/result.html", **context), status)


@bp.post("/<int:assignment_id>/note")
@role_required(Role.COACH)
def note(assignment_id: int) -> Response:
    """The coach's interpretation of a result; the client sees it."""
    assignment = services.get_assignment_or_404(assignment_id)
    draft = request.form.get("note", "")
    try:
        changed = services.set_note(current_user, assignment, draft)
    except services.AssessmentError as error:
        db.session.rollback()
        if assignment.is_open:
            abort(error.status)
        return _result_page(assignment, error.status, note_draft=draft, note_errors=error.messages)
    db.session.commit()
    flash(_("Your interpretation has been saved; the client can read it.") if changed else _("Nothing was changed."),
          "success")
    return redirect(url_for(".show", assignment_id=assignment.id) + "#note", 303)


@bp.get("/compare/<int:first_id>/<int:second_id>")
@role_required(Role.CLIENT, Role.COACH)
def compare(first_id: int, second_id: int) -> Response:
    """Two submitted results of the same instrument side by side."""
    first = services.get_assignment_or_404(first_id)
    second = services.get_assignment_or_404(second_id)
    if first.id == second.id or not services.comparable(first, second):
        abort(404)
    pair = sorted((first, second), key=lambda a: (a.submitted_at, a.id))
    groups = []
    for assignment in pair:
        scores, _note = services.read_result(current_user, assignment)
        groups.append(services.results(services.instrument_of(assignment), scores, _lang()))
    db.session.commit()
    bars, height = chart.bars(groups)
    return make_response(render_template(
        "assessments/compare.html", pair=pair, groups=groups, chart=bars, chart_height=height,
        instrument=services.instrument_of(pair[-1]), client=services.client_of(first), **_common()))


@dossier_section("assessments", _l("Questionnaires"), "assessments/_section.html", order=35)
def _assessments_section(client: User, viewer: User) -> dict[str, Any]:
    assignments = services.assignments_of(client)
    return _common(assignments=assignments, titles=services.titles_of(assignments, _lang()),
                   listed=services.catalogue(), today=date.today())

from app.assessments import rater_routes as _rater_routes  # noqa: F401  (registers the 360-degree feedback routes)
