"""Practice migrations of the journal package (none yet)."""
