"""The transactional outbox and timers: jobs enqueued in the caller's transaction, run by workers."""
