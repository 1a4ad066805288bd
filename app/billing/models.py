"""Models of the billing package."""
from __future__ import annotations
