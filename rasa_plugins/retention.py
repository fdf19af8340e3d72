"""How long conversations are kept: the tracker store forgets a conversation whose last event is older than
CONVERSATION_RETENTION_DAYS (30 by default, what the chat page's privacy notice says). The Rasa server runs the
purge at start-up and then every CONVERSATION_PURGE_SECONDS (an hour), from the Socket.IO channel."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Optional

from rasa_plugins import settings

logger = logging.getLogger(__name__)


def retention_days() -> int:
    return settings.conversation_retention_days()


def purge_interval() -> float:
    return settings.conversation_purge_seconds()


def _sql_store(store: Any) -> Optional[Any]:
    from rasa.core.tracker_store import SQLTrackerStore

    while store is not None and not isinstance(store, SQLTrackerStore):
        store = getattr(store, "_tracker_store", None)  # FailSafeTrackerStore wraps the configured store
    return store


def purge_conversations(store: Any, days: Optional[int] = None, now: Optional[float] = None) -> int:
    """Deletes every conversation whose last event is more than `days` old; returns how many events went."""
    sql = _sql_store(store)
    if sql is None:
        logger.warning("Conversation retention applies to SQL tracker stores only: nothing purged.")
        return 0
    from sqlalchemy import func

    cutoff = (now if now is not None else time.time()) - (days if days is not None else retention_days()) * 86400
    event = sql.SQLEvent
    with sql.session_scope() as session:
        old = (
            session.query(event.sender_id)
            .group_by(event.sender_id)
            .having(func.max(event.timestamp) < cutoff)
            .subquery()
        )
        deleted = (
            session.query(event)
            .filter(event.sender_id.in_(session.query(old.c.sender_id)))
            .delete(synchronize_session=False)
        )
        session.commit()
    if deleted:
        logger.info("Conversation retention: %d old events deleted.", deleted)
    return deleted


async def purge_forever(app: Any) -> None:
    """The Rasa server's background task (the agent is on app.ctx once the model is loaded)."""
    while True:
        agent = getattr(app.ctx, "agent", None)
        if agent is not None and agent.tracker_store is not None:
            try:
                purge_conversations(agent.tracker_store)
            except Exception:  # a purge that fails is retried later, never stops the server
                logger.exception("Conversation retention: purge failed.")
            await asyncio.sleep(purge_interval())
        else:
            await asyncio.sleep(5)
