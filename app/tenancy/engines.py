"""Practice engines, opened lazily and kept in a bounded least-recently-used cache."""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from sqlalchemy.engine import Engine

from app.tenancy.slugs import is_valid_slug
from app.tenancy.sqlite import make_engine


class PracticeEngines:
    """At most `capacity` open practice engines; the least recently used is disposed."""

    def __init__(self, tenants_dir: Path, capacity: int, busy_timeout_ms: int) -> None:
        self.tenants_dir = tenants_dir
        self.capacity = max(1, capacity)
        self.busy_timeout_ms = busy_timeout_ms
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()

    def path_for(self, slug: str) -> Path:
        """The practice's file; refuses anything that is not a valid slug."""
        if not is_valid_slug(slug):
            raise ValueError("invalid practice slug")
        return self.tenants_dir / f"{slug}.sqlite"

    def get(self, slug: str) -> Engine:
        """The engine for slug, opening it if needed."""
        with self._lock:
            engine = self._engines.get(slug)
            if engine is not None:
                self._engines.move_to_end(slug)
                return engine
            path = self.path_for(slug)
            if not path.exists():
                # SQLite would create an empty file: an erased or moved practice must stay gone.
                raise FileNotFoundError(f"the file of practice '{slug}' is missing: {path}")
            engine = make_engine(path, self.busy_timeout_ms)
            self._engines[slug] = engine
            while len(self._engines) > self.capacity:
                _, evicted = self._engines.popitem(last=False)
                # Connections still checked out close when they are returned.
                evicted.dispose()
            return engine

    def discard(self, slug: str) -> None:
        """Close and forget the engine for slug (before its file is removed)."""
        with self._lock:
            engine = self._engines.pop(slug, None)
        if engine is not None:
            engine.dispose()

    def open_count(self) -> int:
        """How many practice engines are open now."""
        with self._lock:
            return len(self._engines)

    def dispose_all(self) -> None:
        """Close every practice engine."""
        with self._lock:
            engines = list(self._engines.values())
            self._engines.clear()
        for engine in engines:
            engine.dispose()
