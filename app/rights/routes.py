"""Pages of the rights package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rights", __name__, url_prefix="/requests")
