"""In Chromium: carol prepares her export on her privacy page, watches it finish, downloads it and reads it offline."""
from __future__ import annotations

import zipfile
from datetime import date

import pytest

from app.accounts import services as accounts
from app.extensions import db
from app.journal import services as journal
from app.tenancy.context import use_practice
from tests.browser import assert_fits, screenshot, sign_in, wait_for_htmx, watch_console
from tests.conftest import ONE

pytestmark = pytest.mark.browser

ENTRY = "Vandaag durfde ik hardop te zeggen wat ik wil."


def test_it_lets_a_client_download_her_export_and_read_it_offline(browser, live_server, app, world, tmp_path):
    with app.test_request_context(), use_practice(world.practices[ONE]):
        carol = accounts.user_by_id(world.ids["carol"])
        journal.create_entry(carol, {"entry_date": date(2026, 2, 3), "mood": 4, "text": ENTRY})
        db.session.commit()

    problems: list[str] = []
    context = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True,
                                  accept_downloads=True)
    page = context.new_page()
    watch_console(page, problems)
    sign_in(page, live_server, "carol@een.test")
    page.goto(f"{live_server}/{ONE}/privacy/mine")
    block = page.locator("#privacy-export")
    assert "Take your data with you" in block.inner_text()
    block.get_by_role("button", name="Prepare my export").click()
    # The progress fragment replaces itself until the download link takes its place.
    link = block.get_by_role("link", name="Download the export (ZIP)")
    link.wait_for(timeout=30_000)
    wait_for_htmx(page)
    assert_fits(page, "the privacy page with a finished export")
    screenshot(page, "archive-export-ready-375px")

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("koers-export-") and download.suggested_filename.endswith(".zip")
    archive = tmp_path / download.suggested_filename
    download.save_as(archive)
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(archive) as package:
        package.extractall(unpacked)
    assert (unpacked / "koers-archive.json").exists() and (unpacked / "schema.json").exists()

    offline = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True,
                                  offline=True)
    reader = offline.new_page()
    watch_console(reader, problems)
    reader.goto((unpacked / "index.html").as_uri())
    assert reader.get_by_role("heading", level=1).inner_text() == "The data of Carol Test"
    assert ENTRY in reader.locator("#journal_entries").inner_text()
    assert_fits(reader, "the offline index.html")
    screenshot(reader, "archive-index-offline-375px")

    # Downloaded once: the page now says the file is gone, and the link answers so.
    page.reload()
    assert "the file has been removed" in page.locator("#privacy-export").inner_text()
    assert problems == []
    context.close()
    offline.close()
