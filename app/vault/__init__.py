"""Encryption at rest: per-practice data keys wrapped by the instance master key."""
