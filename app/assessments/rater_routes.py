"""360-degree feedback pages: inviting raters and the feedback (client, coach), and the rater's own link."""
from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role
from app.assessments import chart, raters, services
from app.assessments.models import AssessmentAssignment, RaterRelation
from app.assessments.routes import _common, _lang, bp
from app.extensions import db


def _managed(assignment_id: int) -> AssessmentAssignment:
    assignment = services.get_assignment_or_404(assignment_id)
    if not raters.may_manage(current_user, assignment) or not raters.supports_raters(assignment):
        abort(404)
    return assignment


def _raters_page(assignment: AssessmentAssignment, status: int = 200, **extra: Any) -> Response:
    instrument = services.instrument_of(assignment)
    invited = raters.read_raters(current_user, assignment)
    result = raters.feedback(current_user, assignment, _lang())
    db.session.commit()
    bars, height = [], 0.0
    if result.shown and all(row.self_score is not None for row in result.rows):
        own = [services.ScaleResult(r.scale_id, r.name, r.self_score, r.low, r.high, None) for r in result.rows]
        others = [services.ScaleResult(r.scale_id, r.name, r.others, r.low, r.high, None) for r in result.rows]
        bars, height = chart.bars([own, others])
    context = _common(
        assignment=assignment, instrument=instrument, client=services.client_of(assignment), invited=invited,
        feedback=result, min_raters=raters.MIN_RATERS, closed=raters.is_closed(assignment),
        relations=RaterRelation.LABELS, chart=bars, chart_height=height, errors=[], draft={},
        is_client=current_user.id == assignment.client_id,
    )
    context.update(extra)
    return make_response(render_template("assessments/raters.html", **context), status)


@bp.get("/<int:assignment_id>/raters")
@role_required(Role.CLIENT, Role.COACH)
def raters_page(assignment_id: int) -> Response:
    """Feedback from others: who was invited, and self-rating next to the average of others."""
    return _raters_page(_managed(assignment_id))


@bp.post("/<int:assignment_id>/raters")
@role_required(Role.CLIENT, Role.COACH)
def invite_rater(assignment_id: int) -> Response:
    """Invite someone by name and e-mail address; they get a single-use link."""
    assignment = _managed(assignment_id)
    draft = {k: request.form.get(k, "") for k in ("name", "email", "relation")}
    try:
        raters.invite(current_user, assignment, draft["name"], draft["email"], draft["relation"])
    except raters.RaterError as error:
        db.session.rollback()
        return _raters_page(assignment, error.status, errors=error.messages, draft=draft)
    db.session.commit()
    flash(_("The invitation has been sent."), "success")
    return redirect(url_for(".raters_page", assignment_id=assignment.id), 303)


@bp.post("/<int:assignment_id>/raters/close")
@role_required(Role.CLIENT, Role.COACH)
def close_raters(assignment_id: int) -> Response:
    """Close the round: unused links stop working; names and e-mail addresses are deleted."""
    assignment = _managed(assignment_id)
    raters.close_round(current_user, assignment)
    db.session.commit()
    flash(_("The feedback round is closed. The names and e-mail addresses of the people invited have been deleted."),
          "success")
    return redirect(url_for(".raters_page", assignment_id=assignment.id), 303)


# --- the rater's link: no account, no session; it opens this form and nothing else ----------------


def _rate_page(rater: Any, status: int = 200, errors: list[str] | None = None,
               answers: dict[str, str] | None = None, missing: list[int] | None = None) -> Response:
    assignment = db.session.get(AssessmentAssignment, rater.assignment_id)
    instrument = services.instrument_of(assignment)
    items = list(enumerate(instrument.items, start=1))
    response = make_response(render_template(
        "assessments/rate.html", instrument=instrument, items=items, errors=errors or [], answers=answers or {},
        missing=missing or [], scale=services.point_labels(instrument, _lang()), token=request.view_args["token"],
        practice_name=_practice_name(), min_raters=raters.MIN_RATERS, **_common()), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _practice_name() -> str:
    from app.tenancy.context import current_practice

    return current_practice().name


def _refused(error: raters.RaterError) -> Response:
    response = make_response(render_template(
        "assessments/rate_refused.html", messages=error.messages, **_common()), error.status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/rate/<token>", methods=["GET", "POST"])
def rate(token: str) -> Response:
    """A rater's form (single use, expires); answers are stored only when every item is answered in range."""
    if len(token) > 100:
        return _refused(raters.RaterError(404, [_("This link is not valid. Ask the person who invited you for a new one.")]))
    try:
        rater = raters.rater_for(token)
    except raters.RaterError as error:
        db.session.commit()  # the refusal's audit event
        return _refused(error)
    if request.method == "GET":
        raters.open_form(rater)
        db.session.commit()
        return _rate_page(rater)
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        raters.submit_rating(rater, form)
    except raters.RaterError as error:
        db.session.rollback()
        return _rate_page(rater, error.status, errors=error.messages, answers=form, missing=error.numbers)
    db.session.commit()
    response = make_response(render_template(
        "assessments/rate_done.html", practice_name=_practice_name(), **_common()))
    response.headers["Cache-Control"] = "no-store"
    return response
