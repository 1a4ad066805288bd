"""Practice migrations of the assessments package (none yet)."""
