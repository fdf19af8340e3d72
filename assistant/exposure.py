"""Services refuse to listen beyond this machine with a secret everybody knows (the repository's defaults).

Each process calls `refuse_default_secrets(service, host, secrets)` before it starts: on a loopback address the
embedded defaults are fine (a developer's laptop, the tests); on any other address every secret must be set
in the environment and differ from the default, else the process stops with a message saying what to set.
"""
from __future__ import annotations

import ipaddress
import socket


class UnsafeConfiguration(SystemExit):
    """Raised (a SystemExit, so the process stops with the message) when a service would be exposed."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def refuse_default_secrets(service: str, host: str, secrets: dict[str, tuple[str | None, str]]) -> None:
    """`secrets`: environment variable → (its value or None, the repository's default)."""
    if is_loopback(host):
        return
    weak = [name for name, (value, default) in secrets.items() if not value or value == default or len(value) < 16]
    if weak:
        raise UnsafeConfiguration(
            f"{service}: refusing to listen on {host}, which is not a loopback address, with a missing or default "
            f"secret: set {', '.join(weak)} in the environment (at least 16 characters, not the default), "
            f"or listen on 127.0.0.1."
        )
