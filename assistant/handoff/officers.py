"""Officers of the services that take hand-off requests: accounts with argon2 password hashes, and sessions that
expire (an absolute lifetime and an idle time-out). A session token and its CSRF token are random; the database
keeps only the session token's hash."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection

from assistant.handoff import audit
from assistant.storage import metadata, utcnow

MIN_PASSWORD = 12
LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password: equalises the time of an unknown login")

officers = sa.Table(
    "officers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("login", sa.String(80), nullable=False, unique=True),
    sa.Column("nom", sa.String(120), nullable=False),
    sa.Column("service_id", sa.String(80), sa.ForeignKey("handoff_services.id"), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

sessions = sa.Table(
    "officer_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("officer_id", sa.Integer, sa.ForeignKey("officers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
)


class OfficerError(ValueError):
    """Invalid officer data; the message is French."""


@dataclass(frozen=True)
class Officer:
    id: int
    login: str
    nom: str
    service_id: str

    @property
    def actor(self) -> str:
        return f"agent:{self.login}"


@dataclass(frozen=True)
class Session:
    officer: Officer
    csrf: str
    expires_at: dt.datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add(conn: Connection, login: str, nom: str, service_id: str, password: str) -> Officer:
    login = (login or "").strip().lower()
    if not LOGIN.match(login):
        raise OfficerError("identifiant invalide : lettres minuscules, chiffres, « . », « _ » ou « - » (2 à 80)")
    if not (nom or "").strip():
        raise OfficerError("nom vide")
    if len(password or "") < MIN_PASSWORD:
        raise OfficerError(f"mot de passe trop court : {MIN_PASSWORD} caractères au moins")
    from assistant.handoff.routing import services

    if conn.execute(sa.select(services.c.id).where(services.c.id == service_id)).first() is None:
        raise OfficerError(f"service inconnu : {service_id!r}")
    if conn.execute(sa.select(officers.c.id).where(officers.c.login == login)).first() is not None:
        raise OfficerError(f"l'identifiant {login!r} existe déjà")
    result = conn.execute(
        officers.insert().values(
            login=login, nom=nom.strip(), service_id=service_id, password_hash=_hasher.hash(password), active=True,
            created_at=utcnow(),
        )
    )
    return Officer(result.inserted_primary_key[0], login, nom.strip(), service_id)


def set_password(conn: Connection, login: str, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise OfficerError(f"mot de passe trop court : {MIN_PASSWORD} caractères au moins")
    done = conn.execute(officers.update().where(officers.c.login == login).values(password_hash=_hasher.hash(password)))
    if done.rowcount != 1:
        raise OfficerError(f"identifiant inconnu : {login!r}")
    _end_sessions(conn, login)


def set_active(conn: Connection, login: str, active: bool) -> None:
    done = conn.execute(officers.update().where(officers.c.login == login).values(active=active))
    if done.rowcount != 1:
        raise OfficerError(f"identifiant inconnu : {login!r}")
    if not active:
        _end_sessions(conn, login)


def _end_sessions(conn: Connection, login: str) -> None:
    ids = sa.select(officers.c.id).where(officers.c.login == login).scalar_subquery()
    conn.execute(sessions.delete().where(sessions.c.officer_id == ids))


def all_officers(conn: Connection) -> list[dict]:
    rows = conn.execute(sa.select(officers).order_by(officers.c.service_id, officers.c.login))
    return [{"login": r.login, "nom": r.nom, "service": r.service_id, "actif": r.active} for r in rows]


def login(conn: Connection, login_name: str, password: str, lifetime: dt.timedelta,
          now: Optional[dt.datetime] = None) -> Optional[tuple[str, Session]]:
    """A new session (its token, given once, and the session) for the right password of an active officer."""
    now = now or utcnow()
    row = conn.execute(sa.select(officers).where(officers.c.login == (login_name or "").strip().lower())).first()
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password or "")
        ok = row is not None and row.active
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        audit.record(conn, "anonyme", "login_failed", service_id=row.service_id if row is not None else None, at=now)
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(officers.update().where(officers.c.id == row.id).values(password_hash=_hasher.hash(password)))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + lifetime
    conn.execute(sessions.delete().where(sessions.c.expires_at < now))
    conn.execute(
        sessions.insert().values(token_hash=_token_hash(token), officer_id=row.id, csrf=csrf, created_at=now,
                                 expires_at=expires, last_seen_at=now)
    )
    officer = Officer(row.id, row.login, row.nom, row.service_id)
    audit.record(conn, officer.actor, "login", service_id=officer.service_id, at=now)
    return token, Session(officer, csrf, expires)


def session(conn: Connection, token: str, idle: dt.timedelta, now: Optional[dt.datetime] = None) -> Optional[Session]:
    """The live session of a token, or None (unknown, expired, idle too long, officer disabled)."""
    if not token:
        return None
    now = now or utcnow()
    row = conn.execute(
        sa.select(sessions, officers.c.login, officers.c.nom, officers.c.service_id, officers.c.active)
        .join(officers, officers.c.id == sessions.c.officer_id)
        .where(sessions.c.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return None
    if not row.active or row.expires_at <= now or row.last_seen_at + idle <= now:
        conn.execute(sessions.delete().where(sessions.c.token_hash == row.token_hash))
        return None
    conn.execute(sessions.update().where(sessions.c.token_hash == row.token_hash).values(last_seen_at=now))
    return Session(Officer(row.officer_id, row.login, row.nom, row.service_id), row.csrf, row.expires_at)


def logout(conn: Connection, token: str) -> None:
    conn.execute(sessions.delete().where(sessions.c.token_hash == _token_hash(token or "")))


def online_count(conn: Connection, service_id: str, within: dt.timedelta, now: Optional[dt.datetime] = None) -> int:
    """How many officers of a service have a live session used within `within` (the console polls)."""
    now = now or utcnow()
    query = (
        sa.select(sa.func.count(sa.distinct(sessions.c.officer_id)))
        .select_from(sessions.join(officers, officers.c.id == sessions.c.officer_id))
        .where(officers.c.service_id == service_id, officers.c.active.is_(True), sessions.c.expires_at > now,
               sessions.c.last_seen_at > now - within)
    )
    return int(conn.execute(query).scalar() or 0)
