"""Fixtures: a temporary instance with two practices and named personas, a real SMTP server."""
from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app import create_app
from app.accounts import services as accounts
from app.accounts.models import Role
from app.consent import services as consent
from app.consent.models import ConsentHow
from app.archive.jobs import wait_for_exports
from app.extensions import db
from app.tenancy import services as tenancy
from app.tenancy.context import PracticeRef, practice_engines, use_practice

PASSWORD = "plum-river-cactus-7"
ONE = "praktijk-een"
TWO = "praktijk-twee"
# name -> (practice, role, e-mail, first name, coach of this client)
PERSONAS: dict[str, tuple[str, str, str, str, str | None]] = {
    "admin": (ONE, Role.PRACTICE_ADMIN, "admin@een.test", "Olga", None),
    "alice": (ONE, Role.COACH, "alice@een.test", "Alice", None),
    "bob": (ONE, Role.COACH, "bob@een.test", "Bob", None),
    "carol": (ONE, Role.CLIENT, "carol@een.test", "Carol", "alice"),
    "dave": (ONE, Role.CLIENT, "dave@een.test", "Dave", "bob"),
    "eve": (TWO, Role.COACH, "eve@twee.test", "Eve", None),
}


# --- mail -----------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class Mailbox:
    """What the loopback SMTP server received."""

    port: int
    collector: _Collector

    @property
    def messages(self) -> list[Message]:
        with self.collector.lock:
            return list(self.collector.messages)

    def clear(self) -> None:
        with self.collector.lock:
            self.collector.messages.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def last_link(self, address: str) -> str:
        """The link in the newest message to address."""
        body = self.to(address)[-1].get_payload(decode=True).decode()
        return re.findall(r"https?://\S+", body)[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def _smtp_server() -> Iterator[Mailbox]:
    collector = _Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    yield Mailbox(port, collector)
    controller.stop()


@pytest.fixture
def mailbox(_smtp_server: Mailbox) -> Mailbox:
    """The loopback SMTP server's inbox, empty at the start of the test."""
    _smtp_server.clear()
    return _smtp_server


# --- app and world ----------------------------------------------------------------------


def make_test_config(instance: Path, smtp_port: int) -> dict[str, object]:
    """Settings for an app under test: fast hashing, mail to the loopback server."""
    return {
        "INSTANCE_PATH": str(instance),
        "TESTING": True,
        "BASE_URL": "http://localhost",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 8,
        "ARGON2_PARALLELISM": 1,
        "MAIL_SMTP_HOST": "127.0.0.1",
        "MAIL_SMTP_PORT": smtp_port,
        "MAIL_SMTP_SECURITY": "none",
        "MAIL_FROM": "Koers <koers@test.invalid>",
    }


@dataclass
class World:
    """The two practices and everyone in them."""

    practices: dict[str, PracticeRef] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def practice_of(self, persona: str) -> PracticeRef:
        return self.practices[PERSONAS[persona][0]]

    def email(self, persona: str) -> str:
        return PERSONAS[persona][2]


def build_world(app: Flask) -> World:
    """Create both practices with their personas, all with PASSWORD."""
    world = World()
    with app.app_context():
        for slug, name, admin_email in ((ONE, "Praktijk Een", "admin@een.test"), (TWO, "Praktijk Twee", "admin@twee.test")):
            practice, _link = tenancy.create_practice(slug, name, admin_email)
            world.practices[slug] = practice
        for slug, practice in world.practices.items():
            with use_practice(practice):
                created = {}
                for persona, (p_slug, role, email, first, coach) in PERSONAS.items():
                    if p_slug != slug:
                        continue
                    if role == Role.PRACTICE_ADMIN:
                        user = accounts.user_by_email(email)
                        user.first_name, user.last_name = first, "Admin"
                        accounts.set_password(user, PASSWORD)
                    else:
                        user = accounts.create_user(role, email, first, "Test", password=PASSWORD)
                    created[persona] = user
                    if coach:
                        accounts.assign_coach(created[coach], user)
                # Clients have consented, as they would on first sign-in (tests/test_consent.py starts without).
                for user in created.values():
                    if user.role == Role.CLIENT:
                        consent.give_consent(user, ConsentHow.WEB, user)
                db.session.commit()
                world.ids.update({persona: user.id for persona, user in created.items()})
    return world


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    """An empty instance folder for one test."""
    return tmp_path / "instance"


@pytest.fixture
def bare_app(instance: Path, _smtp_server: Mailbox) -> Iterator[Flask]:
    """The app on an empty instance: no practices yet."""
    app = create_app(make_test_config(instance, _smtp_server.port))
    yield app
    close_app(app)


@pytest.fixture
def app(bare_app: Flask) -> Flask:
    """The app with the two practices and their personas."""
    bare_app.config["WORLD"] = build_world(bare_app)
    return bare_app


@pytest.fixture
def world(app: Flask) -> World:
    return app.config["WORLD"]


def close_app(app: Flask) -> None:
    """Close every database the app opened (after exports still running in threads)."""
    wait_for_exports()
    with app.app_context():
        practice_engines().dispose_all()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


# --- a browser-like test client ---------------------------------------------------------------

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Visitor:
    """A test client that sends CSRF tokens like a browser and signs in as personas."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf_token(self) -> str:
        page = self.client.get("/").get_data(as_text=True)
        match = _TOKEN.search(page)
        assert match, "no CSRF token on the start page"
        return match.group(1) or match.group(2)

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(url, data=data, **kwargs)

    def htmx(self, method: str, url: str, data: dict | None = None, **kwargs):
        """A request as htmx sends it: HX-Request, and the CSRF token in a header."""
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf_token(), **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, data=data or {}, headers=headers, **kwargs)

    def login(self, persona: str, password: str = PASSWORD):
        slug, _role, email, _first, _coach = PERSONAS[persona]
        response = self.post(f"/{slug}/login", {"email": email, "password": password})
        assert response.status_code == 303, f"sign-in as {persona} failed ({response.status_code})"
        return response


@pytest.fixture
def visitor(app: Flask) -> Visitor:
    """An anonymous visitor of the app with the two practices."""
    return Visitor(app.test_client())


@pytest.fixture
def as_persona(app: Flask):
    """Factory: a Visitor signed in as the named persona."""

    def make(persona: str, lang: str | None = None) -> Visitor:
        v = Visitor(app.test_client())
        if lang:
            v.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        v.login(persona)
        return v

    return make


# --- a real HTTP server in a thread (for the browser tests) ----------------------------------


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a loopback port; e-mailed links point at it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test worker (each test opens its own contexts)."""
    from tests.browser import chromium_browser

    yield from chromium_browser()
