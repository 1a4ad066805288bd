"""In Chromium on a phone: a coach keeps an overdue dossier longer once, and deletes another one now."""
from __future__ import annotations

from datetime import date

import pytest

from app.accounts import services as accounts
from app.extensions import db
from app.privacy.models import PrivacySettings
from app.programmes.models import Programme, ProgrammeStatus
from app.tenancy.context import use_practice
from tests.browser import assert_fits, screenshot, sign_in, watch_console
from tests.conftest import ONE

pytestmark = pytest.mark.browser


def test_it_lets_a_coach_extend_once_and_delete_now_on_a_phone(browser, live_server, app, world):
    with app.app_context(), use_practice(world.practices[ONE]):
        db.session.get(PrivacySettings, 1).dossier_retention_months = 12
        alice = accounts.user_by_id(world.ids["alice"])
        zoe = accounts.create_user("client", "zoe@een.test", "Zoe", "Overdue")
        accounts.assign_coach(alice, zoe)
        for client_id in (world.ids["carol"], zoe.id):
            db.session.add(Programme(client_id=client_id, title="Done", status=ProgrammeStatus.FINISHED,
                                     starts_on=date(2020, 1, 1), ended_on=date(2021, 3, 31)))
        db.session.commit()
    problems: list[str] = []
    phone = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = phone.new_page()
    watch_console(page, problems, ("422",))
    sign_in(page, live_server, "alice@een.test")
    page.goto(f"{live_server}/{ONE}/dossiers/")
    listing = page.locator("#dossiers-due").inner_text()
    assert "Carol Test" in listing and "Zoe Overdue" in listing and "Due since" in listing
    assert_fits(page, "the dossiers due")
    screenshot(page, "dossiers-due-375px")

    page.locator(".dossier-due", has_text="Carol Test").get_by_role("link", name="Keep longer (once)").click()
    page.get_by_role("button", name="Keep longer").click()
    page.wait_for_load_state()
    assert "Say why the dossier is kept longer." in page.locator(".errors").inner_text()
    page.get_by_label("Keep longer by").select_option("12")
    page.get_by_label("Why the dossier is kept longer").fill("A complaint is still being handled.")
    page.get_by_role("button", name="Keep longer").click()
    page.wait_for_url(f"**/{ONE}/dossiers/")
    carol = page.locator(".dossier-due", has_text="Carol Test").inner_text()
    assert "kept 12 months longer" in carol and "Keep longer (once)" not in carol

    page.locator(".dossier-due", has_text="Zoe Overdue").get_by_role("link", name="Delete now").click()
    assert_fits(page, "the delete-now page")
    page.get_by_label("Type the client's full name to confirm").fill("zoe overdue")
    page.get_by_role("button", name="Delete for good").click()
    page.wait_for_url(f"**/{ONE}/dossiers/")
    assert "The dossier has been deleted." in page.locator(".flashes").inner_text()
    assert "Zoe Overdue" not in page.locator("#dossiers-due").inner_text()
    assert problems == []
    phone.close()
