"""What every message passes before it reaches the NLU: size, rate, typed commands, time.

Applied to Rasa's input channels in `assistant/channels.py`: `screen` is the first of its `MESSAGE_GUARDS`, and
`protect(blueprint)` adds a request middleware that remembers the client's address for the per-address rate
limit and restricts Socket.IO to the site's origins.

- A message longer than `max_message_chars` (or `max_message_tokens` words and signs) is answered
  `utter_message_too_long` and never reaches the NLU: its cost grows faster than its length (see
  `assistant/limits.py`). The conversation is left as it was (a form goes on at the same question).
- A conversation or a client address that sends faster than its token bucket allows is answered
  `utter_rate_limited` without Rasa doing anything else: a flood costs neither NLU time nor tracker storage.
- Text that looks like an intent payload (« /restart », « /inform{"…"} ») drives the dialogue only when it is the
  payload of a button the bot offered in its last turn, or one the web chat sends by itself; typed by a resident,
  it is read as words (the slash removed), so nobody can jump the dialogue or set slots by hand.
- A message that is not text (a number, a list in the JSON) is read as an empty message; control characters are
  removed.
- No message may take longer than `message_timeout_seconds`; then `utter_technical_problem`.

Answers are the domain's responses (domain.yml), sent straight to the channel's output.
"""
from __future__ import annotations

import asyncio
import contextvars
import importlib
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Optional, Protocol

import yaml

from assistant import limits as limits_module

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
TOO_LONG, RATE_LIMITED, TECHNICAL = "utter_message_too_long", "utter_rate_limited", "utter_technical_problem"
# Payloads a client sends without the bot offering them (the web chat's greeting on opening).
CLIENT_PAYLOADS = {"/greet", "/session_start"}
_TOKEN = re.compile(r"\w+|[^\w\s]")  # about what the tokenizer makes of it
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\ufffe\uffff]")

client_address: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("client_address", default=None)
current_app: contextvars.ContextVar[Any] = contextvars.ContextVar("current_app", default=None)


class RateStore(Protocol):
    """Where the token buckets live. `memory` is this process; a Redis store shares them between servers."""

    def allow(self, key: str, burst: int, per_second: float) -> bool: ...


class MemoryRateStore:
    """Token buckets in a dict, at most `max_keys` of them (full buckets are dropped first)."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self.max_keys = max_keys
        self.clock = clock

    def allow(self, key: str, burst: int, per_second: float) -> bool:
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * per_second)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            if len(self._buckets) > self.max_keys:
                self._prune(now, burst, per_second)
            return allowed

    def _prune(self, now: float, burst: int, per_second: float) -> None:
        full_after = burst / per_second if per_second > 0 else float("inf")
        for key in [k for k, (_, last) in self._buckets.items() if now - last >= full_after]:
            del self._buckets[key]
        while len(self._buckets) > self.max_keys:  # still too many: forget the oldest
            del self._buckets[next(iter(self._buckets))]


def load_store(spec: str) -> RateStore:
    if spec == "memory":
        return MemoryRateStore()
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()


def domain_texts(names: Iterable[str], domain_file: Path = ROOT / "domain.yml") -> dict[str, str]:
    responses = yaml.safe_load(domain_file.read_text(encoding="utf-8"))["responses"]
    return {name: responses[name][0]["text"] for name in names}


class Guard:
    def __init__(self, limits: Optional[limits_module.RasaLimits] = None, store: Optional[RateStore] = None):
        self.limits = limits or limits_module.rasa()
        self.store = store or load_store(self.limits.rate_store)
        self.texts = domain_texts((TOO_LONG, RATE_LIMITED, TECHNICAL))

    def allowed(self, sender_id: str, address: Optional[str]) -> bool:
        limits = self.limits
        if address is not None and not self.store.allow(
                f"address:{address}", limits.address_burst, limits.address_per_second):
            return False
        return self.store.allow(f"conversation:{sender_id}", limits.conversation_burst, limits.conversation_per_second)

    async def answer(self, message: Any, response: str) -> None:
        limit = f"{self.limits.max_message_chars:,}".replace(",", "\u202f")  # « 2 000 »
        text = self.texts[response].replace("{max_chars}", limit)
        await message.output_channel.send_response(message.sender_id, {"text": text})

    async def check(self, message: Any, proceed: Callable[[Any], Awaitable[Any]]) -> None:
        """Answer the message here (too long, too fast) or pass it on, cleaned, with a time limit."""
        text = message.text if isinstance(message.text, str) else ""
        if not self.allowed(str(message.sender_id), client_address.get() or _socketio_address(message)):
            logger.warning("rate limit: message refused")  # no content, no sender: personal data stay out
            await self.answer(message, RATE_LIMITED)
            return
        if len(text) > self.limits.max_message_chars or _tokens(text) > self.limits.max_message_tokens:
            logger.warning("message of %d characters refused", len(text))
            await self.answer(message, TOO_LONG)
            return
        text = _CONTROL.sub("", text)
        if text.lstrip().startswith("/") and not await self._offered(message, text.strip()):
            text = text.lstrip().lstrip("/")  # typed, not clicked: words, not a command
        message.text = text
        try:
            await asyncio.wait_for(proceed(message), self.limits.message_timeout_seconds)
        except asyncio.TimeoutError:
            logger.error("message not handled within %.0f s", self.limits.message_timeout_seconds)
            await self.answer(message, TECHNICAL)
        except Exception:  # the channel would answer nothing (REST: an empty list)
            logger.exception("message not handled")
            await self.answer(message, TECHNICAL)

    async def _offered(self, message: Any, payload: str) -> bool:
        """Is `payload` a button of the bot's last turn in this conversation (or one the web chat sends)?"""
        if payload in CLIENT_PAYLOADS:
            return True
        agent = getattr(getattr(current_app.get() or _any_app(), "ctx", None), "agent", None)
        if agent is None or agent.tracker_store is None:
            return False
        tracker = await agent.tracker_store.retrieve(message.sender_id)
        if tracker is None:
            return False
        offered = set()
        for event in reversed(tracker.events):
            if event.type_name == "user":
                break
            if event.type_name == "bot":
                data = event.data or {}
                for button in (data.get("buttons") or []) + (data.get("quick_replies") or []):
                    if isinstance(button, dict) and isinstance(button.get("payload"), str):
                        offered.add(button["payload"].strip())
        return payload in offered


