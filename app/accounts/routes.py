"""Signing in and out, invitations, password resets, the account page and language."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts import rule as _rule  # noqa: F401  (registers the retention rule "accounts.sign_in_attempts")
from app.accounts import reauth, services, sessions, throttle
from app.accounts.access import home_endpoint
from app.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ConfirmPasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
)
from app.accounts.models import Role
from app.accounts.throttle import AttemptKind
from app.clients.services import correct_details
from app.extensions import db
from app.mail.services import MailError
from app.tenancy.context import current_practice
from app.web.forms import LanguageForm
from app.web.nav import NavItem, register_nav
from app.web.navigation import safe_next

bp = Blueprint("accounts", __name__)

register_nav(NavItem("practice.accounts.account", _l("My account"), Role.ALL, 90))

Page = Response | str | tuple[str, int]


def _fresh_session(lang: str | None) -> None:
    """Empty the browser's session (nothing carried over: no fixation), keeping its language."""
    session.clear()
    if lang:
        session["lang"] = lang


def _throttled_message(until) -> str:
    """The words for a refused attempt; the same whether the account exists or not."""
    return _("Too many attempts. Try again after %(time)s.", time=format_time(until, "HH:mm"))


def _throttled_link(kind: str) -> Page | None:
    """The page for a link attempt from a throttled address, or None to go on."""
    until = throttle.blocked_until(kind, request.remote_addr)
    if until is None:
        return None
    return render_template("accounts/link_invalid.html", message=_throttled_message(until)), 429


def _checked_link(token: str, purpose: str, kind: str):
    """The redeemable token, or the page to answer with (throttled, invalid); bad links are counted."""
    refused = _throttled_link(kind)
    if refused is not None:
        return None, refused
    try:
        return services.redeemable_token(token, purpose), None
    except services.AccountError as error:
        db.session.rollback()
        throttle.record(kind, request.remote_addr, False)
        return None, (render_template("accounts/link_invalid.html", message=str(error)), 410)


