"""Routes of the exercises package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exercises", __name__, url_prefix="/exercises")
