"""Persistence: SQLite by default (one file, WAL), behind a small protocol."""
