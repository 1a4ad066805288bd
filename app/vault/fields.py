"""A column type that encrypts text with the current practice's data key."""
from __future__ import annotations

import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

from app.tenancy.context import current_practice
from app.vault.keystore import DataKeyUnavailable, KeyStore

_FORMAT = b"\x01"
_NONCE_BYTES = 12


def keystore() -> KeyStore:
    """The app's key store."""
    return current_app.extensions["koers_keystore"]


def encrypt_bytes(plaintext: bytes, purpose: str) -> bytes:
    """AES-256-GCM ciphertext of plaintext, bound to the practice and the purpose."""
    slug = current_practice().slug
    nonce = secrets.token_bytes(_NONCE_BYTES)
    aad = f"{slug}|{purpose}".encode()
    return _FORMAT + nonce + AESGCM(keystore().data_key(slug)).encrypt(nonce, plaintext, aad)


def decrypt_bytes(blob: bytes, purpose: str) -> bytes:
    """The plaintext of a value made by encrypt_bytes in the current practice."""
    slug = current_practice().slug
    if not blob.startswith(_FORMAT):
        raise DataKeyUnavailable("unknown ciphertext format")
    nonce = blob[1 : 1 + _NONCE_BYTES]
    aad = f"{slug}|{purpose}".encode()
    try:
        return AESGCM(keystore().data_key(slug)).decrypt(nonce, blob[1 + _NONCE_BYTES :], aad)
    except InvalidTag:
        raise DataKeyUnavailable("value cannot be decrypted with this practice's key") from None


class EncryptedBytes(TypeDecorator):
    """Bytes encrypted at rest; `purpose` (e.g. "documents.content") stops values being moved between columns."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def encode(self, value: Any) -> bytes:
        return bytes(value)

    def decode(self, plaintext: bytes) -> Any:
        return plaintext

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return encrypt_bytes(self.encode(value), self.purpose)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return self.decode(decrypt_bytes(bytes(value), self.purpose))


class EncryptedText(EncryptedBytes):
    """Text encrypted at rest, like EncryptedBytes."""

    cache_ok = True

    def encode(self, value: Any) -> bytes:
        return str(value).encode()

    def decode(self, plaintext: bytes) -> str:
        return plaintext.decode()
