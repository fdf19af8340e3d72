"""Rasa input channels that never leave a resident without an answer, and the web chat's Socket.IO channel.

When a custom action cannot run (the action server is down), Rasa 3.6 logs the error and goes on listening: the
resident sees nothing. These channels count what the bot sent for each message; if it sent nothing, they send
`utter_technical_problem` from domain.yml (a button payload `/technical_problem` gets the same answer by a rule). The names stay `rest` and `socketio`, so URLs and clients do not change.

Every message goes through `message_pipeline`: the guards of `MESSAGE_GUARDS` in order (each one may answer
itself and stop, or call the next step), then `never_silent`, then Rasa. A guard is
`async def guard(message: UserMessage, proceed: Handler) -> None`.

The Socket.IO channel is Rasa's, with its own blueprint: Rasa 3.6 calls `sio.enter_room` without `await` (a
coroutine in python-socketio 5), so with session persistence a client never joins its room and never gets an
answer. Here each session id is a room that the client really joins; a client that comes back with its session
id gets the current session's messages again from the tracker store (`session_history`), or is told that the
session expired; a new session is greeted by the bot. The server object is reachable for pushes from elsewhere
in the Rasa process: `emit_to_session(session_id, message)`.

The same blueprint serves the resident page (`web/static`, the Socket.IO client from `web/node_modules`) under
`/chat/`, so that the page and its Socket.IO endpoint share one origin and a strict Content-Security-Policy.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels import rest, socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from rasa_plugins import retention, settings

from rasa_plugins.guards import protect, screen, technical_problem

logger = logging.getLogger(__name__)

TECHNICAL_PROBLEM = "/technical_problem"
GREETING = "/greet"

Handler = Callable[[UserMessage], Awaitable[Any]]
Guard = Callable[[UserMessage, Handler], Awaitable[Any]]

# Checks run on every user message before the dialogue, outermost first (length cap, rate limit, hand-off…).
MESSAGE_GUARDS: List[Guard] = [screen]  # size, rate, typed payloads, time: rasa_plugins/guards.py


class _CountingOutput(OutputChannel):
    """Passes every bot message to the real output channel and counts them."""

    def __init__(self, inner: OutputChannel):
        self.inner = inner
        self.sent = 0

    @classmethod
    def name(cls) -> Text:
        return "counting"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)


def never_silent(on_new_message: Handler) -> Handler:
    async def handle(message: UserMessage) -> None:
        output = _CountingOutput(message.output_channel)
        message.output_channel = output
        await on_new_message(message)
        if output.sent == 0 and message.text != TECHNICAL_PROBLEM:
            # Straight to the channel: fed to the dialogue as an intent, it reached a running form, which failed
            # again and answered nothing (rasa_plugins/guards.py).
            await technical_problem(output, message.sender_id)

    return handle


def message_pipeline(on_new_message: Handler, guards: Optional[List[Guard]] = None) -> Handler:
    """The one path of every user message: the guards in order, then `never_silent`, then Rasa.

    `guards` defaults to `MESSAGE_GUARDS`, read at each message, so a guard added after start-up applies too."""
    inner = never_silent(on_new_message)

    async def handle(message: UserMessage) -> None:
        chain = list(MESSAGE_GUARDS if guards is None else guards)

        async def step(index: int, current: UserMessage) -> None:
            if index == len(chain):
                await inner(current)
            else:
                await chain[index](current, lambda m: step(index + 1, m))

        await step(0, message)

    return handle


class RestInput(rest.RestInput):
    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        return protect(super().blueprint(message_pipeline(on_new_message)))


# --- Socket.IO -------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")  # what the server hands out: uuid4().hex
MAX_METADATA_CHARS = settings.MAX_METADATA_CHARS

# The page's files, by URL path under /chat/: nothing else under web/ is reachable.
PAGE_FILES = {
    "": (WEB / "static" / "index.html", "text/html; charset=utf-8"),
    "index.html": (WEB / "static" / "index.html", "text/html; charset=utf-8"),
    "confidentialite.html": (WEB / "static" / "confidentialite.html", "text/html; charset=utf-8"),
    "chat.js": (WEB / "static" / "chat.js", "text/javascript; charset=utf-8"),
    "chat.css": (WEB / "static" / "chat.css", "text/css; charset=utf-8"),
    "favicon.svg": (WEB / "static" / "favicon.svg", "image/svg+xml"),
    "vendor/socket.io.min.js": (
        WEB / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
        "text/javascript; charset=utf-8",
    ),
}
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

# The live Socket.IO channel of this process (one per Rasa server), for pushes from outside a user message.
_live: Dict[Text, "SocketIOInput"] = {}


def live_channel() -> Optional["SocketIOInput"]:
    return _live.get("socketio")


async def emit_to_session(session_id: Text, message: Dict[Text, Any]) -> bool:
    """Sends one bot message (`{"text": …, "quick_replies": […]}`, optionally `"author"`) to every browser tab of a
    session. False when the channel is not running in this process."""
    channel = live_channel()
    if channel is None or channel.sio is None:
        return False
    await channel.sio.emit(channel.bot_message_evt, message, room=session_id, namespace=channel.namespace)
    return True


# --- scale-out: Socket.IO emits across Rasa servers -------------------------------------------------------------
# With SOCKETIO_REDIS_URL set (redis://host:port/db), every emit (a reply, an officer's message from
# /handoff/relay, emit_to_session) goes through python-socketio's AsyncRedisManager, so it reaches the resident's
# browser whichever Rasa server holds its connection. Unset (the default): this process's memory, one server.


def socketio_client_manager() -> Optional[Any]:
    url = settings.socketio_redis_url()
    if not url:
        return None
    from socketio import AsyncRedisManager

    return AsyncRedisManager(url, channel=settings.socketio_redis_channel())


# --- end of scale-out --------------------------------------------------------------------------------------------


def _bot_messages(event: BotUttered) -> List[Dict[Text, Any]]:
    """A bot event as the live channel sent it: one message per paragraph, the buttons on the last one."""
    text = event.text or ""
    parts = [p for p in text.strip().split("\n\n") if p] or ([""] if event.data.get("buttons") else [])
    messages: List[Dict[Text, Any]] = [{"text": part} for part in parts]
    buttons = event.data.get("buttons") or event.data.get("quick_replies") or []
    if messages and buttons:
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": b.get("title", ""), "payload": b.get("payload", "")} for b in buttons
        ]
    author = (event.metadata or {}).get("author")
    if author:
        for message in messages:
            message["author"] = author
    return messages


def session_messages(events: List[Any]) -> List[Dict[Text, Any]]:
    """What the resident saw in the current session, in order: their messages (button titles rather than
    payloads; the page's own greeting request left out) and the bot's."""
    start = 0
    for index, event in enumerate(events):
        if isinstance(event, SessionStarted):
            start = index
    history: List[Dict[Text, Any]] = []
    for event in events[start:]:
        if isinstance(event, UserUttered):
            metadata = event.metadata or {}
            if metadata.get("hidden") or event.text in (None, TECHNICAL_PROBLEM):
                continue
            shown = metadata.get("display") if isinstance(metadata.get("display"), str) else event.text
            history.append({"author": "user", "text": shown})
        elif isinstance(event, BotUttered):
            history.extend({"author": "bot", **m} for m in _bot_messages(event))
    return history


class SocketIOInput(socketio.SocketIOInput):
    """Rasa's Socket.IO channel with rooms that work, history on reconnection and the resident page."""

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        handle = message_pipeline(on_new_message)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], client_manager=socketio_client_manager())
        blueprint = _Blueprint(self, sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        self.app: Optional[Sanic] = None
        _live["socketio"] = self
        namespace = self.namespace

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            payload = None
            if token:
                from rasa.core.channels.channel import decode_bearer_token

                payload = decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
            return bool(payload)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            known = isinstance(asked, str) and bool(SESSION_ID.match(asked))
            session_id = asked if known else uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            history, expired = await self._history(session_id) if known else ([], False)
            await sio.emit(
                "session_history",
                {"session_id": session_id, "messages": history, "expired": expired, "new": not history},
                room=sid,
                namespace=namespace,
            )
            if not history:  # a new conversation (or an expired one): the bot introduces itself
                await handle(self._message(GREETING, session_id, sid, {"hidden": True}))

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                session_id = data.get("session_id")
                if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
                    logger.warning("A Socket.IO message without a valid session id was ignored.")
                    return
                if session_id not in sio.rooms(sid, namespace=namespace):
                    await sio.enter_room(sid, session_id, namespace=namespace)
            else:
                session_id = sid
            text = data.get("message")
            if not isinstance(text, str):
                return
            await handle(self._message(text, session_id, sid, _metadata(data.get(self.metadata_key))))

        return protect(blueprint)

    def _message(self, text: Text, session_id: Text, sid: Text, metadata: Dict[Text, Any]) -> UserMessage:
        output = socketio.SocketIOOutput(self.sio, self.bot_message_evt)
        return UserMessage(text, output, session_id if self.session_persistence else sid,
                           input_channel=self.name(), metadata=metadata)

    async def _history(self, session_id: Text) -> tuple[List[Dict[Text, Any]], bool]:
        """The current session's messages, or ([], True) when it expired (the next message starts a new one)."""
        agent = getattr(self.app.ctx, "agent", None) if self.app else None
        if agent is None or agent.tracker_store is None:
            return [], False
        try:
            tracker = await agent.tracker_store.retrieve(session_id)
        except Exception:  # a tracker store down must not stop the chat: the conversation goes on without history
            logger.exception("Could not read the conversation history.")
            return [], False
        if tracker is None:
            return [], False
        config = agent.domain.session_config if agent.domain else None
        last = tracker.get_last_event_for(UserUttered)
        if config and config.are_sessions_enabled() and last is not None:
            if time.time() - last.timestamp > config.session_expiration_time * 60:
                return [], True
        return session_messages(list(tracker.events)), False


def _metadata(raw: Any) -> Dict[Text, Any]:
    """The client's `customData`: a JSON object (or its text), small; anything else is dropped."""
    if isinstance(raw, str) and len(raw) <= MAX_METADATA_CHARS:
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict) or len(json.dumps(raw, default=str)) > MAX_METADATA_CHARS:
        return {}
    return raw


