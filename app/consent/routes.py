"""Consent: the gate before a client's dossier, the consent page, withdrawal, the marketing
opt-in, and the practice admin's consent text and records."""
from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
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
from sqlalchemy import select
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from app.accounts.access import home_endpoint, role_required
from app.accounts.models import Role, User
from app.audit.services import audit
from app.consent import services
from app.consent.forms import (
    GiveConsentForm,
    MarketingForm,
    PublishForm,
    RecordForm,
    WithdrawForm,
)
from app.consent.models import Consent, ConsentHow, ConsentVersion
from app.extensions import db
from app.privacy.hub import privacy_block
from app.restrictions import services as restrictions
from app.restrictions.access import managed_client_or_404
from app.restrictions.forms import LiftForm, StartForm
from app.tenancy.context import current_practice
from app.web.errors import render_error
from app.web.htmx import is_htmx
from app.web.nav import NavItem, nav_items, register_nav
from app.web.navigation import safe_next

bp = Blueprint("consent", __name__, url_prefix="/consent")



# --- the gate ------------------------------------------------------------------------------------

# What a client may use before consenting: this package, their account and language, and their
# privacy rights (a person may use their rights without consenting to anything).
GATE_OPEN_BLUEPRINTS = frozenset({
    "practice.consent", "practice.accounts", "practice.privacy", "practice.rights", "practice.archive",
})
GATE_OPEN_ENDPOINTS = frozenset({"practice.home.index"})


def _gate_is_open(endpoint: str, blueprint: str | None) -> bool:
    if blueprint in GATE_OPEN_BLUEPRINTS or endpoint in GATE_OPEN_ENDPOINTS:
        return True
    # The menu's counters (polled from every page, the consent page too) show counts, not data.
    return endpoint in {item.badge_endpoint for item in nav_items() if item.badge_endpoint}


@bp.before_app_request
def consent_gate() -> Response | tuple[str, int] | None:
    """A client who has not consented to the current text sees the consent page before anything else."""
    endpoint = request.endpoint or ""
    if not endpoint.startswith("practice.") or _gate_is_open(endpoint, request.blueprint):
        return None
    if not current_user.is_authenticated or current_user.role != Role.CLIENT:
        return None
    if services.has_current_consent(current_user):
        return None
    if request.method in ("GET", "HEAD") and not is_htmx():
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("practice.consent.give", next=target), 303)
    db.session.rollback()
    return render_error(
        403, _("First read the consent text and give your consent: until then nothing can be saved in your dossier.")
    )


# --- the client's consent ------------------------------------------------------------------------


def _hub_url(fallback: str) -> str:
    """The person's "my privacy" page, or fallback where there is none."""
    try:
        return url_for("practice.privacy.mine")
    except BuildError:
        return url_for(fallback)


def consent_context(person: User, withdraw_form: WithdrawForm | None = None) -> dict[str, Any]:
    """What the consent block needs: the consent in force, the history, the withdraw form."""
    history = services.consent_history(person)
    return {
        "consent_current": services.current_consent(person),
        "consent_history": history,
        "consent_numbers": services.version_numbers(history),
        "consent_in_force": any(c.withdrawn_at is None for c in history),
        "withdraw_form": withdraw_form or WithdrawForm(formdata=None),
    }


@privacy_block("consent", "consent/_block_consent.html", 20, (Role.CLIENT,))
def _consent_block(person: User) -> dict[str, Any]:
    return consent_context(person)


