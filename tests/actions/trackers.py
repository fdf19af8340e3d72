"""A tracker as Rasa sends it to the action server after NLU, built by hand."""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker


def make_tracker(
    text: str,
    intent: str = "ask_bud_commune",
    entities: Optional[list[tuple[str, str]]] = None,
    slots: Optional[dict] = None,
) -> Tracker:
    """A tracker whose last user message is `text`, with the given (entity, value) pairs."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": e, "value": v} for e, v in (entities or [])],
    }
    return Tracker(
        sender_id="test-resident",
        slots={"commune": None, "postal_code": None, "topic": None, **(slots or {})},
        latest_message=latest,
        events=[{"event": "user", "text": text, "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
