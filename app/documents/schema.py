"""Practice migrations of the documents package (none yet)."""