def site_origins() -> list[str]:
    """The origins of the pages allowed to talk to this server from a browser (set by assistant/stack.py)."""
    return os.environ.get("ASSISTANT_SITE_ORIGINS", "").split()


def _tokens(text: str) -> int:
    return sum(1 for _ in _TOKEN.finditer(text))


def _socketio_address(message: Any) -> Optional[str]:
    """The client address of a Socket.IO message: the sockets in the conversation's room, their HTTP request."""
    sio = getattr(message.output_channel, "sio", None)
    if sio is None:
        return None
    try:
        namespace = "/"
        sids = [sid for sid, _ in sio.manager.get_participants(namespace, message.sender_id)]
        for sid in sids:
            request = sio.get_environ(sid, namespace).get("sanic.request")
            if request is not None:
                current_app.set(request.app)
                return request.remote_addr or request.ip
    except (KeyError, ValueError, TypeError, AttributeError):
        pass
    return None


def _any_app() -> Any:
    from sanic import Sanic

    apps = list(getattr(Sanic, "_app_registry", {}).values())
    return apps[0] if len(apps) == 1 else None


_guard: Optional[Guard] = None


def guard() -> Guard:
    global _guard
    if _guard is None:
        _guard = Guard()
    return _guard


async def technical_problem(output: Any, recipient_id: str) -> None:
    """`utter_technical_problem`, straight to an output channel (when the dialogue could not answer at all)."""
    await output.send_response(recipient_id, {"text": guard().texts[TECHNICAL]})


async def screen(message: Any, proceed: Callable[[Any], Awaitable[Any]]) -> None:
    """The guard of every user message, as a step of a message pipeline."""
    await guard().check(message, proceed)


def protect(blueprint: Any) -> Any:
    """A channel's blueprint, protected: its requests tell the guard their client address (the socket's peer, not
    a header, unless SANIC_REAL_IP_HEADER names the header set by a trusted proxy: nginx's X-Real-IP in deploy/);
    a POST whose JSON is not an object is refused with 400 (Rasa's REST channel would fail on it with a 500);
    a Socket.IO server accepts browsers only from the site's origins (ASSISTANT_SITE_ORIGINS)."""
    from sanic import response

    sio = getattr(blueprint.ctx, "sio", None)
    if sio is not None:
        sio.eio.cors_allowed_origins = site_origins()

    @blueprint.middleware("request")
    async def remember_client(request: Any) -> Any:
        client_address.set(request.remote_addr or request.ip)
        current_app.set(request.app)
        if request.method == "POST" and request.path.endswith("/webhook"):
            if not isinstance(request.json, dict):  # invalid JSON raises Sanic's own 400
                return response.json({"detail": "Le corps de la requête doit être un objet JSON, par exemple "
                                                '{"sender": "…", "message": "…"}.'}, status=400)
        return None

    return blueprint
