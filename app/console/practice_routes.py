"""Console pages about practices and their subscriptions: counts only, never a person's data."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts import services as accounts
from app.console import services
from app.console.access import current_operator, operator_required
from app.console.events import console_event
from app.console.forms import EndSubscriptionForm, NewPracticeForm, SubscriptionForm
from app.console.routes import bp
from app.extensions import db
from app.mail.services import MailError
from app.tenancy import services as tenancy
from app.tenancy.context import use_practice
from app.tenancy.models import Practice
from app.tenancy.sqlite import writing

Page = Response | str | tuple[str, int]


def _practice_or_404(practice_id: int) -> Practice:
    """The one place console pages look a practice up by id: unknown ids are 404."""
    practice = services.practice_by_id(practice_id)
    if practice is None:
        abort(404)
    return practice


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


@bp.get("/")
@operator_required
def index() -> Page:
    """Every practice with its status and how many coaches and clients it has, 50 a page."""
    pages = services.count_pages()
    page = min(_page_number(), pages)
    return render_template("console/index.html", rows=services.practice_page(page), page=page, pages=pages)


@bp.route("/practices/new", methods=["GET", "POST"])
@operator_required
def new_practice() -> Page:
    """Create a practice with its own file and key, and invite its first admin."""
    form = NewPracticeForm()
    if form.validate_on_submit():
        slug, name, email = form.slug.data.strip(), form.name.data.strip(), form.admin_email.data
        try:
            ref, link = tenancy.create_practice(slug, name, email)
        except tenancy.PracticeError as error:
            db.session.rollback()
            form.form_errors.append(_("The practice could not be created: %(reason)s", reason=str(error)))
        else:
            with writing():
                practice_id = db.session.scalar(select(Practice.id).where(Practice.slug == ref.slug))
                console_event("practice.created", "practice", practice_id)
                db.session.commit()
            mailed = _mail_invitation(ref, email, link)
            return render_template("console/created.html", practice_id=practice_id, slug=ref.slug, link=link, mailed=mailed)
    status = 422 if request.method == "POST" else 200
    return render_template("console/new_practice.html", form=form), status


def _mail_invitation(ref: Any, email: str, link: str) -> bool:
    """Mail the first admin their invitation (in the practice); False when the mail could not go out."""
    with use_practice(ref):
        user = accounts.user_by_email(accounts.normalise_email(email))
        try:
            accounts.mail_invitation(user, link)
        except MailError:
            return False
    return True


def _detail(practice: Practice, status: int = 200, **forms: Any) -> tuple[str, int]:
    context = {
        "practice_row": services.practice_row(practice),
        "subscriptions": services.subscriptions_of(practice.id),
        "can_end": services.can_be_ended(services.latest_subscription(practice.id)),
        "subscription_form": forms.get("subscription_form") or SubscriptionForm(formdata=None),
        "end_form": forms.get("end_form") or EndSubscriptionForm(formdata=None),
        "erasure_date_after": services.erasure_date_after,
    }
    return render_template("console/practice.html", **context), status


@bp.get("/practices/<int:practice_id>")
@operator_required
def practice(practice_id: int) -> Page:
    """One practice: state, head counts and subscription history."""
    return _detail(_practice_or_404(practice_id))


@bp.post("/practices/<int:practice_id>/suspend")
@operator_required
def suspend(practice_id: int) -> Response:
    """Suspend a practice: its people see a notice instead of their pages until it is reactivated."""
    _practice_or_404(practice_id)
    services.set_suspended(practice_id, True)
    flash(_("The practice is suspended."), "success")
    return redirect(url_for("console.practice", practice_id=practice_id), 303)


@bp.post("/practices/<int:practice_id>/reactivate")
@operator_required
def reactivate(practice_id: int) -> Response:
    """Let the practice's people in again."""
    _practice_or_404(practice_id)
    services.set_suspended(practice_id, False)
    flash(_("The practice is active again."), "success")
    return redirect(url_for("console.practice", practice_id=practice_id), 303)


@bp.post("/practices/<int:practice_id>/subscriptions")
@operator_required
def add_subscription(practice_id: int) -> Page:
    """Add a subscription to the practice's history."""
    practice = _practice_or_404(practice_id)
    form = SubscriptionForm()
    if form.validate_on_submit():
        try:
            services.add_subscription(
                current_operator(), practice_id, form.plan.data, form.price_cents(), form.starts_on.data, form.ends_on.data
            )
        except services.ConsoleError as error:
            db.session.rollback()
            _attach(form, error)
            return _detail(practice, error.status, subscription_form=form)
        flash(_("The subscription has been added."), "success")
        return redirect(url_for("console.practice", practice_id=practice_id), 303)
    return _detail(practice, 422, subscription_form=form)


@bp.post("/practices/<int:practice_id>/subscriptions/end")
@operator_required
def end_subscription(practice_id: int) -> Page:
    """Set the end date of the practice's current subscription."""
    practice = _practice_or_404(practice_id)
    form = EndSubscriptionForm()
    if form.validate_on_submit():
        try:
            services.end_subscription(current_operator(), practice_id, form.ends_on.data)
        except services.ConsoleError as error:
            db.session.rollback()
            _attach(form, error)
            return _detail(practice, error.status, end_form=form)
        flash(_("The end date of the subscription has been saved."), "success")
        return redirect(url_for("console.practice", practice_id=practice_id), 303)
    return _detail(practice, 422, end_form=form)


def _attach(form: Any, error: services.ConsoleError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


@bp.get("/events")
@operator_required
def events() -> Page:
    """The console's audit log, newest first, 50 a page: who did what to which object (ids only)."""
    page = _page_number()
    rows, has_more = services.console_events_page(page)
    if page > 1 and not rows:
        abort(404)
    return render_template("console/events.html", rows=rows, page=page, has_more=has_more)
