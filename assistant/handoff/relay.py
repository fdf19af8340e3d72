"""The programme-data service's side of a live transfer: it tells the Rasa server (POST /handoff/relay, the
hand-off route of the web chat channel, with the assistant token) to deliver an officer's message to the
resident's chat, or that the officer closed the conversation, or that nobody took it in time. The Rasa server
then resumes the conversation and the bot says so. Nothing personal is logged."""
from __future__ import annotations

import logging
from typing import Optional

import requests

logger = logging.getLogger(__name__)
TIMEOUT = (2.0, 10.0)
KINDS = ("officer", "closed", "timeout")


def send(rasa_url: str, token: str, conversation_id: str, kind: str, text: Optional[str] = None) -> bool:
    assert kind in KINDS
    try:
        answer = requests.post(
            rasa_url.rstrip("/") + "/handoff/relay",
            json={"conversation_id": conversation_id, "kind": kind, "text": text},
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        logger.warning("live hand-off relay (%s) failed: %s", kind, type(error).__name__)
        return False
    if answer.status_code != 200:
        logger.warning("live hand-off relay (%s) refused: HTTP %s", kind, answer.status_code)
        return False
    return True
