"""The client's journal ("introspectie"), and the entries they share in the coach's dossier."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.access import role_required
from app.accounts.models import Role, User
from app.audit.services import audit
from app.clients.sections import dossier_section
from app.extensions import db
from app.journal import services
from app.journal.forms import JournalForm
from app.web.forms import ActionForm
from app.web.htmx import is_htmx, page_or_fragment
from app.web.nav import NavItem, register_nav

bp = Blueprint("journal", __name__, url_prefix="/journal")

register_nav(NavItem("practice.journal.index", _l("My journal"), (Role.CLIENT,), 30))


@bp.get("/")
@role_required(Role.CLIENT)
def index() -> str:
    """The client's entries, newest first."""
    entries = services.entries_of(current_user)
    audit("journal.list", "client", current_user.id)
    db.session.commit()
    return render_template("journal/index.html", entries=entries, form=ActionForm())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.CLIENT)
def new() -> Response | tuple[str, int]:
    """Write a new entry; it is private until shared."""
    form = JournalForm()
    if form.validate_on_submit():
        services.create_entry(current_user, form.values())
        db.session.commit()
        flash(_("Your journal entry has been saved. Only you can read it until you share it."), "success")
        return redirect(url_for("practice.journal.index"), 303)
    return render_template("journal/form.html", form=form, entry=None), 422 if form.is_submitted() else 200


@bp.get("/<int:entry_id>")
@role_required(Role.CLIENT, Role.COACH)
def view(entry_id: int) -> str:
    """One entry: the client's own, or one shared with the coach."""
    entry = services.get_entry_or_404(entry_id)
    audit("journal.read", "journal_entry", entry.id)
    db.session.commit()
    return render_template(
        "journal/view.html", entry=entry, client=db.session.get(User, entry.client_id), form=ActionForm()
    )


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required(Role.CLIENT)
def edit(entry_id: int) -> Response | tuple[str, int]:
    """Change an entry."""
    entry = services.get_entry_or_404(entry_id, own=True)
    form = JournalForm(obj=entry)
    if not form.is_submitted():
        form.mood.data = str(entry.mood) if entry.mood else ""
        audit("journal.read", "journal_entry", entry.id, detail={"for": "edit"})
        db.session.commit()
    if form.validate_on_submit():
        changed = services.update_entry(current_user, entry, form.values())
        db.session.commit()
        flash(_("Your journal entry has been saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("practice.journal.index"), 303)
    return render_template("journal/form.html", form=form, entry=entry), 422 if form.is_submitted() else 200


@bp.route("/<int:entry_id>/delete", methods=["GET", "POST"])
@role_required(Role.CLIENT)
def delete(entry_id: int) -> Response | str:
    """Ask, then delete an entry."""
    entry = services.get_entry_or_404(entry_id, own=True)
    form = ActionForm()
    if form.validate_on_submit():
        services.delete_entry(current_user, entry)
        db.session.commit()
        flash(_("Your journal entry has been deleted."), "success")
        return redirect(url_for("practice.journal.index"), 303)
    audit("journal.read", "journal_entry", entry.id, detail={"for": "delete"})
    db.session.commit()
    return render_template("journal/delete.html", entry=entry, form=form)


@bp.post("/<int:entry_id>/share")
@role_required(Role.CLIENT)
def share(entry_id: int) -> Response:
    """Share an entry with the coaches (shared=1) or take it back (shared=0); htmx gets the entry back."""
    entry = services.get_entry_or_404(entry_id, own=True)
    form = ActionForm()
    wanted = request.form.get("shared")
    if not form.validate_on_submit() or wanted not in ("0", "1"):
        abort(400)
    services.set_shared(current_user, entry, wanted == "1")
    db.session.commit()
    if is_htmx():
        return page_or_fragment("journal/index.html", "journal/_entry.html", entry=entry, form=form)
    flash(_("Your coach can now read this entry.") if entry.is_shared else _("This entry is private again."), "success")
    return redirect(url_for("practice.journal.index"), 303)


@dossier_section("journal", _l("Journal"), "journal/_section.html", order=60)
def _journal_section(client: User, viewer: User) -> dict[str, Any]:
    return {"entries": services.shared_entries_of(client)}
