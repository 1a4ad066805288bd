"""Models of the documents package."""
