"""Routes of the journal package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("journal", __name__, url_prefix="/journal")
