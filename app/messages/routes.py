"""Routes of the messages package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("messages", __name__, url_prefix="/messages")
