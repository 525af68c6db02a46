"""Chinese full-text search over publications (bigram index, SQLite FTS5 / PostgreSQL tsvector)."""
