"""The store's exceptions: everything it raises on purpose is a StoreError.

StoreError
├── InvalidRecordError   (also a ValueError) a record a terminal would refuse; nothing written
├── NotFoundError        (also a KeyError) no such person / terminal
├── StoreClosedError     work submitted after close()
├── StoreThreadError     SQL asked for on the wrong thread, or a blocking call on the event loop
├── MigrationError       the database is newer than this program, or a migration failed
└── StorageError         SQLite itself failed: disk full, file locked too long, not a database

SQLite's own exceptions never leave the store (callers may not import sqlite3): the store
thread turns a constraint failure into InvalidRecordError and any other into StorageError.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class InvalidRecordError(StoreError, ValueError):
    """A record that breaks a rule of the protocol or the store; nothing was written."""


class NotFoundError(StoreError, KeyError):
    """The person or terminal named does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


class StoreClosedError(StoreError):
    """The store was closed; no more work is taken."""


class StoreThreadError(StoreError):
    """The connection was used off the store thread, or the event loop tried to block."""


class MigrationError(StoreError):
    """The database could not be brought to this program's schema version."""


class StorageError(StoreError):
    """SQLite could not do the work (disk full or failing, file locked, file damaged)."""
