"""The retention job's rule "accounts.sign_in_attempts": throttling records older than a day go."""
from __future__ import annotations

from datetime import datetime

from app.accounts.throttle import purge_attempts
from app.retention.rules import retention_rule


@retention_rule("accounts.sign_in_attempts", per_practice=True, order=11)
def old_sign_in_attempts(now: datetime, dry_run: bool) -> dict[str, int]:
    """Failed and successful attempts older than a day no longer count (rolled back in a dry run)."""
    return {"sign_in_attempts": purge_attempts(now)}
