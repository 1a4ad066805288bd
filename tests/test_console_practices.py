"""The console's practices and subscriptions: counts only, create, suspend, subscription history."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.accounts import services as accounts
from app.console import services
from app.console.models import ConsoleEvent, Subscription
from app.extensions import db
from app.tenancy.context import use_practice
from app.tenancy.models import Practice
from tests.conftest import ONE, TWO, Visitor
from tests.test_console import events, operator_visitor

MARKERS = ("Zebulon", "Quixotica", "zebulon@een.test", "quixotica@twee.test", "Olga", "carol@een.test", "Carol")


def practice_id(app, slug: str = ONE) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Practice.id).where(Practice.slug == slug))


def add_subscription(app, slug: str, starts_on: date, ends_on: date | None, plan: str = "Basis", cents: int = 4950):
    with app.app_context():
        sub = Subscription(practice_id=practice_id(app, slug), plan=plan, price_cents=cents, starts_on=starts_on, ends_on=ends_on)
        db.session.add(sub)
        db.session.commit()


def give_marker_names(app, world) -> None:
    with app.app_context():
        with use_practice(world.practices[ONE]):
            accounts.create_user("client", "zebulon@een.test", "Zebulon", "Markerson")
            db.session.commit()
        with use_practice(world.practices[TWO]):
            accounts.create_user("coach", "quixotica@twee.test", "Quixotica", "Markerson")
            db.session.commit()


def test_it_lists_practices_with_counts_only(app, world):
    give_marker_names(app, world)
    ops = operator_visitor(app)

    page = ops.get("/platform/").get_data(as_text=True)

    assert "Praktijk Een" in page and "Praktijk Twee" in page
    # praktijk-een: alice and bob coach; carol, dave and Zebulon are clients.
    row = page.split("Praktijk Een")[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in row.split("</td>")[1:3]] == ["2", "3"]


def test_it_shows_no_name_or_address_of_a_practice_person_on_any_console_page(app, world):
    give_marker_names(app, world)
    add_subscription(app, ONE, date(2024, 1, 1), date(2025, 1, 1))
    ops = operator_visitor(app)
    with app.app_context():
        from app.retention.services import run_retention

        run_retention()  # the jobs page then shows a run with counts per practice
    pages = ["/platform/", "/platform/practices/new", f"/platform/practices/{practice_id(app)}",
             f"/platform/practices/{practice_id(app, TWO)}",
             f"/platform/invoices/billing-details/{practice_id(app)}"]
    # Every other page of the console, invoices and jobs included.
    pages += [rule.rule for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("console.") and "GET" in rule.methods and not rule.arguments]

    for url in sorted(set(pages)):
        response = ops.get(url)
        assert response.status_code in (200, 302, 303), url
        body = response.get_data(as_text=True)
        for marker in MARKERS:
            assert marker not in body, f"{marker} appears on {url}"


def test_it_creates_a_practice_and_mails_its_first_admin(app, mailbox):
    ops = operator_visitor(app)

    response = ops.post("/platform/practices/new", {"slug": "praktijk-drie", "name": "Praktijk Drie",
                                                    "admin_email": "baas@drie.test"})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Practice created" in page and "/praktijk-drie/invitation/" in page
    assert mailbox.to("baas@drie.test"), "the first admin gets an invitation"
    link = mailbox.last_link("baas@drie.test")
    assert Visitor(app.test_client()).get(link.replace("http://localhost", "")).status_code == 200
    assert ("practice.created", "practice") in events(app)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"slug": "platform", "name": "X", "admin_email": "a@b.test"}, "reserved"),
        ({"slug": "Bad Slug!", "name": "X", "admin_email": "a@b.test"}, "lowercase letters"),
        ({"slug": "praktijk-een", "name": "X", "admin_email": "a@b.test"}, "already exists"),
        ({"slug": "nieuw", "name": "", "admin_email": "a@b.test"}, "Enter the practice"),
        ({"slug": "nieuw", "name": "X", "admin_email": "not-an-address"}, "Enter a valid e-mail address"),
    ],
)
def test_it_refuses_a_bad_new_practice_with_a_message(app, data, message):
    ops = operator_visitor(app)

    response = ops.post("/platform/practices/new", data)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Practice)) == 2


def test_it_suspends_a_practice_so_its_people_see_a_clear_notice_and_reactivates_it(app, as_persona):
    carol = as_persona("carol", lang="en")
    ops = operator_visitor(app)
    pid = practice_id(app)

    assert ops.post(f"/platform/practices/{pid}/suspend").status_code == 303

    page = carol.get(f"/{ONE}/journal/")
    assert page.status_code == 403
    assert "This practice is suspended" in page.get_data(as_text=True)
    assert Visitor(app.test_client()).get(f"/{ONE}/login").status_code == 403
    assert as_persona("eve").get(f"/{TWO}/").status_code in (200, 302), "other practices go on"
    assert "Suspended" in ops.get("/platform/").get_data(as_text=True)

    assert ops.post(f"/platform/practices/{pid}/reactivate").status_code == 303
    assert carol.get(f"/{ONE}/journal/").status_code == 200
    assert [a for a, _t in events(app) if a.startswith("practice.")] == ["practice.suspended", "practice.reactivated"]


def test_it_keeps_the_subscription_history_of_a_practice(app):
    ops = operator_visitor(app)
    pid = practice_id(app)

    first = ops.post(f"/platform/practices/{pid}/subscriptions",
                     {"plan": "Basis", "price": "49.50", "starts_on": "2025-01-01", "ends_on": ""})
    ended = ops.post(f"/platform/practices/{pid}/subscriptions/end", {"ends_on": "2025-12-31"})
    second = ops.post(f"/platform/practices/{pid}/subscriptions",
                      {"plan": "Plus", "price": "0", "starts_on": "2026-01-01", "ends_on": ""})

    assert (first.status_code, ended.status_code, second.status_code) == (303, 303, 303)
    page = ops.get(f"/platform/practices/{pid}").get_data(as_text=True)
    assert page.index("Plus") < page.index("Basis"), "newest first"
    assert "€ 49.50" in page and "€ 0.00" in page
    with app.app_context():
        subs = services.subscriptions_of(pid)
        assert [(s.plan, s.price_cents, s.ends_on) for s in subs] == [("Plus", 0, None), ("Basis", 4950, date(2025, 12, 31))]
        assert services.current_subscription(pid).plan == "Plus"
        assert services.subscription_end(ONE) is None and not services.is_read_only(ONE)
        actions = [e.action for e in db.session.scalars(sa.select(ConsoleEvent))]
    assert actions.count("subscription.added") == 2 and actions.count("subscription.ended") == 1


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"plan": "", "price": "10", "starts_on": "2026-01-01"}, 422, "Enter the plan"),
        ({"plan": "Basis", "price": "ten", "starts_on": "2026-01-01"}, 422, "price"),
        ({"plan": "Basis", "price": "-1", "starts_on": "2026-01-01"}, 422, "between 0 and 100,000"),
        ({"plan": "Basis", "price": "1.005", "starts_on": "2026-01-01"}, 422, "whole cents"),
        ({"plan": "Basis", "price": "10", "starts_on": "2026-02-30"}, 422, "valid start date"),
        ({"plan": "Basis", "price": "10", "starts_on": "2026-03-01", "ends_on": "2026-02-01"}, 422, "before the start"),
        ({"plan": "Basis", "price": "10", "starts_on": "2026-03-01", "ends_on": "1066-10-14"}, 422, "between 2000 and 2200"),
    ],
)
def test_it_refuses_a_bad_subscription_with_a_message_and_saves_nothing(app, data, status, message):
    ops = operator_visitor(app)

    response = ops.post(f"/platform/practices/{practice_id(app)}/subscriptions", data)

    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_it_refuses_overlapping_subscriptions_and_ending_what_is_not_there(app):
    ops = operator_visitor(app)
    pid = practice_id(app)

    nothing = ops.post(f"/platform/practices/{pid}/subscriptions/end", {"ends_on": "2026-01-01"})
    assert nothing.status_code == 409 and "no subscription to end" in nothing.get_data(as_text=True)

    add_subscription(app, ONE, date(2025, 1, 1), None)
    open_ended = ops.post(f"/platform/practices/{pid}/subscriptions", {"plan": "B", "price": "1", "starts_on": "2026-01-01"})
    assert open_ended.status_code == 409 and "End the current subscription" in open_ended.get_data(as_text=True)

    too_early = ops.post(f"/platform/practices/{pid}/subscriptions/end", {"ends_on": "2024-12-31"})
    assert too_early.status_code == 422

    assert ops.post(f"/platform/practices/{pid}/subscriptions/end", {"ends_on": "2025-06-30"}).status_code == 303
    overlap = ops.post(f"/platform/practices/{pid}/subscriptions", {"plan": "B", "price": "1", "starts_on": "2025-06-30"})
    assert overlap.status_code == 422 and "after the previous one ended" in overlap.get_data(as_text=True)
    again = ops.post(f"/platform/practices/{pid}/subscriptions/end", {"ends_on": "2025-07-31"})
    assert again.status_code == 409, "an ended subscription stays ended"


def test_it_answers_unknown_practices_with_404_in_the_console_layout(app):
    ops = operator_visitor(app)

    for method, url in [("GET", "/platform/practices/999999"), ("POST", "/platform/practices/999999/suspend"),
                        ("POST", "/platform/practices/999999/subscriptions"),
                        ("POST", "/platform/practices/999999/subscriptions/end")]:
        response = ops.get(url) if method == "GET" else ops.post(url, {"ends_on": "2026-01-01"})
        assert response.status_code == 404, url
        assert "Koers console" in response.get_data(as_text=True)


def test_it_pages_the_practice_list_by_fifty(app, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 1)
    ops = operator_visitor(app)

    first = ops.get("/platform/").get_data(as_text=True)
    second = ops.get("/platform/?page=2").get_data(as_text=True)
    junk = ops.get("/platform/?page=zzz")

    assert "Praktijk Een" in first and "Praktijk Twee" not in first
    assert "Praktijk Twee" in second and "Page 2 of 2" in second
    assert junk.status_code == 200


def test_it_keeps_console_events_append_only(app):
    operator_visitor(app)
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.update(ConsoleEvent).values(action="nothing"))
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.delete(ConsoleEvent))
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsoleEvent)) >= 2


@pytest.mark.parametrize(
    ("ends_on", "erased_on"),
    [(date(2026, 3, 31), date(2028, 3, 31)), (date(2024, 2, 29), date(2026, 2, 28)), (date(2026, 2, 28), date(2028, 2, 28))],
)
def test_it_dates_the_erasure_of_special_data_two_years_after_the_end(app, ends_on, erased_on):
    add_subscription(app, ONE, date(2020, 1, 1), ends_on)
    with app.app_context():
        assert services.special_data_erasure_date(ONE) == erased_on
        assert services.special_data_erasure_date(TWO) is None


def test_it_counts_read_only_from_the_day_after_the_end_date(app):
    today = date.today()
    add_subscription(app, ONE, date(2020, 1, 1), today)
    with app.app_context():
        assert not services.is_read_only(ONE)
        assert services.is_read_only(ONE, on=today + timedelta(days=1))
        assert services.current_subscription(practice_id(app)) is not None
        assert services.current_subscription(practice_id(app), on=today + timedelta(days=1)) is None


def test_it_shows_the_console_log_with_ids_only(app, world):
    give_marker_names(app, world)
    ops = operator_visitor(app)
    ops.post(f"/platform/practices/{practice_id(app)}/suspend")

    page = ops.get("/platform/events")

    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "practice.suspended" in body and f"practice #{practice_id(app)}" in body and "login" in body
    assert ops.get("/platform/events?page=9").status_code == 404


def test_it_marks_a_practice_whose_erasure_is_due(app):
    add_subscription(app, ONE, date(2020, 1, 1), date(2021, 6, 30))
    add_subscription(app, TWO, date(2020, 1, 1), date.today() - timedelta(days=1))
    ops = operator_visitor(app)

    page = ops.get("/platform/").get_data(as_text=True)

    assert "erasure of special data due" in page.split("Praktijk Een")[1].split("</tr>")[0]
    two = page.split("Praktijk Twee")[1].split("</tr>")[0]
    assert "Subscription ended (read-only)" in two


def test_it_never_fails_with_a_500_on_nonsense_from_an_operator(app, world):
    from flask import url_for

    from tests.route_access import console as declared
    from tests.test_bad_input import FIELDS, NONSENSE

    ids = declared.setup(app, world)
    ops = operator_visitor(app)
    fields = [*FIELDS, "slug", "name", "admin_email", "plan", "price", "ends_on", "password"]
    failures = []
    for route in [r for r in declared.ROUTES if r.endpoint.count(".") == 1 and r.endpoint != "console.logout"]:
        with app.test_request_context():
            url = url_for(route.endpoint, **route.values(ids))
        for junk in NONSENSE:
            if route.method == "GET":
                response = ops.get(url, query_string={"page": junk, "q": junk})
            else:
                response = ops.post(url, {field: junk for field in fields})
            if response.status_code >= 500:
                failures.append(f"{route.method} {url} with {junk[:12]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_it_finds_the_subscription_in_force_on_a_day(app):
    add_subscription(app, ONE, date(2024, 1, 1), date(2024, 12, 31), plan="Old")
    add_subscription(app, ONE, date(2025, 2, 1), None, plan="New")
    pid = practice_id(app)
    with app.app_context():
        assert services.current_subscription(pid, on=date(2024, 6, 1)).plan == "Old"
        assert services.current_subscription(pid, on=date(2025, 1, 15)) is None
        assert services.current_subscription(pid, on=date(2025, 3, 1)).plan == "New"
        assert services.current_subscription(pid, on=date(2023, 12, 31)) is None


def test_it_says_so_when_a_practice_file_is_missing_instead_of_failing(app, world):
    path = app.extensions["koers_practice_engines"].path_for(TWO)
    app.extensions["koers_practice_engines"].discard(TWO)
    path.rename(path.with_suffix(".moved"))
    ops = operator_visitor(app)

    page = ops.get("/platform/")

    assert page.status_code == 200
    assert "File missing or unreadable" in page.get_data(as_text=True).split("Praktijk Twee")[1].split("</tr>")[0]
