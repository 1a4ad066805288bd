"""Console pages of the retention package."""
from __future__ import annotations

from flask import Blueprint

from app.retention.cli import retention_cli

bp = Blueprint("retention", __name__, url_prefix="/jobs", cli_group=None)
# `flask retention ...`: the blueprint's commands are added to the app when it is registered.
bp.cli.add_command(retention_cli)
