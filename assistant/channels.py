"""Rasa input channels that never leave a resident without an answer.

When a custom action cannot run (the action server is down), Rasa 3.6 logs the error and goes on listening: the
resident sees nothing. These channels count what the bot sent for each message; if it sent nothing, they feed
the conversation the intent `technical_problem`, whose rule answers with `utter_technical_problem` from
domain.yml. The names stay `rest` and `socketio`, so URLs and clients do not change.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels import rest, socketio
from rasa.core.channels.channel import OutputChannel, UserMessage

from assistant.guards import guarded

TECHNICAL_PROBLEM = "/technical_problem"


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


def never_silent(
    on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> None:
        output = _CountingOutput(message.output_channel)
        message.output_channel = output
        await on_new_message(message)
        if output.sent == 0 and message.text != TECHNICAL_PROBLEM:
            await on_new_message(
                UserMessage(
                    TECHNICAL_PROBLEM,
                    output,
                    message.sender_id,
                    input_channel=message.input_channel,
                    metadata=message.metadata,
                )
            )

    return handle


class RestInput(rest.RestInput):
    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        return guarded(super().blueprint, never_silent(on_new_message))  # size, rate, time: assistant/guards.py


class SocketIOInput(socketio.SocketIOInput):
    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        return guarded(super().blueprint, never_silent(on_new_message))  # size, rate, time: assistant/guards.py
