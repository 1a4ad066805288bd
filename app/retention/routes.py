"""Console pages of the retention package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("retention", __name__, url_prefix="/jobs")