def _give_page(form: GiveConsentForm, status: int = 200, withdraw_form: WithdrawForm | None = None) -> Response:
    version = services.current_version()
    if not form.is_submitted() or status == 409:
        form.version.data = str(version.id)
    next_url = safe_next(request.args.get("next"), f"/{current_practice().slug}/")
    response = make_response(
        render_template(
            "consent/give.html",
            form=form,
            version=version,
            body=version.body_for(str(get_locale())),
            next_url=next_url,
            hub_url=_hub_url("practice.consent.give"),
            **consent_context(current_user, withdraw_form),
        ),
        status,
    )
    db.session.commit()  # version 1 is made on first need
    return response


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.CLIENT)
def give() -> Response:
    """The consent text in the client's language, and the box to tick."""
    form = GiveConsentForm()
    if not form.validate_on_submit():
        return _give_page(form, 422 if form.is_submitted() else 200)
    try:
        services.give_consent(current_user, ConsentHow.WEB, current_user, int(form.version.data))
    except services.ConsentError as error:
        db.session.rollback()
        form.agree.errors = [str(error)]
        form.agree.data = False
        return _give_page(form, 409)
    db.session.commit()
    flash(_("Thank you: your consent has been recorded."), "success")
    target = safe_next(request.args.get("next"), f"/{current_practice().slug}/")
    return redirect(target or url_for(home_endpoint(current_user.role)), 303)


@bp.post("/withdraw")
@role_required(Role.CLIENT)
def withdraw() -> Response:
    """Withdraw consent: recorded, the dossier restricted at once, a request opened for the practice."""
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _give_page(GiveConsentForm(formdata=None), 422, withdraw_form=form)
    try:
        services.withdraw_consent(current_user, ConsentHow.WEB, current_user)
    except services.ConsentError as error:
        db.session.rollback()
        form.confirm.errors = [str(error)]
        return _give_page(GiveConsentForm(formdata=None), 409, withdraw_form=form)
    db.session.commit()
    flash(
        _("Your consent has been withdrawn. Nothing new can be added to your dossier, and the practice has received your withdrawal as a request."),
        "success",
    )
    return redirect(url_for("practice.consent.give"), 303)


# --- marketing -----------------------------------------------------------------------------------


@privacy_block("marketing", "consent/_block_marketing.html", 25, (Role.PRACTICE_ADMIN, Role.COACH))
def _marketing_block(person: User) -> dict[str, Any]:
    opt_in = services.marketing_opt_in(person)
    return {"marketing_form": MarketingForm(formdata=None, news=opt_in is not None), "marketing_since": opt_in}


@bp.post("/marketing")
@role_required(Role.PRACTICE_ADMIN, Role.COACH)
def marketing() -> Response | tuple[str, int]:
    """Opt in or out of news and offers by e-mail."""
    form = MarketingForm()
    if not form.validate_on_submit():
        return render_error(400, _("This form could not be used. Reload the page and try again."))
    changed = services.set_marketing(current_user, bool(form.news.data), current_user)
    db.session.commit()
    if changed:
        flash(
            _("You will receive news and offers by e-mail.") if form.news.data
            else _("You will no longer receive news and offers by e-mail."),
            "success",
        )
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(_hub_url("practice.accounts.account"), 303)


# --- the practice admin --------------------------------------------------------------------------


def _texts_page(form: PublishForm, status: int = 200) -> Response:
    version = services.current_version()
    if not form.is_submitted():
        form.body_nl.data, form.body_en.data = version.body_nl, version.body_en
    all_versions = services.versions()
    publishers = {
        u.id: u for u in db.session.scalars(
            select(User).where(User.id.in_({v.published_by_id for v in all_versions if v.published_by_id}))
        )
    }
    response = make_response(
        render_template(
            "consent/texts.html", form=form, version=version, versions=all_versions, publishers=publishers,
            body=version.body_for(str(get_locale())),
        ),
        status,
    )
    db.session.commit()  # version 1 is made on first need
    return response


@bp.route("/texts", methods=["GET", "POST"])
@role_required(Role.PRACTICE_ADMIN)
def texts() -> Response:
    """The consent text in force, and publishing a new version of it."""
    form = PublishForm()
    if not form.validate_on_submit():
        return _texts_page(form, 422 if form.is_submitted() else 200)
    try:
        version = services.publish_version(current_user, form.body_nl.data or "", form.body_en.data or "")
    except services.ConsentError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _texts_page(form, 422)
    db.session.commit()
    flash(_("Version %(number)d is published. Every client is asked for consent again.", number=version.number), "success")
    return redirect(url_for("practice.consent.texts"), 303)


