"""Practice migrations of the programmes package (none yet)."""
