"""The terminal wire protocol: endpoints, status codes, records, the async client."""
