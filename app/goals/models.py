"""Models of the goals package."""
