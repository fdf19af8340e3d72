"""The Redis stores of the scale-out set-up against a real Redis server (Debian's redis-server, installed by
scripts/scale_deps.sh): the atomic lock store that every Rasa server shares, and the shared rate-limit buckets."""
from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis

from rasa_plugins.lock_store import AtomicRedisLockStore
from rasa_plugins.redis_rate_store import RedisRateStore

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    subprocess.run(["bash", str(ROOT / "scripts" / "scale_deps.sh")], check=True)
    port = _free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis(port=port, socket_timeout=1).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(10)


def _store(port: int) -> AtomicRedisLockStore:
    """One Rasa server's lock store: its own connection to the shared Redis."""
    return AtomicRedisLockStore(host="127.0.0.1", port=port, db=1, key_prefix="test")


def test_tickets_issued_at_once_by_many_servers_are_all_different(redis_port):
    stores = [_store(redis_port) for _ in range(8)]
    tickets: list[int] = []
    start = threading.Barrier(len(stores))

    def issue(store: AtomicRedisLockStore) -> None:
        start.wait()
        for _ in range(25):
            tickets.append(store.issue_ticket("conversation-a"))

    threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(tickets) == list(range(200))  # 200 tickets, none twice, none skipped


def test_two_servers_never_hold_one_conversation_at_once(redis_port):
    first, second = _store(redis_port), _store(redis_port)
    inside: list[str] = []
    overlaps: list[str] = []

    async def turn(store: AtomicRedisLockStore, name: str) -> None:
        async with store.lock("conversation-b", wait_time_in_seconds=0.01):
            if inside:
                overlaps.append(name)
            inside.append(name)
            await asyncio.sleep(0.05)
            inside.remove(name)

    async def both() -> None:
        await asyncio.gather(*(turn(store, f"{i}") for i in range(5) for store in (first, second)))

    asyncio.run(both())
    assert overlaps == []
    assert first.get_lock("conversation-b") is None  # the last one out deleted the lock


def test_finishing_keeps_the_lock_of_a_waiting_ticket(redis_port):
    store = _store(redis_port)
    mine = store.issue_ticket("conversation-c")
    waiting = _store(redis_port).issue_ticket("conversation-c")
    store.cleanup("conversation-c", mine)
    lock = store.get_lock("conversation-c")
    assert lock is not None and not lock.is_locked(waiting)  # the next one is served
    store.cleanup("conversation-c", waiting)
    assert store.get_lock("conversation-c") is None


def test_rate_buckets_are_shared_between_servers(redis_port):
    url = f"redis://127.0.0.1:{redis_port}/2"
    one, two = RedisRateStore(url), RedisRateStore(url)
    answers = [store.allow("conversation:x", 4, 0.0) for store in (one, two, one, two, one, two)]
    assert answers == [True, True, True, True, False, False]  # one burst of 4 across both servers
    assert one.allow("conversation:y", 4, 0.0)  # another conversation has its own bucket


def test_rate_bucket_refills_over_time(redis_port):
    store = RedisRateStore(f"redis://127.0.0.1:{redis_port}/2")
    assert store.allow("address:z", 1, 20.0)
    assert not store.allow("address:z", 1, 20.0)
    time.sleep(0.2)  # 20 tokens a second: one is back after 50 ms
    assert store.allow("address:z", 1, 20.0)


def test_a_rate_store_without_redis_lets_messages_through():
    store = RedisRateStore(f"redis://127.0.0.1:{_free_port()}/2")  # nothing listens there
    assert store.allow("conversation:w", 1, 0.0) and store.allow("conversation:w", 1, 0.0)


def test_socketio_emits_go_through_redis_only_when_configured(monkeypatch, redis_port):
    import socketio

    from assistant.channels import socketio_client_manager

    monkeypatch.delenv("SOCKETIO_REDIS_URL", raising=False)
    assert socketio_client_manager() is None  # one server: python-socketio's in-memory manager
    monkeypatch.setenv("SOCKETIO_REDIS_URL", f"redis://127.0.0.1:{redis_port}/0")
    manager = socketio_client_manager()
    assert isinstance(manager, socketio.AsyncRedisManager) and manager.channel == "assistant-socketio"
