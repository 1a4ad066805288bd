"""Koers: a coaching practice system that keeps its own privacy promises."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import load_config
from app.extensions import babel, csrf, db, login_manager
from app.tenancy.engines import PracticeEngines
from app.tenancy.slugs import SlugConverter
from app.tenancy.sqlite import install_begin, open_connection
from app.vault.keystore import KeyStore

__version__ = "0.1.0"


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookies are marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def instance_path_from(test_config: dict[str, Any] | None) -> Path:
    """The instance folder: the test's, KOERS_INSTANCE, or ./instance."""
    chosen = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("KOERS_INSTANCE") or "instance"
    return Path(chosen).resolve()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Koers application."""
    instance = instance_path_from(test_config)
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    for folder in (instance, instance / "tenants", instance / "mail"):
        folder.mkdir(parents=True, exist_ok=True)
    load_config(app, test_config)
    app.session_interface = _SessionInterface()
    app.jinja_env.add_extension("jinja2.ext.do")
    if app.config["PROXY_COUNT"]:
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    _init_stores(app, instance)
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _init_stores(app: Flask, instance: Path) -> None:
    """Wire the platform store, the practice engines and the key store."""
    from app import models  # noqa: F401  (every table known before anything is queried)
    from app.extensions import RoutingSession
    from app.mail.services import init_outbox

    init_outbox(RoutingSession)
    timeout = app.config["SQLITE_BUSY_TIMEOUT_MS"]
    platform = instance / "platform.sqlite"
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{platform}"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "creator": lambda: open_connection(platform, timeout),
        "hide_parameters": True,
    }
    db.init_app(app)
    with app.app_context():
        install_begin(db.engine, always_immediate=False)
    app.extensions["koers_practice_engines"] = PracticeEngines(
        instance / "tenants", app.config["TENANT_ENGINE_CACHE_SIZE"], timeout
    )
    app.extensions["koers_keystore"] = KeyStore(instance / "keys")
    app.url_map.converters["slug"] = SlugConverter

    from app.tenancy.services import migrate_platform

    with app.app_context():
        migrate_platform()


def _init_extensions(app: Flask) -> None:
    from app.accounts.loader import init_login
    from app.web.i18n import select_locale, select_timezone

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    init_login(login_manager)


def _register_blueprints(app: Flask) -> None:
    from app.console.pages import console_bp
    from app.pages import practice_bp
    from app.web import errors, markdown, security
    from app.web.routes import bp as web_bp

    app.register_blueprint(web_bp)
    app.register_blueprint(practice_bp)
    app.register_blueprint(console_bp)
    errors.init_app(app)
    security.init_app(app)
    markdown.init_app(app)


def _register_commands(app: Flask) -> None:
    from app.assessments.cli import assessments_cli
    from app.audit.cli import audit_cli
    from app.backup.cli import backup_cli
    from app.demo.cli import demo_command
    from app.scheduler.cli import scheduler_command, serve_command
    from app.tenancy.cli import practices_cli

    for command in (practices_cli, assessments_cli, audit_cli, demo_command, scheduler_command, serve_command,
                    backup_cli):
        app.cli.add_command(command)
