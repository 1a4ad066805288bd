"""Defaults for every setting; overridden by instance/config.py, then KOERS_* variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


class Defaults:
    """Settings a fresh installation starts with."""

    # Where links in e-mails point when no request is around (CLI, scheduler).
    BASE_URL = "http://127.0.0.1:5000"
    DEFAULT_LOCALE = "nl"
    LANGUAGES = ("nl", "en")
    BABEL_TRANSLATION_DIRECTORIES = "translations"

    # SQLite: how long a writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = 10_000
    # How many practice databases stay open at once (least recently used are closed).
    TENANT_ENGINE_CACHE_SIZE = 64

    INVITATION_TTL_DAYS = 7
    PASSWORD_RESET_TTL_MINUTES = 60
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_MAX_LENGTH = 256

    # argon2id cost; tests lower these to keep the suite fast.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65_536
    ARGON2_PARALLELISM = 4

    # Mail: without MAIL_SMTP_HOST, messages are written to instance/mail/*.eml.
    MAIL_SMTP_HOST = ""
    MAIL_SMTP_PORT = 587
    MAIL_SMTP_SECURITY = "starttls"  # "starttls", "ssl" or "none"
    MAIL_SMTP_USER = ""
    MAIL_SMTP_PASSWORD = ""
    MAIL_SMTP_TIMEOUT = 20
    MAIL_FROM = "Koers <no-reply@koers.invalid>"

    # The operator: who runs this installation and hosts the practices' data as their
    # processor; named on every practice's privacy page (KOERS_OPERATOR_NAME, ...).
    OPERATOR_NAME = ""
    OPERATOR_EMAIL = ""
    OPERATOR_ADDRESS = ""
    # Billing: the operator's details printed on invoices, and the VAT rate (a whole
    # percentage) charged on new invoices; issued invoices keep the rate they were issued with.
    OPERATOR_VAT_NUMBER = ""
    OPERATOR_COC_NUMBER = ""
    OPERATOR_IBAN = ""
    VAT_RATE_PERCENT = 21

    # Number of reverse proxies in front whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = 0

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "koers_session"
    # Touching the session row on every request would turn each read into a write.
    SESSION_TOUCH_INTERVAL_SECONDS = 60
    # Sessions end after this long without a request (coaches and admins / clients) and after
    # SESSION_ABSOLUTE_HOURS whatever happens (app/accounts/services.py user_for_session).
    SESSION_IDLE_MINUTES_STAFF = 30
    SESSION_IDLE_MINUTES_CLIENT = 120
    SESSION_ABSOLUTE_HOURS = 12
    # Dangerous actions (erasure, whole-practice export, dossier deletion) ask for the password
    # again when it was not entered in this session in the last REAUTH_MINUTES.
    REAUTH_MINUTES = 10
    # Failed sign-ins and link attempts (app/accounts/throttle.py): after this many failures in
    # the window, attempts wait 1, 2, 4 ... minutes, capped. Addresses get more room than
    # accounts, as a practice's office often shares one address.
    THROTTLE_ACCOUNT_FAILURES = 5
    THROTTLE_ADDRESS_FAILURES = 10
    THROTTLE_WINDOW_MINUTES = 15
    THROTTLE_FIRST_DELAY_MINUTES = 1
    THROTTLE_MAX_DELAY_MINUTES = 60
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # A scheduled job's lease in the platform store lapses after this long if its holder died
    # (app/retention/runs.py); set it above the longest retention run.
    JOB_LEASE_MINUTES = 120

    # The daily backup job (app/backup): how many of its archives are kept, the newest of each
    # of the last N days and of each of the last N weeks; older ones are removed.
    BACKUP_KEEP_DAILY = 14
    BACKUP_KEEP_WEEKLY = 8


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill app.config from defaults, instance/config.py, the environment and test overrides."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("KOERS")
    else:
        app.config.from_mapping(test_config)
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or instance_secret(
        Path(app.instance_path) / "secret_key"
    )


def instance_secret(path: Path) -> str:
    """Read the secret in path, creating it with mode 0600 on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together must not each write their own key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
        handle.flush()
        os.fsync(handle.fileno())
    return path.read_text().strip()
