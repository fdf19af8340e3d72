"""Rasa's calls to its endpoints reuse their connections, with Rasa's own results and errors."""
from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from rasa_plugins import keep_alive


@pytest.fixture
def installed(monkeypatch):
    original = EndpointConfig.request
    monkeypatch.setattr(keep_alive, "_original", None)
    monkeypatch.setattr(keep_alive, "_sessions", {})
    keep_alive.install()
    yield original
    EndpointConfig.request = original


async def _serve(connections: list):
    async def webhook(request):
        peer = request.transport.get_extra_info("peername")[1]
        if peer not in connections:
            connections.append(peer)  # one client port per TCP connection
        body = await request.json()
        if body.get("fail"):
            return web.json_response({"error": "no"}, status=400)
        return web.json_response({"echo": body, "token": request.query.get("token"),
                                  "auth": request.headers.get("Authorization")})

    async def text(request):
        return web.Response(text="ok")


    app = web.Application()
    app.router.add_post("/webhook", webhook)
    app.router.add_post("/text", text)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


def test_calls_share_one_connection_and_answer_as_rasas_request(installed):
    async def scenario():
        connections: list = []
        runner, port = await _serve(connections)
        try:
            endpoint = EndpointConfig(f"http://127.0.0.1:{port}", token="secret", basic_auth={"username": "u", "password": "p"})
            ours = [await endpoint.request(json={"n": i}, method="post", subpath="webhook") for i in range(5)]
            mine = len(connections)
            stock = [await installed(endpoint, json={"n": i}, method="post", subpath="webhook") for i in range(5)]
            assert ours == stock and ours[0]["echo"] == {"n": 0} and ours[0]["token"] == "secret"
            assert ours[0]["auth"].startswith("Basic ")
            assert mine == 1 and len(connections) == 6  # ours: one connection for five calls; Rasa's: one each
            with pytest.raises(ClientResponseError) as error:
                await endpoint.request(json={"fail": True}, subpath="webhook")
            assert error.value.status == 400
            assert await endpoint.request(json={}, subpath="text") is None  # not JSON: None, as Rasa's
        finally:
            await runner.cleanup()

    asyncio.run(scenario())


def test_an_idle_connection_is_closed_by_us_before_the_server_would(installed, monkeypatch):
    """After the keep-alive delay the next call opens a new connection (and succeeds)."""
    monkeypatch.setattr(keep_alive, "KEEPALIVE_SECONDS", 0.2)

    async def scenario():
        connections: list = []
        runner, port = await _serve(connections)
        try:
            endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
            assert (await endpoint.request(json={"a": 1}))["echo"] == {"a": 1}
            await asyncio.sleep(0.5)
            assert (await endpoint.request(json={"a": 2}))["echo"] == {"a": 2}
            assert len(connections) == 2
        finally:
            await runner.cleanup()

    asyncio.run(scenario())
    asyncio.run(scenario())  # a new event loop gets a session of its own


def test_the_action_servers_keep_alive_is_longer_than_ours():
    from sanic.config import DEFAULT_CONFIG

    assert DEFAULT_CONFIG["KEEP_ALIVE"] and DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"] > keep_alive.KEEPALIVE_SECONDS
