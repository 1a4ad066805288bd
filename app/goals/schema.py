"""Practice migrations of the goals package (none yet)."""