def _sign_in(user: services.User) -> Response:
    """Open a server-side session for user and go to their page."""
    _fresh_session(user.locale or session.get("lang"))
    services.start_session(user, request.user_agent.string, request.remote_addr)
    login_user(user)
    return redirect(url_for(home_endpoint(user.role)), 303)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Page:
    """The practice's sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        email = form.email.data or ""
        until = throttle.blocked_until(AttemptKind.PASSWORD, request.remote_addr, email)
        if until is not None:
            # Refused without looking at the password; the same words whether the account exists or not.
            form.form_errors.append(_throttled_message(until))
            return render_template("accounts/login.html", form=form), 429
        user = services.authenticate(email, form.password.data or "")
        throttle.record(AttemptKind.PASSWORD, request.remote_addr, user is not None, email)
        if user is not None:
            target = safe_next(form.next.data, f"/{current_practice().slug}/")
            response = _sign_in(user)
            return redirect(target, 303) if target else response
        # The same words whether the address exists or not.
        form.form_errors.append(_("This e-mail address and password do not match. Try again, or reset your password."))
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End this session, here and on the server."""
    # CSRFProtect has already checked the token of this POST.
    lang = current_user.locale or session.get("lang")
    services.sign_out(current_user)
    logout_user()
    _fresh_session(lang)
    flash(_("You are signed out."), "info")
    return redirect(url_for("practice.accounts.login"), 303)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Page:
    """Choose a name and password through an invitation link."""
    invitation, refused = _checked_link(token, services.TokenPurpose.INVITATION, AttemptKind.INVITATION)
    if refused is not None:
        return refused
    invited = services.user_by_id(invitation.user_id)
    form = AcceptInvitationForm(obj=invited if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                token, form.password.data, form.first_name.data, form.last_name.data
            )
        except services.AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            logout_user()
            return _sign_in(user)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/accept_invitation.html", form=form, email=invited.email), status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Page:
    """Ask for a reset link; the answer never tells whether the address exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(form.email.data or "")
        except MailError:
            # Answer as always: an error only for known addresses would reveal who has an account.
            # The mail service has logged the failure for the operator.
            pass
        flash(
            _("If this address belongs to an account here, a link to choose a new password is on its way."),
            "info",
        )
        return redirect(url_for("practice.accounts.login"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Page:
    """Choose a new password through a reset link."""
    _token, refused = _checked_link(token, services.TokenPurpose.PASSWORD_RESET, AttemptKind.RESET)
    if refused is not None:
        return refused
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            logout_user()
            session.clear()
            flash(_("Your password has been changed. Sign in with your new password."), "success")
            return redirect(url_for("practice.accounts.login"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/reset_password.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Page:
    """The person's own details, which they may correct."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        # The old and new values go to the encrypted change record, not into the log itself.
        correct_details(current_user, current_user, {name: getattr(form, name).data for name in ("first_name", "last_name", "phone", "address")})
        db.session.commit()
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("practice.accounts.account"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/account.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Page:
    """Change the password; every other session of this person ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.password.data, current_user.session_secret
            )
        except services.AccountError as error:
            db.session.rollback()
            getattr(form, error.field or "password").errors.append(str(error))
        else:
            flash(_("Your password has been changed. You were signed out everywhere else."), "success")
            return redirect(url_for("practice.accounts.account"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.route("/account/confirm-password", methods=["GET", "POST"])
@login_required
def confirm_password() -> Page:
    """Enter the password again before a dangerous action, then go back to it."""
    form = ConfirmPasswordForm()
    prefix = f"/{current_practice().slug}/"
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next", ""), prefix) or ""
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        until = throttle.blocked_until(AttemptKind.PASSWORD, request.remote_addr, current_user.email)
        if until is not None:
            form.form_errors.append(_throttled_message(until))
            return render_template("accounts/confirm_password.html", form=form), 429
        correct = services.check_password(current_user.password_hash, form.password.data or "")
        throttle.record(AttemptKind.PASSWORD, request.remote_addr, correct, current_user.email)
        if correct:
            reauth.mark_password_verified(current_user)
            target = safe_next(form.next.data, prefix)
            return redirect(target or url_for(home_endpoint(current_user.role)), 303)
        form.password.errors.append(_("This password is not correct."))
    return render_template("accounts/confirm_password.html", form=form), status


@bp.get("/account/sessions")
@login_required
def sessions_page() -> Page:
    """The person's active sessions: device, since when, last seen, approximate address."""
    live = sessions.live_sessions(current_user)
    rows = [
        {"session": s, "device": sessions.device_label(s.user_agent), "current": sessions.is_current(current_user, s)}
        for s in live
    ]
    rows.sort(key=lambda row: not row["current"])
    return render_template("accounts/sessions.html", rows=rows, idle=services.idle_limit(current_user))


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int) -> Response:
    """End one of the person's own sessions (ending this one signs out here)."""
    target = sessions.own_live_session_or_none(current_user, session_id)
    if target is None:
        abort(404)
    current = sessions.is_current(current_user, target)
    sessions.end_own_session(current_user, target)
    if current:
        lang = current_user.locale or session.get("lang")
        logout_user()
        _fresh_session(lang)
        flash(_("You are signed out."), "info")
        return redirect(url_for("practice.accounts.login"), 303)
    flash(_("The session has been ended."), "success")
    return redirect(url_for("practice.accounts.sessions_page"), 303)


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions() -> Response:
    """End every session of the person except this one."""
    count = sessions.end_other_sessions(current_user)
    flash(ngettext("%(num)d other session has been ended.", "%(num)d other sessions have been ended.", count), "success")
    return redirect(url_for("practice.accounts.sessions_page"), 303)


@bp.post("/language")
def switch_language() -> Page:
    """Switch the language; remembered on the account when signed in."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=400, title=_("Bad request"), text=_("Choose Dutch or English.")), 400
    if current_user.is_authenticated:
        services.set_locale(current_user, form.locale.data)
    session["lang"] = form.locale.data
    target = safe_next(form.next.data, f"/{current_practice().slug}/")
    return redirect(target or url_for("practice.accounts.login"), 303)
