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


class Collecting:
    """An event broker that keeps what it is given."""

    def __init__(self):
        self.published = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


def _three_turns_with_a_new_session(store) -> DialogueStateTracker:
    from rasa.shared.core.events import SessionStarted

    tracker = conversation("resident-3")
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve("resident-3"))
    tracker.update(UserUttered("merci", {"name": "thanks", "confidence": 0.9}))
    tracker.update(BotUttered("Avec plaisir."))
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve("resident-3"))
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                  UserUttered("bonjour", {"name": "greet", "confidence": 0.9})):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    return tracker


def test_save_publishes_and_stores_what_rasas_store_does_without_reading_the_tracker_back(tmp_path, monkeypatch):
    """The same turns through Rasa's SQLTrackerStore and ours: the same events reach the broker and the table,
    and our save never rebuilds the stored tracker (Rasa's did, once per turn, for the broker's diff)."""
    stock_broker, ours_broker = Collecting(), Collecting()
    stock = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "stock.db"), event_broker=stock_broker)
    ours = SQLiteWALTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.db"), event_broker=ours_broker)
    _three_turns_with_a_new_session(stock)
    rebuilt = []
    original = DialogueStateTracker.from_dict

    def counting_from_dict(*args, **kwargs):
        rebuilt.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(DialogueStateTracker, "from_dict", counting_from_dict)
    _three_turns_with_a_new_session(ours)
    assert len(rebuilt) == 2  # the test's own two retrievals, none from the three saves

    def strip(events):
        return [{k: v for k, v in e.items() if k != "timestamp"} for e in events]

    assert strip(ours_broker.published) == strip(stock_broker.published)
    assert len(ours_broker.published) == 11  # 5, then 2, then the 4 of the new session: each event once
    rows = {}
    for name, db in (("stock", "stock.db"), ("ours", "ours.db")):
        with sqlite3.connect(tmp_path / db) as reader:
            rows[name] = reader.execute(
                "SELECT sender_id, type_name, intent_name, action_name FROM events ORDER BY id").fetchall()
    assert rows["ours"] == rows["stock"] and len(rows["ours"]) == 11


def test_a_conversation_reads_back_as_rasas_store_reads_it(tmp_path):
    """Latest session only (retrieve) and every session (retrieve_full_tracker): the same events as Rasa's own."""
    ours = SQLiteWALTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.db"))
    _three_turns_with_a_new_session(ours)
    stock = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.db"))
    for read in ("retrieve", "retrieve_full_tracker"):
        mine = asyncio.run(getattr(ours, read)("resident-3"))
        rasa = asyncio.run(getattr(stock, read)("resident-3"))
        assert [e.as_dict() for e in mine.events] == [e.as_dict() for e in rasa.events]
        assert mine.current_state() == rasa.current_state()
    assert len(asyncio.run(ours.retrieve("resident-3")).events) == 3  # the new session only (from SessionStarted)
    assert len(asyncio.run(ours.retrieve_full_tracker("resident-3")).events) == 11
    assert asyncio.run(ours.retrieve("nobody")) is None
