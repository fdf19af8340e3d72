"""Rasa's SQL tracker store, with SQLite in write-ahead-log mode: a saved turn costs no disk flush.

With Rasa's stock SQLTrackerStore on SQLite, every saved turn is a commit in SQLite's default rollback-journal
mode with `synchronous=FULL`: several fsyncs per turn, on the Rasa server's event loop (the store is synchronous),
so every conversation waits for the disk. The profile of the Rasa server under load showed about 13 % of its time
in `do_commit` alone.

`SQLiteWALTrackerStore` is the same store (same tables, same queries, same events), whose SQLite connections use
`journal_mode=WAL` and `synchronous=NORMAL`, kept open in a small pool instead of one new connection per
session. A committed turn survives a crash of the Rasa process (it is in the
write-ahead log the moment the commit returns); only a power cut or a crash of the machine may lose the last
turns before a checkpoint. Readers (the retention purge, the chat page's history) never block the writer.

Saving a turn reads the conversation once, not twice. Rasa's `SQLTrackerStore.save` first retrieves and rebuilds
the whole stored tracker (every event of the session parsed from JSON and replayed) only to know how many events
are new for the event broker, then counts the stored events again to know which to insert. The profile of the
Rasa server at 50 users put that first retrieval at 8 % of its CPU. Here `save` counts the stored events of the
session once (the same query Rasa counts with) and hands the same new events to the broker and to the table: what
is published and stored is what Rasa's `save` publishes and stores, on any dialect and with several Rasa servers
(nothing is cached between turns; the lock store keeps one turn of a conversation at a time). Reading a
conversation selects only the events' JSON column, with Rasa's own query, instead of building an ORM object of
every row.

On any other dialect (PostgreSQL) the connections are SQLTrackerStore's own. Used in endpoints.yml:

    tracker_store:
      type: rasa_plugins.tracker_store.SQLiteWALTrackerStore
      dialect: sqlite
      db: ${TRACKER_DB}
"""
from __future__ import annotations

import json
import logging
from typing import Any, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
import sqlalchemy
import sqlalchemy.orm
import sqlalchemy.pool
from sqlalchemy import event

logger = logging.getLogger(__name__)

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


class SQLiteWALTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name != "sqlite" or self.engine.url.database in (None, "", ":memory:"):
            return
        # SQLAlchemy 1.4 opens and closes a new SQLite connection for every session of a file database
        # (NullPool): a pool keeps a few open, as SQLAlchemy 2.0 does by default. A connection is used by one
        # thread at a time (checked out from the pool), so it may move between threads.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.QueuePool, pool_size=5,
                                               max_overflow=10, connect_args={"check_same_thread": False})
        event.listen(self.engine, "connect", _set_pragmas)
        self.sessionmaker = sqlalchemy.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's `SQLTrackerStore.save` (stream the new events to the broker, then insert them), with one count
        of the stored events instead of a full retrieval plus a count."""
        with self.session_scope() as session:
            stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            new_events = list(tracker.events)[stored:]
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
            for event in new_events:
                data = event.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()
        logger.debug("Tracker saved (%d new events)", len(new_events))

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's `SQLTrackerStore._retrieve` (same query, same order, same tracker), reading only `data`."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data).all()]
            if self.domain and events:
                return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            return None
