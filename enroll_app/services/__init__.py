"""Use cases: enroll, sync, discovery, visitor expiry, import and export."""
