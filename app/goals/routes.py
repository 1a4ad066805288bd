"""Routes of the goals package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("goals", __name__, url_prefix="/goals")
