"""Oversized, flooding and pathological messages against the running Rasa server (REST channel): polite French
answers, no 5xx, bounded memory, and a second conversation that stays responsive meanwhile."""
from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
import requests

from rasa_plugins.guards import domain_texts
from conftest import Resident, _SourceAddress, loopback_address, rasa_rss_mb

pytestmark = pytest.mark.e2e

# What asking for a person starts: the hand-off offer names the service (« Je peux transmettre votre demande à : … »).
HANDOFF_OFFER = domain_texts(["utter_handoff_service"])["utter_handoff_service"].split("{")[0]
TOO_LONG = "trop long"
RATE_LIMITED = "beaucoup de messages"


def post(stack, body, address=None, timeout=60):
    """One raw request to the REST channel, from a loopback address of its own unless `address` is given."""
    url = f"http://127.0.0.1:{stack.ports.rasa}/webhooks/rest/webhook"
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    with requests.Session() as session:
        session.mount("http://", _SourceAddress(address or loopback_address()))
        return session.post(url, data=data, headers={"Content-Type": "application/json"}, timeout=timeout)


def test_a_message_of_100_kb_gets_a_polite_answer_and_memory_stays_bounded(stack, resident):
    before = rasa_rss_mb(stack)
    for size in (2_001, 8_000, 100_000, 900_000):
        started = time.monotonic()
        answer = resident.ask(("bud " * size)[:size])
        assert TOO_LONG in answer, answer
        assert time.monotonic() - started < 5
    after = rasa_rss_mb(stack)
    print(f"\nRasa RSS before {before:.0f} MB, after oversized messages {after:.0f} MB")
    assert after - before < 200
    assert "Douai" in resident.ask("Douai fait partie du BUD ?")  # the conversation goes on


def test_the_longest_accepted_message_is_understood_in_bounded_time(stack, resident):
    text = ("Bonjour, je voudrais savoir si ma commune Douai fait partie du BUD. " * 40)[:2000]
    before = rasa_rss_mb(stack)
    started = time.monotonic()
    answer = resident.ask(text)
    elapsed = time.monotonic() - started
    print(f"\n2,000 characters: answered in {elapsed:.1f} s, RSS {before:.0f} → {rasa_rss_mb(stack):.0f} MB")
    assert TOO_LONG not in answer
    assert elapsed < 10


def test_an_oversized_message_during_the_check_keeps_the_question(stack, resident):
    assert "Dans quelle commune" in resident.ask("mon entreprise peut-elle bénéficier du BUD ?")
    assert TOO_LONG in resident.ask("Lievin " * 1000)
    assert "Quand votre entreprise" in resident.ask("elle est a Lievin")


def test_a_body_over_the_cap_is_refused_before_being_read(stack, resident):
    response = post(stack, {"sender": resident.sender, "message": "a" * 5_000_000})
    assert response.status_code == 413
    assert "Bonjour" in resident.ask("bonjour")


def test_a_flooding_conversation_is_slowed_and_another_one_is_not(stack):
    flooder, other = Resident(stack), Resident(stack)
    answers = [flooder.ask("bonjour") for _ in range(20)]
    limited = sum(RATE_LIMITED in a for a in answers)
    print(f"\nflood of 20 messages from one conversation: {limited} slowed down")
    assert 5 <= limited <= 15
    assert answers[0] and RATE_LIMITED not in answers[0]
    assert "Douai" in other.ask("Douai fait partie du BUD ?")


