"""The web chat's side of a live hand-off, in the Rasa server's process (a Rasa plug-in: it knows the
programme-data service only through its HTTP API).

- While a resident's conversation is with an officer (the action paused it with `ConversationPaused`), a paused
  tracker runs no action: the channel forwards what the resident writes to the programme-data service
  (POST /handoff/conversations/{id}/messages), where the officer reads it, and the bot says nothing (`guard`).
- The programme-data service calls POST /handoff/relay on the Rasa server (the assistant token) to deliver an
  officer's message to the resident's Socket.IO room (kept in the conversation's history), or, when the officer
  closes or nobody took the conversation in time, to resume the conversation (`ConversationResumed`) and let the
  bot say so (the external intents `handoff_ended` / `handoff_timeout`, answered by rules with domain responses).
"""
from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any, Awaitable, Callable, Optional

import requests
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed
from sanic import response
from sanic.request import Request

from rasa_plugins import settings

logger = logging.getLogger(__name__)
TIMEOUT = settings.PROGRAMME_TIMEOUT_SECONDS
KINDS = {"closed": "handoff_ended", "timeout": "handoff_timeout"}


def _token() -> str:
    return settings.assistant_token()


def _programme_url() -> str:
    return settings.programme_url()


def _forward(conversation_id: str, text: str) -> Optional[bool]:
    """True: the message went to the officer; False: no live conversation; None: the service did not answer."""
    try:
        answer = requests.post(
            f"{_programme_url()}/handoff/conversations/{conversation_id}/messages",
            json={"texte": text[:2000]},
            headers={"Authorization": f"Bearer {_token()}"},
            timeout=TIMEOUT,
        )
    except requests.RequestException:
        return None
    if answer.status_code == 200:
        return True
    return False if answer.status_code == 404 else None


async def guard(message: UserMessage, proceed: Callable[[UserMessage], Awaitable[Any]]) -> None:
    """A message guard of the channels: web chat messages of a conversation held by an officer go to the officer."""
    text = message.text or ""
    if message.input_channel == "socketio" and text.strip() and not text.startswith("/") and message.sender_id:
        forwarded = await asyncio.to_thread(_forward, message.sender_id, text)
        if forwarded:
            return  # the officer answers; the paused tracker would not anyway
    await proceed(message)


async def relay(request: Request) -> response.HTTPResponse:
    """POST /handoff/relay {conversation_id, kind: officer | closed | timeout, text}: from the programme-data service."""
    given = (request.headers.get("authorization") or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given, _token()):
        return response.json({"detail": "Authentification requise."}, status=401)
    body = request.json if isinstance(request.json, dict) else {}
    conversation_id, kind, text = body.get("conversation_id"), body.get("kind"), body.get("text")
    if not isinstance(conversation_id, str) or not conversation_id or kind not in ("officer", *KINDS):
        return response.json({"detail": "Requête invalide."}, status=400)
    agent = getattr(request.app.ctx, "agent", None)
    from rasa_plugins import channels

    channel = channels.live_channel()
    if agent is None or channel is None or channel.sio is None:
        return response.json({"detail": "Le canal de discussion n'est pas prêt."}, status=503)
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        if kind == "officer":
            if not isinstance(text, str) or not text.strip():
                return response.json({"detail": "Message vide."}, status=400)
            tracker.update(BotUttered(text[:2000], metadata={"author": "officer"}))
            await agent.processor.save_tracker(tracker)
            await channels.emit_to_session(conversation_id, {"text": text[:2000], "author": "officer"})
            return response.json({"delivered": True})
        if tracker.is_paused():
            tracker.update(ConversationResumed())
        # The pause stopped the turn before the bot listened: listen now, so that the rules for the external
        # intent match as for any message.
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        from rasa.core.channels import socketio

        output = socketio.SocketIOOutput(channel.sio, channel.bot_message_evt)
        await agent.trigger_intent(KINDS[kind], [], output, tracker)
    return response.json({"delivered": True, "resumed": True})
