"""Language choice: the person's saved language, the session's, then the browser's."""
from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user


def mark(message: str) -> str:
    """Mark a string for the catalogues; it is translated where it is shown."""
    return message


def supported(locale: str | None) -> bool:
    """True for a language Koers has a catalogue for."""
    return locale in current_app.config["LANGUAGES"]


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if supported(user_locale):
        return user_locale
    if supported(session.get("lang")):
        return session["lang"]
    # By the browser's order of preference, on the primary subtag: "nl-BE, en;q=0.9" is Dutch
    # (werkzeug's best_match would prefer the exact, lower-rated "en").
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].lower()
        if supported(primary):
            return primary
    return current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Times are shown in Dutch time: the practices Koers serves are in the Netherlands."""
    return "Europe/Amsterdam"
