"""Who may call which route: one module per package declares every route it adds.

Each module has `setup(app, world) -> dict[str, int]` (objects owned by carol, alice's
client in praktijk-een) and `ROUTES`, a list of Route. The walker sends every GET first,
then the POSTs in the order listed: list the ones that end a session or replace a link last. tests/test_route_access.py walks the
app's URL map, fails for any route no module declares, and calls every declared route as
every persona, comparing the status.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PERSONA_NAMES = ("alice", "bob", "carol", "dave", "admin", "eve", "anonymous")
Expect = dict[str, int | set[int]]


@dataclass(frozen=True)
class Route:
    """One endpoint and method, how to fill in its URL, and the status each persona gets."""

    endpoint: str
    method: str = "GET"
    values: Callable[[dict[str, int]], dict[str, object]] = field(default=lambda ids: {})
    expect: Expect = field(default_factory=dict)
    data: dict[str, object] | None = None
    # Routes under /<practice>/ get praktijk-een filled in.
    in_practice: bool = True


def own_client_expectations(coach: int | set[int] = 200, client: int | set[int] = 200) -> Expect:
    """The usual answer for an object of carol's: her coach and she herself get in, nobody else."""
    return {
        "alice": coach,
        "bob": 404,
        "carol": client,
        "dave": 404,
        "admin": {403, 404},
        "eve": 302,
        "anonymous": 302,
    }


def signed_in_only(status: int | set[int] = 200) -> Expect:
    """Any signed-in person of praktijk-een gets `status`; others are sent to sign in."""
    return {"alice": status, "bob": status, "carol": status, "dave": status, "admin": status, "eve": 302, "anonymous": 302}


def for_roles(coach: int | set[int], client: int | set[int], admin: int | set[int]) -> Expect:
    """Per role in praktijk-een; eve and anonymous visitors are sent to sign in."""
    return {"alice": coach, "bob": coach, "carol": client, "dave": client, "admin": admin, "eve": 302, "anonymous": 302}


def everyone(status: int | set[int]) -> Expect:
    """The same answer for every persona, signed in or not."""
    return {name: status for name in PERSONA_NAMES}
