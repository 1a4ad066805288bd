"""Models of the consent package."""
from __future__ import annotations
