"""Conversations are forgotten CONVERSATION_RETENTION_DAYS after their last message (the chat page says 30 days),
in Rasa's own SQL tracker store."""
from __future__ import annotations

import asyncio
import time

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_plugins.retention import purge_conversations

DAY = 86400


def _store(tmp_path) -> SQLTrackerStore:
    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "trackers.db"))


def _save(store, sender: str, *ages_in_days: float) -> None:
    now = time.time()
    events = []
    for age in ages_in_days:
        events += [UserUttered("bonjour", timestamp=now - age * DAY), BotUttered("Bonjour !", timestamp=now - age * DAY)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def test_only_conversations_idle_for_longer_than_the_retention_period_are_deleted(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "30")
    store = _store(tmp_path)
    _save(store, "old", 45, 31)        # last message 31 days ago: gone
    _save(store, "recent", 45, 29)     # began long ago, but its last message is 29 days old: kept
    _save(store, "today", 0)
    deleted = purge_conversations(store)
    assert deleted == 4
    assert asyncio.run(store.retrieve_full_tracker("old")) is None
    assert len(asyncio.run(store.retrieve_full_tracker("recent")).events) == 4
    assert asyncio.run(store.retrieve_full_tracker("today")) is not None
    assert purge_conversations(store) == 0


def test_the_period_is_configuration(tmp_path, monkeypatch):
    store = _store(tmp_path)
    _save(store, "a", 3)
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "7")
    assert purge_conversations(store) == 0
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "2")
    assert purge_conversations(store) == 2
