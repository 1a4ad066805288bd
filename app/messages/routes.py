"""The message thread of a client, for the client and their coaches; unread counts in the menu."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.clients.access import get_client_or_404
from app.clients.sections import dossier_section
from app.extensions import db
from app.messages import services
from app.messages.forms import MessageForm
from app.web.htmx import is_htmx, page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("messages", __name__, url_prefix="/messages")

register_nav(NavItem("practice.messages.own", _l("Messages"), (Role.CLIENT,), 60, "practice.messages.badge"))
register_nav(NavItem("practice.messages.index", _l("Messages"), (Role.COACH,), 40, "practice.messages.badge"))


@bp.get("/")
@role_required(Role.COACH)
def index() -> str:
    """The coach's conversations: one per client, unread ones first."""
    return render_template("messages/index.html", threads=services.threads_of(current_user))


@bp.get("/badge")
@login_required
def badge() -> str:
    """The unread count for the menu (polled by htmx); empty when there is nothing new."""
    return render_template("messages/_badge.html", count=services.unread_total(current_user))


@bp.get("/me")
@role_required(Role.CLIENT)
def own() -> Response:
    """The client's own conversation with their coaches."""
    return _thread_page(current_user, MessageForm(formdata=None))


@bp.get("/<int:client_id>")
@role_required(Role.COACH, Role.CLIENT)
def thread(client_id: int) -> Response:
    """The conversation of a client; opening it marks it read."""
    return _thread_page(get_client_or_404(client_id), MessageForm(formdata=None))


@bp.post("/<int:client_id>")
@role_required(Role.COACH, Role.CLIENT)
def send(client_id: int) -> Response:
    """Append a message: the thread fragment for htmx, a redirect to the thread otherwise."""
    client = get_client_or_404(client_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _thread_page(client, form, status=422)
    services.send(current_user, client, form.body.data)
    if not is_htmx():
        db.session.commit()
        return redirect(_thread_url(client), 303)
    return _thread_page(client, MessageForm(formdata=None))


def _thread_url(client: User) -> str:
    if current_user.id == client.id:
        return url_for("practice.messages.own")
    return url_for("practice.messages.thread", client_id=client.id)


def _thread_page(client: User, form: MessageForm, status: int = 200) -> Response:
    view = services.read_thread(current_user, client)
    db.session.commit()
    return page_or_fragment(
        "messages/thread.html", "messages/_thread.html", status, view=view, form=form, client=client
    )


@dossier_section("messages", _l("Messages"), "messages/_section.html", order=70)
def _messages_section(client, viewer):  # type: ignore[no-untyped-def]
    return {"view": services.preview(viewer, client), "unread": services.unread_in(viewer, client)}
