"""Retention periods Koers promises on every practice's privacy page.

The privacy page states them and the retention job enforces them, both from here, so the
promise and the deletion cannot drift apart. The dossier period is the practice's own
choice (privacy_settings.dossier_retention_months); its bounds live here too.
"""
from __future__ import annotations

# Special personal data of a practice is erased at most this long after its subscription ends.
SPECIAL_DATA_YEARS_AFTER_SUBSCRIPTION = 2
# Invoices and what they need are kept for the fiscal retention period, then deleted.
BILLING_RETENTION_YEARS = 7

# How long a client's dossier is kept after their programme ends, in months.
DOSSIER_RETENTION_DEFAULT_MONTHS = 24
DOSSIER_RETENTION_MIN_MONTHS = 0
DOSSIER_RETENTION_MAX_MONTHS = 120
