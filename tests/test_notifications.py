"""Notifications: recorded in the app, mailed without content, only to their owner."""
from __future__ import annotations

from app.accounts import services as accounts
from app.extensions import db
from app.notifications.models import NotificationKind
from app.notifications.services import notify
from app.tenancy.context import use_practice
from tests.conftest import ONE


def _notify(app, world, persona: str, commit: bool = True) -> int:
    with app.app_context(), use_practice(world.practices[ONE]):
        user = accounts.user_by_id(world.ids[persona])
        notice = notify(user, NotificationKind.MESSAGE, f"/{ONE}/notifications/")
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
        return notice.id


def test_it_mails_only_that_there_is_something_new_after_commit(app, world, mailbox):
    _notify(app, world, "carol")
    [message] = mailbox.to("carol@een.test")
    body = message.get_payload(decode=True).decode()
    assert "/praktijk-een/notifications/" in body
    assert "Alice" not in body and "message" not in message["Subject"].lower()


def test_it_sends_nothing_when_the_change_is_rolled_back(app, world, mailbox):
    _notify(app, world, "carol", commit=False)
    assert mailbox.to("carol@een.test") == []


def test_it_respects_the_email_preference(app, world, as_persona, mailbox):
    carol = as_persona("carol")
    assert carol.post(f"/{ONE}/notifications/email", {}).status_code == 303
    _notify(app, world, "carol")
    assert mailbox.to("carol@een.test") == []
    assert "1" in carol.get(f"/{ONE}/notifications/badge").get_data(as_text=True)


def test_it_opens_a_notice_only_for_its_owner(app, world, as_persona):
    notice = _notify(app, world, "carol")
    assert as_persona("dave").get(f"/{ONE}/notifications/{notice}").status_code == 404
    assert as_persona("alice").get(f"/{ONE}/notifications/{notice}").status_code == 404
    assert as_persona("eve").get(f"/{ONE}/notifications/{notice}").status_code == 302  # not signed in there
    carol = as_persona("carol")
    opened = carol.get(f"/{ONE}/notifications/{notice}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/{ONE}/notifications/")
    assert carol.get(f"/{ONE}/notifications/badge").get_data(as_text=True).strip() == ""
