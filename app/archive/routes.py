"""Pages of the archive package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("archive", __name__, url_prefix="/exports")
