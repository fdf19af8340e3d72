"""Limits and time-outs of the Rasa server and of the action server: the one place where they are set.

Every value can be overridden from the environment (the name in brackets). The programme-data service has its own
in `assistant/settings.py`; the actions' calls to it have theirs in `actions/programme_client.py`.

Why these values (measured on the trained model, see the README's « Reliability » section): the NLU pipeline costs
grow faster than the message (DIET's attention is quadratic in the number of tokens: it takes 70 % of the time).
« bud » repeated on 2,000 characters (500 tokens) takes 0.2 s and 20 MB; 8,000 characters 1.8 s and 450 MB,
16,000 characters 5.4 s and 1.6 GB, and 100 kB took the server past 24 GB. 1,000 « ! » (1,000 tokens) take 1.2 s
and 70 MB, 2,000 take 1.5 s and 450 MB, 3,000 take 3.8 s and 1 GB; 600 take 0.5 s and 25 MB. So a message over
`max_message_chars` characters or `max_message_tokens` words and signs never reaches the NLU.
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
    # (2,000 « ! » are 2,000 tokens: 1.5 s and 450 MB in DIET, while 2,000 characters of words are about 400).
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


@dataclass(frozen=True)
class ActionServerLimits:
    # Rasa sends the whole tracker to the action server: long conversations make big bodies.
    max_body_bytes: int
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


def action_server() -> ActionServerLimits:
    return ActionServerLimits(
        max_body_bytes=_int("ACTION_MAX_BODY_BYTES", 20_000_000),
        request_timeout_seconds=_int("ACTION_REQUEST_TIMEOUT", 30),
        response_timeout_seconds=_int("ACTION_RESPONSE_TIMEOUT", 60),
    )


def sanic_environment(max_body_bytes: int, request_timeout: int, response_timeout: int) -> dict[str, str]:
    """Sanic reads SANIC_* variables into its configuration when the app is created (Rasa and rasa-sdk both)."""
    return {
        "SANIC_REQUEST_MAX_SIZE": str(max_body_bytes),
        "SANIC_REQUEST_TIMEOUT": str(request_timeout),
        "SANIC_RESPONSE_TIMEOUT": str(response_timeout),
    }
