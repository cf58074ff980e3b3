"""Conversation history in SQLite (stdlib sqlite3, WAL). No UI imports."""
