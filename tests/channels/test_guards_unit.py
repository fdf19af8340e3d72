"""The guard's parts without a server: token buckets, the size test, typed payloads, time-outs, failures."""
from __future__ import annotations

import asyncio
import dataclasses

from rasa_plugins import settings as limits
from rasa_plugins.guards import Guard, MemoryRateStore, load_store


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Output:
    def __init__(self):
        self.sent: list[dict] = []

    async def send_response(self, recipient_id, message):
        self.sent.append(message)


class Message:
    def __init__(self, text, sender="s1"):
        self.text, self.sender_id, self.output_channel, self.metadata = text, sender, Output(), {}


def _guard(**changes) -> Guard:
    return Guard(dataclasses.replace(limits.rasa(), **changes), store=MemoryRateStore())


def _run(guard: Guard, message: Message, proceed=None) -> list[str]:
    seen = []

    async def default(m):
        seen.append(m.text)

    asyncio.run(guard.check(message, proceed or default))
    return seen


def test_a_bucket_allows_a_burst_then_its_rate():
    clock = Clock()
    store = MemoryRateStore(clock=clock)
    assert [store.allow("k", 3, 0.5) for _ in range(4)] == [True, True, True, False]
    clock.now += 2.0  # one token back
    assert store.allow("k", 3, 0.5) and not store.allow("k", 3, 0.5)
    assert store.allow("other", 3, 0.5)


def test_the_store_forgets_idle_keys_beyond_its_size():
    clock = Clock()
    store = MemoryRateStore(max_keys=10, clock=clock)
    for number in range(50):
        store.allow(f"k{number}", 2, 1.0)
        clock.now += 0.1
    assert len(store._buckets) <= 10


def test_a_store_is_chosen_by_its_dotted_name():
    assert isinstance(load_store("memory"), MemoryRateStore)
    assert isinstance(load_store("rasa_plugins.guards:MemoryRateStore"), MemoryRateStore)


def test_too_long_by_characters_or_by_signs_never_reaches_the_dialogue():
    guard = _guard()
    for text in ("a" * 2001, "! " * 601):
        message = Message(text)
        assert _run(guard, message) == []
        assert "trop long" in message.output_channel.sent[0]["text"]
        assert "2\u202f000" in message.output_channel.sent[0]["text"]
    assert _run(guard, Message("a" * 2000)) == ["a" * 2000]


def test_control_characters_go_and_non_text_is_empty():
    guard = _guard()
    assert _run(guard, Message("Dou\x00ai\u202e")) == ["Douai"]
    assert _run(guard, Message(None, sender="s2")) == [""]


def test_typed_payloads_become_words_unless_offered():
    guard = _guard()
    assert _run(guard, Message("/restart")) == ["restart"]
    assert _run(guard, Message('  /inform{"x": 1}')) == ['inform{"x": 1}']
    assert _run(guard, Message("/greet")) == ["/greet"]  # the web chat's own request


def test_a_flood_is_answered_by_the_guard_alone():
    guard = _guard(conversation_burst=2, conversation_per_second=0.001)
    results = [_run(guard, Message("bonjour")) for _ in range(4)]
    assert results == [["bonjour"], ["bonjour"], [], []]


def test_a_slow_or_failing_dialogue_gets_the_technical_answer():
    guard = _guard(message_timeout_seconds=0.2)

    async def slow(_m):
        await asyncio.sleep(5)

    async def failing(_m):
        raise RuntimeError("boom")

    for proceed in (slow, failing):
        message = Message("bonjour", sender=proceed.__name__)
        _run(guard, message, proceed)
        assert "problème technique" in message.output_channel.sent[-1]["text"]
