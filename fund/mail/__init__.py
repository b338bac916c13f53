"""The outbox: every message is stored first, then delivered; failures are retried."""
