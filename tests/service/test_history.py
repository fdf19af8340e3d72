"""The change history: one row per changed field, who and when, rolled back with the change it describes."""
import datetime as dt

import pytest
import sqlalchemy as sa

from assistant import history
from assistant.storage import create_engine, metadata


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'history.db'}")
    metadata.create_all(engine)
    return engine


def test_only_changed_fields_are_recorded_with_who_when_and_how(engine):
    when = dt.datetime(2026, 3, 1, 9, 30)
    with engine.begin() as conn:
        recorded = history.record(
            conn,
            "cite",
            "cite-agache-fenain",
            before={"statut": "inconnu", "debut": None, "bailleur": "Maisons & Cités"},
            after={"statut": "en_travaux", "debut": dt.date(2026, 2, 2), "bailleur": "Maisons & Cités"},
            changed_by="m.dupont",
            via="api",
            changed_at=when,
        )
    assert [(c.field, c.old_value, c.new_value) for c in recorded] == [
        ("statut", "inconnu", "en_travaux"),
        ("debut", None, "2026-02-02"),
    ]
    with engine.connect() as conn:
        listed = history.list_changes(conn, "cite", "cite-agache-fenain")
    assert {(c.field, c.changed_by, c.changed_at, c.via) for c in listed} == {
        ("statut", "m.dupont", when, "api"),
        ("debut", "m.dupont", when, "api"),
    }


def test_changes_are_listed_most_recent_first_and_per_entity(engine):
    with engine.begin() as conn:
        for day, (key, new) in enumerate([("a", "programmee"), ("b", "terminee"), ("a", "en_travaux")], start=1):
            history.record(
                conn, "cite", key, {"statut": None}, {"statut": new}, "agent", "import", dt.datetime(2026, 1, day)
            )
        history.record(conn, "structure", "a", {"nom": "x"}, {"nom": "y"}, "agent", "api")
    with engine.connect() as conn:
        assert [c.new_value for c in history.list_changes(conn, "cite", "a")] == ["en_travaux", "programmee"]
        assert [c.entity_key for c in history.list_changes(conn, "cite")] == ["a", "b", "a"]
        assert len(history.list_changes(conn, "cite", limit=1)) == 1
        assert [c.new_value for c in history.list_changes(conn, "structure", "a")] == ["y"]


def test_history_is_rolled_back_with_the_change(engine):
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            history.record(conn, "cite", "a", {}, {"statut": "terminee"}, "agent", "api")
            raise RuntimeError("the change failed")
    with engine.connect() as conn:
        assert history.list_changes(conn, "cite") == []
        assert conn.execute(sa.select(sa.func.count()).select_from(history.changes)).scalar() == 0


@pytest.mark.parametrize("via, who", [("mail", "agent"), ("api", "")])
def test_an_unknown_channel_or_an_anonymous_change_is_refused(engine, via, who):
    with engine.begin() as conn, pytest.raises(ValueError):
        history.record(conn, "cite", "a", {}, {"statut": "terminee"}, who, via)


def test_values_are_stored_as_text():
    assert history.as_text(None) is None
    assert history.as_text("") is None
    assert history.as_text(True) == "true"
    assert history.as_text(dt.date(2026, 5, 1)) == "2026-05-01"
    assert history.as_text(219) == "219"
