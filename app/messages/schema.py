"""Practice migrations of the messages package (none yet)."""
