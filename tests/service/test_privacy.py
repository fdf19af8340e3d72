"""« Vous gardez mes infos combien de temps ? »: the durations the assistant says are those applied (GET
/dialogue/privacy), read from the same settings as the Rasa server's tracker store and the hand-off purge."""
from __future__ import annotations

import pytest

from assistant import settings as service_settings
from rasa_plugins import settings as rasa_settings


@pytest.mark.parametrize("days", [None, "7"])
def test_the_service_and_the_rasa_server_read_the_same_conversation_retention(monkeypatch, days):
    if days is None:
        monkeypatch.delenv("CONVERSATION_RETENTION_DAYS", raising=False)
    else:
        monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", days)
    assert service_settings.load().conversation_retention_days == rasa_settings.conversation_retention_days()


def test_the_durations_are_served(client, settings):
    kept = client.get("/dialogue/privacy").json()
    assert kept == {"conversation_days": settings.conversation_retention_days, "handoff_days": settings.retention_days}
