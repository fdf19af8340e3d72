"""Event classes are looked up by name once: the same class as Rasa's own lookup for every event type."""
from __future__ import annotations

import pytest
import rasa.shared.utils.common
from rasa.shared.core import events
from rasa.shared.core.events import Event

from rasa_plugins import event_types


@pytest.fixture
def installed(monkeypatch):
    original = Event.__dict__["resolve_by_type"]
    monkeypatch.setattr(event_types, "_original", None)
    monkeypatch.setattr(event_types, "_found", {})
    event_types.install()
    yield original.__func__
    Event.resolve_by_type = original


def test_every_event_type_resolves_to_rasas_class_and_the_tree_is_walked_once(installed, monkeypatch):
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert {"user", "bot", "slot", "action", "active_loop", "session_started"} <= names
    expected = {name: installed(name) for name in names}
    walks = []
    walk = rasa.shared.utils.common.all_subclasses
    monkeypatch.setattr(rasa.shared.utils.common, "all_subclasses", lambda cls: walks.append(cls) or walk(cls))
    for _ in range(3):
        for name in names:
            assert Event.resolve_by_type(name) is expected[name]
    assert walks.count(Event) == len(names)  # one walk per name, not one per lookup


def test_unknown_names_keep_rasas_fallbacks_and_errors(installed):
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=events.UserUttered) is events.UserUttered
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert "no_such_event" not in event_types._found


def test_events_read_from_json_are_the_same(installed):
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

    originals = [ActionExecuted("action_listen"), UserUttered("Lens ?", {"name": "bud_commune", "confidence": 1.0}),
                 SlotSet("commune", "Lens"), BotUttered("Oui."), SessionStarted()]
    again = events.deserialise_events([e.as_dict() for e in originals])
    assert [type(e) for e in again] == [type(e) for e in originals]
    assert [e.as_dict() for e in again] == [e.as_dict() for e in originals]
