"""The marketing opt-in: separate, unticked by default, and news mail only to those who opted in."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.audit.models import AuditEvent
from app.consent import services
from app.consent.models import MarketingOptIn
from app.extensions import db
from app.tenancy.context import use_practice
from tests.conftest import ONE, TWO

P = f"/{ONE}"


def text(response) -> str:
    return response.get_data(as_text=True)


def news_box(page: str) -> str:
    return re.search(r'<input[^>]*name="news"[^>]*>', page).group(0)


def opt(visitor, wanted: bool):
    return visitor.post(f"{P}/consent/marketing", {"news": "y"} if wanted else {})


def recipients(app, world, slug: str = ONE) -> list[str]:
    with app.app_context(), use_practice(world.practices[slug]):
        return [u.email for u in services.marketing_recipients()]


def run_news(app, *args: str):
    return app.test_cli_runner().invoke(args=["practices", "news", *args])


def test_it_offers_an_unticked_opt_in_to_admins_and_coaches(as_persona):
    for persona in ("alice", "admin"):
        page = text(as_persona(persona, "en").get(f"{P}/privacy/mine"))
        assert "Send me news and offers about Koers by e-mail" in page
        box = news_box(page)
        assert 'type="checkbox"' in box and "checked" not in box


def test_it_opts_in_and_out_and_keeps_the_history(app, world, as_persona):
    alice = as_persona("alice", "en")
    assert recipients(app, world) == []
    assert opt(alice, True).status_code == 303
    page = text(alice.get(f"{P}/privacy/mine"))
    assert "checked" in news_box(page) and "You chose to receive news on" in page
    assert recipients(app, world) == ["alice@een.test"]
    assert opt(alice, True).status_code == 303  # again: nothing changes
    assert opt(alice, False).status_code == 303
    assert recipients(app, world) == []
    assert "checked" not in news_box(text(alice.get(f"{P}/privacy/mine")))
    assert opt(alice, True).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        rows = list(db.session.scalars(select(MarketingOptIn).order_by(MarketingOptIn.id)))
        assert [(r.user_id, r.opted_out_at is not None) for r in rows] == [(world.ids["alice"], True), (world.ids["alice"], False)]
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("marketing.%")))]
    assert actions == ["marketing.opted_in", "marketing.opted_out", "marketing.opted_in"]


def test_it_has_no_opt_in_for_clients(app, world, as_persona):
    carol = as_persona("carol", "en")
    assert opt(carol, True).status_code == 403
    assert "Send me news" not in text(carol.get(f"{P}/privacy/mine"))
    assert recipients(app, world) == []


def test_it_leaves_out_people_who_are_no_longer_active(app, world, as_persona):
    assert opt(as_persona("bob"), True).status_code == 303
    with app.app_context(), use_practice(world.practices[ONE]):
        accounts.user_by_id(world.ids["bob"]).active = False
        db.session.commit()
    assert recipients(app, world) == []


def test_it_mails_news_only_to_those_who_opted_in(app, world, as_persona, mailbox, tmp_path):
    assert opt(as_persona("alice", "en"), True).status_code == 303
    with app.app_context(), use_practice(world.practices[TWO]):
        services.set_marketing(accounts.user_by_id(world.ids["eve"]), True)
        db.session.commit()
    with app.app_context(), use_practice(world.practices[ONE]):
        accounts.user_by_id(world.ids["alice"]).locale = "en"  # her mail comes in her language
        db.session.commit()
    body = tmp_path / "news.txt"
    body.write_text("Koers now has a new dashboard.\nRead all about it.", encoding="utf-8")
    mailbox.clear()
    result = run_news(app, "--subject", "What is new in Koers", "--body-file", str(body))
    assert result.exit_code == 0, result.output
    assert "praktijk-een: 1 sent" in result.output and "praktijk-twee: 1 sent" in result.output
    assert "2 sent in total" in result.output
    assert sorted(m["To"] for m in mailbox.messages) == ["alice@een.test", "eve@twee.test"]
    [message] = mailbox.to("alice@een.test")
    assert message["Subject"] == "What is new in Koers"
    content = message.get_payload(decode=True).decode()
    assert "Koers now has a new dashboard." in content and "you chose to receive news" in content
    for nobody in ("admin@een.test", "bob@een.test", "carol@een.test", "dave@een.test"):
        assert mailbox.to(nobody) == []


def test_it_mails_one_practice_when_asked(app, world, as_persona, mailbox, tmp_path):
    assert opt(as_persona("alice"), True).status_code == 303
    body = tmp_path / "news.txt"
    body.write_text("Hallo.", encoding="utf-8")
    mailbox.clear()
    result = run_news(app, "--subject", "Nieuws", "--body-file", str(body), "--practice", TWO)
    assert result.exit_code == 0 and "praktijk-twee: 0 sent" in result.output and "praktijk-een" not in result.output
    assert mailbox.messages == []


@pytest.mark.parametrize(
    "args, content, message",
    [
        (["--subject", "Hi", "--practice", "nergens"], "Hallo.", "no practice with slug 'nergens'"),
        (["--subject", "Hi"], "", "the body file is empty"),
        (["--subject", "Hi"], b"\xff\xfe\x00", "not UTF-8"),
        (["--subject", " "], "Hallo.", "the subject must be one line"),
        (["--subject", "Two\nlines"], "Hallo.", "the subject must be one line"),
    ],
)
def test_it_refuses_bad_arguments_and_sends_nothing(app, world, as_persona, mailbox, tmp_path, args, content, message):
    assert opt(as_persona("alice"), True).status_code == 303
    body = tmp_path / "news.txt"
    body.write_bytes(content if isinstance(content, bytes) else content.encode())
    mailbox.clear()
    result = run_news(app, *args, "--body-file", str(body))
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
    assert mailbox.messages == []


def test_it_refuses_a_missing_body_file(app, tmp_path):
    result = run_news(app, "--subject", "Hi", "--body-file", str(tmp_path / "missing.txt"))
    assert result.exit_code != 0 and "Error:" in result.output
