"""Models of the journal package."""