class _Blueprint(socketio.SocketBlueprint):
    """Attaches the Socket.IO server, keeps the app for the tracker store, and adds the page's routes."""

    def __init__(self, channel: SocketIOInput, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.channel = channel

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        self.ctx.channel.app = app
        if not getattr(app.ctx, "webchat_page", False):
            app.ctx.webchat_page = True
            app.add_route(_page, "/chat", methods=["GET"], name="webchat_root")
            app.add_route(_page, "/chat/<name:path>", methods=["GET"], name="webchat_page")
            app.add_task(retention.purge_forever)
            from rasa_plugins import live_handoff

            app.add_route(live_handoff.relay, "/handoff/relay", methods=["POST"], name="handoff_relay")
        super().register(app, options)


async def _page(request: Request, name: Text = "") -> HTTPResponse:
    if request.path == "/chat":
        return response.redirect("/chat/")
    entry = PAGE_FILES.get(name)
    if entry is None:
        return response.text("Page introuvable.", status=404, headers=PAGE_HEADERS)
    path, content_type = entry
    if not path.is_file():
        logger.error("The chat page's file %s is missing (run scripts/setup.sh: npm ci in web/).", path)
        return response.text("Fichier absent.", status=404, headers=PAGE_HEADERS)
    if path.suffix == ".html":  # the durations the privacy notice states, from where they are enforced
        agent = getattr(request.app.ctx, "agent", None)
        config = agent.domain.session_config if agent is not None and agent.domain else None
        minutes = round(config.session_expiration_time) if config and config.are_sessions_enabled() else 60
        page = path.read_text(encoding="utf-8")
        page = page.replace("__RETENTION_DAYS__", str(retention.retention_days()))
        page = page.replace("__SESSION_MINUTES__", str(minutes))
        # the size the guard refuses: the page keeps a longer message in its field instead of sending it to be lost
        page = page.replace("__MAX_MESSAGE_CHARS__", str(settings.rasa().max_message_chars))
        return response.html(page, headers=PAGE_HEADERS)
    return await response.file(path, mime_type=content_type, headers=PAGE_HEADERS)


def _register_live_handoff() -> None:
    """The live hand-off's guard: web chat messages of a conversation held by an officer go to the officer."""
    from rasa_plugins import live_handoff

    if live_handoff.guard not in MESSAGE_GUARDS:
        MESSAGE_GUARDS.append(live_handoff.guard)


_register_live_handoff()
