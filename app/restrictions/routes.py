"""Pages of the restrictions package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("restrictions", __name__, url_prefix="/restrictions")
