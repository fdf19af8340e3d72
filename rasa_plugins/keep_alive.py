"""Rasa's HTTP calls to its endpoints (the action server) over kept-alive connections.

Rasa 3.6's `EndpointConfig.request` opens a new `aiohttp.ClientSession` for every call, so every remote action
(a form step calls two: validate, then ask) opens and closes a TCP connection to the action server. The profile of
the Rasa server at 50 users had about 5 % of its CPU in connecting and closing sockets (`create_connection`,
`_wrap_create_connection`, `socket.__init__`, `_real_close`), and the action server accepts each connection too.

`install()` makes `request` send through one session per endpoint and event loop, whose connector keeps idle
connections for `KEEPALIVE_SECONDS`: less than the action server's keep-alive timeout (Sanic's default, 5 s), so
Rasa always closes an idle connection before the server would, and never writes to a connection the server has
just closed. Everything else is Rasa's `request`: the same headers, parameters, token, timeout, compression,
errors (`ClientResponseError` for a status ≥ 400) and JSON result. An endpoint with a `cafile` (TLS with a
custom authority) keeps Rasa's own path. `rasa_plugins.serve` installs it before the Rasa server starts.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional, Tuple

import aiohttp

KEEPALIVE_SECONDS = 2.0

_sessions: Dict[Tuple[int, str], aiohttp.ClientSession] = {}
_original = None


def _key(endpoint: Any) -> str:
    auth = endpoint.basic_auth or {}
    return repr((endpoint.url, sorted((endpoint.headers or {}).items()), auth.get("username"), auth.get("password")))


def session_for(endpoint: Any) -> aiohttp.ClientSession:
    """The open session of this endpoint on the running event loop (made as Rasa's `session()` makes one)."""
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    loop = asyncio.get_running_loop()
    key = (id(loop), _key(endpoint))
    session = _sessions.get(key)
    if session is None or session.closed or getattr(session, "_loop", loop) is not loop:
        auth = None
        if endpoint.basic_auth:
            auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        session = aiohttp.ClientSession(
            headers=endpoint.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS))
        _sessions[key] = session
    return session


async def request(self: Any, method: str = "post", subpath: Optional[str] = None,
                  content_type: Optional[str] = "application/json", compress: bool = False, **kwargs: Any) -> Any:
    """Rasa's `EndpointConfig.request`, on a kept-alive session."""
    from rasa.utils.endpoints import ClientResponseError, concat_url

    if self.cafile:
        return await _original(self, method, subpath, content_type, compress, **kwargs)
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if "headers" in kwargs:
        headers.update(kwargs.pop("headers"))
    if self.headers:
        headers.update(self.headers)
    url = concat_url(self.url, subpath)
    async with session_for(self).request(method, url, headers=headers, params=self.combine_parameters(kwargs),
                                         compress=compress, ssl=None, **kwargs) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json()
        except aiohttp.ContentTypeError:
            return None


def install() -> None:
    global _original
    from rasa.utils.endpoints import EndpointConfig

    if _original is not None:
        return
    _original = EndpointConfig.request
    EndpointConfig.request = request
