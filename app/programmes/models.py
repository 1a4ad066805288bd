"""Models of the programmes package."""
