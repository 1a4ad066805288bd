"""Models of the privacy package."""
from __future__ import annotations