def test_many_conversations_from_one_address_are_slowed(stack):
    """60 conversations at once from one address: no more get through than the address's bucket allows (its burst,
    then its rate while they run); the others are answered at once; another address is not slowed."""
    from rasa_plugins import settings as limits

    rasa_limits = limits.rasa()
    senders = [Resident(stack, address="127.0.0.9") for _ in range(60)]
    answers = []
    started = time.monotonic()
    threads = [threading.Thread(target=lambda r=r: answers.append(r.ask("bonjour"))) for r in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    elapsed = time.monotonic() - started
    limited = sum(RATE_LIMITED in a for a in answers)
    allowed = len(answers) - limited
    print(f"\n60 conversations at once from one address in {elapsed:.1f} s: {allowed} through, {limited} slowed down")
    assert len(answers) == 60 and limited >= 1
    assert allowed <= rasa_limits.address_burst + rasa_limits.address_per_second * elapsed + 1
    assert RATE_LIMITED not in Resident(stack).ask("bonjour")  # another address is not slowed


def test_a_second_conversation_stays_responsive_during_an_oversized_flood(stack):
    stop = threading.Event()
    peak = [rasa_rss_mb(stack)]
    sent = [0]

    def flood() -> None:
        while not stop.is_set():
            sender = f"flood-{uuid.uuid4().hex[:8]}"  # a new conversation each time: no per-conversation limit
            post(stack, {"sender": sender, "message": "bud " * 25_000})
            sent[0] += 1

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rasa_rss_mb(stack))
            time.sleep(0.1)

    before = peak[0]
    workers = [threading.Thread(target=flood) for _ in range(4)] + [threading.Thread(target=watch)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(1)
        resident = Resident(stack)  # another client address
        delays = []
        for question in ("Douai fait partie du BUD ?", "et Cambrai ?", "bonjour"):
            started = time.monotonic()
            answer = resident.ask(question)
            delays.append(time.monotonic() - started)
            assert RATE_LIMITED not in answer and TOO_LONG not in answer
    finally:
        stop.set()
        for worker in workers:
            worker.join(60)
    print(f"\n{sent[0]} messages of 100 kB by 4 clients; second conversation answered in "
          f"{', '.join(f'{d:.1f}' for d in delays)} s; Rasa RSS {before:.0f} → peak {peak[0]:.0f} MB")
    assert max(delays) < 10
    assert peak[0] - before < 300


# Inputs that broke or could break a chat server. Each one: no 5xx; a JSON message with text gets a French answer.
BAD_TEXTS = [
    "", " ", "\n\t  \n", "\x00\x01\x02\x1b[31m", "\u202e\u200bDouai", "é" * 2000, "🙂" * 50, "a" * 2000,
    "<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE events; --",
    "Robert'); DELETE FROM cites;--", "{{7*7}} ${7*7} %s %n", "../../etc/passwd", "\\x00\\u0000",
    "/restart", "/session_start", "/technical_problem", '/inform{"bud_commune": "Douai"}',
    "/ask_bud_commune{\"commune\": \"Lens\"}", "/nlu_fallback", "/", "//", "/inform{", "/inform{\"a\": [1,2",
    "?" * 1999, "!" * 2000, ". " * 1000, "1 " * 1000, "0" * 2000,
]
BAD_BODIES = [
    {"message": 5}, {"message": 1.5e308}, {"message": None}, {"message": True}, {"message": ["bonjour"]},
    {"message": {"text": "bonjour"}}, {"sender": 5, "message": "bonjour"}, {"sender": None, "message": "bonjour"},
    {"sender": ["a"], "message": "bonjour"}, {"sender": "x" * 10_000, "message": "bonjour"}, {}, [], "bonjour", 5,
    {"message": "bonjour", "metadata": {"a": [[[[[]]]]]}}, {"message": "bonjour", "extra": "x" * 100_000},
]
RAW_BODIES = [
    b"", b"{", b"\xff\xfe\xfd", b'{"message": "\xff\xfe"}', b"null", b"[" * 5000 + b"]" * 5000,
    b'{"message": ' + b"[" * 5000 + b"]" * 5000 + b"}", b'{"message": "bonjour"' + b" " * 100_000 + b"}",
]


@pytest.mark.parametrize("text", BAD_TEXTS, ids=[repr(t[:20]) for t in BAD_TEXTS])
def test_bad_texts_get_a_polite_answer(stack, text):
    resident = Resident(stack)
    response = post(stack, {"sender": resident.sender, "message": text})
    assert response.status_code == 200, response.text[:300]
    messages = response.json()
    assert messages, f"no answer to {text!r}"
    shown = " ".join(m.get("text", "") for m in messages)
    assert "Traceback" not in shown and "Error" not in shown


@pytest.mark.parametrize("body", BAD_BODIES, ids=[repr(b)[:30] for b in BAD_BODIES])
def test_bad_json_types_get_no_server_error(stack, body):
    if isinstance(body, dict) and "sender" not in body:
        body = {**body, "sender": f"bad-{uuid.uuid4().hex[:8]}"}
    response = post(stack, body)
    assert response.status_code < 500, response.text[:300]


@pytest.mark.parametrize("raw", RAW_BODIES, ids=[repr(r[:20]) for r in RAW_BODIES])
def test_malformed_bodies_get_no_server_error(stack, raw):
    response = post(stack, raw)
    assert response.status_code < 500, response.text[:300]
    assert "Bonjour" in Resident(stack).ask("bonjour")  # the server is still there


def test_typed_commands_do_not_drive_the_dialogue(stack, resident):
    """A resident who types « /restart » or an intent payload that no button offered does not drive the dialogue:
    the text is read as words. « /restart » in a check gets exactly the answer « restart » typed as a word gets
    (the NLU may read it as « stop »; Rasa's own restart would answer nothing and wipe the conversation), and a
    typed « /ask_human » is not the hand-off its button would start."""
    assert "Dans quelle commune" in resident.ask("mon entreprise peut-elle bénéficier du BUD ?")
    typed = resident.ask("/restart")
    words = Resident(stack)
    assert "Dans quelle commune" in words.ask("mon entreprise peut-elle bénéficier du BUD ?")
    assert typed and typed == words.ask("restart")
    other = Resident(stack)
    assert HANDOFF_OFFER not in other.ask("/ask_human")


def test_a_button_the_bot_offered_still_works(stack, resident):
    """The same payload, clicked on a button of the bot's last answer, does what the button says."""
    offered = resident.say("qsdkjf azeaze")
    payloads = [b["payload"] for m in offered for b in m.get("buttons", [])]
    assert "/ask_human" in payloads, offered
    assert HANDOFF_OFFER in resident.ask("/ask_human")

