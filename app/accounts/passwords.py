"""Password hashing (argon2id) and the password rules."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from zxcvbn import zxcvbn

# zxcvbn scores 0-4; 3 means "safely unguessable: moderate protection from offline attacks".
MIN_STRENGTH = 3
ZXCVBN_MAX_LENGTH = 128
# Checked against a constant hash when no account matches, so failures take equal time.
_DUMMY_PASSWORD = "koers-no-such-account"


def hasher() -> PasswordHasher:
    """The app's argon2id hasher, built once from the configured cost."""
    ext = current_app.extensions
    if "koers_hasher" not in ext:
        cfg = current_app.config
        ext["koers_hasher"] = PasswordHasher(
            time_cost=cfg["ARGON2_TIME_COST"],
            memory_cost=cfg["ARGON2_MEMORY_COST_KIB"],
            parallelism=cfg["ARGON2_PARALLELISM"],
        )
        ext["koers_dummy_hash"] = ext["koers_hasher"].hash(_DUMMY_PASSWORD)
    return ext["koers_hasher"]


def hash_password(password: str) -> str:
    """An argon2id hash of password."""
    return hasher().hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """True when password matches stored_hash; spends the same time when there is no hash."""
    ph = hasher()
    try:
        if stored_hash is None:
            ph.verify(current_app.extensions["koers_dummy_hash"], password + "\x00")
            return False
        return ph.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker settings than the current ones."""
    return hasher().check_needs_rehash(stored_hash)


def password_problem(password: str, user_inputs: list[str]) -> str | None:
    """Why password may not be used, in the user's language; None when it is fine."""
    cfg = current_app.config
    if len(password) < cfg["PASSWORD_MIN_LENGTH"]:
        return ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", cfg["PASSWORD_MIN_LENGTH"])
    if len(password) > cfg["PASSWORD_MAX_LENGTH"]:
        return ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", cfg["PASSWORD_MAX_LENGTH"])
    # Whole values too: the parts alone let "alice@een.test" itself pass as a password.
    parts = [part for value in user_inputs for part in value.replace("@", " ").replace(".", " ").split() if part]
    # Neighbouring parts joined too: "alicetest2024" is a first and last name with a year.
    joined = ["".join(pair) for pair in zip(parts, parts[1:], strict=False)]
    inputs = [*user_inputs, *parts, *joined]
    # zxcvbn raises beyond its max_length; judging the first 128 characters keeps long passwords allowed.
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs, max_length=ZXCVBN_MAX_LENGTH)["score"] < MIN_STRENGTH:
        return _(
            "This password is too easy to guess: it is common, or made of your name, "
            "e-mail address or a simple pattern. A few unrelated words or a longer "
            "sentence is easy to remember and hard to guess."
        )
    return None
