"""Backups: encrypted online snapshots, their verification and restore, and the erasure register."""
