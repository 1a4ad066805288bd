"""In Chromium at phone width: a new client meets the consent page first, consents, and later withdraws."""
from __future__ import annotations

import pytest

from app.accounts import services as accounts
from app.accounts.models import Role
from app.extensions import db
from app.tenancy.context import use_practice
from tests.browser import assert_fits, screenshot, sign_in, watch_console
from tests.conftest import ONE, PASSWORD

pytestmark = pytest.mark.browser


def test_it_asks_a_new_client_for_consent_before_anything_else_and_restricts_on_withdrawal(app, browser, live_server, world):
    with app.app_context(), use_practice(world.practices[ONE]):
        frank = accounts.create_user(Role.CLIENT, "frank@een.test", "Frank", "Nieuw", password=PASSWORD)
        accounts.assign_coach(accounts.user_by_id(world.ids["alice"]), frank)
        db.session.commit()
    problems: list[str] = []
    phone = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = phone.new_page()
    watch_console(page, problems, ("422",))
    sign_in(page, live_server, "frank@een.test")
    page.wait_for_url(f"**/{ONE}/consent/**")
    assert "What is kept" in page.locator(".markdown").inner_text()
    box = page.get_by_label("I have read this text and I consent")
    assert not box.is_checked()
    assert_fits(page, "the consent page")
    screenshot(page, "consent-page-375px")

    page.get_by_role("button", name="Give my consent").click()
    page.locator("#agree-errors").wait_for()
    assert "Tick the box to give your consent." in page.locator("#agree-errors").inner_text()
    page.get_by_label("I have read this text and I consent").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Give my consent").click()
    assert page.url.endswith(f"/{ONE}/me")
    assert "your consent has been recorded" in page.locator(".flashes").inner_text()

    page.goto(f"{live_server}/{ONE}/privacy/mine")
    page.get_by_label("I withdraw my consent").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw my consent").click()
    assert page.url.endswith(f"/{ONE}/consent/")
    assert "Your dossier is restricted" in page.locator(".restriction-banner").inner_text()
    page.goto(f"{live_server}/{ONE}/journal/")
    page.wait_for_url(f"**/{ONE}/consent/**")
    assert_fits(page, "the consent page after withdrawal")
    assert not problems, problems
