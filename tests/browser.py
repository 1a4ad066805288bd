"""Launching Debian's Chromium through Playwright, or skipping with the reason."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KOERS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
OUTPUT = Path(os.environ.get("KOERS_TEST_OUTPUT", Path(__file__).resolve().parent.parent / "test-output"))


def chromium_browser() -> Iterator[object]:
    """A headless Chromium, or a skip naming why there is none."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under the test output folder."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def sign_in(page: object, base: str, email: str, password: str | None = None) -> None:
    """Sign in on praktijk-een's English sign-in page and wait for the page it leads to."""
    from tests.conftest import ONE, PASSWORD

    page.goto(f"{base}/{ONE}/login")  # type: ignore[attr-defined]
    page.get_by_label("E-mail address").fill(email)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(password or PASSWORD)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]


def watch_console(page: object, problems: list[str], ignore: tuple[str, ...] = ()) -> None:
    """Collect console errors and script errors: a CSP violation shows up here.

    `ignore` lists parts of messages a test causes on purpose (a refused form's 422, say).
    """

    def console(msg: object) -> None:
        text = msg.text  # type: ignore[attr-defined]
        if msg.type == "error" and not any(part in text for part in ignore):  # type: ignore[attr-defined]
            problems.append(f"{page.url}: {text}")  # type: ignore[attr-defined]

    page.on("console", console)  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))  # type: ignore[attr-defined]


def wait_for_htmx(page: object) -> None:
    """No htmx request running and nothing being swapped or settled."""
    # A function, not an expression: Playwright would eval() an expression, which the CSP forbids.
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def assert_fits(page: object, what: str) -> None:
    """The page does not scroll sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")  # type: ignore[attr-defined]
    assert overflow <= 0, f"{what} scrolls sideways ({overflow} px too wide)"
