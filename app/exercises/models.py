"""Models of the exercises package."""
