"""The scale-out set-up of deploy/, started by the project's own launcher (assistant/scale.py: PostgreSQL, Redis and
nginx from Debian's packages, the programme-data service on PostgreSQL, one action server, two Rasa servers with
the same trained model), and used as residents use it: REST and Socket.IO, through nginx or straight to one server.
"""
from __future__ import annotations

import shutil
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Iterator

import psycopg2
import pytest
import requests
import socketio

from assistant.scale import ROOT, ScalePorts, ScaleStack
from assistant.stack import free_ports

sys.path.insert(0, str(ROOT / "bench"))
import scale_load  # noqa: E402
from scale_load import _SourceAddress  # noqa: E402

pytestmark = pytest.mark.e2e
TOKEN = {"Authorization": "Bearer dev-assistant-token"}


def _ports() -> ScalePorts:
    """deploy/scale.env's ports, or free ones when another run holds them."""
    preferred = ScalePorts()
    picked = free_ports(7, tuple(preferred.all().values()))
    if picked == list(preferred.all().values()):
        return preferred
    return ScalePorts(balancer=picked[0], instances=2, actions=picked[1], programme=picked[2], postgres=picked[3],
                      redis=picked[4], rasa=picked[5:7])


@pytest.fixture(scope="module")
def scaled(trained_model) -> Iterator[ScaleStack]:
    # Under the worktree's var/ rather than pytest's private temporary directory: PostgreSQL runs as its own user.
    var_dir = ROOT / "var" / f"scale-test-{uuid.uuid4().hex[:8]}"
    stack = ScaleStack(trained_model, ports=_ports(), var_dir=var_dir)
    try:
        stack.start(timeout=600)
        print(f"\nscale-out set-up ready in {stack.timings['all']:.0f} s "
              f"({', '.join(f'{k} {v:.0f} s' for k, v in stack.timings.items())}); ports {stack.ports.all()}")
        yield stack
        print("memory (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in stack.memory_mb().items()))
    finally:
        stack.stop()
        shutil.rmtree(var_dir, ignore_errors=True)


class Chat:
    """One conversation over REST; each turn goes to the base URL given."""

    def __init__(self, sender: str = ""):
        self.sender = sender or f"scale-{uuid.uuid4().hex[:10]}"
        self.session = requests.Session()

    def ask(self, base_url: str, text: str) -> str:
        answer = self.session.post(f"{base_url}/webhooks/rest/webhook", json={"sender": self.sender, "message": text},
                                   timeout=120)
        answer.raise_for_status()
        messages = answer.json()
        assert messages, f"no answer to {text!r}"
        return "\n".join([m.get("text", "") for m in messages] +
                         [f"[{b['title']}]" for m in messages for b in m.get("buttons", [])])


def _events(stack: ScaleStack, sender: str) -> list[tuple[str, dict, float]]:
    """The conversation as the tracker store holds it (PostgreSQL, shared by the Rasa servers)."""
    import json

    connection = psycopg2.connect(host="127.0.0.1", port=stack.ports.postgres, user="assistant",
                                  password=stack.db_password, dbname="rasa")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT type_name, data, timestamp FROM events WHERE sender_id = %s ORDER BY id", (sender,))
            return [(kind, json.loads(data), stamp) for kind, data, stamp in cursor.fetchall()]
    finally:
        connection.close()


def test_turns_alternating_between_servers_keep_the_slots_and_the_form(scaled):
    servers = [scaled.rasa_url(0), scaled.rasa_url(1)]
    chat = Chat()
    turns = iter(servers * 10)
    first = chat.ask(next(turns), "j'ai lancé ma société de nettoyage à Harnes en octobre 2022, on est 4")
    assert "création nouvelle" in first and "Dans quelle commune" not in first
    assert "chiffre d'affaires" in chat.ask(next(turns), "oui c'est une creation")
    said_back = chat.ask(next(turns), "dans les 300 000 euros")
    assert "300" in said_back and "C'est bien cela" in said_back
    assert "capital" in chat.ask(next(turns), "oui")
    assert "CDI" in chat.ask(next(turns), "aucune, c'est a moi")
    assert "habitent" in chat.ask(next(turns), "les 4")
    assert "hors de la zone" in chat.ask(next(turns), "2")
    verdict = chat.ask(next(turns), "5%")  # the 8th turn: 4 on each server
    # The verdict needs every slot: the date and the head count given on server 1 at the first turn, the turnover
    # confirmed across servers 1 and 2, the capital, the employees, the share outside the zone.
    assert "remplit les conditions" in verdict and "30 septembre 2024" in verdict
    slots = {data["name"]: data["value"] for kind, data, _ in _events(scaled, chat.sender) if kind == "slot"}
    assert slots.get("requested_slot") is None  # the form ended with the verdict, on the server of the last turn


def _two_at_once(stack: ScaleStack) -> None:
    chat = Chat()
    assert "Bonjour" in chat.ask(stack.rasa_url(0), "bonjour")
    texts = ["Douai fait partie du BUD ?", "Lens est en zone BUD ?"]
    answers: dict[int, str] = {}
    start = threading.Barrier(2)

    def send(index: int) -> None:
        session = Chat(chat.sender)
        start.wait()
        answers[index] = session.ask(stack.rasa_url(index), texts[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert "Douai" in answers[0] and "Lens" in answers[1]
    events = _events(stack, chat.sender)
    users = [i for i, (kind, data, _) in enumerate(events) if kind == "user" and data.get("text") in texts]
    assert len(users) == 2, "a message is missing from the tracker: the two were processed at once"
    first, second = users
    # The first message's whole turn (its answer, then the bot listening) is stored before the second message was
    # even read: the second server waited for the conversation's lock (Redis), then read the updated tracker.
    between = events[first + 1:second]
    commune = "Douai" if events[first][1]["text"] == texts[0] else "Lens"
    assert any(kind == "bot" and commune in (data.get("text") or "") for kind, data, _ in between)
    assert between and between[-1][0] == "action" and between[-1][1].get("name") == "action_listen"
    assert events[second][2] >= between[-1][2]


def test_two_messages_of_one_conversation_sent_at_once_to_two_servers_are_processed_in_turn(scaled):
    # Three conversations: with a lock per server instead of Redis's, 4 rounds out of 5 of this check failed
    # (a message lost from the tracker); one round alone could pass by chance.
    for _ in range(3):
        _two_at_once(scaled)


class Tab:
    """A browser tab's Socket.IO traffic, connected to one URL (a Rasa server or nginx)."""

    def __init__(self, url: str, origin: str, transports: list[str]):
        self.received: list[tuple[str, object]] = []
        self.arrived = threading.Condition()
        http = requests.Session()
        http.headers["Origin"] = origin
        self.client = socketio.Client(reconnection=False, http_session=http)
        for name in ("session_confirm", "session_history", "bot_uttered"):
            self.client.on(name, lambda data, name=name: self._put(name, data))
        self.client.connect(url, transports=transports, headers={"Origin": origin}, wait_timeout=20)
        self.client.emit("session_request", {"session_id": None})
        self.session_id = self.wait(lambda name, data: name == "session_confirm")[1]

    def _put(self, name: str, data: object) -> None:
        with self.arrived:
            self.received.append((name, data))
            self.arrived.notify_all()

    def wait(self, match, timeout: float = 60) -> tuple[str, object]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for item in self.received:
                    if match(*item):
                        return item
                left = deadline - time.monotonic()
                assert left > 0, f"nothing matching within {timeout:.0f} s; received {self.received}"
                self.arrived.wait(left)

    def close(self) -> None:
        self.client.disconnect()


def _officer_said(text: str):
    return lambda name, data: name == "bot_uttered" and isinstance(data, dict) and data.get("text") == text \
        and data.get("author") == "officer"


def test_a_resident_on_one_server_receives_what_the_other_server_pushes(scaled):
    origin = scaled.url
    tab = Tab(scaled.rasa_url(0), origin, ["polling"])  # connected to server 1 only
    try:
        tab.wait(lambda name, data: name == "bot_uttered")  # the greeting, from server 1
        text = f"Bonjour, ici le service de la délégation ({uuid.uuid4().hex[:6]})."
        relayed = requests.post(f"{scaled.rasa_url(1)}/handoff/relay", headers=TOKEN, timeout=30,
                                json={"conversation_id": tab.session_id, "kind": "officer", "text": text})
        assert relayed.status_code == 200 and relayed.json() == {"delivered": True}
        tab.wait(_officer_said(text), timeout=20)  # server 2 emitted it; Redis carried it to server 1's socket
    finally:
        tab.close()


def test_through_nginx_the_page_and_its_socket_stay_on_one_server_and_pushes_reach_it(scaled):
    log = scaled.var_dir / "nginx" / "access.log"
    before = len(log.read_text().splitlines())
    page = requests.get(f"{scaled.url}/chat/", timeout=30)
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    tab = Tab(scaled.url, scaled.url, ["polling"])  # long-polling: many requests, which must reach one server
    try:
        tab.wait(lambda name, data: name == "bot_uttered")
        tab.client.emit("user_uttered", {"message": "Douai fait partie du BUD ?", "session_id": tab.session_id})
        tab.wait(lambda name, data: name == "bot_uttered" and "Douai" in str(data), timeout=60)
        # Whichever server the relay reaches (server 1, server 2, or nginx's choice, where the programme-data
        # service sends it: RASA_URL), the resident reads it.
        for index, base in enumerate([scaled.rasa_url(0), scaled.rasa_url(1), scaled.url]):
            text = f"Message du conseiller n° {index + 1} ({uuid.uuid4().hex[:6]})."
            relayed = requests.post(f"{base}/handoff/relay", headers=TOKEN, timeout=30,
                                    json={"conversation_id": tab.session_id, "kind": "officer", "text": text})
            assert relayed.status_code == 200
            tab.wait(_officer_said(text), timeout=20)
        # Through nginx, the relay is for the programme-data service's address only (here: 127.0.0.1).
        outsider = requests.Session()
        outsider.mount("http://", _SourceAddress("127.9.8.7"))
        refused = outsider.post(f"{scaled.url}/handoff/relay", headers=TOKEN, timeout=30,
                                json={"conversation_id": tab.session_id, "kind": "officer", "text": "intrus"})
        assert refused.status_code == 403
    finally:
        tab.close()
    time.sleep(1)  # nginx writes a WebSocket's line when it closes
    lines = log.read_text().splitlines()[before:]
    upstreams = {line.split()[-2] for line in lines if "/socket.io/" in line and line.split()[-2] != "-"}
    assert len(upstreams) == 1, f"one tab's Socket.IO requests went to several servers: {upstreams}"


def test_a_websocket_through_nginx_gets_the_greeting(scaled):
    """The browser's transport: nginx passes the WebSocket upgrade on. Engine.IO 4 spoken by hand over the
    `websockets` library (python-socketio's own WebSocket clients need packages this stack does not pin)."""
    import asyncio
    import json

    import websockets

    async def greeted() -> dict:
        url = f"ws://127.0.0.1:{scaled.ports.balancer}/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(url, origin=scaled.url) as ws:
            assert (await asyncio.wait_for(ws.recv(), 30)).startswith("0{")  # Engine.IO open
            await ws.send("40")  # Socket.IO connect, default namespace
            assert (await asyncio.wait_for(ws.recv(), 30)).startswith("40")
            await ws.send('42["session_request",{"session_id":null}]')
            while True:
                packet = await asyncio.wait_for(ws.recv(), 60)
                if packet == "2":  # ping
                    await ws.send("3")
                elif packet.startswith('42["bot_uttered"'):
                    return json.loads(packet[2:])[1]

    greeting = asyncio.run(greeted())
    assert greeting.get("text") and greeting.get("quick_replies")


def test_load_run_through_nginx_and_on_one_server(scaled, capsys):
    """Figures, not timed assertions: the same bounded load through nginx (two servers) and on one server."""
    log = scaled.var_dir / "nginx" / "access.log"
    before = len(log.read_text().splitlines())
    balanced = scale_load.run(scaled.url, users=10, seconds=30)
    # nginx writes a request's log line once the answer is sent, so the last lines may come a moment after the
    # client has its answers: wait (bounded) until every answered message has its line
    deadline = time.monotonic() + 5
    while True:
        lines = log.read_text().splitlines()[before:]
        logged = sum("/webhooks/rest/webhook" in line for line in lines)
        if logged >= balanced["messages"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    served = {}
    for line in lines:
        if "/webhooks/rest/webhook" in line:
            served[line.split()[-2]] = served.get(line.split()[-2], 0) + 1
    single = scale_load.run(scaled.rasa_url(0), users=10, seconds=30, seed=8)
    report = "\n".join([
        scale_load.describe(balanced, f"nginx, {len(scaled.ports.rasa)} Rasa servers"),
        "  answered by: " + ", ".join(f"{k} {v}" for k, v in sorted(served.items())),
        scale_load.describe(single, "one Rasa server (same PostgreSQL, Redis, action server)"),
    ])
    results = ROOT / "results"
    results.mkdir(exist_ok=True)
    (results / "scale_load.txt").write_text(report + "\n", encoding="utf-8")
    with capsys.disabled():  # shown in every run, not only with -s
        print("\n" + report)
    assert balanced["messages"] > 0 and balanced["errors"] == 0 and balanced["empty"] == 0
    # Each simulated conversation comes from its own address, which nginx passes on (X-Real-IP): none of them exceeds
    # its limits (30 at once then 2 a second, conversations of at most 4 messages); read as nginx's own address, the
    # shared bucket would refuse most messages after the first 30.
    assert balanced["rate_limited"] == 0
    assert single["messages"] > 0 and single["errors"] == 0
    assert len(served) == 2, f"nginx used only {served}"
    assert sum(served.values()) >= balanced["messages"]
