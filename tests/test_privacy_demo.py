"""The demo practice comes with its privacy details and processors filled in."""
from __future__ import annotations

import html

from flask import Flask

from app.demo import content
from tests.conftest import Visitor


def test_it_fills_in_the_demo_practices_privacy_page(bare_app: Flask, mailbox):
    result = bare_app.test_cli_runner().invoke(args=["demo", "--password", "lantern-orbit-copper-42"])
    assert result.exit_code == 0, result.output

    page = html.unescape(Visitor(bare_app.test_client()).get("/demo/privacy/").get_data(as_text=True))

    assert content.PRIVACY_SETTINGS["legal_name"] in page
    assert content.PRIVACY_SETTINGS["officer_email"] in page
    assert 'data-retention="dossier">24 ' in page
    for processor in content.PROCESSORS:
        assert processor["name"] in page and processor["purpose"] in page
