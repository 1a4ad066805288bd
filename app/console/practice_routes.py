"""Console pages about practices and their subscriptions: counts only, never a person's data."""
from __future__ import annotations

from flask import render_template

from app.console.access import operator_required
from app.console.routes import bp


@bp.get("/")
@operator_required
def index() -> str:
    """Every practice with its status and how many coaches and clients it has."""
    return render_template("console/index.html", rows=[], page=None)
