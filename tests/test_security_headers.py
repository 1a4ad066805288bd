"""Every page sends a strict CSP and friends, and its markup needs nothing the CSP forbids."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.conftest import Visitor

# (who, method, url, expected status); None is an anonymous visitor.
ANONYMOUS_PAGES = [
    (None, "GET", "/", 200),
    (None, "GET", "/praktijk-een/login", 200),
    (None, "GET", "/praktijk-een/password/forgot", 200),
    (None, "GET", "/praktijk-een/invitation/not-a-real-token", 410),
    (None, "GET", "/praktijk-een/password/reset/not-a-real-token", 410),
]
SIGNED_IN_PAGES = [
    ("admin", "GET", "/praktijk-een/admin/people/", 200),
    ("alice", "GET", "/praktijk-een/coach", 200),
    ("carol", "GET", "/praktijk-een/me", 200),
    ("alice", "GET", "/praktijk-een/account", 200),
    ("alice", "GET", "/praktijk-een/account/password", 200),
]
ERROR_PAGES = [
    (None, "GET", "/praktijk-een/no-such-page", 404),
    (None, "GET", "/onbekend/login", 404),
    (None, "GET", "/no/such/page", 404),
    (None, "GET", "/praktijk-een/logout", 405),
    (None, "POST", "/praktijk-een/login", 400),  # no CSRF token
    ("alice", "GET", "/praktijk-een/admin/people/", 403),
    ("alice", "GET", "/praktijk-een/no-such-page", 404),
    ("alice", "POST", "/praktijk-een/language", 400),
    ("admin", "POST", "/praktijk-een/admin/people/999/deactivate", 400),
]
ALL_PAGES = ANONYMOUS_PAGES + SIGNED_IN_PAGES + ERROR_PAGES


def page_id(case) -> str:
    who, method, url, status = case
    return f"{who or 'anonymous'}-{method}-{url}-{status}"


@pytest.fixture
def fetch(app, as_persona):
    """Open a page as someone, the way a browser would."""

    def open_page(who, method, url):
        visitor = as_persona(who) if who else Visitor(app.test_client())
        if method == "GET":
            return visitor.get(url)
        return visitor.client.post(url, data={})  # without a token: the 400 page

    return open_page


def csp_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.mark.parametrize("case", ALL_PAGES, ids=page_id)
def test_it_sends_the_security_headers(fetch, case):
    who, method, url, status = case
    response = fetch(who, method, url)
    assert response.status_code == status
    csp = csp_of(response)
    assert csp.get("default-src") == ["'self'"]
    scripts = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert not any(source.startswith(("http:", "https:", "*")) for source in scripts)
    assert "'unsafe-inline'" not in csp.get("style-src", csp["default-src"])
    assert csp.get("frame-ancestors") == ["'none'"]
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in {"no-referrer", "same-origin", "strict-origin"}
    # Signed-in pages hold personal data; the others carry CSRF tokens or one-time links.
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_it_sends_the_headers_on_the_health_check_too(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert csp_of(response).get("default-src") == ["'self'"]
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


# --- the markup ---------------------------------------------------------------------------------


class Markup(HTMLParser):
    """Collects what a strict CSP cares about in a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self.stylesheets: list[str] = []
        self.handlers: list[str] = []
        self.styled: list[str] = []
        self.style_elements = 0
        self._in_script: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, _value in attrs:
            if re.fullmatch(r"on[a-z]+", name) or name.startswith("hx-on"):
                self.handlers.append(f"<{tag} {name}>")
            if name == "style":
                self.styled.append(f"<{tag} style>")
        if tag == "script":
            self._in_script = {"src": attributes.get("src"), "content": ""}
            self.scripts.append(self._in_script)
        elif tag == "link" and attributes.get("href"):
            self.stylesheets.append(attributes["href"])
        elif tag == "style":
            self.style_elements += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._in_script["content"] += data


def markup_of(response) -> Markup:
    parser = Markup()
    parser.feed(response.get_data(as_text=True))
    return parser


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and url.startswith("/")


@pytest.mark.parametrize("case", ALL_PAGES, ids=page_id)
def test_it_has_only_markup_the_policy_allows(fetch, case):
    who, method, url, _status = case
    page = markup_of(fetch(who, method, url))
    assert page.scripts, "every page loads htmx"
    assert all(s["src"] and not s["content"].strip() for s in page.scripts), "inline script"
    assert page.handlers == []
    assert page.styled == []
    assert page.style_elements == 0
    for src in [s["src"] for s in page.scripts] + page.stylesheets:
        assert is_local(src), f"{src} is not served by Koers itself"
        assert src.startswith("/static/")


def test_it_serves_htmx_from_static_with_its_version_in_the_name(app):
    client = app.test_client()
    page = markup_of(client.get("/praktijk-een/login"))
    [htmx] = [s["src"] for s in page.scripts if "htmx" in s["src"]]
    match = re.fullmatch(r"/static/js/htmx-(\d+\.\d+\.\d+)(\.min)?\.js", htmx)
    assert match, htmx
    response = client.get(htmx)
    assert response.status_code == 200
    assert "javascript" in response.content_type
    assert f'"{match.group(1)}"'.encode() in response.data  # htmx.version inside the file
    response.close()


def test_it_tells_htmx_not_to_evaluate_code(app):
    page = app.test_client().get("/praktijk-een/login").get_data(as_text=True)
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert config and '"allowEval": false' in config.group(1)


def test_it_serves_the_stylesheet_locally(app):
    client = app.test_client()
    page = markup_of(client.get("/praktijk-een/login"))
    for href in page.stylesheets:
        response = client.get(href)
        assert response.status_code == 200
        assert b"@import url(http" not in response.data and b"fonts.googleapis" not in response.data
        response.close()
