"""Bounds of the programme-data service's HTTP entry point: body size and time per request (ASGI middleware).

A body larger than `max_body_bytes` is refused with 413 before the route sees it (by its Content-Length, or while
it streams in when it has none); a request that takes longer than `request_timeout_seconds` gets 503. Both answers
are French JSON like the service's other errors.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(Exception):
    pass


class Bounds:
    def __init__(self, app: Any, max_body_bytes: int, request_timeout_seconds: float):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.timeout = request_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_body_bytes
            except ValueError:
                await _error(send, 400, "En-tête Content-Length invalide.")
                return
            if too_large:
                await _error(send, 413, self._too_large())
                return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, bounded_receive, tracking_send), self.timeout)
        except BodyTooLarge:
            if not started:
                await _error(send, 413, self._too_large())
        except asyncio.TimeoutError:
            if not started:
                await _error(send, 503, "Le service met trop de temps à répondre. Réessayez dans quelques minutes.")

    def _too_large(self) -> str:
        return f"Requête trop volumineuse : {self.max_body_bytes} octets au plus."


async def _error(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
