"""Models of the messages package."""