@bp.get("/people")
@role_required(Role.PRACTICE_ADMIN)
def people() -> str:
    """Every client with where their consent stands."""
    clients = list(db.session.scalars(select(User).where(User.role == Role.CLIENT).order_by(User.last_name, User.first_name, User.id)))
    newest = services.newest_version()
    consents: dict[int, list[Consent]] = {}
    for consent in db.session.scalars(select(Consent).order_by(Consent.id.desc())):
        consents.setdefault(consent.user_id, []).append(consent)
    numbers = dict(db.session.execute(select(ConsentVersion.id, ConsentVersion.number)).all())
    return render_template(
        "consent/people.html", clients=clients, consents=consents, numbers=numbers,
        newest=newest.number if newest else None, restricted=restrictions.restricted_client_ids(),
    )


def person_page(client: User, status: int = 200, **forms: Any) -> Response:
    """The admin's page of one client: consents, restriction, and the forms to record what came in."""
    history = restrictions.restrictions_of(client)
    if history:
        audit("restrictions.read", "client", client.id, detail={"restrictions": len(history)})
    consent_history = services.consent_history(client)
    people_ids = {c.recorded_by_id for c in consent_history} | {c.withdrawn_recorded_by_id for c in consent_history}
    people_ids |= {r.started_by_id for r in history} | {r.lifted_by_id for r in history}
    people_ids.discard(None)
    names = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(people_ids)))} if people_ids else {}
    response = make_response(
        render_template(
            "consent/person.html",
            client=client,
            consent_current=services.current_consent(client),
            consent_history=consent_history,
            consent_numbers=services.version_numbers(consent_history),
            consent_in_force=any(c.withdrawn_at is None for c in consent_history),
            restriction=next((r for r in history if r.lifted_at is None), None),
            restriction_history=history,
            names=names,
            give_form=forms.get("give_form") or RecordForm(prefix="give", formdata=None),
            withdraw_form=forms.get("withdraw_form") or RecordForm(prefix="withdraw", formdata=None),
            start_form=forms.get("start_form") or StartForm(formdata=None),
            lift_form=forms.get("lift_form") or LiftForm(formdata=None),
        ),
        status,
    )
    db.session.commit()
    return response


@bp.get("/people/<int:user_id>")
@role_required(Role.PRACTICE_ADMIN)
def person(user_id: int) -> Response:
    """One client's consents and restriction, for the practice admin."""
    return person_page(managed_client_or_404(user_id))


@bp.post("/people/<int:user_id>/consent")
@role_required(Role.PRACTICE_ADMIN)
def record(user_id: int) -> Response:
    """Record a consent the practice received on paper or by e-mail."""
    client = managed_client_or_404(user_id)
    form = RecordForm(prefix="give")
    if not form.validate_on_submit():
        return person_page(client, 422, give_form=form)
    if services.has_current_consent(client):
        form.how.errors = [_("This client has already consented to the current text.")]
        return person_page(client, 409, give_form=form)
    services.give_consent(client, form.how.data, current_user)
    db.session.commit()
    flash(_("The consent of %(name)s has been recorded.", name=client.full_name), "success")
    return redirect(url_for("practice.consent.person", user_id=client.id), 303)


@bp.post("/people/<int:user_id>/withdrawal")
@role_required(Role.PRACTICE_ADMIN)
def record_withdrawal(user_id: int) -> Response:
    """Record a withdrawal the practice received on paper or by e-mail; the dossier is restricted at once."""
    client = managed_client_or_404(user_id)
    form = RecordForm(prefix="withdraw")
    if not form.validate_on_submit():
        return person_page(client, 422, withdraw_form=form)
    try:
        services.withdraw_consent(client, form.how.data, current_user)
    except services.ConsentError as error:
        db.session.rollback()
        form.how.errors = [str(error)]
        return person_page(client, 409, withdraw_form=form)
    db.session.commit()
    flash(_("The withdrawal of %(name)s has been recorded and the dossier is restricted.", name=client.full_name), "success")
    return redirect(url_for("practice.consent.person", user_id=client.id), 303)
