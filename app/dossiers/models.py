"""Models of the dossiers package."""
from __future__ import annotations
