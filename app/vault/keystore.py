"""Per-practice data keys, stored wrapped by the instance master key in instance/keys/."""
from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.tenancy.slugs import is_valid_slug

_FORMAT = b"k1"
_NONCE_BYTES = 12


class DataKeyUnavailable(RuntimeError):
    """The practice's data key does not exist (never made, or destroyed)."""


class KeyStore:
    """Creates, unwraps, caches and destroys practice data keys."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()
        keys_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(keys_dir, 0o700)
        self._master = AESGCM(self._load_or_create_master())

    def _load_or_create_master(self) -> bytes:
        path = self.keys_dir / "master.key"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = bytes.fromhex(path.read_text().strip())
            if len(key) != 32:
                raise RuntimeError(f"{path} does not hold a 256-bit key")
            return key
        key = AESGCM.generate_key(bit_length=256)
        with os.fdopen(fd, "w") as handle:
            handle.write(key.hex())
            handle.flush()
            os.fsync(handle.fileno())
        return key

    def _path(self, slug: str) -> Path:
        if not is_valid_slug(slug):
            raise ValueError("invalid practice slug")
        return self.keys_dir / f"{slug}.key"

    def create(self, slug: str) -> None:
        """Make a new random data key for slug; refuses to replace an existing one."""
        key = AESGCM.generate_key(bit_length=256)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        wrapped = _FORMAT + nonce + self._master.encrypt(nonce, key, slug.encode())
        fd = os.open(self._path(slug), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(wrapped)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(self.keys_dir)

    def exists(self, slug: str) -> bool:
        """True when slug has a data key."""
        return self._path(slug).exists()

    def data_key(self, slug: str) -> bytes:
        """The unwrapped data key of slug."""
        with self._lock:
            key = self._cache.get(slug)
            if key is not None:
                return key
            try:
                blob = self._path(slug).read_bytes()
            except FileNotFoundError:
                raise DataKeyUnavailable(slug) from None
            if not blob.startswith(_FORMAT):
                raise DataKeyUnavailable(slug)
            nonce = blob[len(_FORMAT) : len(_FORMAT) + _NONCE_BYTES]
            try:
                key = self._master.decrypt(nonce, blob[len(_FORMAT) + _NONCE_BYTES :], slug.encode())
            except InvalidTag:
                raise DataKeyUnavailable(slug) from None
            self._cache[slug] = key
            return key

    def destroy(self, slug: str) -> None:
        """Overwrite and remove slug's data key: everything encrypted with it is unreadable."""
        path = self._path(slug)
        with self._lock:
            self._cache.pop(slug, None)
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                return
            with open(path, "r+b") as handle:
                handle.write(secrets.token_bytes(size))
                handle.flush()
                os.fsync(handle.fileno())
            path.unlink()
            _fsync_dir(self.keys_dir)


def _fsync_dir(path: Path) -> None:
    """Make a file's creation or removal in path durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
