"""Models of the console package."""
from __future__ import annotations
