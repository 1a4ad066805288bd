"""Practice migrations of the reports package (none yet)."""
