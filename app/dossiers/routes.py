"""Practice pages of the dossiers package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")
