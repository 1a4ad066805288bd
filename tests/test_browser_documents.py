"""In Chromium: a client uploads a PDF CV on a phone, the coach downloads it; a disguised program is refused."""
from __future__ import annotations

import pytest

from tests.browser import assert_fits, screenshot, sign_in, watch_console
from tests.conftest import ONE
from tests.test_documents import small_pdf

pytestmark = pytest.mark.browser


def test_it_takes_a_pdf_from_a_phone_refuses_an_exe_and_hands_the_coach_identical_bytes(
    browser, live_server, world, tmp_path
):
    problems: list[str] = []
    pdf_path = tmp_path / "cv.pdf"
    pdf_path.write_bytes(small_pdf("Carol CV"))
    exe_path = tmp_path / "invoice.pdf"
    exe_path.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64)

    phone = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)
    client = phone.new_page()
    watch_console(client, problems, ("422",))
    sign_in(client, live_server, "carol@een.test")
    client.get_by_role("link", name="My documents").click()
    client.wait_for_url(f"**/{ONE}/documents/mine")
    assert_fits(client, "My documents")

    client.get_by_label("Document").set_input_files(str(exe_path))
    client.get_by_role("button", name="Upload").click()
    client.wait_for_load_state()
    assert "This type of file cannot be uploaded." in client.locator(".errors").inner_text()
    assert_fits(client, "the refused upload")

    client.get_by_label("Document").set_input_files(str(pdf_path))
    client.get_by_role("button", name="Upload").click()
    client.wait_for_load_state()
    assert "The document has been uploaded." in client.locator(".flashes").inner_text()
    assert client.get_by_role("link", name="cv.pdf", exact=True).count() == 1
    screenshot(client, "documents-mine-375px")

    for path in ("/journal/", "/journal/new", "/reports/mine"):
        client.goto(f"{live_server}/{ONE}{path}")
        assert_fits(client, path)

    desk = browser.new_context(locale="en-GB", accept_downloads=True)
    coach = desk.new_page()
    watch_console(coach, problems, ("422",))
    sign_in(coach, live_server, "alice@een.test")
    coach.goto(f"{live_server}/{ONE}/clients/{world.ids['carol']}")
    link = coach.locator("#section-documents").get_by_role("link", name="cv.pdf", exact=True)
    with coach.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "cv.pdf"
    download.save_as(tmp_path / "downloaded.pdf")
    assert (tmp_path / "downloaded.pdf").read_bytes() == pdf_path.read_bytes()
    assert problems == []
    phone.close()
    desk.close()


def test_it_shares_a_journal_entry_in_place(browser, live_server):
    problems: list[str] = []
    context = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    watch_console(page, problems, ("422",))
    sign_in(page, live_server, "carol@een.test")
    page.goto(f"{live_server}/{ONE}/journal/new")
    page.get_by_label("What is on your mind?").fill("Today I sent my CV.")
    page.get_by_label("Mood (optional)").select_option("4")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url(f"**/{ONE}/journal/")
    page.get_by_role("button", name="Share with my coach").click()
    page.get_by_role("button", name="Stop sharing").wait_for()
    assert "Shared with your coach" in page.locator(".journal-entry").inner_text()
    assert_fits(page, "My journal")
    screenshot(page, "journal-375px")
    assert problems == []
    context.close()
