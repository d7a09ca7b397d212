"""Admission of requests to the database (readers and writers), awaited on the event loop."""

from __future__ import annotations

import asyncio

from api.db.database import Database


class RequestGate:
    """Admission to the database, awaited on the event loop (never in a worker thread).

    Requests wait here *before* they take a worker thread or a pooled connection. Were the
    waiting done inside worker threads, the threads could all be blocked by requests that
    themselves wait for a thread to finish (a deadlock under load). Readers and writers have
    separate allowances (on SQLite one writer at a time), so a writer, who holds the database's
    write lock, never queues for a thread behind a crowd of readers; more concurrent requests
    than a few per core would only share the same CPU anyway.
    """

    def __init__(self, database: Database, concurrency: int = 8) -> None:
        readers = max(1, min(concurrency, database.max_sessions // 2))
        self.readers = asyncio.Semaphore(readers)
        self.writers = asyncio.Semaphore(1 if database.is_sqlite else readers)
