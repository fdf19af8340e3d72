"""Settings of the Rasa server's plug-ins (channels, guards, live hand-off, retention): the one place where this
process reads its ports, URLs, limits and time-outs from the environment.

Every value can be overridden from the environment (the name in the call). The programme-data service has its own
in `assistant/settings.py`, the action server in `actions/settings.py`. Values are read when asked for (tests and
`assistant/stack.py` change the environment before a server starts).

Why these values (measured on the trained model with bench/message_size.py, see the README's « Reliability »
section): the NLU's cost grows faster than the message, superlinearly for signs in spaCy's pipeline. 2,000
characters of words take 0.1 s and 16,000 1.3 s; 2,000 « ! » (2,000 tokens) take 0.6 s, 8,000 7.9 s and 16,000
58 s (lexical intent model, 2026-12-02; with the former DIET model 100 kB took the server past 24 GB). So a message
over `max_message_chars` characters or `max_message_tokens` words and signs never reaches the NLU.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class RasaLimits:
    # Longer messages get `utter_message_too_long` and never reach the NLU: characters, and words or signs
    # (2,000 « ! » are 2,000 tokens and take 0.6 s, while 2,000 characters of words are about 400 and take 0.1 s).
    max_message_chars: int
    max_message_tokens: int
    # Longest time one message may take (NLU, policies, actions); then `utter_technical_problem`.
    message_timeout_seconds: float
    # Token buckets: a burst of `*_burst` messages, then one every 1 / `*_per_second` seconds.
    conversation_burst: int
    conversation_per_second: float
    address_burst: int
    address_per_second: float
    # "memory" (this process) or "module:Class" of a RateStore (e.g. a Redis one).
    rate_store: str
    # HTTP bodies above this size are refused by Sanic with 413 before being read (REST and Socket.IO polling).
    max_body_bytes: int
    # Sanic's own time-outs for reading a request and producing a response.
    request_timeout_seconds: int
    response_timeout_seconds: int


def rasa() -> RasaLimits:
    return RasaLimits(
        max_message_chars=_int("ASSISTANT_MAX_MESSAGE_CHARS", 2000),
        max_message_tokens=_int("ASSISTANT_MAX_MESSAGE_TOKENS", 600),
        message_timeout_seconds=_float("ASSISTANT_MESSAGE_TIMEOUT", 40.0),
        conversation_burst=_int("ASSISTANT_CONVERSATION_BURST", 8),
        conversation_per_second=_float("ASSISTANT_CONVERSATION_PER_SECOND", 0.5),
        address_burst=_int("ASSISTANT_ADDRESS_BURST", 30),
        address_per_second=_float("ASSISTANT_ADDRESS_PER_SECOND", 2.0),
        rate_store=os.environ.get("ASSISTANT_RATE_STORE", "memory"),
        max_body_bytes=_int("ASSISTANT_MAX_BODY_BYTES", 1_000_000),
        request_timeout_seconds=_int("ASSISTANT_REQUEST_TIMEOUT", 30),
        response_timeout_seconds=_int("ASSISTANT_RESPONSE_TIMEOUT", 60),
    )


# Message metadata (Socket.IO `customData`, REST `metadata`) longer than this, as JSON, is dropped.
MAX_METADATA_CHARS = 2000


def site_origins() -> list[str]:
    """The origins of the pages allowed to talk to this server from a browser (set by assistant/stack.py)."""
    return os.environ.get("ASSISTANT_SITE_ORIGINS", "").split()


# Conversation retention: the tracker store forgets a conversation this many days after its last event, and the
# purge runs at start-up and then at this interval.
def conversation_retention_days() -> int:
    return _int("CONVERSATION_RETENTION_DAYS", 30)


def conversation_purge_seconds() -> float:
    return _float("CONVERSATION_PURGE_SECONDS", 3600)


# Live hand-off: where the programme-data service is, the token both sides share, and the time-outs of the relay.
DEFAULT_ASSISTANT_TOKEN = "dev-assistant-token"
PROGRAMME_TIMEOUT_SECONDS = (1.0, 3.0)  # connect, read


def programme_url() -> str:
    return os.environ.get("PROGRAMME_URL", "http://127.0.0.1:5080").rstrip("/")


def assistant_token() -> str:
    return os.environ.get("PROGRAMME_ASSISTANT_TOKEN", DEFAULT_ASSISTANT_TOKEN)


# Scale-out (deploy/): Redis for the shared rate buckets and for Socket.IO emits across Rasa servers (unset: this
# process's memory, one server).
def rate_redis_url() -> str:
    return os.environ.get("ASSISTANT_RATE_REDIS_URL", "redis://127.0.0.1:6379/2")


def socketio_redis_url() -> str:
    return os.environ.get("SOCKETIO_REDIS_URL", "").strip()


def socketio_redis_channel() -> str:
    return os.environ.get("SOCKETIO_REDIS_CHANNEL", "assistant-socketio")
