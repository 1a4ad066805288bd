"""Console pages of the billing package."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("billing", __name__, url_prefix="/invoices")
