"""Secrets for links and sessions: only their digest is ever stored."""
from __future__ import annotations

import hashlib
import secrets


def new_secret() -> str:
    """A fresh URL-safe secret of 256 bits."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored of a secret: its SHA-256, so a stolen database opens no link or session."""
    return hashlib.sha256(secret.encode()).hexdigest()
