"""Models of the archive package."""
from __future__ import annotations
