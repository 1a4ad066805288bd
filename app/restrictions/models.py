"""Models of the restrictions package."""
from __future__ import annotations
