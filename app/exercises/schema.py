"""Practice migrations of the exercises package (none yet)."""
