"""Routes of the retention package: the console's jobs page, for operators only.

Practice people carry a practice session cookie, which the console refuses with 404;
anonymous visitors are sent to the console's sign-in page.
"""
from __future__ import annotations

from tests.route_access import Route, everyone


def setup(app, world) -> dict[str, int]:
    return {}


def _console() -> dict[str, int | set[int]]:
    return {**everyone(404), "anonymous": 302}


ROUTES = [
    Route("console.retention.index", in_practice=False, expect=_console()),
    Route("console.retention.preview", "POST", in_practice=False, data={"as_of": ""}, expect=_console()),
]
