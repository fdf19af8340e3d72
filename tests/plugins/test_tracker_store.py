"""The SQLite tracker store in WAL mode keeps every saved turn, as Rasa's SQL store does, and is WAL-backed."""
from __future__ import annotations

import asyncio
import sqlite3

from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_plugins.tracker_store import SQLiteWALTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  commune:
    type: text
    mappings: [{type: custom}]
""")


def conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in (ActionExecuted("action_listen"),
                  UserUttered("Douai est en zone BUD ?", {"name": "bud_commune", "confidence": 0.9}),
                  SlotSet("commune", "Douai"), BotUttered("Oui."), ActionExecuted("action_listen")):
        tracker.update(event)
    return tracker


def test_it_is_what_endpoints_yml_names_and_it_keeps_the_turns(tmp_path):
    db = tmp_path / "tracker.db"
    config = EndpointConfig(type="rasa_plugins.tracker_store.SQLiteWALTrackerStore", dialect="sqlite", db=str(db))
    store = create_tracker_store(config, DOMAIN)
    assert type(store) is SQLiteWALTrackerStore  # not Rasa's silent fallback to an in-memory store
    asyncio.run(store.save(conversation("resident-1")))

    # Another process (the same file, Rasa's own store) reads the same events.
    again = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db))
    stored = asyncio.run(again.retrieve("resident-1"))
    assert [e.as_dict()["event"] for e in stored.events] == ["action", "user", "slot", "bot", "action"]
    assert stored.get_slot("commune") == "Douai"
    with sqlite3.connect(db) as reader:
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert reader.execute("SELECT count(*) FROM events WHERE sender_id = 'resident-1'").fetchone()[0] == 5


def test_a_second_save_adds_only_the_new_turn(tmp_path):
    store = SQLiteWALTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = conversation("resident-2")
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("merci", {"name": "thanks", "confidence": 0.9}))
    asyncio.run(store.save(tracker))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    stored = asyncio.run(store.retrieve("resident-2"))
    assert len(stored.events) == 6 and stored.latest_message.text == "merci"


def test_saves_from_several_threads_are_all_kept(tmp_path):
    """Connections come from a pool and may serve another thread: concurrent saves all land."""
    import concurrent.futures

    store = SQLiteWALTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    senders = [f"resident-{i}" for i in range(20)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda sender: asyncio.run(store.save(conversation(sender))), senders))
    for sender in senders:
        assert len(asyncio.run(store.retrieve(sender)).events) == 5
