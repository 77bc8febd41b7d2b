"""The station's SQLite store: persons, photos, embeddings, terminals, outbox, audit log."""
